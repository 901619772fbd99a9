/**
 * Device choice for training in Node: one of NODE_DEVICES, or 'auto', which times a few
 * steps of the actual model on each hardware device that works and takes the fastest. A
 * software GPU adapter is never timed nor chosen (src-main/runtime/devices.ts tells it apart).
 */
import { Trainer } from '../engine/trainer';
import { TRAIN_LIMITS } from '../engine/registry/index';
import type { RuntimeAdapter } from '../engine/runtime';
import type { ModelSpec, TrainConfig, TrainingData } from '../engine/types';
import type { DeviceInfo } from '../api/contract';
import { createNodeRuntime, NODE_DEVICES, type NodeDevice } from './node';
import { listDevices } from './devices';
import { shortError } from './device-choice';

export interface DeviceTiming {
  device: NodeDevice;
  kind?: DeviceInfo['kind'];
  stepsPerSecond: number | null;
  error?: string;
  /** why the device was not timed */
  skipped?: string;
}

export interface DeviceSelection {
  /** the device chosen (a runtime's own `device` only says which trainer path it takes) */
  device: NodeDevice;
  runtime: RuntimeAdapter;
  timings: DeviceTiming[];
  reason: string;
}

/** How timeSteps measures. */
export interface TimingOptions {
  /** steps run before the clock starts: the JIT, the runtime's first-run allocations (default 3) */
  warmupSteps?: number;
  /** least warm-up time in ms, after warmupSteps (default 0) */
  warmupMs?: number;
  /** least measured steps (default 4) */
  steps?: number;
  /** least measured time in ms: more steps run until it has passed (default 0) */
  minMs?: number;
  /** warm-up and measuring each end here whatever the other limits say (at least one step is measured; default none) */
  maxMs?: number;
}

/**
 * Steps per second of `spec` on `runtime`, from training on the first samples (as many
 * epochs over them as the measurement needs). The clock starts after the warm-up steps and
 * stops at the last measured step, so neither the first steps (JIT, allocations) nor the
 * session setup and release are counted; a window of many steps averages out what a short
 * one catches by chance (a GC, another process taking the CPU).
 */
export async function timeSteps(runtime: RuntimeAdapter, spec: ModelSpec, config: TrainConfig, data: TrainingData, opts: number | TimingOptions = 4): Promise<number> {
  const o = typeof opts === 'number' ? { steps: opts } : opts;
  const warmupSteps = Math.max(1, o.warmupSteps ?? 3);
  const warmupMs = o.warmupMs ?? 0;
  const minSteps = Math.max(1, o.steps ?? 4);
  const minMs = o.minMs ?? 0;
  const maxMs = o.maxMs ?? Infinity;
  const bs = config.batchSize;
  // whole batches only (a short last batch is quicker than the others)
  const n = data.train.n >= bs ? Math.floor(Math.min(data.train.n, bs * (warmupSteps + minSteps)) / bs) * bs : data.train.n;
  const small: TrainingData = { ...data, train: { ...data.train, n }, test: { ...data.test, n: 0 } };
  let first = 0;
  let started = 0;
  let stopped = 0;
  let steps = 0;
  let count = 0;
  const trainer: Trainer = new Trainer({
    spec,
    // no validation part and no early stop: on a few hundred samples, epochs without a better
    // validation error would end the timing before it has measured anything
    // as many epochs as a run may have: the timing stops the trainer itself
    config: { ...config, epochs: TRAIN_LIMITS.epochs.max, evalEvery: 0, validation: 0, patience: 0 },
    data: small,
    runtime,
    onEvent: (e) => {
      if (e.event !== 'batch' || stopped) return;
      const t = performance.now();
      steps++;
      if (steps === 1) first = t;
      if (!started) {
        if ((steps >= warmupSteps && t - first >= warmupMs) || t - first >= maxMs) started = t;
        return;
      }
      count++;
      if ((count >= minSteps && t - started >= minMs) || t - started >= maxMs) {
        stopped = t;
        trainer.stop('timed');
      }
    },
  });
  const r = await trainer.run();
  if (r.status === 'failed') throw new Error(r.reason);
  if (!stopped) throw new Error('too few samples to time a step');
  return (count * 1000) / (stopped - started);
}

export interface SelectOptions {
  /** the devices to consider (default: listDevices without measuring) */
  devices?: () => Promise<DeviceInfo[]>;
  /** steps per second of the model on a device (default: timeSteps with `timing`) */
  time?: (device: NodeDevice) => Promise<number>;
  /** how each device is timed (default AUTO_TIMING) */
  timing?: TimingOptions;
}

/**
 * How 'auto' times each device when a run starts: two warm-up steps, then at least three
 * measured ones and 0.3 s; warm-up and measuring each stop after 0.6 s whatever the counts.
 * With the session setup that is well under 1.5 s a device for the lecture net on a CPU.
 */
export const AUTO_TIMING: TimingOptions = { warmupSteps: 2, steps: 3, minMs: 300, maxMs: 600 };

/**
 * 'auto' times a few steps of the actual model on every available hardware device (the
 * CPU, a hardware WebGPU adapter, CUDA, ...) and takes the fastest. A software GPU
 * adapter is never timed nor chosen: on a machine without a GPU it can only lose to the
 * CPU it runs on, and timing it would cost seconds.
 */
export async function selectRuntime(choice: 'auto' | NodeDevice, spec: ModelSpec, config: TrainConfig, data: TrainingData, opts: SelectOptions = {}): Promise<DeviceSelection> {
  if (choice !== 'auto') return { device: choice, runtime: createNodeRuntime(choice), timings: [], reason: `${choice} was chosen explicitly` };
  const devices = await (opts.devices ?? (() => listDevices({ measure: false })))();
  const time = opts.time ?? ((d: NodeDevice) => timeSteps(createNodeRuntime(d), spec, config, data, opts.timing ?? AUTO_TIMING));
  const timings: DeviceTiming[] = [];
  for (const d of devices) {
    const device = d.id as NodeDevice;
    if (!NODE_DEVICES.includes(device)) continue;
    if (!d.available) timings.push({ device, kind: d.kind, stepsPerSecond: null, error: d.note ?? 'unavailable' });
    else if (d.kind === 'software-gpu') timings.push({ device, kind: d.kind, stepsPerSecond: null, skipped: 'software adapter, never chosen automatically' });
    else {
      try {
        timings.push({ device, kind: d.kind, stepsPerSecond: await time(device) });
      } catch (err) {
        timings.push({ device, kind: d.kind, stepsPerSecond: null, error: shortError(err) });
      }
    }
  }
  const best = timings.filter((t) => t.stepsPerSecond !== null && t.kind !== 'software-gpu').sort((a, b) => b.stepsPerSecond! - a.stepsPerSecond!)[0];
  const device = best?.device ?? 'cpu';
  const describe = timings
    .map((t) => (t.stepsPerSecond !== null ? `${t.device} ${t.stepsPerSecond.toFixed(1)} steps/s` : `${t.device} ${t.skipped ? `not timed (${t.skipped})` : `unavailable (${t.error})`}`))
    .join(', ');
  return { device, runtime: createNodeRuntime(device), timings, reason: `auto chose ${device}: ${describe}` };
}
