/**
 * Training a run: connects the engine's Trainer to a run folder. Every event goes to
 * metrics.jsonl, every epoch end writes the checkpoint(s) and the progress in run.json, a stop
 * inside an epoch, and every minute of a long one, writes where it stands (mid-epoch.ckpt), the
 * generated ONNX models go to artifacts/, and the end sets the status. Resume continues a
 * stopped, failed or killed run from its newest checkpoint whose checksum verifies.
 *
 *   const store = new RunStore(home);
 *   const run = await store.create({ model, config, dataset: { id, name, contentHash } });
 *   const handle = await startTraining({ store, runId: run.id, data, runtime });
 *   process.on('SIGINT', () => handle.stop('Stopped from the keyboard.'));
 *   const outcome = await handle.done;   // { status, reason?, testError, epochs }
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MID_EPOCH_EVERY_SECONDS, Trainer, type KeptState, type TrainResult } from '../engine/trainer';
import { validationFraction } from '../engine/validation';
import type { RuntimeAdapter } from '../engine/runtime';
import type { TrainEvent, TrainingData } from '../engine/types';
import { writeFileAtomic, type AtomicWriteOptions } from './atomic';
import type { LoadedCheckpoint } from './checkpoint';
import type { KeptRule, Rejected } from './checkpoints';
import { asDiskFull, continueRun, type DiskFullError } from './diskfull';
import { divergedProblem, type RunRecord } from './record';
import { markEnded } from './run-end';
import { holdingRunLock } from './run-lock';
import type { RunStore } from './store';
import { StudioError } from '../engine/errors';

export interface TrainingOptions {
  store: RunStore;
  runId: string;
  data: TrainingData;
  runtime: RuntimeAdapter;
  onEvent?: (e: TrainEvent) => void;
  /** tests: how checkpoint files are written (chunking, a hook between chunks) */
  checkpointWrite?: AtomicWriteOptions;
  /** seconds between the saves of where a long epoch stands (default MID_EPOCH_EVERY_SECONDS) */
  midEpochEverySeconds?: number;
}

export interface ResumeOptions extends TrainingOptions {
  /** the content hash of the dataset being passed in: refused when it is not the run's dataset */
  datasetHash?: string;
  /** resume even though run.json says another process is training it (one that died on another machine, or whose pid was reused) */
  force?: boolean;
}

export interface TrainingHandle {
  runId: string;
  trainer: Trainer;
  /** epochs completed before this session started (0 for a fresh run) */
  fromEpoch: number;
  /** steps of the next epoch already done, when it continues inside that epoch */
  fromStep?: number;
  /** damaged checkpoints skipped while looking for the newest good one */
  rejected: Rejected[];
  stop(reason?: string): void;
  pause(): void;
  resume(): void;
  done: Promise<TrainResult>;
}

export class RunStateError extends StudioError {
  constructor(message: string) {
    super('conflict', message);
    this.name = 'RunStateError';
  }
}

function checkData(record: RunRecord, data: TrainingData): void {
  const want = record.model.inputShape.reduce((a, b) => a * b, 1);
  if (data.sampleSize !== want) {
    throw new RunStateError(`run ${record.id} was trained on samples of ${want} values, but the data given has ${data.sampleSize}; use the run's dataset (${record.dataset.name}, ${record.dataset.id})`);
  }
  if (data.classNames.length !== record.model.classes) {
    throw new RunStateError(`run ${record.id} has ${record.model.classes} classes, but the data given has ${data.classNames.length}; use the run's dataset (${record.dataset.name})`);
  }
}

