/**
 * The Studio API's implementation in the main process (Electron main or the web host's
 * Node process). It composes the dataset library, the run store and the training queue;
 * it never runs a training step itself. Requests reach it already validated by the
 * dispatcher; ids are re-checked against what exists (no prefix matching, no paths).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { DatasetMeta, PicturePreview } from '../datasets/types';
import type { RawRow, TablePreview } from '../engine/table';
import type { TrainEvent } from '../engine/types';
import { RunStore } from '../runs/store';
import type { RunRecord } from '../runs/record';
import {
  type BrowserDataChunk,
  type BrowserRunReply,
  type BrowserRunReport,
  type BrowserRunStart,
  type ByteRange,
  type DatasetPreview,
  type DeviceInfo,
  type EpochEstimate,
  type EstimateRequest,
  type EvaluationResult,
  type ExportOptions,
  type ExportResult,
  type ImportRequest,
  type InferenceModel,
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
import { DatasetGateway } from './datasets';
import { BrowserRuns } from './browser-runs';
import { DevicePlanner } from './device-planner';
import { TuneSessions } from './tune-service';
import type { StartTuneRequest } from './tune-contract';
import { inferenceModel } from './inference-model';
import { checkResumable, checkRunRequest, createRunRecord, trainJob } from './run-requests';
import { endWriteProblem, recordEnd } from '../runs/recorder';
import { isEnded } from '../engine/run-status';
import { resumeChoice } from '../runtime/device-choice';

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

/** A run in the queue (waiting, training or paused). The worker writes its folder. */
interface LiveRun {
  record: RunRecord;
  /** the status write after the worker has ended */
  chain: Promise<unknown>;
}

export class StudioService implements StudioApi {
  readonly home: string;
  readonly runs: RunStore;
  readonly datasets: DatasetGateway;
  readonly queue: TrainingQueue;
  private readonly listeners = new Set<(e: StudioEvent) => void>();
  private readonly live = new Map<string, LiveRun>();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly maxBatchEventsPerSecond: number;
  private readonly spawnWorker: SpawnWorker;
  private readonly devices: DevicePlanner;
  private readonly browser: BrowserRuns;
  private readonly tunes = new TuneSessions(this, (e) => this.emit(e));
  private readonly exportPathAllowed?: (file: string) => boolean;

