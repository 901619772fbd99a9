/**
 * The WebGPU path (onnxruntime-node's Dawn provider) against the CPU path: a tiny net
 * trained for a few steps must give the same losses and parameters within 1e-4 relative.
 * Here it runs on SwiftShader (software Vulkan, shipped with Debian's chromium).
 */
import { describe, expect, it } from 'vitest';
import { Rng, Trainer, type ModelSpec, type TrainConfig, type TrainerCheckpoint, type TrainingData } from '../engine/index';
import { createNodeRuntime } from './node';
import { useSwiftShader } from '../../tests/helpers/swiftshader';

const available = useSwiftShader('WebGPU tests');

function data(): TrainingData {
  const rng = new Rng(9);
  const n = 96;
  const d = 12;
  const x = new Uint8Array(n * d).map(() => rng.below(256));
  const y = Int32Array.from({ length: n }, () => rng.below(3));
  return { name: 'random', sampleShape: [d], sampleSize: d, classNames: ['a', 'b', 'c'], train: { x, y, n }, test: { x, y, n }, preprocess: { scale: 1 / 255, mean: [0], std: [1] } };
}

async function run(device: 'cpu' | 'webgpu', spec: ModelSpec, config: TrainConfig) {
  const losses: number[] = [];
  let last: TrainerCheckpoint | null = null;
  const t = new Trainer({
    spec,
    config,
    data: data(),
    runtime: createNodeRuntime(device),
    onEvent: (e) => e.event === 'batch' && losses.push(e.loss),
    onEpochEnd: (c) => void (last = c),
  });
  const r = await t.run();
  return { r, losses, last: last as TrainerCheckpoint | null };
}

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-4 * Math.max(1, Math.abs(a), Math.abs(b));

describe.runIf(available)('WebGPU training matches the CPU', () => {
  const spec: ModelSpec = { inputShape: [12], classes: 3, layers: [{ kind: 'linear', units: 8, bias: true }, { kind: 'relu' }, { kind: 'dropout', p: 0.25 }, { kind: 'linear', units: 3, bias: true }] };
  for (const optimizer of [{ kind: 'sgd' }, { kind: 'momentum', momentum: 0.9, nesterov: true }, { kind: 'adam', beta1: 0.9, beta2: 0.999, eps: 1e-8 }] as TrainConfig['optimizer'][]) {
    it(`${optimizer.kind}: same losses and parameters after 12 steps`, async () => {
      const config: TrainConfig = { epochs: 2, batchSize: 16, lr: optimizer.kind === 'adam' ? 0.01 : 0.1, optimizer, schedule: { kind: 'constant' }, evalEvery: 1, seed: 3, init: 'pytorch', device: 'cpu' };
      const cpu = await run('cpu', spec, config);
      const gpu = await run('webgpu', spec, config);
      expect(gpu.r.status, gpu.r.reason).toBe('finished');
      expect(gpu.losses).toHaveLength(12);
      gpu.losses.forEach((l, i) => expect(close(l, cpu.losses[i]), `step ${i}: ${l} vs ${cpu.losses[i]}`).toBe(true));
      cpu.last!.params.forEach((p, k) => p.forEach((v, j) => expect(close(v, gpu.last!.params[k][j]), `param ${k}[${j}]`).toBe(true)));
      expect(gpu.r.testError).toBe(cpu.r.testError);
    }, 120_000);
  }
});
