/**
 * A run's training settings: the limits of each number, and the schema built from them and
 * from the registry's optimizers and schedules. The API checks requests with it; the engine's
 * validateConfig (spec.ts) speaks the same limits in plain words.
 */
import { z } from 'zod';
import { DEVICE_CHOICES } from '../devices';
import { MAX_VALIDATION } from '../validation';
import { INIT_SCHEME_NAMES } from './init-schemes';
import { numberSchema, type Limit } from './limits';
import { optimizerSchema, scheduleSchema } from './kinds';

export const TRAIN_LIMITS = {
  epochs: { min: 1, max: 100_000, integer: true },
  batchSize: { min: 1, max: 65_536, integer: true },
  /** any positive number: a rate too high for the data ends the run with "training has diverged" and a smaller rate to try */
  lr: { min: 0, max: Number.MAX_VALUE, minOpen: true },
  evalEvery: { min: 0, max: 100_000, integer: true },
  seed: { min: 0, max: 2 ** 32 - 1, integer: true },
  validation: { min: 0, max: MAX_VALIDATION },
  patience: { min: 0, max: 100_000, integer: true },
} as const satisfies Record<string, Limit>;

export const trainConfigSchema = z.strictObject({
  epochs: numberSchema(TRAIN_LIMITS.epochs),
  batchSize: numberSchema(TRAIN_LIMITS.batchSize),
  lr: numberSchema(TRAIN_LIMITS.lr),
  optimizer: optimizerSchema,
  schedule: scheduleSchema,
  /** Evaluate on the test set every N epochs (and always after the last epoch). 0 = only at the end. */
  evalEvery: numberSchema(TRAIN_LIMITS.evalEvery),
  seed: numberSchema(TRAIN_LIMITS.seed),
  init: z.enum(INIT_SCHEME_NAMES),
  device: z.enum(DEVICE_CHOICES),
  /**
   * The fraction of the training set set aside (stratified by label, seeded with `seed`) to
   * choose the checkpoint the run keeps and when to stop early. 0 or absent: nothing is
   * chosen, the run keeps its last epoch (the lecture; runs of older studios).
   */
  validation: numberSchema(TRAIN_LIMITS.validation).optional(),
  /** Early stopping: stop after this many epochs without a better validation error. 0 or absent: train every epoch. */
  patience: numberSchema(TRAIN_LIMITS.patience).optional(),
});
