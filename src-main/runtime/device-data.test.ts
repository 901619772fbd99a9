/**
 * The training set resident on the device (WebGPU): train.onnx's gather variant picks each
 * batch's rows from the whole preprocessed set, which is uploaded once.
 *  - on the CPU provider (always runs): the gather variant gives bit-identical results to
 *    the batch-fed graph for the same rows;
 *  - on software WebGPU (SwiftShader): a run with the set on the device matches the CPU run
 *    within 1e-4 relative (losses, parameters, test error) with dropout and a partial last
 *    batch; over the budget the host-gathering path is taken and says so; per step only the
 *    indices, dropout masks and scalars are host tensors in the train session's feeds.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { InferenceSession, Tensor } from 'onnxruntime-common';
import { describe, expect, it } from 'vitest';
import { buildTrainGraph, initParams, Rng, Trainer, type ModelSpec, type RuntimeAdapter, type TrainConfig, type TrainerCheckpoint, type TrainEvent, type TrainingData } from '../engine/index';
import { affineFor } from '../engine/preprocess';
import { requireOnnxChecker } from '../../tests/onnx-checker';
import { createNodeRuntime } from './node';
import { useSwiftShader } from '../../tests/helpers/swiftshader';

const available = useSwiftShader('WebGPU device-data tests');

const D = 12;
const spec: ModelSpec = { inputShape: [D], classes: 3, layers: [{ kind: 'linear', units: 8, bias: true }, { kind: 'relu' }, { kind: 'dropout', p: 0.25 }, { kind: 'linear', units: 3, bias: true }] };

/** 90 samples: batch 16 leaves a partial last batch of 10 */
function data(n = 90): TrainingData {
  const rng = new Rng(11);
  const x = new Uint8Array(n * D).map(() => rng.below(256));
  const y = Int32Array.from({ length: n }, () => rng.below(3));
  const tx = new Uint8Array(40 * D).map(() => rng.below(256));
  const ty = Int32Array.from({ length: 40 }, () => rng.below(3));
  return { name: 'random', sampleShape: [D], sampleSize: D, classNames: ['a', 'b', 'c'], train: { x, y, n }, test: { x: tx, y: ty, n: 40 }, preprocess: { scale: 1 / 255, mean: [0.4], std: [0.3] } };
}

describe('the gather variant of train.onnx (CPU provider)', () => {
  it('passes onnx.checker (Debian python3-onnx)', (ctx) => {
    const checker = requireOnnxChecker(ctx);
    const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gather-check-')), 'train-gather.onnx');
    fs.writeFileSync(f, buildTrainGraph(spec, { kind: 'adam', beta1: 0.9, beta2: 0.999, eps: 1e-8 }, { gather: true }).toModel());
    try {
      expect(checker.check([f])).toHaveLength(1);
    } finally {
      fs.rmSync(path.dirname(f), { recursive: true, force: true });
    }
  });

  it('gives the same step as the batch-fed graph for the same rows', async () => {
    const rt = createNodeRuntime('cpu');
    const opt: TrainConfig['optimizer'] = { kind: 'momentum', momentum: 0.9, nesterov: false };
    const plain = await rt.createSession(buildTrainGraph(spec, opt).toModel());
    const gathered = await rt.createSession(buildTrainGraph(spec, opt, { gather: true }).toModel());
    const ds = data();
    const n = ds.train.n;
    const aff = affineFor(ds.preprocess, D);
    const all = Float32Array.from(ds.train.x, (v, i) => v * aff.a[i % D] + aff.b[i % D]);
    const rows = Int32Array.from([89, 0, 45, 7, 7, 60, 13]);
    const bx = new Float32Array(rows.length * D);
    rows.forEach((r, k) => bx.set(all.subarray(r * D, (r + 1) * D), k * D));
    const by = Int32Array.from(rows, (r) => ds.train.y[r]);
    const common: Record<string, Tensor> = { lr: new rt.Tensor('float32', Float32Array.of(0.1), []) };
    const params = initParams(spec, 'pytorch', 1);
    const shapes = [[D, 8], [8], [8, 3], [3]];
    params.forEach((p, i) => {
      common[`layer${(i >> 1) + 1}.${i % 2 ? 'bias' : 'weight'}`] = new rt.Tensor('float32', p, shapes[i]);
    });
    for (const name of plain.inputNames.filter((x) => x.endsWith('.velocity'))) {
      const like = common[name.replace('.velocity', '')];
      common[name] = new rt.Tensor('float32', new Float32Array(like.size).fill(0.01), like.dims);
    }
    const mask = new Float32Array(rows.length * 8).map((_, i) => (i % 3 ? 4 / 3 : 0));
    common['dropout1.mask'] = new rt.Tensor('float32', mask, [rows.length, 8]);
    const a = await plain.run({ ...common, x: new rt.Tensor('float32', bx, [rows.length, D]), labels: new rt.Tensor('int32', by, [rows.length]) });
    const b = await gathered.run({
      ...common,
      'dataset.x': new rt.Tensor('float32', all, [n, D]),
      'dataset.y': new rt.Tensor('int32', ds.train.y, [n]),
      indices: new rt.Tensor('int32', rows, [rows.length]),
    });
    expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
    for (const k of Object.keys(a)) expect(Array.from(b[k].data as Float32Array), k).toEqual(Array.from(a[k].data as Float32Array));
    await plain.release();
    await gathered.release();
  });
});

interface Recorded {
  /** per train-session run: the feeds that are host tensors, with their sizes in bytes */
  hostFeeds: Record<string, number>[];
  /** per train-session run: where the dataset tensors live */
  datasetLocations: string[][];
}

