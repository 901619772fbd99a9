/**
 * Issue 12 in a run folder: the validation part is recorded in run.json, best.ckpt is the
 * checkpoint of lowest validation error and run.json, the summary and the done result quote
 * the same test error (the kept checkpoint's, naming its epoch); early stopping and the
 * diagnosis of a run that learned nothing are recorded; a stop and resume keeps choosing the same.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { evaluate } from '../engine/evaluate';
import type { TrainConfig, TrainEvent } from '../engine/types';
import { createNodeRuntime } from '../runtime/node';
import { readCheckpoint } from './checkpoint';
import { toyConfig, toyDatasetRef, toyImages, toyModel } from '../../tests/helpers/toy';
import { RunStore } from './store';
import { resumeTraining, startTraining } from './training';

const runtime = createNodeRuntime('cpu', { threads: 1 });
const data = toyImages(150, 60);

let home: string;
let store: RunStore;
beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-valrun-'));
  store = new RunStore(home);
});
afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

const create = (config: Partial<TrainConfig>) =>
  store.create({ model: toyModel(), config: toyConfig({ epochs: 6, evalEvery: 1, validation: 0.2, schedule: { kind: 'constant' }, lr: 0.02, ...config }), dataset: toyDatasetRef, checkpointPolicy: { every: 1, keepLast: 10 } });

async function train(config: Partial<TrainConfig> = {}) {
  const run = await create(config);
  const events: TrainEvent[] = [];
  const h = await startTraining({ store, runId: run.id, data, runtime, onEvent: (e) => events.push(e) });
  const result = await h.done;
  return { run, result, events };
}

const validationEvents = (id: string) => store.metrics(id).records.filter((r) => r.event === 'validation') as Extract<TrainEvent, { event: 'validation' }>[];

describe('a run with a validation part', () => {
  it('keeps the epoch of lowest validation error in best.ckpt; run.json, the summary and the result quote its test error', async () => {
    const { run, result } = await train();
    const v = validationEvents(run.id);
    expect(v.map((e) => e.epoch)).toEqual([1, 2, 3, 4, 5, 6]);
    const min = Math.min(...v.map((e) => e.error));
    const keptEpoch = v.find((e) => e.error === min)!.epoch;
    const r = await store.get(run.id);
    expect(r.validation).toEqual({ fraction: 0.2, seed: 11, train: 120, validation: 30 });
    expect(r.progress).toMatchObject({ keptBy: 'validation', checkpointEpoch: keptEpoch, validationError: min, testError: result.testError, bestEpoch: keptEpoch, bestTestError: result.testError });
    const best = await readCheckpoint(store.checkpoints(r).bestFile);
    expect(best.epoch).toBe(keptEpoch);
    expect(best.validationError).toBe(min);
    const measured = await evaluate(runtime, r.model, best.state.params, data, data.test, r.config.batchSize);
    expect(result.testError).toBeCloseTo(measured.error, 6);
    const summary = (await store.list()).find((s) => s.id === run.id)!;
    expect(summary).toMatchObject({ testError: result.testError, checkpointEpoch: keptEpoch, validationError: min, keptBy: 'validation' });
    expect(result).toMatchObject({ checkpointEpoch: keptEpoch, validationError: min });
  });

  it('a stop and resume chooses the same epoch and ends with the same figures as an uninterrupted run', async () => {
    const ref = await train({ lr: 0.05 });
    const run = await create({ lr: 0.05 });
    const h = await startTraining({ store, runId: run.id, data, runtime, onEvent: (e) => e.event === 'epoch' && e.epoch === 3 && h.stop('test stop') });
    expect((await h.done).status).toBe('stopped');
    const h2 = await resumeTraining({ store, runId: run.id, data, runtime });
    const done = await h2.done;
    expect(done).toMatchObject({ status: 'finished', checkpointEpoch: ref.result.checkpointEpoch, validationError: ref.result.validationError, testError: ref.result.testError });
    expect(validationEvents(run.id).map((e) => e.error)).toEqual(validationEvents(ref.run.id).map((e) => e.error));
  });

  it('stops early: finished, the stop epoch saved, the reason in run.json', async () => {
    const { run, result } = await train({ epochs: 40, patience: 2, lr: 0.1 });
    const r = await store.get(run.id);
    expect(result.status).toBe('finished');
    expect(r.status).toBe('finished');
    expect(r.progress.epochsDone).toBe(result.epochs);
    expect(result.epochs).toBeLessThan(40);
    expect(r.stoppedEarly).toMatch(/^Stopped early after epoch \d+/);
    expect(fs.existsSync(store.checkpoints(r).epochFile(result.epochs))).toBe(true);
    expect((await store.list())[0].stoppedEarly).toBe(r.stoppedEarly);
    await expect(resumeTraining({ store, runId: run.id, data, runtime })).rejects.toThrow(new RegExp(`has finished after ${result.epochs} of 40 epochs \\(it stopped early`));
  });

  it('a run whose loss blew up finishes with its diagnosis in run.json and the summary', async () => {
    const { run, result } = await train({ lr: 100, optimizer: { kind: 'sgd' }, epochs: 2 });
    const r = await store.get(run.id);
    expect(result.status).toBe('finished');
    expect(r.status).toBe('finished');
    expect(r.diagnosis).toMatch(/^The learning rate is too high: the loss (jumped|grew) from .* Try 0\.01\.$/);
    expect((await store.list())[0].diagnosis).toBe(r.diagnosis);
  });
});
