/**
 * Engine reproducibility and memory checks (issue 2, "Done means" 5). No timing assertions:
 * speed is measured by `npm run bench` (bench/engine-bench.ts), not tested.
 *  - same seed, same device → bit-identical per-batch losses on CPU;
 *  - the resident set size stays flat over a 20-epoch run.
 */
import { describe, expect, it } from 'vitest';
import { Trainer, type ModelSpec, type TrainConfig, type TrainEvent, defaultTrainConfig } from '../src-main/engine';
import { createNodeRuntime } from '../src-main/runtime/node';
import { loadMnist } from '../bench/mnist';

const data = loadMnist({ limitTrain: 2000, limitTest: 500 });

// small, but with every source of randomness the trainer has: init, shuffling, dropout masks
const spec: ModelSpec = {
  inputShape: [784],
  classes: 10,
  layers: [
    { kind: 'linear', units: 64, bias: true },
    { kind: 'relu' },
    { kind: 'dropout', p: 0.2 },
    { kind: 'linear', units: 32, bias: false },
    { kind: 'tanh' },
    { kind: 'linear', units: 10, bias: true },
  ],
};

async function batchLosses(config: TrainConfig): Promise<Float64Array> {
  const losses: number[] = [];
  const trainer = new Trainer({
    spec,
    config,
    data,
    runtime: createNodeRuntime('cpu'),
    onEvent: (e) => {
      if (e.event === 'batch') losses.push(e.loss);
    },
  });
  const res = await trainer.run();
  expect(res.status, res.reason).toBe('finished');
  return Float64Array.from(losses);
}

describe('engine reproducibility on CPU', () => {
  const config: TrainConfig = {
    ...defaultTrainConfig(),
    epochs: 2,
    batchSize: 64, // 2000 = 31·64 + 16: the partial last batch is part of the curve too
    lr: 0.05,
    optimizer: { kind: 'momentum', momentum: 0.9, nesterov: true },
    evalEvery: 0,
    seed: 1234,
    init: 'he',
  };

  it('two runs with the same seed give bit-identical per-batch losses', async () => {
    const a = await batchLosses(config);
    const b = await batchLosses(config);
    expect(a.length).toBe(2 * 32);
    expect(a.every(Number.isFinite)).toBe(true);
    // compare the bits, not just approximate values
    expect(Array.from(new Uint8Array(b.buffer))).toEqual(Array.from(new Uint8Array(a.buffer)));
    // and training did something: the second epoch's mean is below the first's
    const mean = (xs: Float64Array) => xs.reduce((s, v) => s + v, 0) / xs.length;
    expect(mean(a.subarray(32))).toBeLessThan(mean(a.subarray(0, 32)));
  });

  it('a different seed gives a different curve (the comparison above can fail)', async () => {
    const a = await batchLosses({ ...config, epochs: 1 });
    const c = await batchLosses({ ...config, epochs: 1, seed: 1235 });
    expect(a.length).toBe(c.length);
    expect(Array.from(c)).not.toEqual(Array.from(a));
  });
});

/**
 * RSS per epoch over 20 epochs, measured at each epoch event. Epoch 0 is the warm-up (ORT
 * arenas, V8 heap growth, JIT); the baseline is the RSS after epoch 1, and the largest RSS
 * of epochs 2..19 may exceed it by at most RSS_BOUND.
 *
 * Why 32 MiB: 2000 samples at batch 50 are 40 steps an epoch, so 18 epochs after the
 * baseline are 720 steps. Anything a step leaks is at least one float32 batch (50×784×4 =
 * 157 KB) or a parameter or gradient tensor (784×128×4 = 401 KB), i.e. ≥ 110 MB over those
 * steps; even a leak of 48 KB per step (a third of one batch) crosses 32 MiB. V8's young
 * generation (16 MiB semi-spaces by default) and malloc's arenas account for the noise
 * below it; on this machine the measured growth is 7–8 MiB, levelling off after ~15 epochs
 * (printed below).
 */
const RSS_BOUND = 32 * 1024 * 1024;

async function rssPerEpoch(leakPerBatch: number): Promise<number[]> {
  const rss: number[] = [];
  const kept: Float32Array[] = [];
  const trainer = new Trainer({
    spec: { inputShape: [784], classes: 10, layers: [{ kind: 'linear', units: 128, bias: true }, { kind: 'relu' }, { kind: 'linear', units: 10, bias: true }] },
    config: { ...defaultTrainConfig(), epochs: 20, batchSize: 50, lr: 0.05, evalEvery: 1, seed: 7 },
    data,
    runtime: createNodeRuntime('cpu'),
    onEvent: (e: TrainEvent) => {
      if (e.event === 'batch' && leakPerBatch > 0) kept.push(new Float32Array(leakPerBatch / 4).fill(e.loss));
      if (e.event === 'epoch') rss.push(process.memoryUsage().rss);
    },
  });
  const res = await trainer.run();
  expect(res.status, res.reason).toBe('finished');
  expect(kept.length).toBe(leakPerBatch > 0 ? 800 : 0);
  return rss;
}

const growth = (rss: number[]) => Math.max(...rss.slice(2)) - rss[1];
const mib = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MiB`;

describe('engine memory on CPU', () => {
  it('RSS stays flat over a 20-epoch run (with a test pass every epoch)', async () => {
    const rss = await rssPerEpoch(0);
    expect(rss.length).toBe(20);
    console.log(`RSS per epoch: ${rss.map(mib).join(', ')}; growth after warm-up ${mib(growth(rss))} (bound ${mib(RSS_BOUND)})`);
    expect(growth(rss)).toBeLessThan(RSS_BOUND);
  });

  // the control leaks 256 KiB a step (180 MiB over the measured epochs): with 64 KiB (45 MiB)
  // a CI run measured only 19.8 MiB of growth, memory freed before the baseline being reused
  it('the RSS measurement does see a leak of 256 KiB per step', async () => {
    const rss = await rssPerEpoch(256 * 1024);
    expect(growth(rss)).toBeGreaterThan(RSS_BOUND);
  });
});
