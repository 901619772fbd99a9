/**
 * Runs people can tell apart (issue 16): a new run is named after what differs between runs
 * (data, network, samples, optimizer), can be renamed, and records the samples it used.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultTrainConfig } from '../engine/spec';
import type { ModelSpec, TrainConfig } from '../engine/types';
import { datasetRefOf, defaultRunName, shortCount } from './record';
import { RunStore } from './store';
import { MAX_RUN_NAME, runName } from './run-names';

const model: ModelSpec = { inputShape: [784], layers: [{ kind: 'linear', units: 256, bias: true }, { kind: 'relu' }, { kind: 'linear', units: 10, bias: true }], classes: 10 };
const adam: TrainConfig = { ...defaultTrainConfig(), optimizer: { kind: 'adam', beta1: 0.9, beta2: 0.999, eps: 1e-8 } };
const meta = { id: 'fashion', name: 'Fashion', contentHash: 'abc', train: { count: 60_000 }, test: { count: 10_000 } };

let home: string;
let store: RunStore;
beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-names-'));
  store = new RunStore(home);
});
afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

describe('run names', () => {
  it('counts samples briefly', () => {
    expect([0, 999, 1_500, 6_000, 12_345, 60_000, 1_500_000, 12_000_000].map(shortCount)).toEqual(['0', '999', '1.5k', '6k', '12k', '60k', '1.5M', '12M']);
  });

  it('records the samples a run uses, after its limits', () => {
    expect(datasetRefOf(meta)).toEqual({ id: 'fashion', name: 'Fashion', contentHash: 'abc', trainSamples: 60_000, testSamples: 10_000 });
    expect(datasetRefOf(meta, { limitTrain: 6_000, limitTest: 20_000 })).toMatchObject({ limitTrain: 6_000, limitTest: 20_000, trainSamples: 6_000, testSamples: 10_000 });
  });

  it('names a new run after its data, network, samples and optimizer', async () => {
    expect(defaultRunName(datasetRefOf(meta), model, adam)).toBe('Fashion · 784-256-10 relu · 60k samples · Adam');
    const small = await store.create({ model, config: defaultTrainConfig(), dataset: datasetRefOf(meta, { limitTrain: 6_000 }) });
    const full = await store.create({ model, config: adam, dataset: datasetRefOf(meta) });
    expect(small.name).not.toBe(full.name);
    expect(small.name).toMatch(/^Fashion · 784-256-10 relu · 6k samples · /);
    expect(full.name).toBe('Fashion · 784-256-10 relu · 60k samples · Adam');
    // runs of older studios have no sample counts: the name leaves them out
    expect(defaultRunName({ id: 'x', name: 'Old', contentHash: 'h' }, model, adam)).toBe('Old · 784-256-10 relu · Adam');
  });

  it('shows the samples in the run list', async () => {
    const r = await store.create({ model, config: adam, dataset: datasetRefOf(meta, { limitTrain: 6_000 }) });
    expect((await store.list()).find((s) => s.id === r.id)?.samples).toEqual({ train: 6_000, test: 10_000 });
  });

  it('renames a run, keeping one clean line; an empty name is refused and changes nothing', async () => {
    const r = await store.create({ model, config: adam, dataset: datasetRefOf(meta) });
    expect((await store.rename(r.id, '  digits,\n  second   try\u202e ')).name).toBe('digits, second try');
    expect((await store.get(r.id)).name).toBe('digits, second try');
    await expect(store.rename(r.id, ' \n\t ')).rejects.toMatchObject({ code: 'bad_request' });
    expect((await store.get(r.id)).name).toBe('digits, second try');
    expect(runName('x'.repeat(500))).toHaveLength(MAX_RUN_NAME);
  });
});