async function launch(opts: TrainingOptions, record: RunRecord, from: LoadedCheckpoint | null, rejected: Rejected[]): Promise<TrainingHandle> {
  const { store, data, runtime } = opts;
  const p = store.paths(record.id);
  const checkpoints = store.checkpoints(record);
  const metrics = store.metricsWriter(record.id);
  const fromEpoch = from?.epoch ?? 0;
  const fromStep = from?.state.partial?.stepsDone;
  const secondsBefore = record.progress.seconds;
  const t0 = Date.now();
  // training time: the time paused is left out, as the trainer leaves it out of its epochs
  let pausedAt: number | null = null;
  let pausedMs = 0;
  const seconds = () => secondsBefore + (Date.now() - t0 - pausedMs - (pausedAt === null ? 0 : Date.now() - pausedAt)) / 1000;
  // the trainer's own clock of this session (pauses left out), from its done event: the one training time every screen shows
  let doneSeconds: number | null = null;
  // the checkpoint the run keeps (best.ckpt): its epoch, validation error and test error so far
  const rule: Exclude<KeptRule, 'test'> = validationFraction(record.config) > 0 ? 'validation' : 'last';
  let kept = { epoch: record.progress.checkpointEpoch ?? null, validationError: record.progress.validationError ?? null, testError: record.progress.testError ?? null };
  let resumeKept: KeptState | null = null;
  // the latest periodic test report: the checkpoint resumed from may hold one run.json lacks (a crash between them)
  let lastReport = from?.testError ?? record.progress.lastTestError;
  if (from) {
    // run.json may lag the checkpoints (a crash between them), and best.ckpt the epoch files:
    // the kept one is what the checkpoints up to the one resumed from say
    const rebuilt = await checkpoints.rebuildBest(from.epoch, rule);
    kept = { epoch: rebuilt?.epoch ?? null, validationError: rebuilt?.validationError ?? null, testError: rebuilt?.testError ?? null };
    if (rebuilt) {
      const byLoss = rebuilt.validationLoss !== undefined ? { validationLoss: rebuilt.validationLoss } : {};
      resumeKept = { epoch: rebuilt.epoch, validationError: rebuilt.validationError, params: rebuilt.checkpoint.state.params, ...byLoss };
    }
  }

  // a full disk ends the run failed with a plain reason (the first write that failed)
  let diskFull: DiskFullError | null = null;
  const then = continueRun(record.id);
  const guard =
    <A extends unknown[]>(fn: (...a: A) => Promise<void>, record: boolean) =>
    async (...a: A): Promise<void> => {
      try {
        await fn(...a);
      } catch (err) {
        const d = asDiskFull(err, then);
        if (!d) throw err;
        if (record) diskFull ??= d;
        throw d;
      }
    };

  const trainer: Trainer = new Trainer({
    spec: record.model,
    config: record.config,
    data,
    runtime,
    resumeFrom: from?.state,
    resumeTestError: from?.testError ?? null,
    resumeKept,
    onEvent: (e) => {
      try {
        metrics.append(e);
      } catch (err) {
        const d = asDiskFull(err, then, p.metrics);
        if (!d) throw err;
        if (!diskFull) trainer.stop(d.message);
        diskFull ??= d;
      }
      if (e.event === 'done') doneSeconds = e.seconds;
      opts.onEvent?.(e);
    },
    onArtifacts: guard(async (a) => {
      await fs.mkdir(p.artifacts, { recursive: true });
      await writeFileAtomic(path.join(p.artifacts, 'train.onnx'), a.train);
      await writeFileAtomic(path.join(p.artifacts, 'eval.onnx'), a.eval);
      await writeFileAtomic(path.join(p.artifacts, 'infer.onnx'), a.infer);
    }, true),
    onEpochEnd: guard(async (c, info) => {
      const last = info.last || c.epoch >= record.config.epochs;
      await checkpoints.save(c, info.testError, { force: last, keep: info.kept, write: opts.checkpointWrite });
      if (info.kept) kept = { epoch: c.epoch, validationError: info.validationError, testError: info.testError };
      if (info.testError !== null) lastReport = info.testError;
      await store.update(record.id, (r) => {
        r.progress = {
          epochsDone: c.epoch,
          step: c.step,
          bestTestError: kept.testError,
          bestEpoch: kept.epoch,
          lastTestError: lastReport,
          seconds: seconds(),
          checkpointEpoch: kept.epoch,
          validationError: kept.validationError,
          testError: kept.testError,
          keptBy: rule,
        };
        if (trainer.validationSplit) r.validation = { ...trainer.validationSplit };
      });
    }, true),
    midEpochEverySeconds: opts.midEpochEverySeconds ?? MID_EPOCH_EVERY_SECONDS,
    // a periodic save inside an epoch is a safety net: one the disk refuses does not end the run
    onMidEpoch: guard(async (c) => {
      await checkpoints.saveMidEpoch(c, { write: opts.checkpointWrite });
      await store.update(record.id, (r) => {
        r.progress.step = c.step;
      });
    }, false),
  });

  const done = (async (): Promise<TrainResult> => {
    const ran = await trainer.run();
    const result: TrainResult = diskFull ? { ...ran, status: 'failed', reason: (diskFull as DiskFullError).message } : ran;
    try {
      metrics.close();
    } catch {
      // closing a file the disk could not take: what was written stays
    }
    await store.update(record.id, (r) => {
      markEnded(r, result.status, result.reason);
      r.progress.seconds = doneSeconds !== null ? secondsBefore + doneSeconds : seconds();
      if (result.status === 'finished') {
        // the kept checkpoint's figures, its test error measured once it is kept
        kept = { epoch: result.checkpointEpoch ?? kept.epoch, validationError: result.validationError ?? kept.validationError, testError: result.testError };
      }
      r.progress.lastTestError = lastReport;
      r.progress.bestTestError = kept.testError;
      r.progress.bestEpoch = kept.epoch;
      r.progress.checkpointEpoch = kept.epoch;
      r.progress.validationError = kept.validationError;
      r.progress.testError = kept.testError;
      r.progress.keptBy = rule;
      if (result.stoppedEarly) r.stoppedEarly = result.stoppedEarly;
      else delete r.stoppedEarly;
      if (result.diagnosis) r.diagnosis = result.diagnosis;
      else delete r.diagnosis;
      if (result.metrics) r.testMetrics = result.metrics;
      else if (result.status === 'finished') delete r.testMetrics;
    });
    return result;
  })();

  return {
    runId: record.id,
    trainer,
    fromEpoch,
    ...(fromStep !== undefined ? { fromStep } : {}),
    rejected,
    stop: (reason) => trainer.stop(reason),
    pause: () => {
      pausedAt ??= Date.now();
      trainer.pause();
    },
    resume: () => {
      if (pausedAt !== null) pausedMs += Date.now() - pausedAt;
      pausedAt = null;
      trainer.resume();
    },
    done,
  };
}

