/**
 * The Studio API's implementation in the main process (Electron main or the web host's
 * Node process). It composes the dataset library, the run store and the training queue;
 * it never runs a training step itself. Requests reach it already validated by the
 * dispatcher; ids are re-checked against what exists (no prefix matching, no paths).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { DatasetMeta } from '../datasets/types';
import { NODE_DEVICES, type DeviceChoice, type ModelSpec, type NodeDevice, type TrainEvent, type TrainingData } from '../engine/types';
import { validateSpec, validateConfig, paramInfos } from '../engine/spec';
import { stateSlots } from '../engine/optimizers/index';
import { validationFraction } from '../engine/validation';
import type { MetricsWriter } from '../runs/metrics';
import { RunStore } from '../runs/store';
import { trainedElsewhere } from '../runs/run-lock';
import { divergedProblem, type RunRecord } from '../runs/record';
import {
  BROWSER_DEVICE,
  type BrowserCheckpoint,
  type BrowserDataChunk,
  type BrowserRunReply,
  type BrowserRunReport,
  type BrowserRunStart,
  type DatasetPreview,
  type DeviceInfo,
  type EpochEstimate,
  type EvaluationResult,
  type ExportOptions,
  type ExportResult,
  type ImportRequest,
  type PreparedImage,
  type RunDetail,
  type RunStatus,
  type RunSummary,
  type StartRunRequest,
  type StudioApi,
  type StudioEvent,
  type UploadRequest,
} from './contract';
import { StudioError } from './errors';
import { storeUpload } from './uploads';
import { homeRelative, resolveExportTarget } from './export-target';
import { spawnProcessWorker, type SpawnWorker, type WorkerHandle } from '../worker/handle';
import { TrainingQueue } from '../worker/queue';
import { runWorkerTask } from '../worker/task-runner';
import { buildExportModel } from '../engine/index';
import { DatasetGateway } from './datasets';
import { DEVICE_NAMES, deviceProblem, likelyAutoDevice, resumeChoice } from '../runtime/device-choice';

/** Where a run goes: its device (or 'auto', chosen in the worker), the queue lane, what 'auto' considers. */
interface DevicePlan {
  device: DeviceChoice;
  lane: NodeDevice;
  devices?: DeviceInfo[];
  note?: string;
}

export interface StudioServiceOptions {
  home: string;
  /** how training workers start: a child process by default, utilityProcess in Electron */
  spawnWorker?: SpawnWorker;
  /** batch events per second forwarded from a worker (default 20) */
  maxBatchEventsPerSecond?: number;
  /** devices training may use; default: probed once in a worker (CPU always, WebGPU if it works) */
  devices?: () => Promise<DeviceInfo[]>;
  /** a browser run with no report for this long is marked failed (the window closed); default 60 s */
  browserSilenceMs?: number;
  /**
   * export paths outside the studio's exports folder that may be written: in Electron, those
   * the person picked in the save dialog. Absent (the web host): none.
   */
  exportPathAllowed?: (file: string) => boolean;
}

/** A run being trained in a browser window (see BrowserRunStart in contract.ts). */
interface BrowserLive {
  record: RunRecord;
  status: 'running' | 'paused';
  data: Promise<TrainingData>;
  metrics: MetricsWriter;
  /** what another window asked of the run, handed to the training window with the next reply */
  request?: 'pause' | 'resume' | 'stop';
  lastReport: number;
  epochsDone: number;
  /** the checkpoint the run keeps (best.ckpt): its epoch (from 1), validation error and test error so far */
  kept: { epoch: number | null; validationError: number | null; testError: number | null };
  lastTestError: number | null;
  /** the validation part the window's trainer set aside (its 'start' event) */
  validation?: { fraction: number; seed: number; train: number; validation: number };
  /** the trainer's done event: the kept model's figures, an early stop, a diagnosis */
  done?: Extract<TrainEvent, { event: 'done' }>;
  /** seconds of the completed epochs */
  seconds: number;
  /** seconds of the epoch in progress when it was last saved inside (a stop, or the periodic save) */
  partialSeconds: number;
  /** reports of one run are applied one after the other */
  chain: Promise<unknown>;
}

/** about 16 MiB of samples per readBrowserRunData answer (base64 makes it ~21 MiB, under the 64 MiB frame) */
const BROWSER_CHUNK_BYTES = 16 * 1024 * 1024;
/** a report with a checkpoint must fit one 64 MiB message, with room for the events */
const BROWSER_CHECKPOINT_BYTES = 56 * 1024 * 1024;

