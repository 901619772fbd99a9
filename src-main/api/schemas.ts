/**
 * Request schemas of the Studio API, checked on the receiving side of every transport.
 * One entry per method of StudioApi: the tuple of its arguments. `onEvent` is not a
 * request (each transport carries events its own way).
 */
import { z } from 'zod';
import { augmentSchema } from '../engine/augment';
import { DEVICE_CHOICES } from '../engine/types';
import { REPORTED_STATUSES } from '../engine/run-status';
import { COLUMN_TYPES, TASKS } from '../engine/table';
import { layerSpecSchema, optimizerSchema, scheduleSchema, trainConfigSchema as registryTrainConfigSchema } from '../engine/registry/index';
import type { MethodName } from './methods';

/**
 * Opaque ids of datasets, runs and imports: letters, digits, '-', '_' and '.', starting with
 * a letter or digit, no '..'. Ids name folders under the studio data folder, so anything
 * that could walk out of it ('../', absolute paths, NUL bytes, separators) is refused here.
 */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
export const idSchema = z
  .string()
  .regex(ID_PATTERN, 'must be an id made of letters, digits, "-", "_" or "." (no path)')
  .refine((s) => !s.includes('..'), 'must be an id, not a path');

/** A path the person chose in a dialog or dropped on the window: absolute, no NUL. */
export const userPathSchema = z
  .string()
  .min(1)
  .max(4096)
  .refine((s) => !s.includes('\0'), 'must not contain NUL bytes')
  .refine((s) => s.startsWith('/') || /^[A-Za-z]:[\\/]/.test(s) || s.startsWith('\\\\'), 'must be an absolute path');

/** An export's target: a file name for the studio's exports folder ("digits.onnx"), "~/…" (the home folder, export-target.ts), or an absolute path (checked against where exports may go by the service). */
export const exportTargetSchema = z
  .string()
  .min(1)
  .max(4096)
  .refine((s) => !s.includes('\0'), 'must not contain NUL bytes')
  .refine((s) => /^(?!\.)[^/\\:]{1,200}\.onnx$/i.test(s) || /^~([/\\]|$)/.test(s) || userPathSchema.safeParse(s).success, 'must be a file name ending in .onnx (saved in the studio\'s exports folder), a path in the home folder (~/…) or an absolute path');

const finite = () => z.number().refine(Number.isFinite, 'must be a finite number');
const positiveInt = (max: number) => z.number().int().min(1).max(max);

/** A layer, an optimizer, a schedule: the registry's schemas (engine/registry), the limits the engine checks too. */
export { layerSpecSchema, optimizerSchema, scheduleSchema };

export const modelSpecSchema = z.strictObject({
  inputShape: z.array(positiveInt(1 << 20)).min(1).max(4),
  layers: z.array(layerSpecSchema).min(1).max(64),
  /** 1 for a number to predict (task 'number'); validateSpec says which fits */
  classes: z.number().int().min(1).max(10_000),
  task: z.enum(TASKS).optional(),
});

/** 'auto' or one of NODE_DEVICES (engine/types.ts holds the list). */
export const deviceChoiceSchema = z.enum(DEVICE_CHOICES);

/** A device as the probe reports it (the service hands its list to the workers that choose). */
export const deviceInfoSchema = z.strictObject({
  id: z.string().min(1).max(64),
  kind: z.enum(['cpu', 'gpu', 'software-gpu']),
  name: z.string().max(500),
  available: z.boolean(),
  stepsPerSecond: z.number().optional(),
  note: z.string().max(4000).optional(),
});

/** A run's training settings: the registry's schema (engine/registry/train-config.ts), limits included. */
export const trainConfigSchema = registryTrainConfigSchema.extend({
  /** pictures only: how the training samples are varied at every epoch (engine/augment.ts) */
  augment: augmentSchema.optional(),
});

export const importRequestSchema = z.strictObject({
  paths: z.array(userPathSchema).min(1).max(10_000),
  name: z.string().trim().min(1).max(200).optional(),
  testFraction: finite().gt(0).lt(1).optional(),
  imageSize: z.union([z.number().int().min(16).max(96), z.tuple([z.number().int().min(1).max(1024), z.number().int().min(1).max(1024)])]).optional(),
  channels: z.union([z.literal(1), z.literal(3)]).optional(),
  crop: z.boolean().optional(),
  table: z
    .strictObject({
      labelColumn: z.union([z.string().min(1).max(1000), z.number().int().min(0)]).optional(),
      predict: z.enum(TASKS).optional(),
      columns: z.record(z.string().max(1000), z.enum(COLUMN_TYPES)).optional(),
      sheet: z.string().max(1000).optional(),
    })
    .optional(),
  dropBadRows: z.boolean().optional(),
  /** pictures added to this picture dataset make a new version of it (the dataset itself stays) */
  addTo: z.string().regex(/^ds-[0-9a-f]{16}$/, 'addTo must be a dataset id (like ds-0123456789abcdef)').optional(),
});

