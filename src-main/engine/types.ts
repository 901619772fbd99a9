/**
 * Shared engine types. Pure TypeScript: imported by the main process, the training worker,
 * the CLI and the renderer. No node:* or electron imports anywhere under engine/.
 */
import type { AugmentConfig } from './augment';
import type { z } from 'zod';
import type { LayerSpec } from './registry/kinds';
import type { trainConfigSchema } from './registry/train-config';
import type { Task } from './table';
export type { Task } from './table';

/** LayerSpec, OptimizerConfig, ScheduleConfig, InitScheme: derived from the registry's schemas (engine/registry). */
export type { LayerSpec, OptimizerConfig, ScheduleConfig } from './registry/kinds';
export type { InitScheme } from './registry/init-schemes';

/**
 * A network: the input sample shape (e.g. [1, 28, 28] or [784] or [features]), a stack of
 * hidden layers, and the number of classes. The final linear layer to `classes` is part of
 * `layers` (the last layer must be a linear layer with `units === classes`).
 * A network that predicts a number (`task: 'number'`) has one output: `classes` is 1.
 */
export interface ModelSpec {
  inputShape: number[];
  layers: LayerSpec[];
  classes: number;
  /** what the network predicts; absent: a category */
  task?: Task;
}

export * from './devices';

/**
 * A run's training settings: the registry's schema (engine/registry/train-config.ts: limits,
 * optimizer, schedule, init, device, validation part, patience), plus the pictures' variation.
 */
export type TrainConfig = z.infer<typeof trainConfigSchema> & {
  /** Pictures only: how the training samples are varied at every epoch (engine/augment.ts). Absent or all 0: not varied. */
  augment?: AugmentConfig;
};

/**
 * The in-memory dataset the trainer consumes. Pixels are uint8 (scaled by `preprocess`),
 * tabular features float32. `x` holds n samples of `sampleSize` values each, row-major.
 * `y` holds class indices (Int32Array) for a category, and the target in its own units
 * (Float32Array, not standardised) for a number.
 */
export interface DataSplit {
  x: Uint8Array | Float32Array;
  y: Int32Array | Float32Array;
  n: number;
}

/** A number to predict: the training mean and standard deviation the target is standardised with. */
export interface TargetScale {
  mean: number;
  std: number;
}

/** How well a number is predicted, in the target's units (R²: 1 is perfect, 0 is no better than the mean). */
export interface RegressionMetrics {
  mae: number;
  rmse: number;
  r2: number;
}

/** A run's figures on the test set (its kept model): the accuracy for a category, MAE/RMSE/R² for a number. */
export type RunMetrics = { accuracy: number } | RegressionMetrics;

export interface Preprocess {
  /** value' = (value * scale - mean[c]) / std[c]; the lecture: scale 1/255, mean 0, std 1. */
  scale: number;
  mean: number[];
  std: number[];
}

export interface TrainingData {
  name: string;
  sampleShape: number[];
  sampleSize: number;
  classNames: string[];
  train: DataSplit;
  test: DataSplit;
  preprocess: Preprocess;
  /** what is predicted; absent: a category */
  task?: Task;
  /** a number to predict: how its target is standardised for the loss (required then) */
  target?: TargetScale;
}

/**
 * Events the trainer emits, in order. Errors are fractions in [0, 1] for a category; for a
 * number, `error` is the mean absolute error in the target's units and `loss` the mean squared
 * error on the standardised target.
 *
 * Epochs are counted from 1, as people count them, in every event's `epoch`: a batch names the
 * epoch being trained, epoch/test/validation the epoch just finished, stopped/failed the epoch
 * in progress. A checkpoint's `epoch` and `epochsDone` are counts of completed epochs (after
 * epoch 3, both are 3). Code that needs a 0-based position calls it `epochIndex`. The one
 * exception is the CLI's `epoch= N` line, which quotes the lecture's print (from 0).
 */
export type TrainEvent =
  | { event: 'start'; params: number; device: string; stepsPerEpoch: number; epochs: number; validation?: { fraction: number; seed: number; train: number; validation: number } }
  | { event: 'batch'; epoch: number; step: number; stepsPerEpoch: number; loss: number; error: number; lr: number }
  | { event: 'epoch'; epoch: number; loss: number; error: number; seconds: number; lr: number }
  /** the periodic check on the test set: a report, it chooses nothing */
  | { event: 'test'; epoch: number; loss: number; error: number }
  /** the validation part after each epoch */
  | { event: 'validation'; epoch: number; loss: number; error: number }
  | {
      event: 'done';
      epochs: number;
      /** the test error of the kept checkpoint, measured once it is kept */
      testError: number | null;
      seconds: number;
      /** the kept checkpoint's validation error (null without a validation part) */
      validationError?: number | null;
      /** the epoch, counted from 1, whose weights the run keeps */
      checkpointEpoch?: number | null;
      /** why the run stopped before its last epoch (early stopping) */
      stoppedEarly?: string;
      /** a run that learned nothing: what happened and what to try */
      diagnosis?: string;
      /** the kept model on the test set (absent without a test set) */
      metrics?: RunMetrics;
    }
  | { event: 'stopped'; epoch: number; reason: string }
  | { event: 'failed'; epoch: number; reason: string };

/**
 * The words in the reason of a run whose loss became NaN or infinite. Continuing such a run
 * from its checkpoint would diverge again at the same step (resume is bit-identical), so the
 * studio offers a new run instead.
 */
export const DIVERGED = 'training has diverged';

/** The run ended because its loss became NaN or infinite (see DIVERGED). */
export function diverged(run: { status: string; reason?: string }): boolean {
  return run.status === 'failed' && !!run.reason?.includes(DIVERGED);
}