/** A run in the queue (waiting, training or paused). The worker writes its folder. */
interface LiveRun {
  record: RunRecord;
  /** the status write after the worker has ended */
  chain: Promise<unknown>;
}

const TERMINAL: ReadonlySet<RunStatus> = new Set(['finished', 'stopped', 'failed']);

export class StudioService implements StudioApi {
  readonly home: string;
  readonly runs: RunStore;
  readonly datasets: DatasetGateway;
  readonly queue: TrainingQueue;
  private readonly listeners = new Set<(e: StudioEvent) => void>();
  private readonly live = new Map<string, LiveRun>();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly maxBatchEventsPerSecond: number;
  private readonly devicesProbe: () => Promise<DeviceInfo[]>;
  private readonly spawnWorker: SpawnWorker;
  private probed: Promise<DeviceInfo[]> | null = null;
  private estimating: Promise<unknown> = Promise.resolve();
  private readonly browser = new Map<string, BrowserLive>();
  private readonly browserSilenceMs: number;
  private readonly exportPathAllowed?: (file: string) => boolean;
  private browserWatch: ReturnType<typeof setInterval> | null = null;

  constructor(options: StudioServiceOptions) {
    this.home = path.resolve(options.home);
    this.runs = new RunStore(this.home);
    this.datasets = new DatasetGateway(this.home, (e) => this.emit(e));
    this.maxBatchEventsPerSecond = options.maxBatchEventsPerSecond ?? 20;
    this.spawnWorker = options.spawnWorker ?? (() => spawnProcessWorker());
    this.devicesProbe = options.devices ?? (() => this.probeDevices());
    this.browserSilenceMs = options.browserSilenceMs ?? 60_000;
    this.exportPathAllowed = options.exportPathAllowed;
    this.queue = new TrainingQueue(this.spawnWorker, {
      status: (runId, status, reason) => this.onStatus(runId, status, reason),
      event: (runId, event) => this.onTrainEvent(runId, event),
      device: (runId, device, reason) => this.onDeviceChosen(runId, device, reason),
    });
  }

  onEvent(listener: (e: StudioEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(e: StudioEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // a listener's failure must not stop the others or the training bookkeeping
      }
    }
  }

  /**
   * Ends all workers (app quit, SIGTERM, tests) and waits for the pending writes. With
   * `graceMs`, runs are first asked to stop (each saves where its epoch stands) and given
   * that long to do so.
   */
  async close(opts: { graceMs?: number } = {}): Promise<void> {
    if (opts.graceMs) await this.queue.stopAll(undefined, opts.graceMs);
    this.queue.shutdown();
    if (this.browserWatch) clearInterval(this.browserWatch);
    this.browserWatch = null;
    for (const id of [...this.browser.keys()]) this.endBrowserRun(id, 'failed', 'the studio closed while a browser window was training the run; resume it to continue from its last checkpoint');
    await Promise.all([...this.pending].map((p) => p.catch(() => undefined)));
  }

  // ---------------------------------------------------------------- datasets
  listDatasets(): Promise<DatasetMeta[]> {
    return this.datasets.list();
  }
  getDataset(id: string): Promise<DatasetMeta> {
    return this.datasets.get(id);
  }
  previewDataset(id: string, perClass: number): Promise<DatasetPreview> {
    return this.datasets.preview(id, perClass);
  }
  importDataset(req: ImportRequest): Promise<{ importId: string }> {
    return this.datasets.startImport(req);
  }
  async cancelImport(importId: string): Promise<void> {
    this.datasets.cancelImport(importId);
  }
  uploadFiles(req: UploadRequest): Promise<{ uploadId: string; paths: string[] }> {
    return storeUpload(this.home, req);
  }
  renameDataset(id: string, name: string): Promise<DatasetMeta> {
    return this.datasets.rename(id, name);
  }
  async deleteDataset(id: string): Promise<void> {
    const using = [...this.live.values(), ...this.browser.values()].find((l) => l.record.dataset.id === id);
    if (using) throw new StudioError('conflict', `The dataset is in use by the run "${using.record.name}", which is training; stop it first.`);
    await this.datasets.delete(id);
  }
  getSample(id: string, split: 'train' | 'test', index: number): Promise<{ shape: number[]; values: number[]; label: number }> {
    return this.datasets.sample(id, split, index);
  }
  prepareImage(id: string, picture: { name: string; base64: string }): Promise<PreparedImage> {
    return this.datasets.prepareImage(id, picture);
  }

