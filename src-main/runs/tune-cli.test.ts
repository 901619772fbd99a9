/**
 * `mlp-studio tune` through the real binary on a small CSV table: --json prints the search's
 * events one per line and ends with done carrying the chosen run's test error; every trial is
 * a run of the sweep's group; the text output names the trials and the chosen settings (that
 * the same seed and budget choose the same is tested in tune.test.ts).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TuneEvent } from '../api/tune-contract';
import { csvText } from '../../tests/helpers/test-fixtures';
import { SESSION_UNITS, epochUnits, referenceSettings } from './tune-search';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = path.join(root, 'bin', 'mlp-studio.mjs');

let home: string;
let csv: string;
beforeAll(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-tune-cli-'));
  csv = path.join(home, 'flowers.csv');
  fs.writeFileSync(csv, csvText(120));
});
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: root, env: { ...process.env, MLP_STUDIO_HOME: path.join(home, 'studio') }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

// a few epochs of the largest trial on 4 features and ~100 samples: several trials and promotions
const budget = String(Math.round(2 * epochUnits({ ...referenceSettings(), hidden: [1024, 1024], batchSize: 32 }, { train: 90, inputSize: 4, classes: 3 }) + 10 * SESSION_UNITS));

describe('mlp-studio tune', () => {
  it('prints one JSON event per line, trials of one sweep group, and done with the chosen run\'s test error', async () => {
    const r = await cli(['tune', '--dataset', csv, '--minutes', '1', '--budget', budget, '--seed', '4', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as TuneEvent);
    expect(events[0]).toMatchObject({ event: 'start', seed: 4, budget: Number(budget) });
    const ends = events.filter((e) => e.event === 'trial-end');
    expect(ends.length).toBeGreaterThan(3);
    expect(events.filter((e) => e.event === 'trial-start').length).toBe(ends.length);
    const done = events.at(-1)!;
    if (done.event !== 'done') throw new Error(`the search ended with ${JSON.stringify(done)}`);
    expect(done.testError).toBeGreaterThanOrEqual(0);
    expect(done.testError).toBeLessThan(0.5);
    expect(events.some((e) => e.event === 'chosen' && e.runId === done.runId)).toBe(true);

    const runs = await cli(['runs', '--json']);
    const list = JSON.parse(runs.stdout) as { id: string; group?: string; status: string; testError: number | null }[];
    const trials = new Set(ends.map((e) => (e.event === 'trial-end' ? e.runId : '')));
    expect(list.filter((x) => x.group === done.sweep).map((x) => x.id).sort()).toEqual([...trials].sort());
    expect(list.find((x) => x.id === done.runId)).toMatchObject({ status: 'finished', testError: done.testError });
  }, 240_000);

  it('says in words what each trial did and what it chose', async () => {
    const r = await cli(['tune', '--dataset', csv, '--minutes', '1', '--budget', budget, '--seed', '4']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^settings search sweep-\\S+: seed 4, budget ${budget} units`, 'm'));
    expect(r.stdout).toMatch(/^trial {2}1 {2}rung 0 \(1 epochs\) {2}validation error \d+\.\d\d%/m);
    expect(r.stdout).toMatch(/^chosen: trial \d+ \((\d+-?)+ (sgd|momentum|adam) lr [\d.e-]+ batch \d+ dropout [\d.]+ weight decay [\d.e-]+, \d+ epochs\), validation error \d+\.\d\d%$/m);
    expect(r.stdout).toMatch(/^done: \d+ trials in \d+ s; the chosen run \S+ keeps epoch \d+, test error \d+\.\d\d%/m);
  }, 240_000);

  it('refuses a search without a time budget, saying which option is missing', async () => {
    const r = await cli(['tune', '--dataset', csv]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--minutes/);
  });
});
