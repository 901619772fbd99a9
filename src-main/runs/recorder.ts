/**
 * The run recorder: the one place that turns a training session's events and checkpoints into
 * the run folder, for runs trained by a studio worker (training.ts) and runs trained in a
 * browser window (api/browser-runs.ts) alike. It appends every event to metrics.jsonl, saves
 * each epoch's checkpoint and tracks the one the run keeps (best.ckpt), keeps the progress in
 * run.json, saves where an epoch stands, and writes the run's end (status, reason, the kept
 * model's figures, the training time).
 *
 * The training time is the sessions' own clock, pauses left out: the seconds before this
 * session, plus its epochs' seconds and where the epoch in progress stood, or, once the
 * trainer's done event came, that session's whole time.
 *
 * A write that fails is an error the person sees, naming the file: a full disk says so
 * (diskfull.ts), any other failure is a RunFileError ('io'). `event` never throws (the trainer
 * calls it between steps): the first failure is kept in `failure`, the caller stops training,
 * and `end` records the run failed with it.
 */
import type { TrainEvent } from '../engine/types';
import type { TrainerCheckpoint } from '../engine/trainer-types';
import { validationFraction } from '../engine/validation';
import type { EndStatus } from '../engine/run-status';
import type { AtomicWriteOptions } from './atomic';
import type { CheckpointFolder, KeptRule } from './checkpoints';
import { DiskFullError, asDiskFull, continueRun } from './diskfull';
import type { MetricsWriter } from './metrics';
import type { RunRecord } from './record';
import { RunFileError } from './run-names';
import type { RunStore } from './store';

/** The checkpoint a run keeps (best.ckpt): its epoch (from 1), validation error and test error so far. */
export interface KeptFigures {
  epoch: number | null;
  validationError: number | null;
  testError: number | null;
}

export type RunWriteError = DiskFullError | RunFileError;

/**
 * `err`, a failed write, as the error people see: the file that could not be written (the one
 * the system error names, else `file`: what was being written) and what to do.
 */
export function writeProblem(err: unknown, file: string, runId: string): RunWriteError {
  if (err instanceof RunFileError || err instanceof DiskFullError) return err;
  const named = (err as NodeJS.ErrnoException | null)?.path;
  const target = named ? named.replace(/\.tmp-[\w-]+$/, '') : file;
  const full = asDiskFull(err, continueRun(runId), target);
  if (full) return full;
  const why = err instanceof Error ? err.message : String(err);
  return new RunFileError(target, `${target} could not be written (${why}); check the run folder's permissions and free space, then ${continueRun(runId)}`);
}

/** Marks the record ended (in place): status, reason (or none), no trainer. */
export function markEnded(r: RunRecord, status: EndStatus, reason?: string): void {
  r.status = status;
  if (reason) r.reason = reason;
  else delete r.reason;
  delete r.pid;
  delete r.hostname;
}

/**
 * Writes a run's end to run.json when nobody has: after a worker crashed or failed to start,
 * or a browser window went silent. A run whose trainer already recorded this very end is left
 * as it is (one write of the end per run). A failed write rejects with the file named.
 */
export async function recordEnd(store: RunStore, id: string, status: EndStatus, reason?: string): Promise<RunRecord> {
  const current = await store.get(id);
  if (current.status === status && (current.reason ?? '') === (reason ?? '') && current.pid === undefined) return current;
  try {
    return await store.update(id, (r) => markEnded(r, status, reason));
  } catch (err) {
    throw writeProblem(err, store.paths(id).runJson, id);
  }
}

/** The reason a run is marked failed when its end could not be written to run.json (`err`: from recordEnd or RunRecorder.end, naming the file). */
export function endWriteProblem(err: unknown): string {
  return `its end could not be written: ${err instanceof Error ? err.message : String(err)}`;
}

