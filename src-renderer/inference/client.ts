import type { FromWorker, ToWorker } from './protocol';

export interface Prediction {
  probabilities: number[];
  ms: number;
}

/**
 * Talks to the inference worker. Predictions are coalesced: while one runs, only the most
 * recent request waits, so drawing fast never builds a queue.
 */
export class InferenceClient {
  private worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  private nextId = 1;
  private pending = new Map<number, { resolve: (m: FromWorker) => void; reject: (e: Error) => void }>();
  private busy = false;
  private queued: { input: Float32Array; resolve: (p: Prediction | null) => void } | null = null;
  backend: 'webgpu' | 'wasm' | null = null;

  constructor() {
    this.worker.onmessage = (ev: MessageEvent<FromWorker>) => {
      const p = this.pending.get(ev.data.id);
      if (!p) return;
      this.pending.delete(ev.data.id);
      if (ev.data.type === 'error') p.reject(new Error(ev.data.message));
      else p.resolve(ev.data);
    };
    this.worker.onerror = (ev) => {
      const err = new Error(`The inference worker stopped: ${ev.message || 'unknown error'}`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
  }

  private send(msg: ToWorker, transfer: Transferable[] = []): Promise<FromWorker> {
    return new Promise((resolve, reject) => {
      this.pending.set(msg.id, { resolve, reject });
      this.worker.postMessage(msg, transfer);
    });
  }

  /** Readies the runtime (fetches and compiles its WebAssembly) without a network: sent while the network downloads. */
  async warm(preferGpu = true): Promise<void> {
    const r = await this.send({ type: 'warm', id: this.nextId++, preferGpu });
    if (r.type !== 'warm') throw new Error('unexpected reply from the inference worker');
  }

  /** Hands `model` to the worker (its buffer is moved there when `model` fills it, else copied). */
  async load(model: Uint8Array, inputShape: number[], preferGpu = true): Promise<{ backend: 'webgpu' | 'wasm'; note?: string }> {
    const whole = model.byteOffset === 0 && model.byteLength === model.buffer.byteLength && model.buffer instanceof ArrayBuffer;
    const buf = whole ? (model.buffer as ArrayBuffer) : model.slice().buffer;
    const r = await this.send({ type: 'load', id: this.nextId++, model: buf, inputShape, preferGpu }, [buf]);
    if (r.type !== 'loaded') throw new Error('unexpected reply from the inference worker');
    this.backend = r.backend;
    return { backend: r.backend, note: r.note };
  }

  /** Resolves null when a newer request replaced this one before it ran. */
  predict(input: Float32Array): Promise<Prediction | null> {
    return new Promise((resolve, reject) => {
      if (this.busy) {
        this.queued?.resolve(null);
        this.queued = { input, resolve };
        return;
      }
      this.busy = true;
      this.runNow(input).then(resolve, reject).finally(() => this.drain());
    });
  }

  private async runNow(input: Float32Array): Promise<Prediction> {
    const r = await this.send({ type: 'run', id: this.nextId++, input });
    if (r.type !== 'result') throw new Error('unexpected reply from the inference worker');
    return { probabilities: Array.from(r.probabilities), ms: r.ms };
  }

  private drain(): void {
    const q = this.queued;
    this.queued = null;
    if (!q) {
      this.busy = false;
      return;
    }
    this.runNow(q.input).then(q.resolve, () => q.resolve(null)).finally(() => this.drain());
  }

  dispose(): void {
    this.worker.terminate();
    for (const p of this.pending.values()) p.reject(new Error('closed'));
    this.pending.clear();
  }
}

let shared: InferenceClient | null = null;

/** The window's one inference worker: its runtime is readied once and serves every visit to Try it. */
export function sharedInferenceClient(): InferenceClient {
  shared ??= new InferenceClient();
  return shared;
}