/** the runtime, with every train-session run's feeds recorded as the trainer builds them */
function recording(rt: RuntimeAdapter, rec: Recorded): RuntimeAdapter {
  return {
    ...rt,
    async createSession(model, opts) {
      const s = await rt.createSession(model, opts);
      if (!s.inputNames.includes('lr')) return s;
      const run = s.run.bind(s) as InferenceSession['run'];
      (s as { run: unknown }).run = (feeds: Record<string, Tensor>, ...rest: unknown[]) => {
        const host: Record<string, number> = {};
        for (const [k, t] of Object.entries(feeds)) if (t.location === 'cpu') host[k] = (t.data as Float32Array | Int32Array).byteLength;
        rec.hostFeeds.push(host);
        rec.datasetLocations.push(['dataset.x', 'dataset.y'].filter((k) => k in feeds).map((k) => feeds[k].location));
        return (run as (...a: unknown[]) => ReturnType<InferenceSession['run']>)(feeds, ...rest);
      };
      return s;
    },
  };
}

async function train(device: 'cpu' | 'webgpu', config: TrainConfig, budget?: number) {
  const losses: number[] = [];
  const events: TrainEvent[] = [];
  const rec: Recorded = { hostFeeds: [], datasetLocations: [] };
  let last: TrainerCheckpoint | null = null;
  const t = new Trainer({
    spec,
    config,
    data: data(),
    runtime: recording(createNodeRuntime(device), rec),
    deviceDataBudget: budget,
    onEvent: (e) => {
      events.push(e);
      if (e.event === 'batch') losses.push(e.loss);
    },
    onEpochEnd: (c) => void (last = c),
  });
  const r = await t.run();
  const start = events.find((e) => e.event === 'start') as Extract<TrainEvent, { event: 'start' }>;
  return { r, losses, last: last as TrainerCheckpoint | null, device: start.device, rec };
}

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-4 * Math.max(1, Math.abs(a), Math.abs(b));

describe.runIf(available)('WebGPU with the training set on the device', () => {
  const optimizer: TrainConfig['optimizer'] = { kind: 'adam', beta1: 0.9, beta2: 0.999, eps: 1e-8 };
  const config: TrainConfig = { epochs: 2, batchSize: 16, lr: 0.01, optimizer, schedule: { kind: 'constant' }, evalEvery: 1, seed: 5, init: 'pytorch', device: 'cpu' };
  const steps = 2 * Math.ceil(90 / 16);

  it('matches the CPU run (dropout, partial last batch) and feeds only indices, masks and scalars per step', async () => {
    const cpu = await train('cpu', config);
    const gpu = await train('webgpu', config);
    expect(cpu.r.status, cpu.r.reason).toBe('finished');
    expect(gpu.r.status, gpu.r.reason).toBe('finished');
    expect(gpu.device).toMatch(/training set on the device \(4\.7 kB\), batches gathered there/);
    expect(cpu.device).not.toMatch(/gathered/);
    expect(gpu.losses).toHaveLength(steps);
    gpu.losses.forEach((l, i) => expect(close(l, cpu.losses[i]), `step ${i}: ${l} vs ${cpu.losses[i]}`).toBe(true));
    cpu.last!.params.forEach((p, k) => p.forEach((v, j) => expect(close(v, gpu.last!.params[k][j]), `param ${k}[${j}]`).toBe(true)));
    cpu.last!.optimizerState.forEach((p, k) => p.forEach((v, j) => expect(close(v, gpu.last!.optimizerState[k][j]), `state ${k}[${j}]`).toBe(true)));
    expect(gpu.r.testError).toBe(cpu.r.testError);

    // the train session's feeds: the set is on the device in every step; after the first
    // step (which uploads the initial parameters and state) the host tensors are the batch's
    // indices, its dropout mask and the scalars, nothing of the size of a batch of samples
    const runs = gpu.rec.hostFeeds;
    expect(runs).toHaveLength(steps);
    expect(gpu.rec.datasetLocations.every((l) => l.length === 2 && l.every((x) => x === 'gpu-buffer'))).toBe(true);
    const sizes = [...Array(steps)].map((_, s) => ((s % 6) === 5 ? 90 - 5 * 16 : 16));
    runs.slice(1).forEach((feeds, k) => {
      const rows = sizes[k + 1];
      expect(Object.keys(feeds).sort(), `step ${k + 2}`).toEqual(['adam.c1', 'adam.c2', 'dropout1.mask', 'indices', 'lr'].sort());
      expect(feeds.indices).toBe(4 * rows);
      expect(feeds['dropout1.mask']).toBe(4 * rows * 8);
    });
    // the host-gathering CPU run feeds the batch itself
    expect(cpu.rec.hostFeeds[1].x).toBe(16 * D * 4);
  }, 180_000);

  it('gathers on the host when the set is over the device-data budget, with the same results', async () => {
    const cpu = await train('cpu', config);
    const gpu = await train('webgpu', config, 1000);
    expect(gpu.r.status, gpu.r.reason).toBe('finished');
    expect(gpu.device).toMatch(/batches gathered on the host: the training set takes 4\.7 kB, over the 1\.0 kB device-data budget/);
    expect(gpu.rec.datasetLocations.every((l) => l.length === 0)).toBe(true);
    expect(gpu.rec.hostFeeds[1].x).toBe(16 * D * 4);
    gpu.losses.forEach((l, i) => expect(close(l, cpu.losses[i]), `step ${i}`).toBe(true));
    expect(gpu.r.testError).toBe(cpu.r.testError);
  }, 180_000);
});
