/**
 * Device choice for training in Node: 'cpu', 'webgpu', or 'auto', which times a few steps
 * of the actual model on each hardware device that works and takes the fastest. A software
 * GPU adapter is never chosen (src-main/runtime/devices.ts tells it apart).
 */
import { Trainer } from '../engine/trainer';
import type { RuntimeAdapter } from '../engine/runtime';
import type { ModelSpec, TrainConfig, TrainingData } from '../engine/types';
import type { DeviceInfo } from '../api/contract';
import { createNodeRuntime, NODE_DEVICES, type NodeDevice } from './node';
import { listDevices } from './devices';

export interface DeviceTiming {
  device: NodeDevice;
  kind?: DeviceInfo['kind'];
  stepsPerSecond: number | null;
  error?: string;
  /** why the device was not timed */
  skipped?: string;
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

export interface SelectOptions {
  /** the devices to consider (default: listDevices without measuring) */
  devices?: () => Promise<DeviceInfo[]>;
  /** steps per second of the model on a device (default: timeSteps on a few real batches) */
  time?: (device: NodeDevice) => Promise<number>;
}

/**
 * 'auto' times a few steps of the actual model on every available hardware device (the
 * CPU, a hardware WebGPU adapter, CUDA, ...) and takes the fastest. A software GPU
 * adapter is never timed nor chosen: on a machine without a GPU it can only lose to the
 * CPU it runs on, and timing it would cost seconds.
 */
export async function selectRuntime(choice: 'auto' | NodeDevice, spec: ModelSpec, config: TrainConfig, data: TrainingData, opts: SelectOptions = {}): Promise<DeviceSelection> {
  if (choice !== 'auto') return { runtime: createNodeRuntime(choice), timings: [], reason: `${choice} was chosen explicitly` };
  const devices = await (opts.devices ?? (() => listDevices({ measure: false })))();
  const time = opts.time ?? ((d: NodeDevice) => timeSteps(createNodeRuntime(d), spec, config, data));
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
        timings.push({ device, kind: d.kind, stepsPerSecond: null, error: err instanceof Error ? err.message.split('\n')[0] : String(err) });
      }
    }
  }
  const best = timings.filter((t) => t.stepsPerSecond !== null && t.kind !== 'software-gpu').sort((a, b) => b.stepsPerSecond! - a.stepsPerSecond!)[0];
  const device = best?.device ?? 'cpu';
  const describe = timings
    .map((t) => (t.stepsPerSecond !== null ? `${t.device} ${t.stepsPerSecond.toFixed(1)} steps/s` : `${t.device} ${t.skipped ? `not timed (${t.skipped})` : `unavailable (${t.error})`}`))
    .join(', ');
  return { runtime: createNodeRuntime(device), timings, reason: `auto chose ${device}: ${describe}` };
}
