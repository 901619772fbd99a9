/**
 * Several writers on one library (issue 15, item 7): parallel imports of the same file, in
 * this process through separate library objects and in separate `mlp-studio import`
 * processes, end with one dataset and the others refused as duplicates; parallel imports of
 * different files with the same name end with distinct names. Never "Several datasets are
 * named ..." afterwards.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuplicateDatasetError } from './errors';
import { DatasetLibrary } from './library';
import { csvText, tempDir } from '../../tests/helpers/test-fixtures';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
let root: string;

beforeAll(async () => {
  root = await tempDir('mlps-conc-');
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

/** four files named data.csv in four folders, each with other rows */
async function sameNamedFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (let i = 0; i < 4; i++) {
    const f = path.join(dir, `d${i}`, 'data.csv');
    await fs.mkdir(path.dirname(f), { recursive: true });
    await fs.writeFile(f, csvText(40 + i));
    files.push(f);
  }
  return files;
}

function cli(home: string, ...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(repo, 'bin', 'mlp-studio.mjs'), ...args], { env: { ...process.env, MLP_STUDIO_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

async function expectUniqueNames(lib: DatasetLibrary): Promise<void> {
  const metas = await lib.list();
  const names = metas.map((m) => m.name.toLowerCase());
  expect(new Set(names).size).toBe(names.length);
  for (const m of metas) expect((await lib.get(m.name)).id).toBe(m.id);
}

describe('parallel imports in one process, through separate library objects', () => {
  it('of the same file: one dataset, the others refused as duplicates', async () => {
    const home = path.join(root, 'same-in-process');
    const file = path.join(root, 'flowers.csv');
    await fs.writeFile(file, csvText(200));
    const results = await Promise.allSettled([0, 1, 2, 3].map(() => new DatasetLibrary(home).import([file])));
    const ok = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(ok).toHaveLength(1);
    for (const r of refused) expect(r.reason).toBeInstanceOf(DuplicateDatasetError);
    const lib = new DatasetLibrary(home);
    expect(await lib.list()).toHaveLength(1);
    expect((await lib.get('flowers')).name).toBe('flowers');
  });

  it('of different files with the same name: four distinct names', async () => {
    const home = path.join(root, 'names-in-process');
    const files = await sameNamedFiles(path.join(root, 'in'));
    const metas = await Promise.all(files.map((f) => new DatasetLibrary(home).import([f])));
    expect(metas.map((m) => m.name).sort()).toEqual(['data', 'data (2)', 'data (3)', 'data (4)']);
    await expectUniqueNames(new DatasetLibrary(home));
  });
});

describe('parallel imports in separate mlp-studio processes', () => {
  it('of the same file: one dataset, the others refused; of same-named files: distinct names', async () => {
    const home = path.join(root, 'processes');
    const file = path.join(root, 'iris.csv');
    await fs.writeFile(file, csvText(300));
    const files = await sameNamedFiles(path.join(root, 'procs'));
    // all eight at once: four of iris.csv, four of different data.csv files
    const all = await Promise.all([...[0, 1, 2, 3].map(() => file), ...files].map((f) => cli(home, 'import', f, '--no-progress', '--json')));
    const same = all.slice(0, 4);
    const named = all.slice(4);
    const ok = same.filter((r) => r.code === 0);
    expect(ok, same.map((r) => r.err).join('\n')).toHaveLength(1);
    for (const r of same.filter((x) => x.code !== 0)) expect(r.err).toMatch(/already in the library as "iris"/);
    for (const r of named) expect(r.code, r.err).toBe(0);
    expect(named.map((r) => JSON.parse(r.out).name).sort()).toEqual(['data', 'data (2)', 'data (3)', 'data (4)']);
    const lib = new DatasetLibrary(home);
    expect(await lib.list()).toHaveLength(5);
    await expectUniqueNames(lib);
    expect((await fs.readdir(home)).filter((n) => n.includes('lock'))).toEqual([]); // every lock let go
  });
});
