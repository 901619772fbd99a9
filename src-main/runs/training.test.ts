import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createNodeRuntime } from '../runtime/node';
import type { TrainConfig, TrainEvent } from '../engine/types';
import { readCheckpoint, type LoadedCheckpoint } from './checkpoint';
import { toyConfig, toyDatasetRef, toyImages, toyModel } from '../../tests/helpers/toy';
import { RunStore } from './store';
import { resumeTraining, startTraining, type TrainingHandle } from './training';

const runtime = createNodeRuntime('cpu', { threads: 1 });
const data = toyImages();

let home: string;
let store: RunStore;
beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-train-'));
  store = new RunStore(home);
});
afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

const bytes = (a: Float32Array[]) => Buffer.concat(a.map((t) => Buffer.from(t.buffer, t.byteOffset, t.byteLength)));

async function finalState(runId: string, epochs: number) {
  const r = await store.get(runId);
  return readCheckpoint(store.checkpoints(r).epochFile(epochs));
}

/** the end states of two runs are bit for bit the same (parameters, optimizer state, RNG, counters, test error) */
function expectSameState(got: LoadedCheckpoint, ref: LoadedCheckpoint): void {
  expect(got.step).toBe(ref.step);
  expect(got.state.rngState).toEqual(ref.state.rngState);
  expect(bytes(got.state.params).equals(bytes(ref.state.params))).toBe(true);
  expect(bytes(got.state.optimizerState).equals(bytes(ref.state.optimizerState))).toBe(true);
  expect(got.testError).toBe(ref.testError);
}

/**
 * Trains a fresh run; stops it right after `stopAfter` epochs, or after step `stopAt.step` of
 * epoch `stopAt.epoch` (from 1), when given; `onEvent` sees every event with the run's handle.
 */
async function train(
  opts: { stopAfter?: number; stopAt?: { epoch: number; step: number }; dropout?: boolean; epochs?: number; config?: Partial<TrainConfig>; onEvent?: (e: TrainEvent, h: TrainingHandle) => void } = {},
) {
  const config = toyConfig({ epochs: opts.epochs ?? 4, ...opts.config });
  const run = await store.create({ model: toyModel([1, 4, 4], opts.dropout), config, dataset: toyDatasetRef, checkpointPolicy: { every: 1, keepLast: 10 } });
  const events: TrainEvent[] = [];
  const h = await startTraining({
    store,
    runId: run.id,
    data,
    runtime,
    onEvent: (e) => {
      events.push(e);
      if (opts.stopAfter !== undefined && e.event === 'epoch' && e.epoch === opts.stopAfter) h.stop('test stop');
      if (opts.stopAt && e.event === 'batch' && e.epoch === opts.stopAt.epoch && e.step === opts.stopAt.step) h.stop('test stop');
      opts.onEvent?.(e, h);
    },
  });
  const result = await h.done;
  return { run, events, result };
}

