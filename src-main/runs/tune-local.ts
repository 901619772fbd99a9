/**
 * A settings search's trials trained in this process (the CLI, tests, benchmarks): each
 * trial is an ordinary run in the store (startTraining / resumeTraining), stopped right
 * after the epoch its rung ends on and continued from that epoch's checkpoint when it is
 * promoted (bit-identical to a run never stopped, on the CPU).
 */
import type { RuntimeAdapter } from '../engine/runtime';
import { timeSteps } from '../runtime/select';
import type { TrainEvent, TrainingData } from '../engine/types';
import type { DatasetRef } from './record';
import type { RunStore } from './store';
import { resumeTraining, startTraining, type TrainingHandle } from './training';
import { TUNE_VALIDATION, trialConfig, trialModel, type TrialRunner, type TrialSession } from './tune';
import { RUN_OVERHEAD, epochUnits, referenceSettings, roundBudget } from './tune-search';

export interface LocalRunnerOptions {
  store: RunStore;
  data: TrainingData;
  dataset: DatasetRef;
  runtime: RuntimeAdapter;
  /** every training event of every trial (the CLI's --verbose, tests) */
  onTrainEvent?: (runId: string, e: TrainEvent) => void;
  /** the trial being trained now, or null between trials (a Ctrl-C stops it) */
  onHandle?: (h: TrainingHandle | null) => void;
}

/** The reason a trial run is left stopped after its rung: it says what happened and that it can go on. */
export const rungStopReason = (epoch: number) => `Paused by the settings search after epoch ${epoch} (its rung); it continues only if promoted.`;

export function localTrialRunner(o: LocalRunnerOptions): TrialRunner {
  const session = async (runId: string, toEpoch: number, epochs: number, begin: (onEvent: (e: TrainEvent) => void) => Promise<TrainingHandle>): Promise<TrialSession> => {
    const validation = new Map<number, number>();
    let handle: TrainingHandle | null = null;
    let stopWanted: string | null = null;
    const onEvent = (e: TrainEvent) => {
      o.onTrainEvent?.(runId, e);
      if (e.event !== 'validation') return;
      validation.set(e.epoch, e.error);
      // stopped here, the trainer ends before the next epoch's first step, its checkpoint written
      if (e.epoch >= toEpoch && toEpoch < epochs) {
        stopWanted = rungStopReason(e.epoch);
        handle?.stop(stopWanted);
      }
    };
    handle = await begin(onEvent);
    if (stopWanted) handle.stop(stopWanted);
    o.onHandle?.(handle);
    const r = await handle.done;
    o.onHandle?.(null);
    return {
      runId,
      status: r.status,
      ...(r.reason ? { reason: r.reason } : {}),
      validation,
      testError: r.status === 'finished' ? r.testError : null,
      checkpointEpoch: r.checkpointEpoch ?? null,
      validationError: r.validationError ?? null,
    };
  };
  return {
    async start(req, toEpoch, created) {
      const run = await o.store.create({ model: req.model, config: req.config, name: req.name, group: req.group, dataset: o.dataset, device: 'cpu' });
      created(run.id);
      return session(run.id, toEpoch, req.config.epochs, (onEvent) => startTraining({ store: o.store, runId: run.id, data: o.data, runtime: o.runtime, onEvent }));
    },
    async resume(runId, toEpoch) {
      const record = await o.store.get(runId);
      return session(runId, toEpoch, record.config.epochs, (onEvent) => resumeTraining({ store: o.store, runId, data: o.data, runtime: o.runtime, datasetHash: record.dataset.contentHash, onEvent }));
    },
  };
}

/**
 * Seconds per work unit on this machine: the reference trial's training steps timed on the
 * data (after a warm-up), divided by their work. The budget in units is then the minutes
 * over it, rounded down to 1, 1.5, 2, 3, 5 or 7 × a power of ten (roundBudget): timing noise
 * rarely moves it, and `--budget` repeats a search exactly.
 */
export async function secondsPerUnit(runtime: RuntimeAdapter, data: TrainingData): Promise<number> {
  const s = referenceSettings();
  const d = { inputShape: data.sampleShape, classes: data.classNames.length, inputSize: data.sampleSize, task: data.task };
  const config = trialConfig(s, 1, 0);
  const stepsPerSecond = await timeSteps(runtime, trialModel(s, d), config, data, { warmupSteps: 5, warmupMs: 100, steps: 20, minMs: 500, maxMs: 3000 });
  const train = Math.round(data.train.n * (1 - TUNE_VALIDATION));
  const unitsPerStep = epochUnits(s, { train, inputSize: data.sampleSize, classes: data.classNames.length }) / Math.ceil(train / s.batchSize);
  return RUN_OVERHEAD / (stepsPerSecond * unitsPerStep);
}

/** The budget in work units for `minutes` at `perUnit` seconds per unit. */
export const budgetFor = (minutes: number, perUnit: number): number => roundBudget((minutes * 60) / perUnit);
