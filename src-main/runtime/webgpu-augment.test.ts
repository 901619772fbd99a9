/**
 * Augmentation on WebGPU (SwiftShader here) against the CPU: a run that varies its pictures
 * gathers its batches on the host on either device (the device note says so), and every batch
 * fed to train.onnx holds the same values, bit for bit; the losses then agree as in
 * webgpu.test.ts.
 */
import type { InferenceSession, Tensor } from 'onnxruntime-common';
import { describe, expect, it } from 'vitest';
import { Rng, Trainer, type ModelSpec, type RuntimeAdapter, type TrainConfig, type TrainingData } from '../engine/index';
import { createNodeRuntime } from './node';
import { useSwiftShader } from '../../tests/helpers/swiftshader';

const available = useSwiftShader('WebGPU augmentation tests');

/** 96 random 3×6×6 colour pictures of 3 classes */
function data(): TrainingData {
  const rng = new Rng(5);
  const n = 96;
  const d = 108;
  const x = new Uint8Array(n * d).map(() => rng.below(256));
  const y = Int32Array.from({ length: n }, () => rng.below(3));
  return { name: 'colour noise', sampleShape: [3, 6, 6], sampleSize: d, classNames: ['a', 'b', 'c'], train: { x, y, n }, test: { x, y, n }, preprocess: { scale: 1 / 255, mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.3] } };
}

/** the runtime, with a copy of the `x` fed to each run() of the training session kept in `batches` */
function recording(rt: RuntimeAdapter, batches: Float32Array[]): RuntimeAdapter {
  return {
    ...rt,
    Tensor: rt.Tensor,
    async createSession(model, opts) {
      const s = await rt.createSession(model, opts);
      const run = s.run.bind(s) as (feeds: Record<string, Tensor>, ...rest: unknown[]) => ReturnType<InferenceSession['run']>;
      (s as { run: unknown }).run = (feeds: Record<string, Tensor>, ...rest: unknown[]) => {
        if (feeds.x && feeds.labels && 'lr' in feeds) batches.push(Float32Array.from(feeds.x.data as Float32Array));
        return run(feeds, ...rest);
      };
      return s;
    },
  };
}

async function run(device: 'cpu' | 'webgpu', spec: ModelSpec, config: TrainConfig) {
  const batches: Float32Array[] = [];
  const losses: number[] = [];
  let label = '';
  const t = new Trainer({
    spec,
    config,
    data: data(),
    runtime: recording(createNodeRuntime(device), batches),
    onEvent: (e) => {
      if (e.event === 'batch') losses.push(e.loss);
      if (e.event === 'start') label = e.device;
    },
  });
  const r = await t.run();
  return { r, batches, losses, label };
}

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-4 * Math.max(1, Math.abs(a), Math.abs(b));

describe.runIf(available)('augmentation on WebGPU matches the CPU', () => {
  it('the same varied batches, bit for bit, gathered on the host; the same losses', async () => {
    const spec: ModelSpec = { inputShape: [3, 6, 6], classes: 3, layers: [{ kind: 'linear', units: 8, bias: true }, { kind: 'relu' }, { kind: 'linear', units: 3, bias: true }] };
    const config: TrainConfig = {
      epochs: 2,
      batchSize: 32,
      lr: 0.1,
      optimizer: { kind: 'momentum', momentum: 0.9, nesterov: true },
      schedule: { kind: 'constant' },
      evalEvery: 1,
      seed: 4,
      init: 'he',
      device: 'cpu',
      augment: { shift: 1, rotate: 20, scale: 10, flip: true, brightness: 10, contrast: 10, noise: 2 },
    };
    const cpu = await run('cpu', spec, config);
    const gpu = await run('webgpu', spec, config);
    expect(gpu.r.status, gpu.r.reason).toBe('finished');
    expect(gpu.label).toContain('batches gathered on the host: the pictures are varied there (augmentation)');
    expect(cpu.batches).toHaveLength(6);
    expect(gpu.batches).toHaveLength(6);
    gpu.batches.forEach((b, i) => expect(Buffer.from(b.buffer).equals(Buffer.from(cpu.batches[i].buffer)), `batch ${i}`).toBe(true));
    // the two epochs vary the pictures differently
    expect(Buffer.from(cpu.batches[0].buffer).equals(Buffer.from(cpu.batches[3].buffer))).toBe(false);
    gpu.losses.forEach((l, i) => expect(close(l, cpu.losses[i]), `step ${i}: ${l} vs ${cpu.losses[i]}`).toBe(true));
  }, 120_000);
});
