/**
 * Issue 15, training half: a crash after the last epoch's checkpoint (item 6), checkpoint
 * headers checked against the run (item 15), and a full disk during training (item 11).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createNodeRuntime } from '../runtime/node';
import type { TrainConfig } from '../engine/types';
import { readCheckpoint } from './checkpoint';
import { toyConfig, toyDatasetRef, toyImages, toyModel } from './fixtures/toy';
import { RunStore } from './store';
import { resumeTraining, startTraining } from './training';

const runtime = createNodeRuntime('cpu', { threads: 1 });
const data = toyImages();

let home: string;
let store: RunStore;
beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-resil-'));
  store = new RunStore(home);
});
afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

async function train(config: Partial<TrainConfig> = {}) {
  const run = await store.create({ model: toyModel(), config: toyConfig({ epochs: 3, ...config }), dataset: toyDatasetRef, checkpointPolicy: { every: 1, keepLast: 10 } });
  const h = await startTraining({ store, runId: run.id, data, runtime });
  const result = await h.done;
  return { run, result };
}

/** run.json as a process SIGKILLed right after writing the last epoch's file would leave it */
async function crashAfterLastEpochFile(id: string, epochs: number): Promise<void> {
  const folder = store.checkpoints(await store.get(id));
  fs.rmSync(folder.bestFile, { force: true });
  await store.update(id, (r) => {
    r.status = 'running';
    r.pid = 999_999_999; // no such process: reads as failed
    r.hostname = os.hostname();
    r.progress = { epochsDone: epochs - 1, step: r.progress.step, bestTestError: null, bestEpoch: null, lastTestError: null, seconds: r.progress.seconds };
  });
  // the metrics end at the last test event: no 'done' yet
  const lines = fs.readFileSync(store.paths(id).metrics, 'utf8').trimEnd().split('\n');
  fs.writeFileSync(store.paths(id).metrics, lines.filter((l) => !l.includes('"event":"done"')).join('\n') + '\n');
}

describe('a crash at the last epoch (item 6)', () => {
  it('resume rebuilds what the last checkpoint implies: its test error, best.ckpt, the best in run.json', async () => {
    // only the last epoch is tested: best.ckpt is first written after the last epoch file
    const { run, result } = await train({ evalEvery: 0 });
    expect(result.status).toBe('finished');
    const last = await readCheckpoint(store.checkpoints(run).epochFile(3));
    expect(last.testError).not.toBeNull();
    await crashAfterLastEpochFile(run.id, 3);
    expect((await store.get(run.id)).status).toBe('failed');

    const h = await resumeTraining({ store, runId: run.id, data, runtime });
    expect(h.fromEpoch).toBe(3);
    const done = await h.done;
    expect(done.status).toBe('finished');
    expect(done.testError).toBe(last.testError);
    const r = await store.get(run.id);
    expect(r.status).toBe('finished');
    expect(r.progress).toMatchObject({ epochsDone: 3, bestTestError: last.testError, bestEpoch: 3, lastTestError: last.testError });
    const best = await readCheckpoint(store.checkpoints(r).bestFile);
    expect(best.epoch).toBe(3);
    expect(best.testError).toBe(last.testError);
    const summary = (await store.list()).find((s) => s.id === run.id)!;
    expect(summary).toMatchObject({ status: 'finished', bestTestError: last.testError, lastTestError: last.testError });
  });

  it('a crash before best.ckpt in an earlier epoch: the resumed run still ends with the true best', async () => {
    const ref = await train({ evalEvery: 1 });
    const refRecord = await store.get(ref.run.id);
    const { run } = await train({ evalEvery: 1 });
    // epoch 3 is the newest checkpoint; pretend best.ckpt and run.json stopped at epoch 2
    await crashAfterLastEpochFile(run.id, 3);
    const h = await resumeTraining({ store, runId: run.id, data, runtime });
    expect((await h.done).status).toBe('finished');
    const r = await store.get(run.id);
    expect(r.progress.bestTestError).toBe(refRecord.progress.bestTestError);
    expect(r.progress.lastTestError).toBe(refRecord.progress.lastTestError);
    expect((await readCheckpoint(store.checkpoints(r).bestFile)).testError).toBe(refRecord.progress.bestTestError);
  });
});