export interface RecorderOptions {
  /** tests: how checkpoint files are written (chunking, a hook between chunks) */
  checkpointWrite?: AtomicWriteOptions;
  /** continuing a run: the checkpoint the run keeps so far (rebuilt from the checkpoints) */
  kept?: KeptFigures;
  /** continuing a run: the latest test report (the checkpoint may hold one run.json lacks) */
  lastTestError?: number | null;
  /** continuing inside an epoch: the seconds that epoch had run, counted in run.json already */
  partialSeconds?: number;
}

export class RunRecorder {
  readonly rule: Exclude<KeptRule, 'test'>;
  /** the first write that failed; the run ends failed with it */
  failure: RunWriteError | null = null;
  /** null when metrics.jsonl could not even be opened (see `failure`) */
  private readonly metrics: MetricsWriter | null = null;
  private readonly checkpoints: CheckpointFolder;
  private kept: KeptFigures;
  private lastTestError: number | null;
  private readonly secondsBefore: number;
  /** this session's completed epochs' seconds (less the part of a continued epoch counted before) */
  private epochSeconds: number;
  /** where the epoch in progress stood when last saved inside it */
  private partialSeconds = 0;
  private validation: RunRecord['validation'];
  private done: Extract<TrainEvent, { event: 'done' }> | null = null;
  /** epochs completed (the last epoch checkpoint recorded) */
  epochsDone: number;

  constructor(
    private readonly store: RunStore,
    readonly record: RunRecord,
    private readonly opts: RecorderOptions = {},
  ) {
    try {
      this.metrics = store.metricsWriter(record.id);
    } catch (err) {
      this.failure = writeProblem(err, store.paths(record.id).metrics, record.id);
    }
    this.checkpoints = store.checkpoints(record);
    this.rule = validationFraction(record.config) > 0 ? 'validation' : 'last';
    const p = record.progress;
    this.kept = opts.kept ?? { epoch: p.checkpointEpoch ?? null, validationError: p.validationError ?? null, testError: p.testError ?? null };
    this.lastTestError = opts.lastTestError !== undefined ? opts.lastTestError : p.lastTestError;
    this.secondsBefore = p.seconds;
    this.epochSeconds = -(opts.partialSeconds ?? 0);
    this.epochsDone = p.epochsDone;
    this.validation = record.validation;
  }

  /** The training time so far (see the module's comment). */
  get seconds(): number {
    if (this.done) return this.secondsBefore + this.done.seconds;
    return this.secondsBefore + Math.max(0, this.epochSeconds + this.partialSeconds);
  }

  /** Appends the resume marker of a continued run: `epoch` completed epochs, `step` steps into the next. */
  resumed(epoch: number, step?: number): void {
    this.append({ event: 'resume', epoch, ...(step !== undefined ? { step } : {}) });
  }

  /** One training event: to metrics.jsonl, and what the run's end needs of it. Never throws (see `failure`). */
  event(e: TrainEvent): void {
    if (e.event === 'epoch') this.epochSeconds += e.seconds;
    if (e.event === 'done') this.done = e;
    if (e.event === 'start' && e.validation) this.validation = { ...e.validation };
    this.append(e);
  }

  private append(e: Parameters<MetricsWriter['append']>[0]): void {
    if (this.failure || !this.metrics) return;
    try {
      this.metrics.append(e);
    } catch (err) {
      this.failure = writeProblem(err, this.metrics.file, this.record.id);
    }
  }

  /** Throws the first failed write, if any (a browser report answers with it). */
  check(): void {
    if (this.failure) throw this.failure;
  }

