/**
 * `run.json`: what a run is (model, config, dataset identity, studio version) and where it
 * stands (status, progress, best test error). Validated with zod whenever it is read, so a
 * hand-edited or damaged file gets a message naming the file and the field.
 */
import { z } from 'zod';
import { architectureLabel, countParams as engineCountParams } from '../engine/index';
import { TASKS } from '../engine/table';
import { RECORDED_STATUSES } from '../engine/run-status';
import { INIT_SCHEME_NAMES, LAYER_KINDS, OPTIMIZER_KINDS, SCHEDULE_KINDS, optimizerModule } from '../engine/registry/index';
import { diverged, type ModelSpec, type TrainConfig } from '../engine/types';
import pkg from '../../package.json' with { type: 'json' };

export const STUDIO_VERSION: string = (pkg as { version: string }).version;

/** What run.json records (queued and paused live in the studio's queue): engine/run-status.ts. */
export const runStatusSchema = z.enum(RECORDED_STATUSES);

/**
 * The kinds are the registry's (engine/registry); the settings of each are read as written,
 * not re-checked against today's limits, so a run of an older studio still opens (training
 * or resuming it checks them with the engine).
 */
const layerSchema = z.looseObject({ kind: z.enum(LAYER_KINDS) });
export const modelSpecSchema = z.looseObject({
  inputShape: z.array(z.number().int().positive()).min(1),
  layers: z.array(layerSchema).min(1),
  /** 1 for a number to predict (task 'number') */
  classes: z.number().int().min(1),
  task: z.enum(TASKS).optional(),
});
export const trainConfigSchema = z.looseObject({
  epochs: z.number().int().min(1),
  batchSize: z.number().int().min(1),
  lr: z.number().positive(),
  optimizer: z.looseObject({ kind: z.enum(OPTIMIZER_KINDS) }),
  schedule: z.looseObject({ kind: z.enum(SCHEDULE_KINDS) }),
  evalEvery: z.number().int().min(0),
  seed: z.number().int(),
  init: z.enum(INIT_SCHEME_NAMES),
  device: z.string(),
});

export const datasetRefSchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  /** sha256 of the dataset's stored binaries: a resume or replay refuses a different dataset */
  contentHash: z.string(),
  /** train/test split as imported (fraction, seed), when the source had no test set */
  split: z.unknown().optional(),
  /** train on the first N samples only */
  limitTrain: z.number().int().positive().optional(),
  limitTest: z.number().int().positive().optional(),
  /** the training and test samples the run uses (after the limits; the validation part comes out of the training ones); absent in runs of older studios */
  trainSamples: z.number().int().nonnegative().optional(),
  testSamples: z.number().int().nonnegative().optional(),
});
export type DatasetRef = z.infer<typeof datasetRefSchema>;

/** A run's reference to its dataset: the one place that builds it (the API, the CLI's train and tune). */
export function datasetRefOf(
  meta: { id: string; name: string; contentHash: string; split?: unknown; train: { count: number }; test: { count: number } },
  limits: { limitTrain?: number; limitTest?: number } = {},
): DatasetRef {
  return {
    id: meta.id,
    name: meta.name,
    contentHash: meta.contentHash,
    ...(meta.split ? { split: meta.split } : {}),
    ...(limits.limitTrain ? { limitTrain: limits.limitTrain } : {}),
    ...(limits.limitTest ? { limitTest: limits.limitTest } : {}),
    trainSamples: Math.min(meta.train.count, limits.limitTrain ?? Infinity),
    testSamples: Math.min(meta.test.count, limits.limitTest ?? Infinity),
  };
}

/** "12,000" → "12k", "60,000" → "60k", "1,500,000" → "1.5M": a sample count in a run's name. */
export function shortCount(n: number): string {
  if (n >= 1e6) return `${+(n / 1e6).toFixed(n >= 1e7 ? 0 : 1)}M`;
  if (n >= 1e4) return `${Math.round(n / 1e3)}k`;
  if (n >= 1e3) return `${+(n / 1e3).toFixed(1)}k`;
  return String(n);
}

/**
 * A new run's default name, after what tells runs apart (issue 16): the data, the network, the
 * samples it trains on and the optimizer, e.g. "Fashion · 784-256-10 relu · 60k samples · Adam".
 */
