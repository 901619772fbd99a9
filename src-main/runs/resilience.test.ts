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
import { encodeCheckpoint, readCheckpoint } from './checkpoint';
import { toyConfig, toyDatasetRef, toyImages, toyModel } from '../../tests/helpers/toy';
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
async function crashAfterLastEpochFile(id: string, epochs: number, keepBest = false): Promise<void> {
  const folder = store.checkpoints(await store.get(id));
  if (!keepBest) fs.rmSync(folder.bestFile, { force: true });
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

it('a crash after the last epoch file, best.ckpt older and the early epoch files pruned: the same best as the uninterrupted run', async () => {
  for (const evalEvery of [1, 2]) {
    const make = async () => {
      const run = await store.create({ model: toyModel(), config: toyConfig({ epochs: 6, evalEvery }), dataset: toyDatasetRef });
      await (await startTraining({ store, runId: run.id, data, runtime })).done;
      return run;
    };
    const ref = await store.get((await make()).id);
    const run = await make();
    await crashAfterLastEpochFile(run.id, 6, true);
    await (await resumeTraining({ store, runId: run.id, data, runtime })).done;
    const r = await store.get(run.id);
    expect(r.progress.bestEpoch).toBe(ref.progress.bestEpoch);
    expect(r.progress.bestTestError).toBe(ref.progress.bestTestError);
    expect((await readCheckpoint(store.checkpoints(r).bestFile)).epoch).toBe(ref.progress.bestEpoch);
  }
});

describe('checkpoint headers are checked against the run (item 15)', () => {
  async function stoppedAfter2() {
    const run = await store.create({ model: toyModel(), config: toyConfig({ epochs: 3 }), dataset: toyDatasetRef, checkpointPolicy: { every: 1, keepLast: 10 } });
    const h = await startTraining({ store, runId: run.id, data, runtime, onEvent: (e) => e.event === 'epoch' && e.epoch === 2 && h.stop('test stop') });
    expect((await h.done).status).toBe('stopped');
    return run;
  }

  it('a checkpoint whose checksum matches but whose header claims epoch 99 of 3 is refused, and resume goes on from the last true one', async () => {
    const run = await stoppedAfter2();
    const folder = store.checkpoints(run);
    const two = await readCheckpoint(folder.epochFile(2));
    const forged = encodeCheckpoint({ ...two.state, epoch: 99 }, 0);
    fs.writeFileSync(folder.epochFile(3), forged);
    fs.writeFileSync(folder.bestFile, forged);
    const h = await resumeTraining({ store, runId: run.id, data, runtime });
    expect(h.fromEpoch).toBe(2);
    expect(h.rejected.map((r) => r.reason).join('\n')).toMatch(/epoch 99.*3 epochs/);
    const done = await h.done;
    expect(done.status).toBe('finished');
    const r = await store.get(run.id);
    expect(r.progress.epochsDone).toBe(3);
    expect((await store.list()).find((s) => s.id === run.id)).toMatchObject({ status: 'finished', epochsDone: 3, epochs: 3 });
  });

  it('a checkpoint of another model, or of another run, is refused by name', async () => {
    const run = await stoppedAfter2();
    const folder = store.checkpoints(run);
    const two = await readCheckpoint(folder.epochFile(2));
    const other = { ...two.state, params: two.state.params.map((p) => new Float32Array(p.length + 1)) };
    fs.writeFileSync(folder.epochFile(2), encodeCheckpoint(other, null));
    fs.rmSync(folder.bestFile); // so that best.ckpt (maybe epoch 2) is not the fallback
    await expect(folder.load(2)).rejects.toThrow(/epoch-000002\.ckpt: .*parameters.*this run's model has \d+/);
    const h = await resumeTraining({ store, runId: run.id, data, runtime });
    expect(h.fromEpoch).toBe(1);
    expect(h.rejected[0].reason).toMatch(/parameters/);
    await h.done;
    // a file written for another run
    const stranger = encodeCheckpoint(two.state, null, undefined, 'some-other-run');
    fs.writeFileSync(folder.epochFile(2), stranger);
    await expect(folder.load(2)).rejects.toThrow(/belongs to run some-other-run/);
  });

  it('a folder where a checkpoint file should be is a clear error naming it, not EISDIR', async () => {
    for (const name of ['epoch-000003.ckpt', 'mid-epoch.ckpt', 'best.ckpt']) {
      const run = await stoppedAfter2();
      const where = path.join(store.checkpoints(run).dir, name);
      fs.rmSync(where, { force: true });
      fs.mkdirSync(where);
      const err = await resumeTraining({ store, runId: run.id, data, runtime }).then(
        () => null,
        (e: Error) => e,
      );
      expect(err?.message, name).toMatch(new RegExp(`${name.replace('.', '\\.')} is a folder where the studio keeps a checkpoint file; move it out .* then resume`));
      expect(err?.message).not.toMatch(/EISDIR/);
      expect(fs.statSync(where).isDirectory()).toBe(true); // nothing of the person's was deleted
      expect((await store.get(run.id)).status).toBe('stopped');
    }
  });
});