describe('training a run', () => {
  it('writes metrics, artifacts, a checkpoint per epoch, the best checkpoint and the final status', async () => {
    const { run, events, result } = await train();
    expect(result.status).toBe('finished');
    const p = store.paths(run.id);
    expect(fs.readdirSync(p.artifacts).sort()).toEqual(['eval.onnx', 'infer.onnx', 'train.onnx']);
    const names = fs.readdirSync(p.checkpoints).sort();
    expect(names).toContain('best.ckpt');
    expect(names.filter((n) => n.startsWith('epoch-'))).toEqual(['epoch-000001.ckpt', 'epoch-000002.ckpt', 'epoch-000003.ckpt', 'epoch-000004.ckpt']);
    const r = await store.get(run.id);
    expect(r.status).toBe('finished');
    expect(r.pid).toBeUndefined();
    expect(r.progress.epochsDone).toBe(4);
    const tests = events.filter((e): e is Extract<TrainEvent, { event: 'test' }> => e.event === 'test');
    expect(tests).toHaveLength(4);
    const bestErr = Math.min(...tests.map((t) => t.error));
    expect(r.progress.bestTestError).toBe(bestErr);
    expect(r.progress.lastTestError).toBe(tests[3].error);
    const best = await readCheckpoint(path.join(p.checkpoints, 'best.ckpt'));
    expect(best.testError).toBe(bestErr);
    expect(best.epoch).toBe(tests.findIndex((t) => t.error === bestErr) + 1);
    const logged = store.metrics(run.id).records.map((x) => x.event);
    expect(logged.filter((e) => e === 'epoch')).toHaveLength(4);
    expect(logged.at(-1)).toBe('done');
    const summary = (await store.list())[0];
    expect(summary).toMatchObject({ status: 'finished', epochsDone: 4, bestTestError: bestErr });
    expect(summary.seconds).toBeGreaterThan(0);
    await expect(resumeTraining({ store, runId: run.id, data, runtime })).rejects.toThrow(/finished all 4 epochs/);
  });

  it('stop + resume continues bit-identically to an uninterrupted run (Adam, dropout, step schedule)', async () => {
    const straight = await train({ dropout: true });
    const ref = await finalState(straight.run.id, 4);

    const interrupted = await train({ dropout: true, stopAfter: 2 });
    expect(interrupted.result.status).toBe('stopped');
    expect((await store.get(interrupted.run.id)).status).toBe('stopped');
    expect((await store.get(interrupted.run.id)).progress.epochsDone).toBe(2);
    const h = await resumeTraining({ store, runId: interrupted.run.id, data, runtime, datasetHash: toyDatasetRef.contentHash });
    expect(h.fromEpoch).toBe(2);
    expect((await h.done).status).toBe('finished');
    const got = await finalState(interrupted.run.id, 4);

    expectSameState(got, ref);

    // the metrics read as one continuous history: epochs 1..4 once each
    const epochs = store.metrics(interrupted.run.id).records.filter((r) => r.event === 'epoch').map((r) => (r as { epoch: number }).epoch);
    expect(epochs).toEqual([1, 2, 3, 4]);
    const r = await store.get(interrupted.run.id);
    expect(r.resumes).toHaveLength(1);
    expect(r.resumes[0].fromEpoch).toBe(2);
  });

  it('a stop inside an epoch resumes at its next step, bit-identically, with the same epoch means', async () => {
    const straight = await train({ dropout: true });
    const ref = await finalState(straight.run.id, 4);

    // 96 samples in batches of 10: 10 steps an epoch; stop after step 4 of the third epoch
    const interrupted = await train({ dropout: true, stopAt: { epoch: 3, step: 4 } });
    expect(interrupted.result.status).toBe('stopped');
    const folder = store.checkpoints(await store.get(interrupted.run.id));
    const stopped = await readCheckpoint(folder.midEpochFile);
    expect(stopped.epoch).toBe(2);
    expect(stopped.state.partial?.stepsDone).toBe(4);
    expect(stopped.step).toBe(24);
    expect((await store.get(interrupted.run.id)).progress.step).toBe(24);
    // exports and evaluations take whole epochs: 'last' is the end of the second epoch
    const last = (await folder.load('last')).checkpoint;
    expect(last.epoch).toBe(2);
    expect(last.state.partial).toBeUndefined();

    const resumed: TrainEvent[] = [];
    const h = await resumeTraining({ store, runId: interrupted.run.id, data, runtime, onEvent: (e) => resumed.push(e) });
    expect(h.fromEpoch).toBe(2);
    expect((await h.done).status).toBe('finished');
    // the first step trained after the resume is step 5 of the third epoch
    expect(resumed.find((e) => e.event === 'batch')).toMatchObject({ epoch: 3, step: 5 });
    const got = await finalState(interrupted.run.id, 4);
    expectSameState(got, ref);
    expect(fs.existsSync(folder.midEpochFile)).toBe(false);

    // one continuous history: the same epoch means as the uninterrupted run, each step of the third epoch once
    const means = (events: { event: string }[]) => events.filter((e) => e.event === 'epoch').map((e) => [(e as unknown as { loss: number }).loss, (e as unknown as { error: number }).error]);
    const history = store.metrics(interrupted.run.id).records;
    expect(means(history)).toEqual(means(straight.events));
    const third = history.filter((r) => r.event === 'batch' && (r as { epoch: number }).epoch === 3).map((r) => (r as { step: number }).step);
    expect(third).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect((await store.get(interrupted.run.id)).resumes[0]).toMatchObject({ fromEpoch: 2, fromStep: 4 });
  });

  it('a damaged mid-epoch.ckpt is refused and the last epoch checkpoint resumes', async () => {
    const straight = await train();
    const ref = await finalState(straight.run.id, 4);
    const interrupted = await train({ stopAt: { epoch: 2, step: 7 } });
    const folder = store.checkpoints(await store.get(interrupted.run.id));
    const b = fs.readFileSync(folder.midEpochFile);
    b[b.length - 40] ^= 0x55;
    fs.writeFileSync(folder.midEpochFile, b);
    const h = await resumeTraining({ store, runId: interrupted.run.id, data, runtime });
    expect(h.fromEpoch).toBe(1);
    expect(h.rejected[0].reason).toMatch(/mid-epoch\.ckpt: checksum mismatch/);
    expect(fs.existsSync(folder.midEpochFile)).toBe(false);
    await h.done;
    const got = await finalState(interrupted.run.id, 4);
    expect(bytes(got.state.params).equals(bytes(ref.state.params))).toBe(true);
  });

  it('a damaged newest checkpoint is refused and the previous one resumes, still bit-identically', async () => {
    const straight = await train();
    const ref = await finalState(straight.run.id, 4);
    const interrupted = await train({ stopAfter: 3 });
    const folder = store.checkpoints(await store.get(interrupted.run.id));
    const f3 = folder.epochFile(3);
    const b = fs.readFileSync(f3);
    b[b.length - 40] ^= 0x55;
    fs.writeFileSync(f3, b);
    fs.rmSync(folder.bestFile, { force: true }); // so that best.ckpt (maybe epoch 3) is not the fallback
    const h = await resumeTraining({ store, runId: interrupted.run.id, data, runtime });
    expect(h.fromEpoch).toBe(2);
    expect(h.rejected).toHaveLength(1);
    expect(h.rejected[0].reason).toMatch(/epoch-000003\.ckpt: checksum mismatch/);
    await h.done;
    const got = await finalState(interrupted.run.id, 4);
    expect(bytes(got.state.params).equals(bytes(ref.state.params))).toBe(true);
    expect((await store.get(interrupted.run.id)).resumes[0].rejected?.[0]).toMatch(/checksum mismatch/);
  });

  it('a pause inside an epoch saves where it stands (the studio may be closed while paused), and changes nothing', async () => {
    const straight = await train({ dropout: true });
    const ref = await finalState(straight.run.id, 4);
    let seen: number | null = null;
    const { run } = await train({
      dropout: true,
      onEvent: (e, h) => {
        if (e.event !== 'batch' || e.epoch !== 2 || e.step !== 3) return;
        h.pause();
        void (async () => {
          try {
            const file = store.checkpoints(await store.get(h.runId)).midEpochFile;
            for (let i = 0; i < 100 && !fs.existsSync(file); i++) await new Promise((r) => setTimeout(r, 20));
            seen = (await readCheckpoint(file)).state.partial?.stepsDone ?? null;
          } catch {
            seen = -1; // no mid-epoch file while paused
          } finally {
            h.resume();
          }
        })();
      },
    });
    expect(seen).toBe(3);
    expectSameState(await finalState(run.id, 4), ref);
  });

  it('counts training time without the time paused', async () => {
    const wall0 = Date.now();
    let paused = false;
    const { run, result } = await train({
      epochs: 1,
      onEvent: (e, h) => {
        if (e.event !== 'batch' || paused) return;
        paused = true;
        h.pause();
        setTimeout(() => h.resume(), 600);
      },
    });
    expect(result.status).toBe('finished');
    const wall = (Date.now() - wall0) / 1000;
    expect((await store.get(run.id)).progress.seconds).toBeLessThanOrEqual(wall - 0.55);
  });

  it('refuses to continue a run that diverged: it would diverge again at the same step', async () => {
    const { run, result } = await train({ config: { lr: 1e12, optimizer: { kind: 'sgd' }, schedule: { kind: 'constant' } } });
    expect(result.status).toBe('failed');
    expect(result.reason).toMatch(/training has diverged/);
    await expect(resumeTraining({ store, runId: run.id, data, runtime })).rejects.toThrow(/diverged .*would diverge again at the same step/);
  });

  it('refuses to resume on a different dataset, or a run that is training', async () => {
    const { run } = await train({ stopAfter: 1 });
    await expect(resumeTraining({ store, runId: run.id, data, runtime, datasetHash: 'other' })).rejects.toThrow(/not the one run .* was trained on/);
    const wrong = { ...data, sampleSize: 9, sampleShape: [1, 3, 3] };
    await expect(resumeTraining({ store, runId: run.id, data: wrong, runtime })).rejects.toThrow(/samples of 16 values/);
    await store.update(run.id, (r) => {
      r.status = 'running';
      r.pid = process.pid;
    });
    await expect(resumeTraining({ store, runId: run.id, data, runtime })).rejects.toThrow(/training right now.*--force/);
    const h = await resumeTraining({ store, runId: run.id, data, runtime, force: true });
    expect(h.fromEpoch).toBe(1);
    expect((await h.done).status).toBe('finished');
  });
});