export function defaultRunName(dataset: DatasetRef, model: ModelSpec, config: Pick<TrainConfig, 'optimizer'>): string {
  const parts = [dataset.name, architectureOf(model)];
  if (dataset.trainSamples !== undefined) parts.push(`${shortCount(dataset.trainSamples)} samples`);
  parts.push(optimizerModule(config.optimizer)?.shortName ?? String(config.optimizer.kind));
  return parts.join(' · ');
}

export const checkpointPolicySchema = z.object({ every: z.number().int().min(1), keepLast: z.number().int().min(1) });

const verificationSchema = z.object({ samples: z.number(), labelAgreement: z.number(), maxProbDiff: z.number(), ok: z.boolean() });

export const runRecordSchema = z.object({
  format: z.literal(1),
  id: z.string().min(1),
  name: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  studioVersion: z.string(),
  status: runStatusSchema,
  reason: z.string().optional(),
  /** the process training this run while status is 'running' (to notice one that died) */
  pid: z.number().int().optional(),
  hostname: z.string().optional(),
  dataset: datasetRefSchema,
  model: modelSpecSchema,
  config: trainConfigSchema,
  checkpointPolicy: checkpointPolicySchema,
  architecture: z.string(),
  params: z.number().int().min(0),
  device: z.string(),
  /** why this device ('auto's timings, or why a resume could not use the run's device) */
  deviceReason: z.string().optional(),
  /** the sweep this run is a trial of ("Find good settings for me"): every trial of one search shares it */
  group: z.string().optional(),
  progress: z.object({
    epochsDone: z.number().int().min(0),
    step: z.number().int().min(0),
    /**
     * The test error and epoch (from 1) of the kept checkpoint (best.ckpt), the same as
     * testError and checkpointEpoch; in runs of older studios, the lowest test error (keptBy absent).
     */
    bestTestError: z.number().nullable(),
    bestEpoch: z.number().int().nullable(),
    /** the latest periodic test report ("check on the test set every N epochs"): it chooses nothing */
    lastTestError: z.number().nullable(),
    /** training seconds over all sessions (resumes add up), pauses left out */
    seconds: z.number().min(0),
    /** the epoch (from 1) whose weights the run keeps as its model */
    checkpointEpoch: z.number().int().nullable().optional(),
    /** its validation error (null without a validation part) */
    validationError: z.number().nullable().optional(),
    /** its test error: measured once it is kept (at the end); while training, the report of that epoch if there was one */
    testError: z.number().nullable().optional(),
    /** the rule that chose it: the lowest validation error, or the last epoch (no validation part); absent in runs of older studios (the lowest test error) */
    keptBy: z.enum(['validation', 'last']).optional(),
  }),
  /** the validation part set aside from the training set (stratified by label, seeded) */
  validation: z.object({ fraction: z.number(), seed: z.number().int(), train: z.number().int(), validation: z.number().int() }).optional(),
  /** a finished run stopped before its last epoch: why (early stopping) */
  stoppedEarly: z.string().optional(),
  /** a finished run that learned nothing (its loss blew up, or it is no better than always answering the most common class or, for a number, the training mean): what happened and what to try */
  diagnosis: z.string().optional(),
  /**
   * a finished run: its kept model on the test set, { accuracy } for a category, { mae, rmse, r2 }
   * in the target's units for a number (whose testError figures are then the MAE)
   */
  testMetrics: z.union([z.object({ accuracy: z.number() }), z.object({ mae: z.number(), rmse: z.number(), r2: z.number() })]).optional(),
  resumes: z.array(z.object({ at: z.string(), fromEpoch: z.number().int(), fromStep: z.number().int().min(1).optional(), rejected: z.array(z.string()).optional() })),
  exports: z.array(
    z.object({ at: z.string(), path: z.string(), checkpointEpoch: z.number().int(), testError: z.number(), verification: verificationSchema }),
  ),
});

export type RunRecord = Omit<z.infer<typeof runRecordSchema>, 'model' | 'config'> & { model: ModelSpec; config: TrainConfig };

/** Parameter count of a spec (weights + biases of every linear layer): the engine's count. */
export const countParams = (spec: ModelSpec): number => engineCountParams(spec);

/** A short description shared with the UI, e.g. "784-100-10 relu". */
export const architectureOf = (spec: ModelSpec): string => architectureLabel(spec);

/**
 * Why a run that diverged cannot continue, or null: resume is bit-identical, so it would
 * diverge again at the same step.
 */
export function divergedProblem(record: RunRecord): string | null {
  if (!diverged(record)) return null;
  return `The run “${record.name}” diverged (its loss stopped being a number); continuing it would diverge again at the same step. Start a new run with a lower learning rate.`;
}