  // ---------------------------------------------------------------- runs
  private assertRunExists(id: string): void {
    if (!fs.existsSync(path.join(this.runs.dir, id, 'run.json'))) throw new StudioError('not_found', `No run with id "${id}". It may have been deleted; refresh the list of runs.`);
  }

  private async summaryOf(id: string): Promise<RunSummary> {
    this.assertRunExists(id);
    return this.overlay(this.runs.summary(await this.runs.get(id)));
  }

  /** The store knows running/finished/stopped/failed; queued and paused live in the queue. */
  private overlay<T extends RunSummary>(s: T): T {
    const q = this.queue.statusOf(s.id) ?? this.browser.get(s.id)?.status;
    return q ? { ...s, status: q } : s;
  }

  /** The dataset of a run request, after checking that the model and settings fit it. */
  private async checkRunRequest(req: StartRunRequest): Promise<DatasetMeta> {
    const dataset = await this.datasets.get(req.datasetId);
    try {
      validateSpec(req.model);
      validateConfig(req.config);
    } catch (err) {
      throw new StudioError('bad_request', err instanceof Error ? err.message : String(err));
    }
    const sampleSize = dataset.sampleShape.reduce((a, b) => a * b, 1);
    const inputSize = req.model.inputShape.reduce((a, b) => a * b, 1);
    if (inputSize !== sampleSize) {
      throw new StudioError('bad_request', `The model takes ${inputSize} inputs but samples of "${dataset.name}" have ${sampleSize} values (shape ${dataset.sampleShape.join('×')}); set the input shape to ${dataset.sampleShape.join('×')}.`);
    }
    if (req.model.classes !== dataset.classNames.length) {
      throw new StudioError('bad_request', `The model has ${req.model.classes} outputs but "${dataset.name}" has ${dataset.classNames.length} classes; set classes to ${dataset.classNames.length}.`);
    }
    return dataset;
  }

  private createRunRecord(req: StartRunRequest, dataset: DatasetMeta, device: string): Promise<RunRecord> {
    return this.runs.create({
      model: req.model,
      config: req.config,
      name: req.name,
      device,
      dataset: {
        id: dataset.id,
        name: dataset.name,
        contentHash: dataset.contentHash,
        ...(dataset.split ? { split: dataset.split } : {}),
        ...(req.limitTrain ? { limitTrain: req.limitTrain } : {}),
        ...(req.limitTest ? { limitTest: req.limitTest } : {}),
      },
    });
  }

  async startRun(req: StartRunRequest): Promise<RunSummary> {
    const dataset = await this.checkRunRequest(req);
    // an explicit device that cannot be used is refused here, before the run exists
    const plan = await this.planDevice(req.config.device);
    const record = await this.createRunRecord(req, dataset, plan.device);
    this.live.set(record.id, { record, chain: Promise.resolve() });
    this.queue.enqueue(
      {
        runId: record.id,
        home: this.home,
        datasetId: dataset.id,
        limitTrain: req.limitTrain,
        limitTest: req.limitTest,
        device: plan.device,
        ...(plan.devices ? { devices: plan.devices } : {}),
        resume: false,
        maxBatchEventsPerSecond: this.maxBatchEventsPerSecond,
      },
      plan.lane,
    );
    return this.overlay(this.runs.summary(record));
  }

  /**
   * CPU always; WebGPU, CUDA, TensorRT, DirectML, CoreML where onnxruntime-node has them and
   * a session runs on them (probed once, in a worker, with the reference model's speed).
   */
  private probeDevices(): Promise<DeviceInfo[]> {
    if (!this.probed) {
      this.probed = runWorkerTask<DeviceInfo[]>(this.spawnWorker, { kind: 'probe' }, 60_000).catch((err: unknown) => {
        this.probed = null;
        const note = `the device check failed: ${err instanceof Error ? err.message : String(err)}`;
        return NODE_DEVICES.map((id): DeviceInfo => (id === 'cpu' ? { id, kind: 'cpu', name: 'CPU (onnxruntime-node)', available: true } : { id, kind: 'gpu', name: DEVICE_NAMES[id], available: false, note }));
      });
    }
    return this.probed;
  }

  /**
   * Where a run with this device choice trains. The CPU always works; any other explicit
   * device must have passed the probe, else the request is refused with the probe's reason
   * and what to install. 'auto' goes to the worker with the probed list: the worker times
   * the run's own model on each available hardware device once its data is loaded.
   */
  private async planDevice(choice: DeviceChoice, note?: string): Promise<DevicePlan> {
    if (choice === 'cpu') return { device: 'cpu', lane: 'cpu' };
    const devices = await this.devicesProbe();
    if (choice === 'auto') return { device: 'auto', lane: likelyAutoDevice(devices), devices, ...(note ? { note } : {}) };
    const problem = deviceProblem(choice, devices);
    if (problem) throw new StudioError('bad_request', `${problem}. Choose “CPU” or “Best available” (auto) instead.`);
    return { device: choice, lane: choice };
  }

