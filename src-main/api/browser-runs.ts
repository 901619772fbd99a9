/**
 * Runs trained in a browser window on its own WebGPU (device 'browser-webgpu'): the host keeps
 * the record, the window reads the data with readBrowserRunData and reports its events and
 * checkpoints with reportBrowserRun. A run whose window goes silent is marked failed. What the
 * window reports is written by the same run recorder as a worker's run (runs/recorder.ts).
 */
import type { Task, TrainEvent, TrainingData } from '../engine/types';
import { paramInfos } from '../engine/spec';
import { stateSlots } from '../engine/optimizers/index';
import { afterEpochsText, type EndStatus } from '../engine/run-status';
import type { RunStore } from '../runs/store';
import type { RunRecord } from '../runs/record';
import { RunRecorder, endWriteProblem, recordEnd } from '../runs/recorder';
import {
  BROWSER_DEVICE,
  type BrowserCheckpoint,
  type BrowserDataChunk,
  type BrowserRunReply,
  type BrowserRunReport,
  type BrowserRunStart,
  type RunSummary,
  type StartRunRequest,
  type StudioEvent,
} from './contract';
import { StudioError } from './errors';
import type { DatasetGateway } from './datasets';
import { checkRunRequest, createRunRecord } from './run-requests';

/**
 * A category's errors are fractions wrong (0 to 1); a number's are mean absolute errors in the
 * target's units (the schema only asks them to be finite and not negative).
 */
function checkErrorsFitTask(task: Task | undefined, report: BrowserRunReport): void {
  if (task === 'number') return;
  const over = (v: number | null | undefined) => v !== null && v !== undefined && v > 1;
  for (const e of report.events) {
    const figures = e.event === 'done' ? [e.testError, e.validationError] : 'error' in e ? [e.error] : [];
    if (figures.some(over)) throw new StudioError('bad_request', `The ${e.event} event reports an error above 1; a classifier's errors are fractions from 0 to 1.`);
  }
  const c = report.checkpoint;
  if (c && (over(c.testError) || over(c.validationError))) throw new StudioError('bad_request', "The checkpoint reports an error above 1; a classifier's errors are fractions from 0 to 1.");
}

/** What the browser runs use of the service. */
export interface BrowserRunsHost {
  runs: RunStore;
  datasets: DatasetGateway;
  emit(e: StudioEvent): void;
  /** a write that close() waits for */
  track(p: Promise<unknown>): void;
  summaryOf(id: string): Promise<RunSummary>;
  overlay<T extends RunSummary>(s: T): T;
  assertRunExists(id: string): void;
}

/** A run being trained in a browser window (see BrowserRunStart in contract.ts). */
interface BrowserLive {
  record: RunRecord;
  status: 'running' | 'paused';
  data: Promise<TrainingData>;
  /** writes what the window reports into the run folder */
  recorder: RunRecorder;
  /** what another window asked of the run, handed to the training window with the next reply */
  request?: 'pause' | 'resume' | 'stop';
  lastReport: number;
  /** where an epoch stood could not be saved: said in the reason if the run then stops */
  positionProblem?: string;
  /** reports of one run are applied one after the other */
  chain: Promise<unknown>;
}

/** about 16 MiB of samples per readBrowserRunData answer (base64 makes it ~21 MiB, under the 64 MiB frame) */
const BROWSER_CHUNK_BYTES = 16 * 1024 * 1024;
/** a report with a checkpoint must fit one 64 MiB message, with room for the events */
const BROWSER_CHECKPOINT_BYTES = 56 * 1024 * 1024;

