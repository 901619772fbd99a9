/**
 * A run that varies its pictures (augmentation) resumes bit-identically from a stop inside an
 * epoch: each sample's variation comes from (seed, epoch, position in the epoch), so nothing
 * more is kept in the checkpoint. The augmentation does change the training (an augmented run
 * ends elsewhere than a plain one), so the comparison can fail.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AugmentConfig } from '../engine/augment';
import type { TrainEvent } from '../engine/types';
import { createNodeRuntime } from '../runtime/node';
import { readCheckpoint } from './checkpoint';
import { toyConfig, toyDatasetRef, toyImages, toyModel } from '../../tests/helpers/toy';
import { RunStore } from './store';
import { resumeTraining, startTraining } from './training';

const runtime = createNodeRuntime('cpu', { threads: 1 });
const data = toyImages();
const augment: AugmentConfig = { shift: 1, rotate: 15, scale: 10, brightness: 10, contrast: 10, noise: 3, flip: true };

let home: string;
let store: RunStore;
beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-augment-'));
  store = new RunStore(home);
});
afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

const bytes = (a: Float32Array[]) => Buffer.concat(a.map((t) => Buffer.from(t.buffer, t.byteOffset, t.byteLength)));

/** trains 4 epochs, stopping after step `stopAt.step` of epoch `stopAt.epoch` (from 1) when given; the run's id and batch losses */
async function train(aug: AugmentConfig | undefined, stopAt?: { epoch: number; step: number }) {
  const config = toyConfig({ epochs: 4, ...(aug ? { augment: aug } : {}) });
  const run = await store.create({ model: toyModel([1, 4, 4], true), config, dataset: toyDatasetRef, checkpointPolicy: { every: 1, keepLast: 10 } });
  const losses: number[] = [];
  const h = await startTraining({
    store,
    runId: run.id,
    data,
    runtime,
    onEvent: (e: TrainEvent) => {
      if (e.event === 'batch') losses.push(e.loss);
      if (stopAt && e.event === 'batch' && e.epoch === stopAt.epoch && e.step === stopAt.step) h.stop('test stop');
    },
  });
  return { id: run.id, result: await h.done, losses };
}

async function finalParams(runId: string) {
  const r = await store.get(runId);
  return readCheckpoint(store.checkpoints(r).epochFile(4));
}

describe('augmentation and resume', () => {
  it('a stop inside an epoch of an augmented run resumes bit-identically to the run trained straight through', async () => {
    const straight = await train(augment);
    expect(straight.result.status).toBe('finished');
    const ref = await finalParams(straight.id);

    const interrupted = await train(augment, { epoch: 3, step: 4 });
    expect(interrupted.result.status).toBe('stopped');
    const resumedLosses: number[] = [];
    const h = await resumeTraining({ store, runId: interrupted.id, data, runtime, onEvent: (e) => e.event === 'batch' && resumedLosses.push(e.loss) });
    expect((await h.done).status).toBe('finished');
    const got = await finalParams(interrupted.id);

    // the losses of the steps after the stop are the same numbers as straight through (10 steps an epoch: steps 25..40)
    expect(resumedLosses).toEqual(straight.losses.slice(24));
    expect(bytes(got.state.params).equals(bytes(ref.state.params))).toBe(true);
    expect(bytes(got.state.optimizerState).equals(bytes(ref.state.optimizerState))).toBe(true);
    expect(got.state.rngState).toEqual(ref.state.rngState);

    // the same run without augmentation ends elsewhere: the variation is really trained on
    const plain = await train(undefined);
    expect(bytes((await finalParams(plain.id)).state.params).equals(bytes(ref.state.params))).toBe(false);
  }, 60_000);
});