  private requireLive(id: string, action: string): void {
    this.assertRunExists(id);
    if (!this.queue.has(id) && !this.browser.has(id)) throw new StudioError('conflict', `The run is not training, so it cannot be ${action}.`);
  }

  async pauseRun(id: string): Promise<RunSummary> {
    this.requireLive(id, 'paused');
    const b = this.browser.get(id);
    if (b) {
      b.request = 'pause';
      return this.summaryOf(id);
    }
    if (!this.queue.pause(id)) throw new StudioError('conflict', 'The run is waiting in the queue; it can be stopped but not paused.');
    return this.summaryOf(id);
  }

  /**
   * Unpauses a paused run; a stopped or failed run continues from its newest good checkpoint
   * (it goes back into its device's queue).
   */
  async resumeRun(id: string): Promise<RunSummary> {
    this.assertRunExists(id);
    const b = this.browser.get(id);
    if (b) {
      b.request = 'resume';
      return this.summaryOf(id);
    }
    if (this.queue.has(id)) {
      this.queue.resume(id);
      return this.summaryOf(id);
    }
    const record = await this.runs.get(id);
    if (record.status === 'finished') throw new StudioError('conflict', `The run has finished all ${record.config.epochs} epochs; there is nothing to resume.`);
    if (record.status === 'running') throw new StudioError('conflict', 'The run is being trained by another studio process; stop it there first.');
    const elsewhere = await trainedElsewhere(this.runs, id);
    if (elsewhere) throw new StudioError('conflict', elsewhere);
    const diverged = divergedProblem(record);
    if (diverged) throw new StudioError('conflict', diverged);
    const dataset = await this.datasets.get(record.dataset.id).catch(() => {
      throw new StudioError('conflict', `The run's dataset "${record.dataset.name}" is no longer in the library, so the run cannot continue.`);
    });
    if (dataset.contentHash !== record.dataset.contentHash) throw new StudioError('conflict', `The dataset "${dataset.name}" has changed since the run started; the run cannot continue on other data.`);
    // the run's own device when it still works; else 'auto', recording why
    const { choice, note } = await resumeChoice(record.device, () => this.devicesProbe(), record.deviceReason);
    const plan = await this.planDevice(choice, note);
    // a second request that arrived during the awaits above (a double click, another window)
    if (this.queue.has(id) || this.live.has(id)) throw new StudioError('conflict', `The run “${record.name}” is already continuing.`);
    this.live.set(id, { record, chain: Promise.resolve() });
    this.queue.enqueue(
      {
        runId: id,
        home: this.home,
        datasetId: record.dataset.id,
        limitTrain: record.dataset.limitTrain,
        limitTest: record.dataset.limitTest,
        device: plan.device,
        ...(plan.devices ? { devices: plan.devices } : {}),
        ...(plan.note ? { deviceNote: plan.note } : {}),
        resume: true,
        maxBatchEventsPerSecond: this.maxBatchEventsPerSecond,
      },
      plan.lane,
    );
    return this.summaryOf(id);
  }

  async stopRun(id: string): Promise<RunSummary> {
    this.requireLive(id, 'stopped');
    const b = this.browser.get(id);
    if (b) {
      b.request = 'stop';
      return this.summaryOf(id);
    }
    this.queue.stop(id, 'stopped by the user');
    return this.summaryOf(id);
  }

  async listRuns(): Promise<RunSummary[]> {
    return (await this.runs.list()).map((s) => this.overlay(s));
  }

  async getRun(id: string): Promise<RunDetail> {
    this.assertRunExists(id);
    const { problems: _p, checkpoints: _c, ...detail } = await this.runs.show(id);
    return this.overlay(detail);
  }

  async compareRuns(ids: string[]): Promise<RunDetail[]> {
    return Promise.all(ids.map((id) => this.getRun(id)));
  }

  async deleteRun(id: string): Promise<void> {
    this.assertRunExists(id);
    if (this.queue.has(id) || this.browser.has(id)) throw new StudioError('conflict', 'The run is training or queued; stop it before deleting it.');
    await this.runs.delete(id);
  }

  async setRunNote(id: string, note: string): Promise<RunSummary> {
    this.assertRunExists(id);
    return this.overlay(await this.runs.setNote(id, note));
  }

