/**
 * A run trained in this window (see BrowserRunStart in the API contract): asks the host to
 * create the run, reads its data in chunks, trains it in a Web Worker on this window's
 * WebGPU, hands events to the page as they come (batch events ≤ 20/s), and reports to the
 * host at most once a second, at every epoch end (with the checkpoint) and at the end. The
 * host owns the run: Evaluate, Export, Runs and resume on the CPU work as for any run.
 */
import type { BrowserCheckpoint, BrowserRunReply, BrowserRunStart, RunStatus, StartRunRequest, StudioApi } from '../../src-main/api/contract';
import type { TrainerCheckpoint } from '../../src-main/engine/trainer';
import type { TrainEvent, TrainingData } from '../../src-main/engine/types';
import { isEnded, type EndStatus, type ReportedStatus } from '../../src-main/engine/run-status';
import type { FromTrainer, ToTrainer } from './protocol';
import { base64ToBytes } from '../lib/base64';

export interface BrowserRunHandlers {
  /** the run's status and events, for the Train screen (same shape as the host's run events) */
  onRun(status: RunStatus, event?: TrainEvent, reason?: string): void;
}

const REPORT_EVERY_MS = 1000;
/** a paused run still says it is alive (the host marks a silent one failed after a minute) */
const HEARTBEAT_MS = 5000;

