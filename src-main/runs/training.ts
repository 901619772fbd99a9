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
import type { Rejected } from './checkpoints';
import type { RunRecord } from './record';
import { resumeRefusal } from './status';
import { RunRecorder, writeProblem, type KeptFigures } from './recorder';
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

async function launch(opts: TrainingOptions, record: RunRecord, from: LoadedCheckpoint | null, rejected: Rejected[], resumed: boolean): Promise<TrainingHandle> {
  const { store, data, runtime } = opts;
  const p = store.paths(record.id);
  const fromEpoch = from?.epoch ?? 0;
  const fromStep = from?.state.partial?.stepsDone;
  let kept: KeptFigures | undefined;
  let resumeKept: KeptState | null = null;
  if (from) {
    // run.json may lag the checkpoints (a crash between them), and best.ckpt the epoch files:
    // the kept one is what the checkpoints up to the one resumed from say
    const rule = validationFraction(record.config) > 0 ? 'validation' : 'last';
    const rebuilt = await store.checkpoints(record).rebuildBest(from.epoch, rule);
    kept = { epoch: rebuilt?.epoch ?? null, validationError: rebuilt?.validationError ?? null, testError: rebuilt?.testError ?? null };
    if (rebuilt) {
      const byLoss = rebuilt.validationLoss !== undefined ? { validationLoss: rebuilt.validationLoss } : {};
      resumeKept = { epoch: rebuilt.epoch, validationError: rebuilt.validationError, params: rebuilt.checkpoint.state.params, ...byLoss };
    }
  }
  const recorder = new RunRecorder(store, record, {
    checkpointWrite: opts.checkpointWrite,
    ...(kept ? { kept } : {}),
    // the latest periodic test report: the checkpoint resumed from may hold one run.json lacks (a crash between them)
    ...(from ? { lastTestError: from.testError ?? record.progress.lastTestError } : {}),
    ...(from?.state.partial ? { partialSeconds: from.state.partial.seconds } : {}),
  });
  if (resumed) recorder.resumed(fromEpoch, fromStep);
  // the first write that fails ends the run failed, with the file named (the recorder keeps it)
  let stoppedOnFailure = false;
  const stopOnFailure = (): void => {
    if (!recorder.failure || stoppedOnFailure) return;
    stoppedOnFailure = true;
    trainer.stop(recorder.failure.message);
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
      recorder.event(e);
      stopOnFailure();
      opts.onEvent?.(e);
    },
    onArtifacts: async (a) => {
      try {
        await fs.mkdir(p.artifacts, { recursive: true });
        await writeFileAtomic(path.join(p.artifacts, 'train.onnx'), a.train);
        await writeFileAtomic(path.join(p.artifacts, 'eval.onnx'), a.eval);
        await writeFileAtomic(path.join(p.artifacts, 'infer.onnx'), a.infer);
      } catch (err) {
        recorder.failure ??= writeProblem(err, p.artifacts, record.id);
        throw recorder.failure;
      }
    },
    onEpochEnd: (c, info) => recorder.epochEnd(c, info),
    midEpochEverySeconds: opts.midEpochEverySeconds ?? MID_EPOCH_EVERY_SECONDS,
    // a periodic save inside an epoch is a safety net: one the disk refuses does not end the run
    onMidEpoch: (c) => recorder.midEpoch(c),
  });

  const done = (async (): Promise<TrainResult> => {
    const ran = await trainer.run();
    return { ...ran, ...(await recorder.end(ran.status, ran.reason)) };
  })();

  return {
    runId: record.id,
    trainer,
    fromEpoch,
    ...(fromStep !== undefined ? { fromStep } : {}),
    rejected,
    stop: (reason) => trainer.stop(reason),
    pause: () => trainer.pause(),
    resume: () => trainer.resume(),
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
  return launch(opts, claimed, null, [], false);
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
  const refusal = resumeRefusal(record, { force: opts.force, cli: true });
  if (refusal) throw new RunStateError(refusal);
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
  return launch(opts, claimed, checkpoint, rejected, true);
}
