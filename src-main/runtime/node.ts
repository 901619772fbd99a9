/**
 * onnxruntime-node as the engine's runtime: the CPU provider, and WebGPU through Dawn
 * (Vulkan, Metal, D3D12) where the machine has an adapter.
 */
import os from 'node:os';
import * as ort from 'onnxruntime-node';
import type { RuntimeAdapter, TensorCtor } from '../engine/runtime';

export function createNodeRuntime(device: 'cpu' | 'webgpu', opts: { threads?: number } = {}): RuntimeAdapter {
  const threads = opts.threads ?? 0;
  const base: ort.InferenceSession.SessionOptions = {
    executionProviders: [device],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
  };
  return {
    device,
    label: device === 'cpu' ? `CPU (onnxruntime-node, ${threads || os.availableParallelism()} threads)` : 'GPU (onnxruntime-node WebGPU)',
    Tensor: ort.Tensor as unknown as TensorCtor,
    async createSession(model, o) {
      const options: ort.InferenceSession.SessionOptions = { ...base };
      if (device === 'webgpu' && o?.gpuOutputs?.length) {
        options.preferredOutputLocation = Object.fromEntries(o.gpuOutputs.map((n) => [n, 'gpu-buffer' as const]));
      }
      return ort.InferenceSession.create(model, options);
    },
  };
}
