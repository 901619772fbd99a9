/**
 * Issue 15 item 13: SIGTERM on `mlp-studio train` and `resume` stops the run like Ctrl+C:
 * where it stands is saved, run.json says stopped, the process exits 143; resume continues.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cli, runIdIn, tinyTrainArgs, writeTinyCsv } from '../../tests/chaos/cli-harness';
import { RunStore } from './store';

let home: string;
beforeAll(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-sigterm-'));
  writeTinyCsv(path.join(home, 'tiny.csv'));
});
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

it('SIGTERM on train and on resume saves, marks the run stopped and exits 143; resume continues from there', { timeout: 120_000 }, async () => {
  const sigterm = (epochLine: RegExp) => {
    let sent = false;
    return (text: string, child: import('node:child_process').ChildProcess) => {
      if (!sent && epochLine.test(text)) {
        sent = true;
        child.kill('SIGTERM');
      }
    };
  };
  const train = await cli(home, tinyTrainArgs(path.join(home, 'tiny.csv'), 400), sigterm(/^epoch= 1 /m));
  expect(train.signal, train.stderr).toBeNull();
  expect(train.code, train.stderr).toBe(143);
  expect(train.stderr).toMatch(/Stopped by a request to end the program \(SIGTERM\)\. Resume it with: mlp-studio resume/);
  const id = runIdIn(train.stdout)!;
  const store = new RunStore(home);
  const r = await store.get(id);
  expect(r.status).toBe('stopped');
  expect(r.reason).toMatch(/SIGTERM/);
  expect(r.progress.epochsDone).toBeGreaterThanOrEqual(2);
  expect(r.pid).toBeUndefined();

  const resumed = await cli(home, ['resume', id, '--no-progress'], sigterm(/^epoch= \d+ /m));
  expect(resumed.code, resumed.stderr).toBe(143);
  const after = await store.get(id);
  expect(after.status).toBe('stopped');
  expect(after.progress.epochsDone).toBeGreaterThan(r.progress.epochsDone);
});