async function claim(store: RunStore, id: string, change: (r: RunRecord) => void): Promise<RunRecord> {
  return store.update(id, (r) => {
    r.status = 'running';
    delete r.reason;
    r.pid = process.pid;
    r.hostname = os.hostname();
    change(r);
  });
}

/** Trains a run created with store.create() from its first epoch (refused while another process trains it). */
export async function startTraining(opts: TrainingOptions): Promise<TrainingHandle> {
  return holdingRunLock(opts.store, opts.runId, false, () => startUnlocked(opts));
}

async function startUnlocked(opts: TrainingOptions): Promise<TrainingHandle> {
  const record = await opts.store.get(opts.runId);
  checkData(record, opts.data);
  if (record.progress.epochsDone > 0) throw new RunStateError(`run ${record.id} has already trained ${record.progress.epochsDone} epochs; resume it instead ("mlp-studio resume ${record.id}")`);
  const claimed = await claim(opts.store, record.id, () => {});
  return launch(opts, claimed, null, []);
}

/**
 * Continues a run from its newest good checkpoint. On CPU the result is bit-identical to a
 * run that was never interrupted: the checkpoint holds the parameters, the optimizer state,
 * the step counters and the RNG state that draws the next epoch's permutation; a run stopped
 * inside an epoch continues that epoch at its next step (mid-epoch.ckpt).
 */
export async function resumeTraining(opts: ResumeOptions): Promise<TrainingHandle> {
  // the run's lock first: a second resume is refused before it reads or cleans anything
  return holdingRunLock(opts.store, opts.runId, opts.force === true, () => resumeUnlocked(opts));
}

async function resumeUnlocked(opts: ResumeOptions): Promise<TrainingHandle> {
  const { store } = opts;
  const record = await store.get(opts.runId);
  if (record.status === 'running' && !opts.force) {
    throw new RunStateError(
      `run ${record.id} is training right now (pid ${record.pid}${record.hostname ? ` on ${record.hostname}` : ''}); stop it first (if that process is gone, resume with --force)`,
    );
  }
  if (record.status === 'finished') {
    const how = record.stoppedEarly ? `after ${record.progress.epochsDone} of ${record.config.epochs} epochs (it stopped early: its validation error had stopped improving)` : `all ${record.config.epochs} epochs`;
    throw new RunStateError(`run ${record.id} has finished ${how}; nothing to resume (replay it to train again)`);
  }
  const diverged = divergedProblem(record);
  if (diverged) throw new RunStateError(diverged);
  if (opts.datasetHash !== undefined && opts.datasetHash !== record.dataset.contentHash) {
    throw new RunStateError(
      `the dataset given (content hash ${opts.datasetHash.slice(0, 12)}…) is not the one run ${record.id} was trained on (${record.dataset.name}, hash ${record.dataset.contentHash.slice(0, 12)}…); resuming on other data would not continue the same training`,
    );
  }
  checkData(record, opts.data);
  const folder = store.checkpoints(record);
  await folder.checkLayout();
  const { checkpoint, rejected } = await folder.loadLatestGood({ includeMidEpoch: true });
  const fromEpoch = checkpoint?.epoch ?? 0;
  const fromStep = checkpoint?.state.partial?.stepsDone;
  await folder.cleanForResume(fromEpoch, checkpoint?.file);
  const claimed = await claim(store, record.id, (r) => {
    r.resumes.push({
      at: new Date().toISOString(),
      fromEpoch,
      ...(fromStep !== undefined ? { fromStep } : {}),
      ...(rejected.length ? { rejected: rejected.map((x) => x.reason) } : {}),
    });
    r.progress.epochsDone = fromEpoch;
    r.progress.step = checkpoint?.step ?? 0;
  });
  store.metricsWriter(record.id).append({ event: 'resume', epoch: fromEpoch, ...(fromStep !== undefined ? { step: fromStep } : {}) });
  return launch(opts, claimed, checkpoint, rejected);
}
