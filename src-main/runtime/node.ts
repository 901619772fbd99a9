/**
 * onnxruntime-node as the engine's runtime: the CPU provider, and WebGPU through Dawn
 * (Vulkan, Metal, D3D12) where the machine has an adapter. Other execution providers
 * (CUDA, TensorRT, DirectML, CoreML) run the CPU path of the trainer (host tensors in and
 * out of every step; the provider copies them): src-main/runtime/devices.ts offers them
 * only where their libraries load.
 */
import os from 'node:os';
import * as ort from 'onnxruntime-node';
import { sessionOptions, type RuntimeAdapter, type TensorCtor } from '../engine/runtime';
import { NODE_DEVICES, type NodeDevice } from '../engine/types';
import { shortError } from './device-choice';
import { softwareWebGpu } from './software';

export { NODE_DEVICES, type NodeDevice };

const PROVIDER_NAMES: Record<Exclude<NodeDevice, 'cpu' | 'webgpu'>, string> = { cuda: 'CUDA', tensorrt: 'TensorRT', dml: 'DirectML', coreml: 'CoreML' };

function labelOf(device: NodeDevice, threads: number, software: boolean): string {
  if (device === 'cpu') return `CPU (onnxruntime-node, ${threads || os.availableParallelism()} threads)`;
  if (device === 'webgpu') return `GPU (onnxruntime-node WebGPU${software ? ', software adapter' : ''})`;
  return `GPU (onnxruntime-node ${PROVIDER_NAMES[device]})`;
}

export function createNodeRuntime(device: NodeDevice, opts: { threads?: number } = {}): RuntimeAdapter {
  const threads = opts.threads ?? 0;
  const base: ort.InferenceSession.SessionOptions = {
    executionProviders: [device],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
  };
  const software = device === 'webgpu' && softwareWebGpu().software;
  return {
    device: device === 'webgpu' ? 'webgpu' : 'cpu',
    label: labelOf(device, threads, software),
    software,
    Tensor: ort.Tensor as unknown as TensorCtor,
    async createSession(model, o) {
      const options = sessionOptions(base, device, o);
      if (device === 'cpu' || device === 'webgpu') return ort.InferenceSession.create(model, options);
      try {
        return await ort.InferenceSession.create(model, options);
      } catch (err) {
        // a provider that passed the device check can still fail here (a library that loads
        // only partly, a driver that refuses the model): say which provider, in one line
        throw new Error(`onnxruntime-node's ${PROVIDER_NAMES[device]} provider could not create a session: ${shortError(err)}`);
      }
    },
  };
}
