/// <reference lib="webworker" />
/**
 * In-renderer inference with onnxruntime-web, off the UI thread. WebGPU when the browser
 * has an adapter (onnxruntime-web's WebGPU build), else WebAssembly with its plain build, whose
 * binary is half the size and readies a large network several times faster than the WebGPU
 * build's. The .wasm binaries are bundled by Vite and served from the app itself: nothing is
 * fetched from the internet. One worker serves the window for its whole life: the runtime is
 * readied once ('warm', sent while the network downloads) and reused by every later load.
 */
import type * as Ort from 'onnxruntime-web';
import gpuWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import cpuWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import { buildExportModel } from '../../src-main/engine/export-model';
import { paramInfos } from '../../src-main/engine/spec';
import type { ModelSpec } from '../../src-main/engine/types';
import type { FromWorker, ToWorker } from './protocol';

interface Runtime {
  ort: typeof Ort;
  gpu: boolean;
}

let runtime: Promise<Runtime> | null = null;
let session: Ort.InferenceSession | null = null;
let dims: number[] = [];
let inputType: 'float32' | 'uint8' = 'float32';
let outputName = 'probabilities';

const post = (m: FromWorker): void => (self as unknown as DedicatedWorkerGlobalScope).postMessage(m);

async function hasWebGpu(): Promise<boolean> {
  const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  if (!gpu) return false;
  try {
    return (await gpu.requestAdapter()) !== null;
  } catch {
    return false;
  }
}

/** The smallest network the studio exports (one input, two classes): creating a session on it readies the runtime. */
function tinyNetwork(): Uint8Array {
  const spec: ModelSpec = { inputShape: [1], classes: 2, layers: [{ kind: 'linear', units: 2, bias: true }] };
  const weights = paramInfos(spec).map((p) => new Float32Array(p.shape.reduce((a, b) => a * b, 1)));
  return buildExportModel(spec, weights, { preprocess: { scale: 1, mean: [0], std: [1] }, classNames: ['a', 'b'], inputShape: [1] });
}

/** Picks the build once (WebGPU when there is an adapter and it is wanted), fetches and compiles its WebAssembly. */
function ready(preferGpu: boolean): Promise<Runtime> {
  runtime ??= (async () => {
    const gpu = preferGpu && (await hasWebGpu());
    const ort: typeof Ort = gpu ? await import('onnxruntime-web/webgpu') : await import('onnxruntime-web/wasm');
    ort.env.wasm.wasmPaths = { wasm: new URL(gpu ? gpuWasmUrl : cpuWasmUrl, self.location.href).href };
    // threads need cross-origin isolation; a small MLP runs fast enough on one
    ort.env.wasm.numThreads = self.crossOriginIsolated ? Math.min(4, navigator.hardwareConcurrency || 1) : 1;
    const warm = await ort.InferenceSession.create(tinyNetwork(), { executionProviders: ['wasm'] });
    await warm.release();
    return { ort, gpu };
  })().catch((err: unknown) => {
    runtime = null; // the next load tries again
    throw err;
  });
  return runtime;
}

async function load(msg: Extract<ToWorker, { type: 'load' }>): Promise<void> {
  if (session) {
    await session.release().catch(() => undefined);
    session = null;
  }
  const { ort, gpu } = await ready(msg.preferGpu);
  const bytes = new Uint8Array(msg.model);
  let backend: 'webgpu' | 'wasm' = 'wasm';
  let note: string | undefined;
  if (gpu && msg.preferGpu) {
    try {
      session = await ort.InferenceSession.create(bytes, { executionProviders: ['webgpu'] });
      backend = 'webgpu';
    } catch (err) {
      note = `The graphics card could not run the model (${err instanceof Error ? err.message : String(err)}); using the processor instead.`;
    }
  }
  if (!session) session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  const meta = session.inputMetadata[0];
  const modelShape = meta && meta.isTensor ? meta.shape : null;
  inputType = meta && meta.isTensor && meta.type === 'uint8' ? 'uint8' : 'float32';
  // one sample: the batch dimension (symbolic or -1) becomes 1
  const sample = msg.inputShape.length && modelShape && msg.inputShape.length === modelShape.length ? msg.inputShape.slice(1) : msg.inputShape;
  dims = modelShape
    ? modelShape.map((d, i) => (typeof d === 'number' && d > 0 ? d : i === 0 ? 1 : sample[i - 1] ?? 1))
    : [1, ...sample];
  // a number model answers its value (in the target's units); a category model its probabilities
  outputName = ['value', 'probabilities'].find((n) => session!.outputNames.includes(n)) ?? session.outputNames[0];
  post({ type: 'loaded', id: msg.id, backend, note });
}

async function run(msg: Extract<ToWorker, { type: 'run' }>): Promise<void> {
  if (!session || !runtime) throw new Error('No model is loaded yet.');
  const { ort } = await runtime;
  const t0 = performance.now();
  const data = inputType === 'uint8' ? Uint8Array.from(msg.input, (v) => Math.max(0, Math.min(255, Math.round(v)))) : msg.input;
  const feeds = { [session.inputNames[0]]: new ort.Tensor(inputType, data, dims) };
  const out = await session.run(feeds, [outputName]);
  const t = out[outputName];
  const raw = (t.location === 'cpu' ? t.data : await t.getData()) as Float32Array;
  const probabilities = Float32Array.from(raw);
  post({ type: 'result', id: msg.id, probabilities, ms: performance.now() - t0 });
}

async function warm(msg: Extract<ToWorker, { type: 'warm' }>): Promise<void> {
  await ready(msg.preferGpu);
  post({ type: 'warm', id: msg.id });
}

/** loads run one after the other, in the order asked: the last one asked is the session left */
let loads: Promise<unknown> = Promise.resolve();

self.onmessage = (ev: MessageEvent<ToWorker>) => {
  const msg = ev.data;
  const job = msg.type === 'load' ? (loads = loads.catch(() => undefined).then(() => load(msg))) : msg.type === 'warm' ? warm(msg) : run(msg);
  job.catch((err: unknown) => post({ type: 'error', id: msg.id, message: err instanceof Error ? err.message : String(err) }));
};
