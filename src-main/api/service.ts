/**
 * The Studio API's implementation in the main process (Electron main or the web host's
 * Node process). It composes the dataset library, the run store and the training queue;
 * it never runs a training step itself. Requests reach it already validated by the
 * dispatcher; ids are re-checked against what exists (no prefix matching, no paths).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { DatasetMeta } from '../datasets/types';
import type { ModelSpec, TrainEvent } from '../engine/types';
import { validateSpec, validateConfig } from '../engine/spec';
import { RunStore } from '../runs/store';
import type { RunRecord } from '../runs/record';
import type {
  DatasetPreview,
  DeviceInfo,
  EvaluationResult,
  ExportResult,
  ImportRequest,
  RunDetail,
  RunStatus,
  RunSummary,
  StartRunRequest,
  StudioApi,
  StudioEvent,
  UploadRequest,
} from './contract';
import { StudioError } from './errors';
import { storeUpload } from './uploads';
import { spawnThreadWorker, type SpawnWorker, type WorkerHandle } from '../worker/handle';
import { TrainingQueue } from '../worker/queue';
import { runWorkerTask } from '../worker/task-runner';
import { buildExportModel } from '../engine/index';
import { DatasetGateway } from './datasets';

export interface StudioServiceOptions {
  home: string;
  /** how training workers start: worker_thread by default, utilityProcess in Electron */
  spawnWorker?: SpawnWorker;
  /** batch events per second forwarded from a worker (default 20) */
  maxBatchEventsPerSecond?: number;
  /** devices training may use; default: probed once in a worker (CPU always, WebGPU if it works) */
  devices?: () => Promise<DeviceInfo[]>;
}

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

  constructor(options: StudioServiceOptions) {
    this.home = path.resolve(options.home);
    this.runs = new RunStore(this.home);
    this.datasets = new DatasetGateway(this.home, (e) => this.emit(e));
    this.maxBatchEventsPerSecond = options.maxBatchEventsPerSecond ?? 20;
    this.spawnWorker = options.spawnWorker ?? (() => spawnThreadWorker());
    this.devicesProbe = options.devices ?? (() => this.probeDevices());
    this.queue = new TrainingQueue(this.spawnWorker, {
      status: (runId, status, reason) => this.onStatus(runId, status, reason),
      event: (runId, event) => this.onTrainEvent(runId, event),
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

  /** Ends all workers (app quit, tests) and waits for the pending writes. */
  async close(): Promise<void> {
    this.queue.shutdown();
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
    const using = [...this.live.values()].find((l) => l.record.dataset.id === id);
    if (using) throw new StudioError('conflict', `The dataset is in use by the run "${using.record.name}", which is training; stop it first.`);
    await this.datasets.delete(id);
  }
  getSample(id: string, split: 'train' | 'test', index: number): Promise<{ shape: number[]; values: number[]; label: number }> {
    return this.datasets.sample(id, split, index);
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
    const q = this.queue.statusOf(s.id);
    return q ? { ...s, status: q } : s;
  }

  async startRun(req: StartRunRequest): Promise<RunSummary> {
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
    const device = await this.resolveDevice(req.config.device);
    const record = await this.runs.create({
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
    this.live.set(record.id, { record, chain: Promise.resolve() });
    this.queue.enqueue({
      runId: record.id,
      home: this.home,
      datasetId: dataset.id,
      limitTrain: req.limitTrain,
      limitTest: req.limitTest,
      device,
      resume: false,
      maxBatchEventsPerSecond: this.maxBatchEventsPerSecond,
    });
    return this.overlay(this.runs.summary(record));
  }

  /** CPU always; WebGPU when a worker could create a session on it (probed once). */
  private probeDevices(): Promise<DeviceInfo[]> {
    if (!this.probed) {
      this.probed = runWorkerTask<DeviceInfo[]>(this.spawnWorker, { kind: 'probe' }, 60_000).catch((err: unknown) => {
        this.probed = null;
        return [
          { id: 'cpu', kind: 'cpu', name: 'CPU (onnxruntime-node)', available: true },
          { id: 'webgpu', kind: 'gpu', name: 'GPU (WebGPU)', available: false, note: `the GPU check failed: ${err instanceof Error ? err.message : String(err)}` },
        ] satisfies DeviceInfo[];
      });
    }
    return this.probed;
  }

  private async resolveDevice(choice: 'auto' | 'cpu' | 'webgpu'): Promise<'cpu' | 'webgpu'> {
    if (choice === 'cpu') return 'cpu';
    const devices = await this.devicesProbe();
    const gpu = devices.find((d) => d.id === 'webgpu');
    if (choice === 'webgpu') {
      if (!gpu?.available) throw new StudioError('bad_request', `No usable GPU was found${gpu?.note ? ` (${gpu.note})` : ''}; choose the CPU or "auto".`);
      return 'webgpu';
    }
    // auto: a hardware GPU that measured faster than the CPU; never a software adapter
    const cpu = devices.find((d) => d.id === 'cpu');
    return gpu?.available && gpu.kind === 'gpu' && (gpu.stepsPerSecond ?? 0) > (cpu?.stepsPerSecond ?? 0) ? 'webgpu' : 'cpu';
  }

  private requireLive(id: string, action: string): void {
    this.assertRunExists(id);
    if (!this.queue.has(id)) throw new StudioError('conflict', `The run is not training, so it cannot be ${action}.`);
  }

  async pauseRun(id: string): Promise<RunSummary> {
    this.requireLive(id, 'paused');
    if (!this.queue.pause(id)) throw new StudioError('conflict', 'The run is waiting in the queue; it can be stopped but not paused.');
    return this.summaryOf(id);
  }

  /**
   * Unpauses a paused run; a stopped or failed run continues from its newest good checkpoint
   * (it goes back into its device's queue).
   */
  async resumeRun(id: string): Promise<RunSummary> {
    this.assertRunExists(id);
    if (this.queue.has(id)) {
      this.queue.resume(id);
      return this.summaryOf(id);
    }
    const record = await this.runs.get(id);
    if (record.status === 'finished') throw new StudioError('conflict', `The run has finished all ${record.config.epochs} epochs; there is nothing to resume.`);
    if (record.status === 'running') throw new StudioError('conflict', 'The run is being trained by another studio process; stop it there first.');
    const dataset = await this.datasets.get(record.dataset.id).catch(() => {
      throw new StudioError('conflict', `The run's dataset "${record.dataset.name}" is no longer in the library, so the run cannot continue.`);
    });
    if (dataset.contentHash !== record.dataset.contentHash) throw new StudioError('conflict', `The dataset "${dataset.name}" has changed since the run started; the run cannot continue on other data.`);
    const device = record.device === 'webgpu' ? 'webgpu' : 'cpu';
    this.live.set(id, { record, chain: Promise.resolve() });
    this.queue.enqueue({
      runId: id,
      home: this.home,
      datasetId: record.dataset.id,
      limitTrain: record.dataset.limitTrain,
      limitTest: record.dataset.limitTest,
      device,
      resume: true,
      maxBatchEventsPerSecond: this.maxBatchEventsPerSecond,
    });
    return this.summaryOf(id);
  }

  async stopRun(id: string): Promise<RunSummary> {
    this.requireLive(id, 'stopped');
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
    if (this.queue.has(id)) throw new StudioError('conflict', 'The run is training or queued; stop it before deleting it.');
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
   * Exports and verifies the run's model (in a worker). `target` is a path the person chose
   * in a save dialog; without one the model goes into the run's export folder.
   */
  async exportRun(id: string, target?: string): Promise<ExportResult> {
    this.assertRunExists(id);
    if (target !== undefined && !target.toLowerCase().endsWith('.onnx')) throw new StudioError('bad_request', `The export file must end in .onnx (got "${path.basename(target)}").`);
    try {
      return await runWorkerTask<ExportResult>(this.spawnWorker, { kind: 'export', home: this.home, runId: id, ...(target ? { target } : {}) });
    } catch (err) {
      if (err instanceof StudioError && err.code !== 'internal') throw err;
      throw new StudioError('export_failed', err instanceof Error ? err.message : String(err));
    }
  }

  // ---------------------------------------------------------------- system
  listDevices(): Promise<DeviceInfo[]> {
    return this.devicesProbe();
  }

  /** Times a few training steps of the model in a worker and scales to one epoch. */
  async estimateEpochSeconds(req: { datasetId: string; model: ModelSpec; batchSize: number; device: string }): Promise<{ seconds: number; stepsPerSecond: number }> {
    const dataset = await this.datasets.get(req.datasetId);
    const device = await this.resolveDevice(req.device === 'webgpu' ? 'webgpu' : req.device === 'cpu' ? 'cpu' : 'auto');
    if (req.model.inputShape.reduce((a, b) => a * b, 1) !== dataset.sampleShape.reduce((a, b) => a * b, 1) || req.model.classes !== dataset.classNames.length) {
      throw new StudioError('bad_request', `The model does not fit "${dataset.name}" (samples ${dataset.sampleShape.join('×')}, ${dataset.classNames.length} classes).`);
    }
    // One estimate at a time, and none beside the device check: timings taken side by side
    // share the CPU and each comes out several times too slow (the UI asks again at every edit).
    const run = this.estimating.then(async () => {
      await this.probed?.catch(() => undefined);
      return runWorkerTask<{ seconds: number; stepsPerSecond: number }>(this.spawnWorker, { kind: 'estimate', home: this.home, datasetId: dataset.id, model: req.model, batchSize: req.batchSize, device }, 120_000);
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

  private onTrainEvent(runId: string, event: TrainEvent): void {
    this.emit({ channel: 'run', runId, status: this.queue.statusOf(runId) ?? 'running', event });
  }

  /** For tests: the worker training a run. */
  workerOf(runId: string): WorkerHandle | null {
    return this.queue.workerOf(runId);
  }
}