  /** The run's best checkpoint (or its last) on its test set, computed in a worker. */
  async evaluateRun(id: string): Promise<EvaluationResult> {
    this.assertRunExists(id);
    return runWorkerTask<EvaluationResult>(this.spawnWorker, { kind: 'evaluate', home: this.home, runId: id });
  }

  /** The inference model of the run's best (or last) checkpoint, for "Try it" in the renderer. */
  async getInferenceModel(id: string): Promise<{ onnxBase64: string; inputShape: number[]; classNames: string[] }> {
    this.assertRunExists(id);
    const record = await this.runs.get(id);
    const folder = this.runs.checkpoints(record);
    const entries = await folder.list();
    if (entries.length === 0) throw new StudioError('conflict', 'The run has no checkpoint yet: let it train at least one epoch.');
    const { checkpoint } = await folder.load(entries.some((e) => e.kind === 'best') ? 'best' : 'last');
    const data = await this.datasets.library.loadTrainingData(record.dataset.id, { limitTrain: 1, limitTest: 1 });
    const bytes = buildExportModel(record.model, checkpoint.state.params, {
      preprocess: data.preprocess,
      classNames: data.classNames,
      inputShape: data.sampleShape,
      metadata: { run_id: record.id, architecture: record.architecture, checkpoint_epoch: String(checkpoint.epoch) },
    });
    return { onnxBase64: Buffer.from(bytes).toString('base64'), inputShape: [...data.sampleShape], classNames: [...data.classNames] };
  }

  /**
   * Exports and verifies the run's model (in a worker). Where it may go: see export-target.ts
   * (the run's folder, the studio's exports folder, or a path the host vouches for, e.g. one
   * picked in Electron's save dialog); existing files are replaced only with options.overwrite.
   */
  async exportRun(id: string, target?: string | null, options: ExportOptions = {}): Promise<ExportResult> {
    // where it would write is checked first: a refused path is refused whatever the run
    const out = await resolveExportTarget(this.home, target, this.exportPathAllowed);
    this.assertRunExists(id);
    try {
      const result = await runWorkerTask<ExportResult>(this.spawnWorker, { kind: 'export', home: this.home, runId: id, ...(out ? { target: out } : {}), ...(options.overwrite ? { overwrite: true } : {}) });
      const rel = homeRelative(this.home, result.path);
      if (rel) result.download = { model: rel, modelCard: rel.replace(/\.onnx$/i, '.md'), report: rel.replace(/\.onnx$/i, '.verification.json') };
      return result;
    } catch (err) {
      if (err instanceof StudioError && err.code !== 'internal') throw err;
      throw new StudioError('export_failed', err instanceof Error ? err.message : String(err));
    }
  }

  // ---------------------------------------------------------------- browser runs
  /**
   * Creates a run that a browser window trains on its own WebGPU (device 'browser-webgpu').
   * The host keeps the record; the window reads the data with readBrowserRunData and reports
   * with reportBrowserRun.
   */
  async beginBrowserRun(req: StartRunRequest): Promise<BrowserRunStart> {
    const dataset = await this.checkRunRequest(req);
    // each epoch's checkpoint comes back in one message (base64: 4/3 of the float32 bytes)
    const infos = paramInfos(req.model);
    const floats = [...infos, ...stateSlots(req.config.optimizer, infos)].reduce((sum, t) => sum + t.shape.reduce((a, b) => a * b, 1), 0);
    const wireBytes = Math.ceil((floats * 4 * 4) / 3);
    if (wireBytes > BROWSER_CHECKPOINT_BYTES) {
      throw new StudioError('bad_request', `This model's checkpoint (${(wireBytes / 1e6).toFixed(0)} MB as sent) is too large to come back from the window in one message (at most ${(BROWSER_CHECKPOINT_BYTES / 1e6).toFixed(0)} MB); train it in the studio (CPU or GPU) instead, or use fewer units.`);
    }
    const record = await this.createRunRecord(req, dataset, BROWSER_DEVICE);
    const data = this.datasets.library.loadTrainingData(dataset.id, { limitTrain: req.limitTrain, limitTest: req.limitTest });
    let loaded: TrainingData;
    try {
      loaded = await data;
    } catch (err) {
      await this.runs.update(record.id, (r) => {
        r.status = 'failed';
        r.reason = `the dataset could not be read: ${err instanceof Error ? err.message : String(err)}`;
        delete r.pid;
        delete r.hostname;
      });
      throw err;
    }
    const live: BrowserLive = {
      record,
      status: 'running',
      data,
      metrics: this.runs.metricsWriter(record.id),
      lastReport: Date.now(),
      epochsDone: 0,
      kept: { epoch: null, validationError: null, testError: null },
      lastTestError: null,
      seconds: 0,
      partialSeconds: 0,
      chain: Promise.resolve(),
    };
    this.browser.set(record.id, live);
    this.watchBrowserRuns();
    const bytesPerValue = loaded.train.x instanceof Float32Array ? 4 : 1;
    this.emit({ channel: 'run', runId: record.id, status: 'running' });
    return {
      run: this.overlay(this.runs.summary(record)),
      data: {
        name: loaded.name,
        sampleShape: [...loaded.sampleShape],
        sampleSize: loaded.sampleSize,
        classNames: [...loaded.classNames],
        preprocess: { scale: loaded.preprocess.scale, mean: [...loaded.preprocess.mean], std: [...loaded.preprocess.std] },
        dtype: bytesPerValue === 4 ? 'float32' : 'uint8',
        train: loaded.train.n,
        test: loaded.test.n,
        chunkSamples: Math.max(1, Math.floor(BROWSER_CHUNK_BYTES / (loaded.sampleSize * bytesPerValue))),
      },
    };
  }