  constructor(options: StudioServiceOptions) {
    this.home = path.resolve(options.home);
    this.runs = new RunStore(this.home);
    this.datasets = new DatasetGateway(this.home, (e) => this.emit(e));
    this.maxBatchEventsPerSecond = options.maxBatchEventsPerSecond ?? 20;
    this.spawnWorker = options.spawnWorker ?? (() => spawnProcessWorker());
    this.devices = new DevicePlanner(this.spawnWorker, this.home, (id) => this.datasets.get(id), options.devices);
    this.browser = new BrowserRuns(
      {
        runs: this.runs,
        datasets: this.datasets,
        emit: (e) => this.emit(e),
        track: (p) => this.track(p),
        summaryOf: (id) => this.summaryOf(id),
        overlay: (s) => this.overlay(s),
        assertRunExists: (id) => this.assertRunExists(id),
      },
      options.browserSilenceMs ?? 60_000,
    );
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

  /** A write that close() waits for. */
  private track(p: Promise<unknown>): void {
    const settled = p.catch(() => undefined);
    this.pending.add(settled);
    void settled.then(() => this.pending.delete(settled));
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
    this.browser.closeAll();
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
  previewTable(req: ImportRequest): Promise<TablePreview> {
    return this.datasets.previewTable(req);
  }
  tableRows(id: string, split: 'test', indices: number[]): Promise<RawRow[]> {
    return this.datasets.tableRows(id, split, indices);
  }
  previewPictures(req: ImportRequest): Promise<PicturePreview> {
    return this.datasets.previewPictures(req);
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
    const using = [...[...this.live.values()].map((l) => l.record), ...this.browser.records()].find((r) => r.dataset.id === id);
    if (using) throw new StudioError('conflict', `The dataset is in use by the run "${using.name}", which is training; stop it first.`);
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
    const q = this.queue.statusOf(s.id) ?? this.browser.statusOf(s.id);
    return q ? { ...s, status: q } : s;
  }

  async startRun(req: StartRunRequest): Promise<RunSummary> {
    const dataset = await checkRunRequest(this.datasets, req);
    // an explicit device that cannot be used is refused here, before the run exists
    const plan = await this.devices.plan(req.config.device);
    const record = await createRunRecord(this.runs, req, dataset, plan.device);
    this.live.set(record.id, { record, chain: Promise.resolve() });
    this.queue.enqueue(trainJob(this.home, record, plan, false, this.maxBatchEventsPerSecond), plan.lane);
    return this.overlay(this.runs.summary(record));
  }

  private requireLive(id: string, action: string): void {
    this.assertRunExists(id);
    if (!this.queue.has(id) && !this.browser.has(id)) throw new StudioError('conflict', `The run is not training, so it cannot be ${action}.`);
  }

  async pauseRun(id: string): Promise<RunSummary> {
    this.requireLive(id, 'paused');
    if (this.browser.request(id, 'pause')) return this.summaryOf(id);
    if (!this.queue.pause(id)) throw new StudioError('conflict', 'The run is waiting in the queue; it can be stopped but not paused.');
    return this.summaryOf(id);
  }

  /**
   * Unpauses a paused run; a stopped or failed run continues from its newest good checkpoint
   * (it goes back into its device's queue).
   */
  async resumeRun(id: string): Promise<RunSummary> {
    this.assertRunExists(id);
    if (this.browser.request(id, 'resume')) return this.summaryOf(id);
    if (this.queue.has(id)) {
      this.queue.resume(id);
      return this.summaryOf(id);
    }
    const { record } = await checkResumable(this.runs, this.datasets, id);
    // the run's own device when it still works; else 'auto', recording why
    const { choice, note } = await resumeChoice(record.device, () => this.devices.list(), record.deviceReason);
    const plan = await this.devices.plan(choice, note);
    // a second request that arrived during the awaits above (a double click, another window)
    if (this.queue.has(id) || this.live.has(id)) throw new StudioError('conflict', `The run “${record.name}” is already continuing.`);
    this.live.set(id, { record, chain: Promise.resolve() });
    this.queue.enqueue(trainJob(this.home, record, plan, true, this.maxBatchEventsPerSecond), plan.lane);
    return this.summaryOf(id);
  }

  startTune = (req: StartTuneRequest): Promise<{ sweep: string }> => this.tunes.start(req);
  stopTune = (sweep: string): Promise<void> => this.tunes.stop(sweep);

  async stopRun(id: string): Promise<RunSummary> {
    this.requireLive(id, 'stopped');
    if (this.browser.request(id, 'stop')) return this.summaryOf(id);
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

  async renameRun(id: string, name: string): Promise<RunSummary> {
    this.assertRunExists(id);
    return this.overlay(await this.runs.rename(id, name));
  }

  /** The run's best checkpoint (or its last) on its test set, computed in a worker. */
  async evaluateRun(id: string): Promise<EvaluationResult> {
    this.assertRunExists(id);
    return runWorkerTask<EvaluationResult>(this.spawnWorker, { kind: 'evaluate', home: this.home, runId: id });
  }

  /** The inference model of the run's best (or last) checkpoint, for "Try it" in the renderer. */
  async getInferenceModel(id: string, range?: ByteRange): Promise<InferenceModel> {
    this.assertRunExists(id);
    return inferenceModel(this.runs, this.datasets, id, range);
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

  // ---------------------------------------------------------------- browser runs (browser-runs.ts)
  beginBrowserRun(req: StartRunRequest): Promise<BrowserRunStart> {
    return this.browser.begin(req);
  }
  readBrowserRunData(id: string, split: 'train' | 'test', from: number, count: number): Promise<BrowserDataChunk> {
    return this.browser.readData(id, split, from, count);
  }
  reportBrowserRun(id: string, report: BrowserRunReport): Promise<BrowserRunReply> {
    return this.browser.report(id, report);
  }

  // ---------------------------------------------------------------- system (device-planner.ts)
  listDevices(): Promise<DeviceInfo[]> {
    return this.devices.list();
  }

  /**
   * Times a few training steps of the model in a worker and scales to one epoch; for 'auto',
   * on each available hardware device, answering for the one auto would choose.
   */
  estimateEpochSeconds(req: EstimateRequest): Promise<EpochEstimate> {
    return this.devices.estimate(req);
  }

  // ---------------------------------------------------------------- queue callbacks
  /**
   * Statuses from the queue. A terminal one is in run.json before it is announced (the worker's
   * recorder wrote it; after a crash or a failed start nobody did, and it is written here), so a
   * listener that reloads the run sees the new status.
   */
  private onStatus(runId: string, status: RunStatus, reason?: string): void {
    const event: StudioEvent = { channel: 'run', runId, status, ...(reason ? { reason } : {}) };
    const live = this.live.get(runId);
    if (!isEnded(status) || !live) {
      this.emit(event);
      return;
    }
    this.live.delete(runId);
    // a failed write is announced as the run's failure, with the reason
    live.chain = live.chain
      .catch(() => undefined)
      .then(() => recordEnd(this.runs, runId, status, reason))
      .then(
        () => this.emit(event),
        (err: unknown) => this.emit({ channel: 'run', runId, status: 'failed', reason: endWriteProblem(err) }),
      );
    this.track(live.chain);
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
