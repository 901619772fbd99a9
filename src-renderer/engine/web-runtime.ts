/**
 * onnxruntime-web as the engine's runtime, for machines where only the browser's WebGPU
 * works: the same Trainer, the same generated train/eval graphs, run on the `webgpu`
 * provider (parameters and optimizer state stay on the device between steps), or on
 * `wasm` (host memory, like the CPU path in Node).
 *
 * The .wasm binaries are never fetched from the internet: the caller says where the app
 * serves them (`wasmPaths`: a URL prefix of a folder holding onnxruntime-web's dist files,
 * or the URLs of the two files, e.g. from Vite's `?url` imports).
 *
 * This module uses no DOM types (only a structural view of `navigator.gpu`), so the Node
 * side type-checks the test fixture that imports it.
 */
import * as ort from 'onnxruntime-web/webgpu';
import { sessionOptions, type RuntimeAdapter, type TensorCtor } from '../../src-main/engine/runtime';

export type WebDevice = 'webgpu' | 'wasm';

export interface WebRuntimeOptions {
  /** where onnxruntime-web's ort-wasm-simd-threaded*.{wasm,mjs} files are served */
  wasmPaths?: string | { wasm?: string; mjs?: string };
  /** WebAssembly threads (needs cross-origin isolation); default 1 when not isolated */
  threads?: number;
}

export interface WebGpuAdapterInfo {
  vendor: string;
  architecture: string;
  description: string;
  /** a software (fallback) adapter such as SwiftShader: correct, but slower than the CPU */
  software: boolean;
}

interface GpuAdapterLike {
  info?: { vendor?: string; architecture?: string; description?: string; device?: string; isFallbackAdapter?: boolean };
  isFallbackAdapter?: boolean;
}
interface GpuLike {
  requestAdapter(opts?: { powerPreference?: 'high-performance' | 'low-power' }): Promise<GpuAdapterLike | null>;
}

function navigatorGpu(): GpuLike | undefined {
  return (globalThis as unknown as { navigator?: { gpu?: GpuLike } }).navigator?.gpu;
}

/**
 * The browser's WebGPU adapter, or null with the reason when there is none. Software is
 * known from the adapter itself: `isFallbackAdapter`, or SwiftShader / llvmpipe / WARP
 * ("Microsoft Basic Render Driver") in its vendor, architecture or description.
 */
export async function probeWebGpu(): Promise<{ adapter: WebGpuAdapterInfo | null; reason?: string }> {
  const gpu = navigatorGpu();
  if (!gpu) return { adapter: null, reason: 'this browser has no WebGPU (navigator.gpu is missing; it needs a secure context such as https or localhost)' };
  let a: GpuAdapterLike | null;
  try {
    a = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (err) {
    return { adapter: null, reason: `requesting a WebGPU adapter failed: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (!a) return { adapter: null, reason: 'the browser offers no WebGPU adapter (the GPU may be blocklisted or WebGPU disabled)' };
  const info = a.info ?? {};
  const vendor = info.vendor ?? '';
  const architecture = info.architecture ?? '';
  const description = info.description ?? info.device ?? '';
  const text = `${vendor} ${architecture} ${description}`.toLowerCase();
  const software = Boolean(info.isFallbackAdapter ?? a.isFallbackAdapter) || /swiftshader|llvmpipe|lavapipe|softpipe|basic render driver|\bwarp\b/.test(text);
  return { adapter: { vendor, architecture, description, software } };
}

/**
 * A RuntimeAdapter over onnxruntime-web. For 'webgpu' it throws when the browser has no
 * adapter (call probeWebGpu() first to offer the device only where it works).
 */
export async function createWebRuntime(device: WebDevice, opts: WebRuntimeOptions = {}): Promise<RuntimeAdapter> {
  if (opts.wasmPaths !== undefined) ort.env.wasm.wasmPaths = opts.wasmPaths;
  const isolated = Boolean((globalThis as unknown as { crossOriginIsolated?: boolean }).crossOriginIsolated);
  ort.env.wasm.numThreads = opts.threads ?? (isolated ? 4 : 1);
  let software = false;
  let label = `CPU (onnxruntime-web WebAssembly, ${ort.env.wasm.numThreads} thread${ort.env.wasm.numThreads === 1 ? '' : 's'})`;
  if (device === 'webgpu') {
    const probe = await probeWebGpu();
    if (!probe.adapter) throw new Error(`WebGPU is not available in this browser: ${probe.reason}. Train on the CPU instead.`);
    software = probe.adapter.software;
    const name = [probe.adapter.vendor, probe.adapter.architecture].filter(Boolean).join(' ') || 'unknown adapter';
    label = `GPU (onnxruntime-web WebGPU, ${name}${software ? ', software' : ''})`;
  }
  const base: ort.InferenceSession.SessionOptions = {
    executionProviders: [device],
    graphOptimizationLevel: 'all',
  };
  return {
    device: device === 'webgpu' ? 'webgpu' : 'cpu',
    label,
    software,
    Tensor: ort.Tensor as unknown as TensorCtor,
    async createSession(model, o) {
      const session = await ort.InferenceSession.create(model, sessionOptions(base, device, o));
      if (device === 'wasm') fillPreallocatedOutputs(session);
      return session;
    },
  };
}

type Feeds = Record<string, ort.Tensor>;
type Results = Record<string, ort.Tensor>;
type LooseRun = (feeds: Feeds, fetchesOrOptions?: unknown, options?: unknown) => Promise<Results>;

/**
 * The engine's CPU path passes pre-allocated output tensors (`run(feeds, fetches)`) and
 * reads the results from them, as onnxruntime-node fills them in place. onnxruntime-web
 * returns new tensors and leaves the given ones untouched, so copy the results into them.
 */
function fillPreallocatedOutputs(session: ort.InferenceSession): void {
  const run = session.run.bind(session) as unknown as LooseRun;
  const patched: LooseRun = async (feeds, fetchesOrOptions, options) => {
    const isFetchMap =
      typeof fetchesOrOptions === 'object' && fetchesOrOptions !== null && !Array.isArray(fetchesOrOptions) && Object.values(fetchesOrOptions).some((v) => v instanceof ort.Tensor);
    if (!isFetchMap) return run(feeds, fetchesOrOptions, options);
    const fetches = fetchesOrOptions as Record<string, ort.Tensor | null>;
    const out = { ...(await run(feeds, Object.keys(fetches), options)) };
    for (const [name, target] of Object.entries(fetches)) {
      const result = out[name];
      if (!target || !result) continue;
      if (result.size !== target.size || result.type !== target.type) {
        throw new Error(`output ${name}: the model gave ${result.type} [${result.dims}] but the caller expected ${target.type} [${target.dims}]`);
      }
      (target.data as Float32Array | Int32Array).set(result.data as Float32Array | Int32Array);
      out[name] = target;
    }
    return out;
  };
  (session as unknown as { run: LooseRun }).run = patched;
}