export class BrowserRuns {
  private readonly live = new Map<string, BrowserLive>();
  private watchTimer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly host: BrowserRunsHost,
    /** a run with no report for this long is marked failed (the window closed) */
    private readonly silenceMs: number,
  ) {}

  has(id: string): boolean {
    return this.live.has(id);
  }

  statusOf(id: string): 'running' | 'paused' | undefined {
    return this.live.get(id)?.status;
  }

  records(): RunRecord[] {
    return [...this.live.values()].map((l) => l.record);
  }

  /** Hands another window's request to the training window with its next reply; false if not a browser run. */
  request(id: string, what: 'pause' | 'resume' | 'stop'): boolean {
    const live = this.live.get(id);
    if (!live) return false;
    live.request = what;
    return true;
  }

  /** The studio closes: every browser run is marked failed (the host's close() waits for the writes). */
  closeAll(): void {
    if (this.watchTimer) clearInterval(this.watchTimer);
    this.watchTimer = null;
    for (const id of [...this.live.keys()]) {
      // a failed write has been announced as the run's failure already
      this.end(id, 'failed', 'the studio closed while a browser window was training the run; resume it to continue from its last checkpoint').catch(() => undefined);
    }
  }

  /**
   * Creates a run that a browser window trains on its own WebGPU (device 'browser-webgpu').
   * The host keeps the record; the window reads the data with readBrowserRunData and reports
   * with reportBrowserRun.
   */
  async begin(req: StartRunRequest): Promise<BrowserRunStart> {
    const dataset = await checkRunRequest(this.host.datasets, req);
    // each epoch's checkpoint comes back in one message (base64: 4/3 of the float32 bytes)
    const infos = paramInfos(req.model);
    const floats = [...infos, ...stateSlots(req.config.optimizer, infos)].reduce((sum, t) => sum + t.shape.reduce((a, b) => a * b, 1), 0);
    const wireBytes = Math.ceil((floats * 4 * 4) / 3);
    if (wireBytes > BROWSER_CHECKPOINT_BYTES) {
      throw new StudioError('bad_request', `This model's checkpoint (${(wireBytes / 1e6).toFixed(0)} MB as sent) is too large to come back from the window in one message (at most ${(BROWSER_CHECKPOINT_BYTES / 1e6).toFixed(0)} MB); train it in the studio (CPU or GPU) instead, or use fewer units.`);
    }
    const record = await createRunRecord(this.host.runs, req, dataset, BROWSER_DEVICE);
    const data = this.host.datasets.library.loadTrainingData(dataset.id, { limitTrain: req.limitTrain, limitTest: req.limitTest });
    let loaded: TrainingData;
    try {
      loaded = await data;
    } catch (err) {
      await recordEnd(this.host.runs, record.id, 'failed', `the dataset could not be read: ${err instanceof Error ? err.message : String(err)}`);
      throw err;
    }
    const live: BrowserLive = { record, status: 'running', data, recorder: new RunRecorder(this.host.runs, record), lastReport: Date.now(), chain: Promise.resolve() };
    this.live.set(record.id, live);
    this.watch();
    const bytesPerValue = loaded.train.x instanceof Float32Array ? 4 : 1;
    this.host.emit({ channel: 'run', runId: record.id, status: 'running' });
    return {
      run: this.host.overlay(this.host.runs.summary(record)),
      data: {
        name: loaded.name,
        sampleShape: [...loaded.sampleShape],
        sampleSize: loaded.sampleSize,
        classNames: [...loaded.classNames],
        preprocess: { scale: loaded.preprocess.scale, mean: [...loaded.preprocess.mean], std: [...loaded.preprocess.std] },
        dtype: bytesPerValue === 4 ? 'float32' : 'uint8',
        // a number to predict: its y chunks are float32 in the target's units
        ...(loaded.task === 'number' && loaded.target ? { task: 'number' as const, target: { ...loaded.target } } : {}),
        train: loaded.train.n,
        test: loaded.test.n,
        chunkSamples: Math.max(1, Math.floor(BROWSER_CHUNK_BYTES / (loaded.sampleSize * bytesPerValue))),
      },
    };
  }

  /** A browser run that this host is waiting on, or a typed error saying why not. */
  private async liveOf(id: string): Promise<BrowserLive> {
    this.host.assertRunExists(id);
    const live = this.live.get(id);
    if (live) return live;
    const record = await this.host.runs.get(id);
    if (record.device !== BROWSER_DEVICE) throw new StudioError('conflict', `The run "${record.name}" is trained by the studio on ${record.device}, not by a browser window.`);
    throw new StudioError('conflict', `The browser run "${record.name}" is no longer training (${record.status}${record.reason ? `: ${record.reason}` : ''}); start a new run or resume it on this computer.`);
  }

  async readData(id: string, split: 'train' | 'test', from: number, count: number): Promise<BrowserDataChunk> {
    const live = await this.liveOf(id);
    const data = await live.data;
    const part = data[split];
    if (from >= part.n) throw new StudioError('bad_request', `The ${split} set of this run has ${part.n} samples; there is no sample ${from}.`);
    const bpe = part.x instanceof Float32Array ? 4 : 1;
    const most = Math.max(1, Math.floor(BROWSER_CHUNK_BYTES / (data.sampleSize * bpe)));
    const n = Math.min(count, most, part.n - from);
    const x = Buffer.from(part.x.buffer, part.x.byteOffset + from * data.sampleSize * bpe, n * data.sampleSize * bpe);
    const y = Buffer.from(part.y.buffer, part.y.byteOffset + from * 4, n * 4);
    live.lastReport = Date.now();
    return { x: x.toString('base64'), y: y.toString('base64'), count: n };
  }

  async report(id: string, report: BrowserRunReport): Promise<BrowserRunReply> {
    const live = await this.liveOf(id);
    const applied = live.chain.catch(() => undefined).then(() => this.applyReport(id, live, report));
    live.chain = applied;
    await applied;
    const request = live.request;
    delete live.request;
    return { run: await this.host.summaryOf(id), ...(request && this.live.has(id) ? { request } : {}) };
  }

  /** Checks a reported checkpoint against the run's model; the float32 tensors it holds. */
  private async decodeCheckpoint(live: BrowserLive, c: BrowserCheckpoint): Promise<{ params: Float32Array[]; optimizerState: Float32Array[] }> {
    const { model, config } = live.record;
    if (c.partial) {
      // inside the epoch after the last completed one
      const steps = Math.ceil((await live.data).train.n / config.batchSize);
      if (c.epoch !== live.recorder.epochsDone) throw new StudioError('bad_request', `The checkpoint is inside epoch ${c.epoch + 1}, but the run has completed ${live.recorder.epochsDone} epochs; it can only stand inside epoch ${live.recorder.epochsDone + 1}.`);
      if (c.epoch >= config.epochs) throw new StudioError('bad_request', `The checkpoint is inside epoch ${c.epoch + 1}, but the run has only ${config.epochs} epochs.`);
      if (c.partial.stepsDone >= steps) throw new StudioError('bad_request', `The checkpoint stands after step ${c.partial.stepsDone} of an epoch of ${steps} steps; an epoch's end is reported without "partial".`);
      if (c.testError !== null) throw new StudioError('bad_request', 'A checkpoint inside an epoch has no test error (the test set is evaluated at epoch ends).');
    } else {
      if (c.epoch !== live.recorder.epochsDone + 1) throw new StudioError('bad_request', `The checkpoint is for epoch ${c.epoch}, but the run has completed ${live.recorder.epochsDone} epochs; checkpoints come one per epoch, in order.`);
      if (c.epoch > config.epochs) throw new StudioError('bad_request', `The checkpoint is for epoch ${c.epoch}, but the run has only ${config.epochs} epochs.`);
    }
    const infos = paramInfos(model);
    const slots = stateSlots(config.optimizer, infos);
    const decode = (what: string, names: { name: string; shape: number[] }[], values: string[]): Float32Array[] => {
      if (values.length !== names.length) throw new StudioError('bad_request', `The checkpoint has ${values.length} ${what} tensors; the run's model has ${names.length}.`);
      return values.map((b64, k) => {
        const bytes = Buffer.from(b64, 'base64');
        const want = names[k].shape.reduce((a, b) => a * b, 1);
        if (bytes.length !== want * 4) throw new StudioError('bad_request', `The checkpoint's ${what} ${names[k].name} has ${bytes.length} bytes; its shape ${names[k].shape.join('×')} needs ${want * 4} (float32).`);
        const out = new Float32Array(want);
        new Uint8Array(out.buffer).set(bytes);
        const bad = out.findIndex((v) => !Number.isFinite(v));
        if (bad >= 0) throw new StudioError('bad_request', `The checkpoint's ${what} ${names[k].name} holds ${out[bad]} at index ${bad}; the training diverged, so this epoch cannot be saved.`);
        return out;
      });
    };
    return { params: decode('parameter', infos, c.params), optimizerState: decode('optimizer state', slots, c.optimizerState) };
  }

  private async applyReport(id: string, live: BrowserLive, report: BrowserRunReport): Promise<void> {
    if (!this.live.has(id)) throw new StudioError('conflict', 'The browser run is no longer training; its last report came too late.');
    checkErrorsFitTask(live.record.model.task, report);
    const decoded = report.checkpoint ? await this.decodeCheckpoint(live, report.checkpoint) : null;
    const epochEnd = report.checkpoint && !report.checkpoint.partial ? 1 : 0;
    const doneEvent = report.events.find((e): e is Extract<TrainEvent, { event: 'done' }> => e.event === 'done');
    // an early stop finishes before the last epoch, and its done event says so
    const stoppedEarly = !!doneEvent?.stoppedEarly && doneEvent.epochs === live.recorder.epochsDone + epochEnd;
    if (report.status === 'finished' && live.recorder.epochsDone + epochEnd < live.record.config.epochs && !stoppedEarly) {
      throw new StudioError('bad_request', `The run reports finished after ${live.recorder.epochsDone + epochEnd} of ${live.record.config.epochs} epochs; report "stopped" with a reason instead.`);
    }
    live.lastReport = Date.now();
    for (const e of report.events) {
      live.recorder.event(e);
      this.host.emit({ channel: 'run', runId: id, status: live.status, event: e });
    }
    try {
      live.recorder.check();
      if (report.checkpoint && decoded) await this.record(live, report.checkpoint, decoded);
    } catch (err) {
      // a write that failed ends the run failed, and this report answers with the file named
      await this.end(id, 'failed').catch(() => undefined);
      throw err;
    }
    const status = report.status;
    if (status === 'paused' || status === 'running') {
      if (live.status !== status) {
        live.status = status;
        this.host.emit({ channel: 'run', runId: id, status });
      }
    } else if (status) {
      const reason = status === 'stopped' && live.positionProblem ? `${report.reason ?? 'Stopped.'} (${live.positionProblem})` : report.reason;
      await this.end(id, status, reason);
    }
  }

  /** A reported checkpoint into the run folder: where an epoch stands, or an epoch's end. */
  private async record(live: BrowserLive, c: BrowserCheckpoint, decoded: { params: Float32Array[]; optimizerState: Float32Array[] }): Promise<void> {
    const state = { epoch: c.epoch, step: c.step, params: decoded.params, optimizerState: decoded.optimizerState, rngState: c.rngState, optimizerStep: c.optimizerStep };
    if (c.partial) {
      // where the epoch stands is a safety net: a failed write (a full disk) does not end the run,
      // and a stop then says that it continues from the last point saved
      try {
        await live.recorder.midEpoch({ ...state, partial: c.partial });
        delete live.positionProblem;
      } catch (err) {
        live.positionProblem = `where epoch ${c.epoch + 1} stood could not be saved: ${err instanceof Error ? err.message : String(err)}; resuming continues from the last point that was saved`;
      }
      return;
    }
    const checkpoint = {
      ...state,
      ...(c.validationError !== undefined ? { validationError: c.validationError } : {}),
      ...(c.validationLoss !== undefined ? { validationLoss: c.validationLoss } : {}),
    };
    // the window's trainer says which epoch the run keeps; a window without the validation split: the lowest test error
    await live.recorder.epochEnd(checkpoint, { testError: c.testError, last: c.last === true, ...(c.kept !== undefined ? { kept: c.kept } : {}) });
    delete live.positionProblem;
  }

  /**
   * Writes a browser run's end to run.json and announces it. A failed write is not swallowed:
   * the run is announced failed with the reason, and the report that ended it answers it.
   */
  async end(id: string, status: EndStatus, reason?: string): Promise<void> {
    const live = this.live.get(id);
    if (!live) return;
    this.live.delete(id);
    const write = live.recorder.end(status, reason).then(
      (ended) => this.host.emit({ channel: 'run', runId: id, ...ended }),
      (err: unknown) => {
        const problem = endWriteProblem(err);
        this.host.emit({ channel: 'run', runId: id, status: 'failed', reason: problem });
        throw new StudioError('io', `The run ${problem}.`);
      },
    );
    this.host.track(write);
    await write;
  }

  /** A browser run whose window went silent (closed, crashed, reloaded) is marked failed. */
  private watch(): void {
    if (this.watchTimer) return;
    this.watchTimer = setInterval(() => {
      const now = Date.now();
      for (const [id, live] of this.live) {
        if (now - live.lastReport > this.silenceMs) {
          live.chain = live.chain
            .catch(() => undefined)
            .then(() => this.end(id, 'failed', `the browser window training this run stopped answering (closed or reloaded) ${afterEpochsText(live.recorder.epochsDone)}; resume the run to continue on this computer from its last checkpoint`))
            // a failed write has been announced as the run's failure already
            .catch(() => undefined);
        }
      }
      if (this.live.size === 0 && this.watchTimer) {
        clearInterval(this.watchTimer);
        this.watchTimer = null;
      }
    }, Math.min(5000, Math.max(100, this.silenceMs / 4)));
    this.watchTimer.unref?.();
  }
}