export function float32ToBase64(a: Float32Array): string {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** Reads a run's training data from the host in chunks (each well under one 64 MiB message). */
async function readData(api: StudioApi, runId: string, meta: BrowserRunStart['data']): Promise<TrainingData> {
  const bpe = meta.dtype === 'float32' ? 4 : 1;
  const split = async (which: 'train' | 'test', n: number) => {
    const raw = new Uint8Array(n * meta.sampleSize * bpe);
    const yRaw = new Uint8Array(n * 4);
    for (let from = 0; from < n; ) {
      const part = await api.readBrowserRunData(runId, which, from, meta.chunkSamples);
      base64ToBytes(part.x, raw.subarray(from * meta.sampleSize * bpe, (from + part.count) * meta.sampleSize * bpe));
      base64ToBytes(part.y, yRaw.subarray(from * 4, (from + part.count) * 4));
      from += part.count;
    }
    // a number to predict: float32 targets in their units
    return { x: bpe === 4 ? new Float32Array(raw.buffer) : raw, y: meta.task === 'number' ? new Float32Array(yRaw.buffer) : new Int32Array(yRaw.buffer), n };
  };
  return {
    name: meta.name,
    sampleShape: meta.sampleShape,
    sampleSize: meta.sampleSize,
    classNames: meta.classNames,
    preprocess: meta.preprocess,
    train: await split('train', meta.train),
    test: await split('test', meta.test),
    ...(meta.task === 'number' && meta.target ? { task: 'number' as const, target: { ...meta.target } } : {}),
  };
}

const finiteEvent = (e: TrainEvent): boolean => Object.values(e).every((v) => typeof v !== 'number' || Number.isFinite(v));

export class BrowserRun {
  private worker: Worker | null = null;
  private pending: TrainEvent[] = [];
  private reporting: Promise<void> = Promise.resolve();
  private timer: ReturnType<typeof setInterval> | null = null;
  private lastReport = Date.now();
  private ended = false;
  /** epochs completed so far (the trainer's epoch events): a failure is in the epoch after them */
  private epochsDone = 0;
  status: RunStatus = 'queued';

  private constructor(
    private readonly api: StudioApi,
    readonly runId: string,
    private readonly handlers: BrowserRunHandlers,
  ) {}

  /**
   * Creates the run on the host and starts training it in this window. `allowSoftware`: the
   * person chose a software adapter explicitly (never chosen automatically).
   */
  static async start(api: StudioApi, req: StartRunRequest, handlers: BrowserRunHandlers, opts: { allowSoftware: boolean }): Promise<{ run: BrowserRun; start: BrowserRunStart }> {
    // plain copies: the page's settings are reactive proxies, which cannot be posted to a worker
    const plain = JSON.parse(JSON.stringify(req)) as StartRunRequest;
    const begun = await api.beginBrowserRun(plain);
    const run = new BrowserRun(api, begun.run.id, handlers);
    void run.launch(plain, begun, opts.allowSoftware).catch((err: unknown) => run.end('failed', `training in this window could not start: ${err instanceof Error ? err.message : String(err)}`));
    return { run, start: begun };
  }

  private async launch(req: StartRunRequest, begun: BrowserRunStart, allowSoftware: boolean): Promise<void> {
    let data: TrainingData;
    try {
      data = await readData(this.api, this.runId, begun.data);
    } catch (err) {
      await this.end('failed', `the training data could not be read from the studio: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    if (this.ended) return;
    const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
    this.worker = worker;
    worker.onmessage = (ev: MessageEvent<FromTrainer>) => this.onWorker(ev.data);
    worker.onerror = (ev) => void this.end('failed', `the training worker stopped: ${ev.message || 'unknown error'}`);
    const msg: ToTrainer = { type: 'start', spec: req.model, config: req.config, data, maxBatchEventsPerSecond: 20, allowSoftware };
    worker.postMessage(msg, [data.train.x.buffer, data.train.y.buffer, data.test.x.buffer, data.test.y.buffer]);
    this.setStatus('running');
    this.timer = setInterval(() => {
      if (this.pending.length || Date.now() - this.lastReport >= HEARTBEAT_MS) this.report({});
    }, REPORT_EVERY_MS);
  }

  private setStatus(status: RunStatus, reason?: string): void {
    this.status = status;
    this.handlers.onRun(status, undefined, reason);
  }

  private onWorker(m: FromTrainer): void {
    if (this.ended) return;
    switch (m.type) {
      case 'event':
        if (m.event.event === 'epoch') this.epochsDone = m.event.epoch;
        this.handlers.onRun(this.status, m.event);
        if (finiteEvent(m.event)) this.pending.push(m.event);
        break;
      case 'epoch':
        this.report({
          checkpoint: {
            ...toWire(m.checkpoint, m.testError),
            ...(m.validationError !== undefined ? { validationError: m.validationError } : {}),
            ...(m.checkpoint.validationLoss !== undefined ? { validationLoss: m.checkpoint.validationLoss } : {}),
            ...(m.kept !== undefined ? { kept: m.kept } : {}),
            ...(m.last !== undefined ? { last: m.last } : {}),
          },
        });
        break;
      case 'position':
        this.report({ checkpoint: toWire(m.checkpoint, null) });
        break;
      case 'end':
        void this.end(m.status, m.reason);
        break;
      case 'error':
        void this.end('failed', m.message, { event: 'failed', epoch: this.epochsDone + 1, reason: m.message });
        break;
    }
  }

  /** Queues a report (reports go one after the other, in order); applies what the host asks back. */
  private report(extra: { checkpoint?: BrowserCheckpoint; status?: ReportedStatus; reason?: string }): Promise<void> {
    const events = this.pending.splice(0);
    this.lastReport = Date.now();
    this.reporting = this.reporting.then(async () => {
      let reply: BrowserRunReply;
      try {
        reply = await this.api.reportBrowserRun(this.runId, { events, ...extra });
      } catch (err) {
        if (extra.status && isEnded(extra.status)) return;
        const why = `the studio did not accept this window's progress (${err instanceof Error ? err.message : String(err)})`;
        this.stopWorker();
        void this.end('failed', why);
        return;
      }
      if (reply.request === 'stop') this.stop('stopped from another window');
      else if (reply.request === 'pause') this.pause();
      else if (reply.request === 'resume') this.resume();
    });
    return this.reporting;
  }

  pause(): void {
    if (this.ended || this.status !== 'running') return;
    this.worker?.postMessage({ type: 'pause' } satisfies ToTrainer);
    this.setStatus('paused');
    void this.report({ status: 'paused' });
  }

  resume(): void {
    if (this.ended || this.status !== 'paused') return;
    this.worker?.postMessage({ type: 'resume' } satisfies ToTrainer);
    this.setStatus('running');
    void this.report({ status: 'running' });
  }

  /** The trainer stops after its current step and ends with a 'stopped' event. */
  stop(reason = 'stopped by the user'): void {
    if (this.ended) return;
    if (!this.worker) {
      void this.end('stopped', reason);
      return;
    }
    this.worker.postMessage({ type: 'stop', reason } satisfies ToTrainer);
    if (this.status === 'paused') this.worker.postMessage({ type: 'resume' } satisfies ToTrainer);
  }

  private stopWorker(): void {
    this.worker?.terminate();
    this.worker = null;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async end(status: EndStatus, reason?: string, event?: TrainEvent): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    if (event) {
      this.pending.push(event);
      this.handlers.onRun(status, event, reason);
    }
    await this.report({ status, ...(reason ? { reason } : {}) });
    this.stopWorker();
    this.setStatus(status, reason);
  }
}

function toWire(c: TrainerCheckpoint, testError: number | null): BrowserCheckpoint {
  return {
    epoch: c.epoch,
    step: c.step,
    params: c.params.map(float32ToBase64),
    optimizerState: c.optimizerState.map(float32ToBase64),
    rngState: c.rngState,
    optimizerStep: c.optimizerStep,
    testError,
    ...(c.partial ? { partial: c.partial } : {}),
  };
}