  /**
   * An epoch's end: its checkpoint (and best.ckpt when it is the one kept: `kept`, or without
   * it the lowest test error, the rule of windows without a validation part) and the progress
   * in run.json. A failed write ends the run: it is kept in `failure` and thrown.
   */
  async epochEnd(c: TrainerCheckpoint, info: { testError: number | null; kept?: boolean; last: boolean }): Promise<void> {
    const validationError = c.validationError ?? null;
    let file = this.checkpoints.epochFile(c.epoch);
    try {
      const choose = info.kept !== undefined ? { keep: info.kept } : { bestSoFar: this.kept.testError };
      const { isBest } = await this.checkpoints.save(c, info.testError, { force: info.last || c.epoch >= this.record.config.epochs, write: this.opts.checkpointWrite, ...choose });
      if (isBest) this.kept = { epoch: c.epoch, validationError, testError: info.testError };
      if (info.testError !== null) this.lastTestError = info.testError;
      this.epochsDone = c.epoch;
      this.partialSeconds = 0;
      file = this.store.paths(this.record.id).runJson;
      await this.store.update(this.record.id, (r) => {
        r.progress = { epochsDone: c.epoch, step: c.step, lastTestError: this.lastTestError, seconds: this.seconds, ...this.keptProgress() };
        if (this.validation) r.validation = { ...this.validation };
      });
    } catch (err) {
      this.failure ??= writeProblem(err, file, this.record.id);
      throw this.failure;
    }
  }

  /**
   * Where an epoch stands (a stop inside it, or the periodic save of a long one). A safety net:
   * a failed write is thrown for the caller to say so, but does not end the run.
   */
  async midEpoch(c: TrainerCheckpoint): Promise<void> {
    let file = this.checkpoints.midEpochFile;
    try {
      await this.checkpoints.saveMidEpoch(c, { write: this.opts.checkpointWrite });
      this.partialSeconds = c.partial?.seconds ?? 0;
      file = this.store.paths(this.record.id).runJson;
      await this.store.update(this.record.id, (r) => {
        r.progress.step = c.step;
        r.progress.seconds = this.seconds;
      });
    } catch (err) {
      throw writeProblem(err, file, this.record.id);
    }
  }

  /** run.json's figures of the kept checkpoint */
  private keptProgress(): Pick<RunRecord['progress'], 'bestTestError' | 'bestEpoch' | 'checkpointEpoch' | 'validationError' | 'testError' | 'keptBy'> {
    const k = this.kept;
    return { bestTestError: k.testError, bestEpoch: k.epoch, checkpointEpoch: k.epoch, validationError: k.validationError, testError: k.testError, keptBy: this.rule };
  }

  /**
   * The run's end in run.json: the status and reason (failed with the first failed write, if
   * any), the training time, the kept model's figures (a finished run's from the done event:
   * its test error measured once kept), why it stopped early, what went wrong, its test
   * metrics. A failed write rejects with the file named.
   */
  async end(status: EndStatus, reason?: string): Promise<{ status: EndStatus; reason?: string }> {
    try {
      this.metrics?.close();
    } catch {
      // closing a file the disk could not take: what was written stays
    }
    const ended = this.failure ? { status: 'failed' as const, reason: this.failure.message } : { status, ...(reason ? { reason } : {}) };
    const done = ended.status === 'finished' ? this.done : null;
    if (done) this.kept = { epoch: done.checkpointEpoch ?? this.kept.epoch, validationError: done.validationError ?? this.kept.validationError, testError: done.testError };
    try {
      await this.store.update(this.record.id, (r) => {
        markEnded(r, ended.status, ended.reason);
        r.progress = { ...r.progress, seconds: this.seconds, lastTestError: this.lastTestError, ...this.keptProgress() };
        if (done?.stoppedEarly) r.stoppedEarly = done.stoppedEarly;
        else delete r.stoppedEarly;
        if (done?.diagnosis) r.diagnosis = done.diagnosis;
        else delete r.diagnosis;
        if (done?.metrics) r.testMetrics = done.metrics;
        else if (done) delete r.testMetrics;
      });
    } catch (err) {
      throw writeProblem(err, this.store.paths(this.record.id).runJson, this.record.id);
    }
    return ended;
  }
}
