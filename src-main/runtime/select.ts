/**
 * Device choice for training in Node: 'cpu', 'webgpu', or 'auto', which times a few steps
 * of the actual model on each device that works and takes the fastest. A software GPU
 * adapter is slower than the CPU for these models, so timing never prefers it.
 */
import { Trainer } from '../engine/trainer';
import type { RuntimeAdapter } from '../engine/runtime';
import type { ModelSpec, TrainConfig, TrainingData } from '../engine/types';
import { createNodeRuntime } from './node';

export interface DeviceTiming {
  device: 'cpu' | 'webgpu';
  stepsPerSecond: number | null;
  error?: string;
}

export interface DeviceSelection {
  runtime: RuntimeAdapter;
  timings: DeviceTiming[];
  reason: string;
}

/** Steps per second of `spec` on `runtime`, from a short training on the first samples. */
export async function timeSteps(runtime: RuntimeAdapter, spec: ModelSpec, config: TrainConfig, data: TrainingData, steps = 4): Promise<number> {
  const n = Math.min(data.train.n, config.batchSize * (steps + 1));
  const small: TrainingData = { ...data, train: { ...data.train, n }, test: { ...data.test, n: 0 } };
  let started = 0;
  let count = 0;
  const trainer = new Trainer({
    spec,
    config: { ...config, epochs: 1, evalEvery: 0 },
    data: small,
    runtime,
    onEvent: (e) => {
      if (e.event !== 'batch') return;
      if (e.step === 1) started = performance.now();
      else count++;
    },
  });
  const r = await trainer.run();
  if (r.status === 'failed') throw new Error(r.reason);
  if (count === 0) throw new Error('too few samples to time a step');
  return (count * 1000) / (performance.now() - started);
}

export async function selectRuntime(choice: 'auto' | 'cpu' | 'webgpu', spec: ModelSpec, config: TrainConfig, data: TrainingData): Promise<DeviceSelection> {
  if (choice !== 'auto') return { runtime: createNodeRuntime(choice), timings: [], reason: `${choice} was chosen explicitly` };
  const timings: DeviceTiming[] = [];
  for (const device of ['cpu', 'webgpu'] as const) {
    try {
      timings.push({ device, stepsPerSecond: await timeSteps(createNodeRuntime(device), spec, config, data) });
    } catch (err) {
      timings.push({ device, stepsPerSecond: null, error: err instanceof Error ? err.message.split('\n')[0] : String(err) });
    }
  }
  const best = timings.filter((t) => t.stepsPerSecond !== null).sort((a, b) => b.stepsPerSecond! - a.stepsPerSecond!)[0];
  const device = best?.device ?? 'cpu';
  const describe = timings.map((t) => (t.stepsPerSecond !== null ? `${t.device} ${t.stepsPerSecond.toFixed(1)} steps/s` : `${t.device} unavailable (${t.error})`)).join(', ');
  return { runtime: createNodeRuntime(device), timings, reason: `auto chose ${device}: ${describe}` };
}
