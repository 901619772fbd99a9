/**
 * Chaos, import half (issue 15): real `mlp-studio import` processes SIGKILLed at seeded
 * random points (while starting, while importing into the staging folder, at the moment the
 * library lock is taken to commit), all on one studio home. After each kill the library lists
 * exactly the datasets it had, plus at most the one new dataset complete and bit-identical to
 * an uninterrupted import; nothing partial is visible; every name resolves to one dataset.
 * Then an import of the same file works. CHAOS_SEED picks other points; CHAOS_TRIALS more.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DatasetLibrary } from '../../src-main/datasets/library';
import { isDatasetId } from '../../src-main/datasets/ids';
import type { DatasetMeta } from '../../src-main/datasets/types';
import { csvText } from '../helpers/test-fixtures';
import { libraryLockFile } from '../../src-main/locks';
import { SEED, TRIALS, rng } from './chaos-settings';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

let root: string;
let home: string;
let file: string;
let before: DatasetMeta[];
/** the same file imported uninterrupted into another home: what a complete import holds */
let expected: { meta: DatasetMeta; files: Map<string, Buffer>; ms: number };

const BINARIES = ['train-x.bin', 'train-y.bin', 'test-x.bin', 'test-y.bin'];

function binaries(dir: string): Map<string, Buffer> {
  return new Map(BINARIES.map((b) => [b, fs.readFileSync(path.join(dir, b))]));
}

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'mlps-chaos-import-'));
  home = path.join(root, 'home');
  file = path.join(root, 'measurements.csv');
  fs.writeFileSync(file, csvText(6000, { features: 20, classes: ['a', 'b', 'c', 'd'] }));
  // the library already holds a dataset the kills must never touch
  const earlier = path.join(root, 'earlier.csv');
  fs.writeFileSync(earlier, csvText(90));
  await new DatasetLibrary(home).import([earlier]);
  before = await new DatasetLibrary(home).list();
  const scratch = new DatasetLibrary(path.join(root, 'scratch'));
  const t0 = performance.now();
  const meta = await scratch.import([file]);
  expected = { meta, files: binaries(path.join(scratch.dir, meta.id)), ms: performance.now() - t0 };
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/**
 * starting: some ms after the process starts; importing: some ms after its staging folder
 * appears; committing: as soon as it holds the library lock; committed: as soon as its
 * dataset folder appears (renamed into place, the process still running)
 */
type KillPoint = { when: 'starting' | 'importing'; afterMs: number } | { when: 'committing' | 'committed' };

function pickKillPoint(r: () => number): KillPoint {
  const u = r();
  if (u < 0.15) return { when: 'starting', afterMs: Math.round(r() * 1500) };
  if (u < 0.7) return { when: 'importing', afterMs: Math.round(r() * expected.ms * 2.5) };
  return u < 0.85 ? { when: 'committing' } : { when: 'committed' };
}

/** Runs the import CLI and SIGKILLs it at `point` (it may finish first). */
function importKilledAt(point: KillPoint | null): Promise<{ code: number | null; signal: NodeJS.Signals | null; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [path.join(repo, 'bin', 'mlp-studio.mjs'), 'import', file, '--no-progress', '--json'], {
      env: { ...process.env, MLP_STUDIO_HOME: home },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d));
    const kill = () => p.kill('SIGKILL');
    let timer: ReturnType<typeof setTimeout> | null = null;
    let poll: ReturnType<typeof setInterval> | null = null;
    const datasets = path.join(home, 'datasets');
    const lock = libraryLockFile(home);
    // a lock left by an earlier killed import is stale: wait for a fresh one (another pid)
    const freshLock = () => {
      try {
        return JSON.parse(fs.readFileSync(lock, 'utf8')).pid === p.pid;
      } catch {
        return false;
      }
    };
    const afterMs = point && 'afterMs' in point ? point.afterMs : 0;
    if (point?.when === 'starting') timer = setTimeout(kill, afterMs);
    else if (point) {
      const known = new Set(fs.readdirSync(datasets));
      poll = setInterval(() => {
        if (point.when === 'committing') {
          if (freshLock()) kill();
          return;
        }
        if (point.when === 'committed') {
          if (fs.readdirSync(datasets).some((n) => isDatasetId(n) && !known.has(n))) kill();
          return;
        }
        if (fs.readdirSync(datasets).some((n) => n.startsWith('.staging-') && !known.has(n))) {
          clearInterval(poll!);
          poll = null;
          timer = setTimeout(kill, afterMs);
        }
      }, 2);
    }
    p.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (poll) clearInterval(poll);
      resolve({ code, signal, err });
    });
  });
}

/** The library's invariants after a kill; returns the new dataset if the import got through. */
async function checkLibrary(): Promise<DatasetMeta | null> {
  const lib = new DatasetLibrary(home);
  const listed = await lib.list();
  // nothing partial is visible: every dataset folder is a listed, complete dataset
  const folders = fs.readdirSync(lib.dir).filter(isDatasetId);
  expect(folders.sort()).toEqual(listed.map((m) => m.id).sort());
  for (const m of before) expect(listed.find((x) => x.id === m.id)).toEqual(m);
  const added = listed.filter((m) => !before.some((b) => b.id === m.id));
  expect(added.length).toBeLessThanOrEqual(1);
  for (const m of listed) expect((await lib.get(m.name)).id).toBe(m.id);
  for (const m of before) expect(binaries(path.join(lib.dir, m.id)).size).toBe(4);
  if (!added.length) return null;
  const got = added[0];
  const { id: _i, createdAt: _c, ...rest } = got;
  const { id: _ei, createdAt: _ec, ...want } = expected.meta;
  expect(rest).toEqual(want);
  const files = binaries(path.join(lib.dir, got.id));
  for (const b of BINARIES) expect(files.get(b)!.equals(expected.files.get(b)!), b).toBe(true);
  return got;
}

it(`${TRIALS} imports SIGKILLed at seeded random points never lose or half-show a dataset; a later import works`, async () => {
  const r = rng(SEED);
  const outcomes: string[] = [];
  for (let trial = 0; trial < TRIALS; trial++) {
    const point = pickKillPoint(r);
    const res = await importKilledAt(point);
    const added = await checkLibrary();
    outcomes.push(`${point.when}${'afterMs' in point ? `+${point.afterMs}ms` : ''}: ${res.signal ?? `exit ${res.code}`}, ${added ? 'complete' : 'nothing'}`);
    if (res.signal === null) expect(res.code, res.err).toBe(0);
    if (res.code === 0) expect(added).not.toBeNull();
    // start the next trial from the same library
    if (added) await new DatasetLibrary(home).delete(added.id);
  }
  const killed = outcomes.filter((o) => o.includes('SIGKILL')).length;
  expect(killed, outcomes.join('\n')).toBeGreaterThanOrEqual(Math.ceil(TRIALS / 2));

  const last = await importKilledAt(null);
  expect(last.code, last.err).toBe(0);
  expect(await checkLibrary()).not.toBeNull();
  console.log(`chaos import (seed ${SEED}):\n  ${outcomes.join('\n  ')}`);
}, 300_000);
