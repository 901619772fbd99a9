import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultTrainConfig } from '../engine/spec';
import type { ModelSpec, TrainConfig } from '../engine/types';
import { STUDIO_VERSION, architectureOf, countParams } from './record';
import { RunStore } from './store';
import { RunNotFoundError } from './run-names';

const model: ModelSpec = { inputShape: [1, 4, 4], layers: [{ kind: 'linear', units: 8, bias: true }, { kind: 'relu' }, { kind: 'linear', units: 3, bias: true }], classes: 3 };
const config: TrainConfig = { ...defaultTrainConfig(), epochs: 4, batchSize: 8, lr: 0.1, seed: 7 };
const dataset = { id: 'toy', name: 'Toy', contentHash: 'abc123' };

let home: string;
let store: RunStore;
beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-store-'));
  store = new RunStore(home);
});
afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

describe('run store', () => {
  it('creates a run folder with run.json, metrics.jsonl, artifacts/, checkpoints/ and export/', async () => {
    const r = await store.create({ model, config, dataset });
    const p = store.paths(r.id);
    for (const f of [p.runJson, p.metrics, p.artifacts, p.checkpoints, p.export]) expect(fs.existsSync(f)).toBe(true);
    const json = JSON.parse(fs.readFileSync(p.runJson, 'utf8'));
    expect(json.status).toBe('running');
    expect(json.studioVersion).toBe(STUDIO_VERSION);
    expect(json.dataset).toEqual(dataset);
    expect(json.config).toEqual(config);
    expect(json.params).toBe(16 * 8 + 8 + 8 * 3 + 3);
    expect(json.architecture).toBe('16-8-3 relu');
  });

  it('describes architectures and counts parameters', () => {
    expect(countParams({ inputShape: [784], layers: [{ kind: 'linear', units: 100, bias: true }, { kind: 'tanh' }, { kind: 'linear', units: 10, bias: false }], classes: 10 })).toBe(78500 + 1000);
    expect(architectureOf({ inputShape: [3, 2], layers: [{ kind: 'linear', units: 5, bias: true }, { kind: 'tanh' }, { kind: 'dropout', p: 0.2 }, { kind: 'linear', units: 2, bias: false }], classes: 2 })).toBe(
      '6-5-2 tanh',
    );
  });

  it('lists, shows, notes and deletes runs; resolves ids, id prefixes and folders', async () => {
    const a = await store.create({ model, config, dataset, name: 'first' });
    const b = await store.create({ model, config: { ...config, lr: 0.05 }, dataset });
    await store.update(a.id, (r) => {
      r.status = 'finished';
      r.progress = { epochsDone: 4, step: 40, bestTestError: 0.25, bestEpoch: 3, lastTestError: 0.3, seconds: 12.5 };
    });
    const list = await store.list();
    expect(list.map((x) => x.id).sort()).toEqual([a.id, b.id].sort());
    const sa = list.find((x) => x.id === a.id)!;
    expect(sa).toMatchObject({ status: 'finished', bestTestError: 0.25, seconds: 12.5, datasetName: 'Toy', architecture: '16-8-3 relu', epochsDone: 4, epochs: 4 });
    expect(store.resolve(store.paths(a.id).dir)).toBe(a.id);
    expect(store.resolve(store.paths(a.id).runJson)).toBe(a.id);
    expect(() => store.resolve('nope')).toThrow(RunNotFoundError);
    expect(() => store.resolve('nope')).toThrow(/mlp-studio runs/);
    // hostile and odd references never escape the runs folder
    for (const bad of ['..', '.', '../..', '', '   ', '/etc', a.id + '/../..', 'x\u0000y']) expect(() => store.resolve(bad)).toThrow(RunNotFoundError);
    fs.writeFileSync(path.join(home, 'run.json'), '{}'); // a run.json one level above the runs folder
    expect(() => store.resolve('..')).toThrow(RunNotFoundError);
    expect(() => store.resolve(home)).toThrow(/outside this studio's runs folder/);
    // a unique prefix of 4+ characters finds a run, but deleting needs the full id
    const prefix = a.id.slice(0, a.id.length - 2);
    if (!b.id.startsWith(prefix)) {
      expect(store.resolve(prefix)).toBe(a.id);
      await expect(store.delete(prefix)).rejects.toThrow(RunNotFoundError);
    }
    await store.setNote(a.id, 'lr too high?');
    expect((await store.show(a.id)).note).toBe('lr too high?');
    await expect(store.delete(b.id)).rejects.toThrow(/training right now/);
    await store.delete(a.id);
    expect(store.ids()).toEqual([b.id]);
  });

  it('shows a run whose training process died as failed, with what to do', async () => {
    const r = await store.create({ model, config, dataset });
    // a pid that certainly is not running: a child that already exited
    const dead = spawnSync(process.execPath, ['-e', 'process.pid']).pid!;
    await store.update(r.id, (x) => {
      x.pid = dead;
    });
    const got = await store.get(r.id);
    expect(got.status).toBe('failed');
    expect(got.reason).toMatch(/ended without finishing, during its first epoch; resume the run/);
  });

  it('refuses a damaged run.json with the file and field named, and still lists the folder', async () => {
    const r = await store.create({ model, config, dataset });
    const file = store.paths(r.id).runJson;
    const json = JSON.parse(fs.readFileSync(file, 'utf8'));
    json.config.epochs = -3;
    fs.writeFileSync(file, JSON.stringify(json));
    await expect(store.get(r.id)).rejects.toThrow(/run\.json: invalid run record at "config\.epochs"/);
    fs.writeFileSync(file, '{"trunc');
    await expect(store.get(r.id)).rejects.toThrow(/cannot read run record/);
    const list = await store.list();
    expect(list[0]).toMatchObject({ id: r.id, status: 'failed' });
  });

  it('writes a replay manifest and creates an identical run from it', async () => {
    const a = await store.create({ model, config, dataset: { ...dataset, limitTrain: 100 }, checkpointPolicy: { every: 2, keepLast: 1 } });
    const m = await store.replayManifest(a.id);
    expect(m).toMatchObject({ kind: 'mlp-studio-replay', seed: 7, sourceRun: a.id, dataset: { contentHash: 'abc123', limitTrain: 100 }, studioVersion: STUDIO_VERSION });
    const b = await store.createFromReplay(JSON.parse(JSON.stringify(m)));
    expect(b.config).toEqual(a.config);
    expect(b.model).toEqual(a.model);
    expect(b.dataset).toEqual(a.dataset);
    expect(b.checkpointPolicy).toEqual({ every: 2, keepLast: 1 });
    await expect(store.createFromReplay({ ...m, kind: 'x' as 'mlp-studio-replay' })).rejects.toThrow(/replay manifest/);
  });

  it('compares runs: settings side by side with differences marked, and epoch curves', async () => {
    const a = await store.create({ model, config, dataset });
    const b = await store.create({ model: { ...model, layers: [{ kind: 'linear', units: 16, bias: true }, { kind: 'tanh' }, { kind: 'linear', units: 3, bias: true }] }, config: { ...config, lr: 0.01 }, dataset });
    const w = store.metricsWriter(a.id);
    w.append({ event: 'epoch', epoch: 1, loss: 1, error: 0.5, seconds: 1, lr: 0.1 });
    w.append({ event: 'test', epoch: 1, loss: 0.9, error: 0.4 });
    w.append({ event: 'epoch', epoch: 2, loss: 0.8, error: 0.3, seconds: 1, lr: 0.1 });
    const c = await store.compare([a.id, b.id]);
    const row = (k: string) => c.rows.find((r) => r.key === k)!;
    expect(row('config.lr')).toEqual({ key: 'config.lr', values: [0.1, 0.01], differs: true });
    expect(row('model.layers[0].units')).toMatchObject({ values: [8, 16], differs: true });
    expect(row('model.layers[1].kind')).toMatchObject({ values: ['relu', 'tanh'], differs: true });
    expect(row('config.batchSize')).toMatchObject({ values: [8, 8], differs: false });
    expect(row('params').differs).toBe(true);
    expect(c.curves[0]).toEqual([
      { epoch: 1, trainLoss: 1, trainError: 0.5, lr: 0.1, seconds: 1, testLoss: 0.9, testError: 0.4 },
      { epoch: 2, trainLoss: 0.8, trainError: 0.3, lr: 0.1, seconds: 1, testLoss: null, testError: null },
    ]);
    expect(c.curves[1]).toEqual([]);
    await expect(store.compare([a.id])).rejects.toThrow(/at least two/);
  });

  it("shows a run of an older studio (0-based epochs in metrics.jsonl) with its epochs counted from 1: the API's events and the curves", async () => {
    const a = await store.create({ model, config, dataset });
    const b = await store.create({ model, config, dataset });
    fs.copyFileSync(new URL('../../tests/fixtures/old-run/metrics.jsonl', import.meta.url), store.paths(a.id).metrics);
    const shown = (await store.show(a.id)).metrics;
    const epochs = (event: string) => shown.filter((e) => e.event === event).map((e) => (e as { epoch: number }).epoch);
    expect(epochs('epoch')).toEqual([1, 2]);
    expect(epochs('test')).toEqual([2]);
    expect(epochs('validation')).toEqual([1, 2]);
    expect(epochs('batch')).toEqual([1, 1, 2, 2, 3, 3]);
    expect(epochs('stopped')).toEqual([3]);
    const c = await store.compare([a.id, b.id]);
    expect(c.curves[0].map((p) => [p.epoch, p.testError])).toEqual([
      [1, null],
      [2, 0.4],
    ]);
  });
});
