/// <reference lib="webworker" />
/**
 * In-renderer inference with onnxruntime-web, off the UI thread. WebGPU when the browser
 * has an adapter, else WebAssembly. The .wasm binary is bundled by Vite and served from the
 * app itself: nothing is fetched from the internet.
 */
import * as ort from 'onnxruntime-web/webgpu';
import wasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import type { FromWorker, ToWorker } from './protocol';

ort.env.wasm.wasmPaths = { wasm: new URL(wasmUrl, self.location.href).href };
// threads need cross-origin isolation; a small MLP runs fast enough on one
ort.env.wasm.numThreads = self.crossOriginIsolated ? Math.min(4, navigator.hardwareConcurrency || 1) : 1;

let session: ort.InferenceSession | null = null;
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

async function load(msg: Extract<ToWorker, { type: 'load' }>): Promise<void> {
  if (session) {
    await session.release().catch(() => undefined);
    session = null;
  }
  const bytes = new Uint8Array(msg.model);
  let backend: 'webgpu' | 'wasm' = 'wasm';
  let note: string | undefined;
  if (msg.preferGpu && (await hasWebGpu())) {
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
  if (!session) throw new Error('No model is loaded yet.');
  const t0 = performance.now();
  const data = inputType === 'uint8' ? Uint8Array.from(msg.input, (v) => Math.max(0, Math.min(255, Math.round(v)))) : msg.input;
  const feeds = { [session.inputNames[0]]: new ort.Tensor(inputType, data, dims) };
  const out = await session.run(feeds, [outputName]);
  const t = out[outputName];
  const raw = (t.location === 'cpu' ? t.data : await t.getData()) as Float32Array;
  const probabilities = Float32Array.from(raw);
  post({ type: 'result', id: msg.id, probabilities, ms: performance.now() - t0 });
}

self.onmessage = (ev: MessageEvent<ToWorker>) => {
  const msg = ev.data;
  const job = msg.type === 'load' ? load(msg) : run(msg);
  job.catch((err: unknown) => post({ type: 'error', id: msg.id, message: err instanceof Error ? err.message : String(err) }));
};