  /** A browser run that this host is waiting on, or a typed error saying why not. */
  private async browserLive(id: string): Promise<BrowserLive> {
    this.assertRunExists(id);
    const live = this.browser.get(id);
    if (live) return live;
    const record = await this.runs.get(id);
    if (record.device !== BROWSER_DEVICE) throw new StudioError('conflict', `The run "${record.name}" is trained by the studio on ${record.device}, not by a browser window.`);
    throw new StudioError('conflict', `The browser run "${record.name}" is no longer training (${record.status}${record.reason ? `: ${record.reason}` : ''}); start a new run or resume it on this computer.`);
  }

  async readBrowserRunData(id: string, split: 'train' | 'test', from: number, count: number): Promise<BrowserDataChunk> {
    const live = await this.browserLive(id);
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

  async reportBrowserRun(id: string, report: BrowserRunReport): Promise<BrowserRunReply> {
    const live = await this.browserLive(id);
    const applied = live.chain.catch(() => undefined).then(() => this.applyBrowserReport(id, live, report));
    live.chain = applied;
    await applied;
    const request = live.request;
    delete live.request;
    return { run: await this.summaryOf(id), ...(request && this.browser.has(id) ? { request } : {}) };
  }

  /** Checks a reported checkpoint against the run's model; the float32 tensors it holds. */
  private async decodeBrowserCheckpoint(live: BrowserLive, c: BrowserCheckpoint): Promise<{ params: Float32Array[]; optimizerState: Float32Array[] }> {
    const { model, config } = live.record;
    if (c.partial) {
      // inside the epoch after the last completed one
      const steps = Math.ceil((await live.data).train.n / config.batchSize);
      if (c.epoch !== live.epochsDone) throw new StudioError('bad_request', `The checkpoint is inside epoch ${c.epoch + 1}, but the run has completed ${live.epochsDone} epochs; it can only stand inside epoch ${live.epochsDone + 1}.`);
      if (c.epoch >= config.epochs) throw new StudioError('bad_request', `The checkpoint is inside epoch ${c.epoch + 1}, but the run has only ${config.epochs} epochs.`);
      if (c.partial.stepsDone >= steps) throw new StudioError('bad_request', `The checkpoint stands after step ${c.partial.stepsDone} of an epoch of ${steps} steps; an epoch's end is reported without "partial".`);
      if (c.testError !== null) throw new StudioError('bad_request', 'A checkpoint inside an epoch has no test error (the test set is evaluated at epoch ends).');
    } else {
      if (c.epoch !== live.epochsDone + 1) throw new StudioError('bad_request', `The checkpoint is for epoch ${c.epoch}, but the run has completed ${live.epochsDone} epochs; checkpoints come one per epoch, in order.`);
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

  private async applyBrowserReport(id: string, live: BrowserLive, report: BrowserRunReport): Promise<void> {
    if (!this.browser.has(id)) throw new StudioError('conflict', 'The browser run is no longer training; its last report came too late.');
    const decoded = report.checkpoint ? await this.decodeBrowserCheckpoint(live, report.checkpoint) : null;
    const epochEnd = report.checkpoint && !report.checkpoint.partial ? 1 : 0;
    const doneEvent = report.events.find((e): e is Extract<TrainEvent, { event: 'done' }> => e.event === 'done');
    // an early stop finishes before the last epoch, and its done event says so
    const stoppedEarly = !!doneEvent?.stoppedEarly && doneEvent.epochs === live.epochsDone + epochEnd;
    if (report.status === 'finished' && live.epochsDone + epochEnd < live.record.config.epochs && !stoppedEarly) {
      throw new StudioError('bad_request', `The run reports finished after ${live.epochsDone + epochEnd} of ${live.record.config.epochs} epochs; report "stopped" with a reason instead.`);
    }
    live.lastReport = Date.now();
    for (const e of report.events) {
      live.metrics.append(e);
      if (e.event === 'epoch') live.seconds += e.seconds;
      if (e.event === 'done') {
        live.seconds = Math.max(live.seconds, e.seconds);
        live.done = e;
      }
      if (e.event === 'start' && e.validation) live.validation = e.validation;
      this.emit({ channel: 'run', runId: id, status: live.status, event: e });
    }
    if (report.checkpoint?.partial && decoded) {
      // where the epoch stands is a safety net: a failed write (a full disk) does not end the run
      const c = report.checkpoint;
      const partial = c.partial!;
      try {
        await this.runs
          .checkpoints(live.record)
          .saveMidEpoch({ epoch: c.epoch, step: c.step, params: decoded.params, optimizerState: decoded.optimizerState, rngState: c.rngState, optimizerStep: c.optimizerStep, partial });
        live.partialSeconds = partial.seconds;
        await this.runs.update(id, (r) => {
          r.progress.step = c.step;
          r.progress.seconds = live.seconds + partial.seconds;
        });
      } catch {
        // the last epoch checkpoint (or an older position) stays the one to continue from
      }
    } else if (report.checkpoint && decoded) {
      const c = report.checkpoint;
      const last = c.epoch >= live.record.config.epochs || c.last === true;
      const validationError = c.validationError ?? null;
      const { isBest } = await this.runs.checkpoints(live.record).save(
        {
          epoch: c.epoch,
          step: c.step,
          params: decoded.params,
          optimizerState: decoded.optimizerState,
          rngState: c.rngState,
          optimizerStep: c.optimizerStep,
          ...(c.validationError !== undefined ? { validationError } : {}),
        },
        c.testError,
        // the window's trainer says which epoch the run keeps; a window without the validation split: the lowest test error
        c.kept !== undefined ? { force: last, keep: c.kept } : { force: last, bestSoFar: live.kept.testError },
      );
      if (isBest) live.kept = { epoch: c.epoch, validationError, testError: c.testError };
      live.epochsDone = c.epoch;
      live.partialSeconds = 0;
      if (c.testError !== null) live.lastTestError = c.testError;
      await this.runs.update(id, (r) => {
        r.progress = {
          epochsDone: c.epoch,
          step: c.step,
          bestTestError: live.kept.testError,
          bestEpoch: live.kept.epoch,
          lastTestError: live.lastTestError,
          seconds: live.seconds,
          checkpointEpoch: live.kept.epoch,
          validationError: live.kept.validationError,
          testError: live.kept.testError,
          keptBy: validationFraction(r.config) > 0 ? 'validation' : 'last',
        };
        if (live.validation) r.validation = { ...live.validation };
      });
    }
    const status = report.status;
    if (status === 'paused' || status === 'running') {
      if (live.status !== status) {
        live.status = status;
        this.emit({ channel: 'run', runId: id, status });
      }
    } else if (status) {
      const done = [...report.events].reverse().find((e) => e.event === 'done');
      if (done && done.event === 'done' && done.testError !== null) live.lastTestError = done.testError;
      await this.endBrowserRun(id, status, report.reason);
    }
  }

  /** Writes a browser run's end to run.json and announces it. */
  private async endBrowserRun(id: string, status: 'finished' | 'stopped' | 'failed', reason?: string): Promise<void> {
    const live = this.browser.get(id);
    if (!live) return;
    this.browser.delete(id);
    live.metrics.close();
    const write = this.runs
      .update(id, (r) => {
        r.status = status;
        if (reason) r.reason = reason;
        else delete r.reason;
        delete r.pid;
        delete r.hostname;
        r.progress.seconds = live.seconds + live.partialSeconds;
        r.progress.lastTestError = live.lastTestError;
        const done = live.done;
        if (status === 'finished' && done) {
          // the kept model's figures, its test error measured by the window once it was kept
          r.progress.testError = r.progress.bestTestError = done.testError;
          r.progress.checkpointEpoch = r.progress.bestEpoch = done.checkpointEpoch ?? live.kept.epoch;
          r.progress.validationError = done.validationError ?? live.kept.validationError;
          if (done.stoppedEarly) r.stoppedEarly = done.stoppedEarly;
          if (done.diagnosis) r.diagnosis = done.diagnosis;
        }
      })
      .catch(() => undefined)
      .then(() => this.emit({ channel: 'run', runId: id, status, ...(reason ? { reason } : {}) }));
    this.pending.add(write);
    void write.then(() => this.pending.delete(write));
    await write;
  }

  /** A browser run whose window went silent (closed, crashed, reloaded) is marked failed. */
  private watchBrowserRuns(): void {
    if (this.browserWatch) return;
    this.browserWatch = setInterval(() => {
      const now = Date.now();
      for (const [id, live] of this.browser) {
        if (now - live.lastReport > this.browserSilenceMs) {
          live.chain = live.chain
            .catch(() => undefined)
            .then(() => this.endBrowserRun(id, 'failed', `the browser window training this run stopped answering (closed or reloaded) after epoch ${live.epochsDone}; resume the run to continue on this computer from its last checkpoint`));
        }
      }
      if (this.browser.size === 0 && this.browserWatch) {
        clearInterval(this.browserWatch);
        this.browserWatch = null;
      }
    }, Math.min(5000, Math.max(100, this.browserSilenceMs / 4)));
    this.browserWatch.unref?.();
  }

  // ---------------------------------------------------------------- system
  listDevices(): Promise<DeviceInfo[]> {
    return this.devicesProbe();
  }

  /**
   * Times a few training steps of the model in a worker and scales to one epoch; for 'auto',
   * on each available hardware device, answering for the one auto would choose.
   */
  async estimateEpochSeconds(req: { datasetId: string; model: ModelSpec; batchSize: number; device: DeviceChoice }): Promise<EpochEstimate> {
    const dataset = await this.datasets.get(req.datasetId);
    const plan = await this.planDevice(req.device);
    if (req.model.inputShape.reduce((a, b) => a * b, 1) !== dataset.sampleShape.reduce((a, b) => a * b, 1) || req.model.classes !== dataset.classNames.length) {
      throw new StudioError('bad_request', `The model does not fit "${dataset.name}" (samples ${dataset.sampleShape.join('×')}, ${dataset.classNames.length} classes).`);
    }
    // One estimate at a time, and none beside the device check: timings taken side by side
    // share the CPU and each comes out several times too slow (the UI asks again at every edit).
    const run = this.estimating.then(async () => {
      await this.probed?.catch(() => undefined);
      return runWorkerTask<EpochEstimate>(
        this.spawnWorker,
        { kind: 'estimate', home: this.home, datasetId: dataset.id, model: req.model, batchSize: req.batchSize, device: plan.device, ...(plan.devices ? { devices: plan.devices } : {}) },
        120_000,
      );
    });
    this.estimating = run.catch(() => undefined);
    return run;
  }

  // ---------------------------------------------------------------- queue callbacks
  /**
   * Statuses from the queue. A terminal one is written to run.json first (the worker has
   * ended by then: after a crash or a failed start, nobody else will) and announced after,
   * so a listener that reloads the run sees the new status.
   */
  private onStatus(runId: string, status: RunStatus, reason?: string): void {
    const event: StudioEvent = { channel: 'run', runId, status, ...(reason ? { reason } : {}) };
    const live = this.live.get(runId);
    if (!TERMINAL.has(status) || !live) {
      this.emit(event);
      return;
    }
    this.live.delete(runId);
    live.chain = live.chain
      .catch(() => undefined)
      .then(() =>
        this.runs.update(runId, (r) => {
          r.status = status as RunRecord['status'];
          if (reason) r.reason = reason;
          else delete r.reason;
          delete r.pid;
          delete r.hostname;
        }),
      )
      .catch(() => undefined)
      .then(() => this.emit(event));
    this.pending.add(live.chain);
    void live.chain.then(() => this.pending.delete(live.chain));
  }

  /** An 'auto' run's worker chose its device (run.json already says so): tell the windows. */
  private onDeviceChosen(runId: string, device: string, reason: string): void {
    const live = this.live.get(runId);
    if (live) live.record = { ...live.record, device, deviceReason: reason };
    this.emit({ channel: 'run', runId, status: this.queue.statusOf(runId) ?? 'running', device, deviceReason: reason });
  }

  private onTrainEvent(runId: string, event: TrainEvent): void {
    this.emit({ channel: 'run', runId, status: this.queue.statusOf(runId) ?? 'running', event });
  }

  /** For tests: the worker training a run. */
  workerOf(runId: string): WorkerHandle | null {
    return this.queue.workerOf(runId);
  }
}
