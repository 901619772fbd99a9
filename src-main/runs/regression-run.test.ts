/**
 * A run that predicts a number, through the run folder (issue 11 item 3): checkpoints hold its
 * errors in the target's units (MAEs well above 1) and the validation loss that chooses, run.json
 * records the task and the test metrics, and a run stopped and resumed keeps the same epoch and
 * ends bit-identical to a run never stopped, also when best.ckpt has to be rebuilt from the
 * epoch files (by the validation loss).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Rng } from '../engine/rng';
import type { ModelSpec, TrainConfig, TrainEvent, TrainingData } from '../engine/types';
import { createNodeRuntime } from '../runtime/node';
import { readCheckpoint } from './checkpoint';
import { toyConfig, toyDatasetRef } from '../../tests/helpers/toy';
import { RunStore } from './store';
import { resumeTraining, startTraining } from './training';

const runtime = createNodeRuntime('cpu', { threads: 1 });
const D = 5;
const spec: ModelSpec = { inputShape: [D], classes: 1, task: 'number', layers: [{ kind: 'linear', units: 8, bias: true }, { kind: 'relu' }, { kind: 'linear', units: 1, bias: true }] };

/** prices around 300 with a spread of some 60: MAEs in the tens */
function data(): TrainingData {
  const rng = new Rng(9);
  const make = (n: number) => {
    const x = new Float32Array(n * D).map(() => rng.normal());
    const y = Float32Array.from({ length: n }, (_, i) => 300 + 50 * x[i * D] + 20 * Math.abs(x[i * D + 1]) + 10 * rng.normal());
    return { x, y, n };
  };
  return {
    name: 'prices',
    sampleShape: [D],
    sampleSize: D,
    classNames: ['price'],
    train: make(120),
    test: make(40),
    preprocess: { scale: 1, mean: new Array(D).fill(0), std: new Array(D).fill(1) },
    task: 'number',
    target: { mean: 300, std: 60 },
  };
}

let home: string;
let store: RunStore;
beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-number-run-'));
  store = new RunStore(home);
});
afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

const config: TrainConfig = toyConfig({ epochs: 6, batchSize: 16, lr: 0.01, optimizer: { kind: 'adam', beta1: 0.9, beta2: 0.999, eps: 1e-8 }, validation: 0.2, patience: 0, evalEvery: 1 });

async function train(stopAfter?: number) {
  const run = await store.create({ model: spec, config, dataset: toyDatasetRef, checkpointPolicy: { every: 1, keepLast: 10 } });
  const events: TrainEvent[] = [];
  const h = await startTraining({
    store,
    runId: run.id,
    data: data(),
    runtime,
    onEvent: (e) => {
      events.push(e);
      if (stopAfter !== undefined && e.event === 'epoch' && e.epoch === stopAfter - 1) h.stop('test stop');
    },
  });
  return { run, events, result: await h.done };
}

const bytes = (a: Float32Array[]) => Buffer.concat(a.map((t) => Buffer.from(t.buffer, t.byteOffset, t.byteLength)));

describe('a run that predicts a number', () => {
  it('records its task, MAE figures, the validation loss in its checkpoints, and its test metrics', async () => {
    const { run, events, result } = await train();
    expect(result.status, result.reason).toBe('finished');
    const r = await store.get(run.id);
    expect(r.model.task).toBe('number');
    const done = events.find((e) => e.event === 'done') as Extract<TrainEvent, { event: 'done' }>;
    expect(r.testMetrics).toEqual(done.metrics);
    expect(r.progress.testError).toBe(done.testError);
    expect(done.testError!).toBeGreaterThan(1);
    const vals = events.filter((e) => e.event === 'validation') as Extract<TrainEvent, { event: 'validation' }>[];
    const best = vals.reduce((a, b) => (b.loss < a.loss ? b : a));
    expect(r.progress.checkpointEpoch).toBe(best.epoch);
    const ckpt = await readCheckpoint(path.join(store.paths(run.id).checkpoints, 'epoch-000002.ckpt'));
    expect(ckpt.validationLoss).toBe(vals[1].loss);
    expect(ckpt.validationError).toBe(vals[1].error);
    expect(store.summary(r)).toMatchObject({ task: 'number', testMetrics: done.metrics });
  }, 120_000);

  it('stopped and resumed (best.ckpt rebuilt from the epoch files by the validation loss), it keeps the same epoch and ends the same', async () => {
    const full = await train();
    const ref = await store.get(full.run.id);
    const stopped = await train(3);
    expect(stopped.result.status).toBe('stopped');
    // a crash between an epoch file and best.ckpt: the kept one is rebuilt from the epoch files
    fs.rmSync(path.join(store.paths(stopped.run.id).checkpoints, 'best.ckpt'));
    const h = await resumeTraining({ store, runId: stopped.run.id, data: data(), runtime });
    const result = await h.done;
    expect(result.status, result.reason).toBe('finished');
    const got = await store.get(stopped.run.id);
    expect(got.progress.checkpointEpoch).toBe(ref.progress.checkpointEpoch);
    expect(got.progress.validationError).toBe(ref.progress.validationError);
    expect(got.testMetrics).toEqual(ref.testMetrics);
    const last = (id: string) => readCheckpoint(path.join(store.paths(id).checkpoints, 'epoch-000006.ckpt'));
    const [a, b] = [await last(full.run.id), await last(stopped.run.id)];
    expect(bytes(b.state.params).equals(bytes(a.state.params))).toBe(true);
  }, 180_000);
});
