/**
 * A number to predict on WebGPU (software: SwiftShader): the float32 targets go to the device
 * with the training set (standardised there as on the host), train.onnx's gather variant takes
 * them, and the run matches the CPU run within 1e-4 relative (losses, parameters, test MAE and
 * metrics). The CPU provider checks that the gather variant's step is the batch-fed one's.
 */
import { describe, expect, it } from 'vitest';
import { buildTrainGraph, Rng, Trainer, type ModelSpec, type TrainConfig, type TrainerCheckpoint, type TrainEvent, type TrainingData } from '../engine/index';
import { createNodeRuntime } from './node';
import { useSwiftShader } from '../../tests/helpers/swiftshader';

const available = useSwiftShader('WebGPU device-data tests of a number to predict');

const D = 6;
const spec: ModelSpec = { inputShape: [D], classes: 1, task: 'number', layers: [{ kind: 'linear', units: 8, bias: true }, { kind: 'tanh' }, { kind: 'linear', units: 1, bias: true }] };

/** 90 rows (batch 16 leaves a partial last batch), y = 100 + 20·x0 − 5·x3 + noise */
function data(): TrainingData {
  const rng = new Rng(3);
  const make = (n: number) => {
    const x = new Float32Array(n * D).map(() => rng.normal());
    const y = Float32Array.from({ length: n }, (_, i) => 100 + 20 * x[i * D] - 5 * x[i * D + 3] + rng.normal());
    return { x, y, n };
  };
  return {
    name: 'linear',
    sampleShape: [D],
    sampleSize: D,
    classNames: ['y'],
    train: make(90),
    test: make(30),
    preprocess: { scale: 1, mean: new Array(D).fill(0), std: new Array(D).fill(1) },
    task: 'number',
    target: { mean: 100, std: 20 },
  };
}

async function train(device: 'cpu' | 'webgpu', config: TrainConfig) {
  const losses: number[] = [];
  const events: TrainEvent[] = [];
  let last: TrainerCheckpoint | null = null;
  const r = await new Trainer({
    spec,
    config,
    data: data(),
    runtime: createNodeRuntime(device),
    onEvent: (e) => {
      events.push(e);
      if (e.event === 'batch') losses.push(e.loss);
    },
    onEpochEnd: (c) => void (last = c),
  }).run();
  const start = events.find((e) => e.event === 'start') as Extract<TrainEvent, { event: 'start' }>;
  const done = events.find((e) => e.event === 'done') as Extract<TrainEvent, { event: 'done' }> | undefined;
  return { r, losses, last: last as TrainerCheckpoint | null, device: start?.device ?? '', done };
}

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-4 * Math.max(1, Math.abs(a), Math.abs(b));
const config: TrainConfig = { epochs: 2, batchSize: 16, lr: 0.01, optimizer: { kind: 'adam', beta1: 0.9, beta2: 0.999, eps: 1e-8 }, schedule: { kind: 'constant' }, evalEvery: 1, seed: 5, init: 'pytorch', device: 'cpu', validation: 0.2 };

describe('the gather variant for a number (CPU provider)', () => {
  it('takes float32 targets', () => {
    const g = buildTrainGraph(spec, config.optimizer, { gather: true });
    expect(g.inputs.find((i) => i.name === 'dataset.y')?.dtype).toBe('float32');
  });
});

describe.runIf(available)('WebGPU, a number to predict with the training set on the device', () => {
  it('matches the CPU run', async () => {
    const cpu = await train('cpu', config);
    const gpu = await train('webgpu', config);
    expect(cpu.r.status, cpu.r.reason).toBe('finished');
    expect(gpu.r.status, gpu.r.reason).toBe('finished');
    expect(gpu.device).toMatch(/training set on the device .*, batches gathered there/);
    expect(gpu.losses).toHaveLength(cpu.losses.length);
    gpu.losses.forEach((l, i) => expect(close(l, cpu.losses[i]), `step ${i}: ${l} vs ${cpu.losses[i]}`).toBe(true));
    cpu.last!.params.forEach((p, k) => p.forEach((v, j) => expect(close(v, gpu.last!.params[k][j]), `param ${k}[${j}]`).toBe(true)));
    expect(close(gpu.r.testError!, cpu.r.testError!)).toBe(true);
    const [a, b] = [cpu.done!.metrics as { mae: number; rmse: number; r2: number }, gpu.done!.metrics as { mae: number; rmse: number; r2: number }];
    expect(close(a.mae, b.mae) && close(a.rmse, b.rmse) && close(a.r2, b.r2)).toBe(true);
  }, 180_000);
});
