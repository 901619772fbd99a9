/**
 * What the engine needs from an ONNX Runtime: sessions and tensors. onnxruntime-node
 * (src-main/runtime/node.ts) and onnxruntime-web (the renderer) both provide it, so the
 * engine never imports a particular runtime.
 */
import type { InferenceSession, Tensor } from 'onnxruntime-common';

export type TensorCtor = new (type: 'float32' | 'int32', data: Float32Array | Int32Array, dims: readonly number[]) => Tensor;

export interface RuntimeAdapter {
  /** 'cpu' keeps everything in host memory; 'webgpu' keeps parameters on the device */
  device: 'cpu' | 'webgpu';
  /** what the user sees, e.g. "CPU (onnxruntime-node, 2 threads)" */
  label: string;
  /** a software GPU adapter (e.g. SwiftShader): correct but slow */
  software?: boolean;
  Tensor: TensorCtor;
  createSession(model: Uint8Array, opts?: { gpuOutputs?: string[] }): Promise<InferenceSession>;
}

/**
 * The options of one session: `base`, and on WebGPU the outputs named in `gpuOutputs` kept on
 * the device (`preferredOutputLocation: 'gpu-buffer'`). Both runtime adapters build them so.
 */
export function sessionOptions(base: InferenceSession.SessionOptions, device: string, opts?: { gpuOutputs?: string[] }): InferenceSession.SessionOptions {
  if (device !== 'webgpu' || !opts?.gpuOutputs?.length) return { ...base };
  return { ...base, preferredOutputLocation: Object.fromEntries(opts.gpuOutputs.map((n) => [n, 'gpu-buffer' as const])) };
}
