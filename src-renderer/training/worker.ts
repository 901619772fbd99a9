/// <reference lib="webworker" />
/**
 * Trains a run in this window, off the UI thread: the engine's Trainer on onnxruntime-web's
 * WebGPU provider, for machines where only the browser's WebGPU works. Batch events are
 * thinned as the host thins them for its own workers; each epoch's checkpoint, and where an
 * epoch stands when it is stopped (or every minute of a long one), goes to the page, which
 * reports it to the host (the host owns the run). The .wasm is bundled by Vite
 * and served by the app: nothing comes from the internet.
 */
import wasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import { MID_EPOCH_EVERY_SECONDS, Trainer } from '../../src-main/engine/trainer';
import { BatchCoalescer } from '../../src-main/worker/coalesce';
import { createWebRuntime } from '../engine/web-runtime';
import type { FromTrainer, ToTrainer } from './protocol';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (m: FromTrainer, transfer: Transferable[] = []): void => scope.postMessage(m, transfer);
let trainer: Trainer | null = null;

async function start(msg: Extract<ToTrainer, { type: 'start' }>): Promise<void> {
  let runtime;
  try {
    runtime = await createWebRuntime('webgpu', { wasmPaths: { wasm: new URL(wasmUrl, self.location.href).href } });
  } catch (err) {
    post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
    return;
  }
  if (runtime.software && !msg.allowSoftware) {
    post({ type: 'error', message: `This window's WebGPU adapter is a software one (${runtime.label}): it would train slower than the CPU. Choose the CPU, or choose the software GPU explicitly.` });
    return;
  }
  const coalescer = new BatchCoalescer((event) => post({ type: 'event', event }), 1000 / msg.maxBatchEventsPerSecond);
  trainer = new Trainer({
    spec: msg.spec,
    config: msg.config,
    data: msg.data,
    runtime,
    onEvent: (e) => coalescer.push(e),
    onEpochEnd: (c, info) => {
      coalescer.flush();
      // copied, not transferred: on some paths the checkpoint shares buffers with the trainer
      post({ type: 'epoch', checkpoint: c, testError: info.testError, validationError: info.validationError, kept: info.kept, last: info.last });
    },
    // a stop inside an epoch, and every minute of a long one: the host keeps where it stands
    midEpochEverySeconds: MID_EPOCH_EVERY_SECONDS,
    onMidEpoch: (c) => {
      coalescer.flush();
      post({ type: 'position', checkpoint: c });
    },
  });
  try {
    const r = await trainer.run();
    coalescer.flush();
    post({ type: 'end', status: r.status, ...(r.reason ? { reason: r.reason } : {}), testError: r.testError });
  } catch (err) {
    post({ type: 'end', status: 'failed', reason: err instanceof Error ? err.message : String(err), testError: null });
  }
}

scope.onmessage = (ev: MessageEvent<ToTrainer>) => {
  const msg = ev.data;
  if (msg.type === 'start') void start(msg);
  else if (msg.type === 'pause') trainer?.pause();
  else if (msg.type === 'resume') trainer?.resume();
  else trainer?.stop(msg.reason);
};