/**
 * A relative path inside an upload folder: '/'-separated, no '..' segment, no absolute or
 * drive prefix, no NUL, no backslash (a Windows separator would escape on a Windows host).
 */
export const relativeUploadPathSchema = z
  .string()
  .min(1)
  .max(1024)
  .refine((s) => !s.includes('\0') && !s.includes('\\'), 'must not contain NUL bytes or backslashes')
  .refine((s) => !s.startsWith('/') && !/^[A-Za-z]:/.test(s), 'must be relative')
  .refine((s) => s.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..'), 'must not contain empty, "." or ".." segments');

export const uploadRequestSchema = z.strictObject({
  uploadId: idSchema.optional(),
  files: z
    .array(
      z.strictObject({
        relativePath: relativeUploadPathSchema,
        base64: z.string().max(64 * 1024 * 1024).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64'),
        append: z.boolean().optional(),
      }),
    )
    .min(1)
    .max(10_000),
});

export const startRunRequestSchema = z.strictObject({
  datasetId: idSchema,
  model: modelSpecSchema,
  config: trainConfigSchema,
  name: z.string().trim().min(1).max(200).optional(),
  limitTrain: z.number().int().min(1).optional(),
  limitTest: z.number().int().min(1).optional(),
  group: z.string().trim().min(1).max(100).optional(),
});

const nonNegInt = () => z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const fraction = () => finite().min(0).max(1);
/** an error: a fraction wrong for a category, a mean absolute error in the target's units for a number to predict */
const errorValue = () => finite().min(0);
const reasonSchema = z.string().max(2000);
const runMetricsSchema = z.union([
  z.strictObject({ accuracy: fraction() }),
  z.strictObject({ mae: finite().min(0), rmse: finite().min(0), r2: finite() }),
]);

/** The engine's TrainEvent, as a browser window reports it (numbers finite; every `epoch` counted from 1, see TrainEvent). */
export const trainEventSchema = z.discriminatedUnion('event', [
  z.strictObject({
    event: z.literal('start'),
    params: nonNegInt(),
    device: z.string().max(500),
    stepsPerEpoch: positiveInt(1e9),
    epochs: positiveInt(100_000),
    validation: z.strictObject({ fraction: fraction(), seed: nonNegInt(), train: nonNegInt(), validation: nonNegInt() }).optional(),
  }),
  z.strictObject({ event: z.literal('batch'), epoch: positiveInt(100_000), step: positiveInt(1e9), stepsPerEpoch: positiveInt(1e9), loss: finite(), error: errorValue(), lr: finite() }),
  z.strictObject({ event: z.literal('epoch'), epoch: positiveInt(100_000), loss: finite(), error: errorValue(), seconds: finite().min(0), lr: finite() }),
  z.strictObject({ event: z.literal('test'), epoch: positiveInt(100_000), loss: finite(), error: errorValue() }),
  z.strictObject({ event: z.literal('validation'), epoch: positiveInt(100_000), loss: finite(), error: errorValue() }),
  z.strictObject({
    event: z.literal('done'),
    epochs: nonNegInt(),
    testError: errorValue().nullable(),
    seconds: finite().min(0),
    validationError: errorValue().nullable().optional(),
    checkpointEpoch: positiveInt(100_000).nullable().optional(),
    stoppedEarly: reasonSchema.optional(),
    diagnosis: reasonSchema.optional(),
    metrics: runMetricsSchema.optional(),
  }),
  z.strictObject({ event: z.literal('stopped'), epoch: positiveInt(100_000), reason: reasonSchema }),
  z.strictObject({ event: z.literal('failed'), epoch: positiveInt(100_000), reason: reasonSchema }),
]);

/** base64 of little-endian float32 values (size and finiteness are checked against the run's model by the service) */
const float32Base64 = z
  .string()
  .max(48 * 1024 * 1024)
  .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64')
  .refine((s) => s.length % 4 === 0, 'must be base64 (length a multiple of 4)');

export const browserRunReportSchema = z.strictObject({
  events: z.array(trainEventSchema).max(100_000),
  checkpoint: z
    .strictObject({
      // epochs completed: from 1 at an epoch's end, from 0 for a checkpoint inside an epoch
      epoch: nonNegInt().max(100_000),
      step: nonNegInt(),
      params: z.array(float32Base64).max(256),
      optimizerState: z.array(float32Base64).max(1024),
      rngState: z.array(z.number().int().min(0).max(2 ** 32 - 1)).length(4),
      optimizerStep: nonNegInt(),
      testError: errorValue().nullable(),
      /** at an epoch's end: its validation error, whether it is now the epoch the run keeps, whether training ends after it */
      validationError: errorValue().nullable().optional(),
      /** a number to predict, at an epoch's end: its validation loss (what chose the kept epoch) */
      validationLoss: finite().min(0).optional(),
      kept: z.boolean().optional(),
      last: z.boolean().optional(),
      partial: z
        .strictObject({
          stepsDone: positiveInt(100_000_000),
          lossSum: z.number().finite(),
          errorSum: z.number().finite().min(0),
          epochRngState: z.array(z.number().int().min(0).max(2 ** 32 - 1)).length(4),
          seconds: z.number().finite().min(0),
        })
        .optional(),
    })
    .optional(),
  status: z.enum(REPORTED_STATUSES).optional(),
  reason: reasonSchema.optional(),
});

const nameSchema = z.string().trim().min(1).max(200);
const splitSchema = z.enum(['train', 'test']);

/** Argument tuples, one per method. Adding a method to StudioApi without a schema fails to compile. */
export const argumentSchemas = {
  listDatasets: z.tuple([]),
  getDataset: z.tuple([idSchema]),
  previewDataset: z.tuple([idSchema, z.number().int().min(1).max(100)]),
  importDataset: z.tuple([importRequestSchema]),
  previewPictures: z.tuple([importRequestSchema]),
  previewTable: z.tuple([importRequestSchema]),
  tableRows: z.tuple([idSchema, z.literal('test'), z.array(z.number().int().min(0)).max(10_000)]),
  cancelImport: z.tuple([idSchema]),
  uploadFiles: z.tuple([uploadRequestSchema]),
  renameDataset: z.tuple([idSchema, nameSchema]),
  deleteDataset: z.tuple([idSchema]),
  getSample: z.tuple([idSchema, splitSchema, z.number().int().min(0)]),
  prepareImage: z.tuple([
    idSchema,
    z.strictObject({
      name: z.string().max(1000),
      base64: z.string().min(1).max(40 * 1024 * 1024).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64'),
    }),
  ]),

  startRun: z.tuple([startRunRequestSchema]),
  pauseRun: z.tuple([idSchema]),
  resumeRun: z.tuple([idSchema]),
  stopRun: z.tuple([idSchema]),
  startTune: z.tuple([z.strictObject({ datasetId: idSchema, minutes: z.number().min(0.5).max(24 * 60), seed: z.number().int().min(0).optional(), budget: z.number().positive().max(1e12).optional() })]),
  stopTune: z.tuple([idSchema]),
  listRuns: z.tuple([]),
  getRun: z.tuple([idSchema]),
  compareRuns: z.tuple([z.array(idSchema).min(1).max(20)]),
  deleteRun: z.tuple([idSchema]),
  setRunNote: z.tuple([idSchema, z.string().max(10_000)]),
  renameRun: z.tuple([idSchema, z.string().max(1_000)]),
  evaluateRun: z.tuple([idSchema]),
  getInferenceModel: z.tuple([idSchema, z.strictObject({ from: z.number().int().min(0), count: z.number().int().min(1).max(16 * 1024 * 1024) }).optional()]),
  exportRun: z.tuple([idSchema, exportTargetSchema.nullable().optional(), z.strictObject({ overwrite: z.boolean().optional() }).optional()]),
  beginBrowserRun: z.tuple([startRunRequestSchema]),
  readBrowserRunData: z.tuple([idSchema, splitSchema, z.number().int().min(0), z.number().int().min(1).max(1_000_000)]),
  reportBrowserRun: z.tuple([idSchema, browserRunReportSchema]),

  listDevices: z.tuple([]),
  estimateEpochSeconds: z.tuple([
    z.strictObject({ datasetId: idSchema, model: modelSpecSchema, batchSize: positiveInt(65_536), device: deviceChoiceSchema, optimizer: optimizerSchema.optional(), validation: z.number().min(0).max(0.9).optional() }),
  ]),
} satisfies Record<MethodName, z.ZodType>;

/** A one-line, person-readable summary of a zod failure: which argument, which field, what is wrong. */
export function describeIssues(method: string, error: z.ZodError): string {
  const parts = error.issues.slice(0, 4).map((issue) => {
    const [argIndex, ...rest] = issue.path;
    const where = argIndex === undefined ? 'arguments' : `argument ${Number(argIndex) + 1}${rest.length ? ` field ${rest.join('.')}` : ''}`;
    return `${where}: ${issue.message}`;
  });
  const more = error.issues.length > 4 ? ` (and ${error.issues.length - 4} more)` : '';
  return `Bad request to ${method}: ${parts.join('; ')}${more}.`;
}
