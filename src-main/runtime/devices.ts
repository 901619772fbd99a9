/**
 * The devices training can use in Node: the CPU, WebGPU (through Dawn: Vulkan, Metal,
 * D3D12) and any other execution provider onnxruntime-node reports in
 * listSupportedBackends() (CUDA, TensorRT, DirectML, CoreML). A device is offered only when
 * a tiny session really runs on it; otherwise it is listed as unavailable with the reason.
 * A WebGPU adapter that is a software renderer (SwiftShader, lavapipe) is marked
 * 'software-gpu': it is correct but slower than the CPU, and `auto` never picks it.
 *
 * With `measure`, each available device gets a speed estimate: training steps per second of
 * a reference model (the 'small' preset, 784-128-10, batch 100, Nesterov momentum) on
 * random MNIST-sized data.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { DeviceInfo } from '../api/contract';
import { GraphBuilder } from '../engine/onnx/builder';
import { presetById } from '../engine/spec';
import { Rng } from '../engine/rng';
import type { DeviceChoice, TrainingData } from '../engine/types';
import { createNodeRuntime, NODE_DEVICES, type NodeDevice } from './node';
import { DEVICE_NAMES, PROVIDER_HINTS, deviceProblem, shortError } from './device-choice';
import { softwareWebGpu } from './software';
import { timeSteps } from './select';

export interface ListDevicesOptions {
  /** time the reference model on every available device (default true; about a second each) */
  measure?: boolean;
  /** forget the cached answer and probe again */
  refresh?: boolean;
}

export { shortError };

function tinyModel(): Uint8Array {
  const b = new GraphBuilder('device_probe');
  const x = b.input('x', 'float32', [4, 4]);
  b.outputAs(b.op('MatMul', [x, x], { shape: [4, 4] }), 'y');
  return b.toModel();
}

/** Creates and runs a 4×4 MatMul on the provider; throws with the provider's error when it cannot. */
export async function probeProvider(device: NodeDevice): Promise<void> {
  const session = await ort.InferenceSession.create(tinyModel(), { executionProviders: [device], logSeverityLevel: 4 });
  try {
    const x = new ort.Tensor('float32', Float32Array.from({ length: 16 }, (_, i) => i % 5), [4, 4]);
    const out = await session.run({ x });
    const y = out.y.data as Float32Array;
    if (y.length !== 16 || !Number.isFinite(y[0])) throw new Error('the provider ran the probe model but returned no result');
  } finally {
    await session.release();
  }
}

export const referenceSpec = () => presetById('small').model([784], 10);
export const referenceConfig = () => ({ ...presetById('small').config(), epochs: 1, evalEvery: 0 });

function referenceData(n: number): TrainingData {
  const rng = new Rng(1);
  const x = new Uint8Array(n * 784).map(() => rng.below(256));
  const y = Int32Array.from({ length: n }, () => rng.below(10));
  return { name: 'reference', sampleShape: [784], sampleSize: 784, classNames: [...Array(10).keys()].map(String), train: { x, y, n }, test: { x, y, n: 0 }, preprocess: { scale: 1 / 255, mean: [0], std: [1] } };
}

/** Training steps per second of the reference model on `device`. */
export async function referenceStepsPerSecond(device: NodeDevice, steps = 5): Promise<number> {
  const config = referenceConfig();
  return timeSteps(createNodeRuntime(device), referenceSpec(), config, referenceData(config.batchSize * (steps + 1)), steps);
}

/**
 * The shared library onnxruntime-node loads for a provider that does not ship in its npm
 * package (CUDA, TensorRT on Linux and Windows), or null where it is part of the runtime.
 */
function providerLibrary(id: 'cuda' | 'tensorrt' | 'dml' | 'coreml'): string | null {
  if (id !== 'cuda' && id !== 'tensorrt') return null;
  const binding = path.join(path.dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json')), 'bin', 'napi-v6', process.platform, process.arch);
  const file = process.platform === 'win32' ? `onnxruntime_providers_${id}.dll` : `libonnxruntime_providers_${id}.so`;
  return path.join(binding, file);
}

let cached: { measured: boolean; devices: Promise<DeviceInfo[]> } | null = null;

export function listDevices(opts: ListDevicesOptions = {}): Promise<DeviceInfo[]> {
  const measure = opts.measure ?? true;
  if (!opts.refresh && cached && (cached.measured || !measure)) return cached.devices;
  const devices = probeAll(measure);
  cached = { measured: measure, devices };
  devices.catch(() => (cached = null));
  return devices;
}

/** Whether one device can train here (no speed measured): what `--device X` checks before anything is created. */
export async function probeDevice(id: NodeDevice): Promise<DeviceInfo> {
  if (id === 'cpu') return { id: 'cpu', kind: 'cpu', name: createNodeRuntime('cpu').label, available: true };
  if (!ort.listSupportedBackends().some((b) => b.name === id)) {
    return { id, kind: 'gpu', name: DEVICE_NAMES[id], available: false, note: `onnxruntime-node on this computer has no ${DEVICE_NAMES[id]} provider (${PROVIDER_HINTS[id]})` };
  }
  if (id === 'webgpu') {
    const gpu: DeviceInfo = { id: 'webgpu', kind: 'gpu', name: DEVICE_NAMES.webgpu, available: false };
    try {
      await probeProvider('webgpu');
      const verdict = softwareWebGpu();
      gpu.available = true;
      gpu.kind = verdict.software ? 'software-gpu' : 'gpu';
      gpu.name = verdict.software ? 'Software GPU (WebGPU)' : 'GPU (WebGPU)';
      gpu.note = verdict.software ? `${verdict.reason}: correct but slower than the CPU, so “auto” never chooses it` : verdict.reason;
    } catch (err) {
      gpu.note = `no WebGPU adapter could be used: ${shortError(err)}`;
    }
    return gpu;
  }
  const d: DeviceInfo = { id, kind: 'gpu', name: DEVICE_NAMES[id], available: false };
  const lib = providerLibrary(id);
  if (lib && !fs.existsSync(lib)) {
    // not installed with onnxruntime-node: say so without a load attempt that logs errors
    d.note = `onnxruntime-node was installed without it (${path.basename(lib)} is missing); ${PROVIDER_HINTS[id]}`;
    return d;
  }
  try {
    await probeProvider(id);
    d.available = true;
  } catch (err) {
    d.note = `its libraries did not load (${shortError(err)}); ${PROVIDER_HINTS[id]}`;
  }
  return d;
}

/** Why `device` cannot train here (deviceProblem on a fresh probe of that device alone), or null. */
export async function deviceProblemHere(device: DeviceChoice): Promise<string | null> {
  return device === 'auto' || device === 'cpu' ? null : deviceProblem(device, [await probeDevice(device)]);
}

async function probeAll(measure: boolean): Promise<DeviceInfo[]> {
  const supported = new Set(ort.listSupportedBackends().map((b) => b.name));
  const out: DeviceInfo[] = [];
  // the CPU always; the others only where onnxruntime-node has them
  for (const id of NODE_DEVICES) {
    if (id !== 'cpu' && !supported.has(id)) continue;
    const d = await probeDevice(id);
    if (measure && d.available) {
      try {
        // a software adapter is slow: two timed steps are enough to show how slow
        d.stepsPerSecond = Number((await referenceStepsPerSecond(id, d.kind === 'software-gpu' ? 2 : 5)).toFixed(2));
      } catch (err) {
        d.available = false;
        d.note = `${d.note ? d.note + '; ' : ''}it failed to train the reference model: ${shortError(err)}`;
      }
    }
    out.push(d);
  }
  return out;
}
