/** The schema of meta.json: a file read back from disk is checked before it is trusted. */
import { z } from 'zod';
import { DATE_PARTS, TASKS } from '../engine/table';
import { DATASET_ID_PATTERN } from './ids';
import { safeText } from './safe-text';
import type { DatasetMeta, ImageSettings } from './types';

const columnBase = { name: z.string(), missing: z.number().int().nonnegative(), reason: z.string().optional() };
const tableColumnSchema = z.discriminatedUnion('type', [
  z.object({
    ...columnBase,
    type: z.literal('number'),
    median: z.number(),
    clip: z.tuple([z.number(), z.number()]),
    missingIndicator: z.boolean(),
    min: z.number(),
    max: z.number(),
    decimalComma: z.boolean().optional(),
  }),
  z.object({ ...columnBase, type: z.enum(['category', 'yesno']), levels: z.array(z.string()), counts: z.array(z.number().int().nonnegative()) }),
  z.object({ ...columnBase, type: z.literal('date'), parts: z.array(z.enum(DATE_PARTS)), medians: z.array(z.number()), missingIndicator: z.boolean(), order: z.enum(['dmy', 'mdy']).optional() }),
  z.object({ ...columnBase, type: z.literal('ignore') }),
]);

/** TableSchema (engine/table.ts) as stored in meta.json. */
export const tableSchemaSchema = z.object({
  columns: z.array(tableColumnSchema),
  target: z.object({
    name: z.string(),
    task: z.enum(TASKS),
    levels: z.array(z.string()).optional(),
    mean: z.number().optional(),
    std: z.number().optional(),
    min: z.number().optional(),
    max: z.number().optional(),
  }),
  features: z.array(z.string()),
  droppedRows: z.number().int().nonnegative(),
  source: z.object({
    format: z.enum(['csv', 'xlsx', 'json']),
    delimiter: z.string().optional(),
    decimalComma: z.boolean().optional(),
    sheet: z.string().optional(),
    encoding: z.string().optional(),
  }),
});

const split = z.object({ count: z.number().int().nonnegative(), perClass: z.array(z.number().int().nonnegative()) });

export const datasetMetaSchema = z.object({
  id: z.string().regex(DATASET_ID_PATTERN),
  name: z.string().min(1).max(200),
  format: z.enum(['idx', 'cifar10', 'cifar100', 'image-folder', 'csv', 'npy', 'bundled-mnist']),
  sources: z.array(z.string()),
  kind: z.enum(['image', 'tabular']),
  sampleShape: z.array(z.number().int().positive()).min(1).max(3),
  // escaped when read, so a meta.json written before names were made safe shows them safely too
  // (one name, the target's, for a number to predict: checked in parseMeta)
  classNames: z.array(z.string().transform(safeText)).min(1),
  train: split,
  test: split,
  mean: z.array(z.number()),
  std: z.array(z.number()),
  createdAt: z.string(),
  contentHash: z.string().regex(/^[0-9a-f]{64}$/),
  preprocessing: z.record(z.string(), z.unknown()),
  split: z.object({ fraction: z.number(), seed: z.number(), stratified: z.literal(true) }).optional(),
  skipped: z.object({ count: z.number().int(), files: z.array(z.object({ path: z.string(), reason: z.string() })) }).optional(),
  task: z.enum(TASKS).optional(),
  table: tableSchemaSchema.optional(),
  versionOf: z.string().regex(DATASET_ID_PATTERN).optional(),
  version: z.number().int().min(2).optional(),
});

export function parseMeta(value: unknown): DatasetMeta {
  const m = datasetMetaSchema.parse(value) as DatasetMeta;
  if (m.kind === 'image' && m.sampleShape.length !== 3) throw new Error('an image dataset needs a [C, H, W] sample shape');
  if (m.kind === 'tabular' && m.sampleShape.length !== 1) throw new Error('a tabular dataset needs a [F] sample shape');
  if (m.task === 'number') {
    if (m.classNames.length !== 1) throw new Error('a dataset with a number to predict has one class name (the target)');
    if (m.kind !== 'tabular' || !m.table || m.table.target.task !== 'number') throw new Error('a number to predict needs a table with a number target');
  } else if (m.classNames.length < 2) throw new Error('a classifier dataset needs at least two class names');
  if ((m.versionOf === undefined) !== (m.version === undefined)) throw new Error('a dataset version needs both versionOf and version');
  if (m.table && m.kind === 'tabular' && m.table.features.length !== m.sampleShape[0]) throw new Error('the table schema\'s features do not match the sample shape');
  return m;
}

const imageSettingsSchema = z.object({
  size: z.tuple([z.number().int().positive(), z.number().int().positive()]),
  channels: z.union([z.literal(1), z.literal(3)]),
  fit: z.enum(['pad', 'crop']),
  exif: z.boolean(),
  alpha: z.enum(['white', 'black']),
});

/** Picture settings as stored elsewhere (an exported model's metadata): null when absent or not valid. */
export function parseImageSettings(value: unknown): ImageSettings | null {
  const parsed = imageSettingsSchema.safeParse(value);
  return parsed.success ? (parsed.data as ImageSettings) : null;
}

/**
 * How an image dataset's pictures were brought to samples. Image folders imported since
 * issue 13 record it in preprocessing.image; for older ones and other image formats it is
 * read from the shape and the recorded resize (no EXIF turn, transparency on black, as then).
 */
export function imageSettingsOf(meta: Pick<DatasetMeta, 'kind' | 'sampleShape' | 'preprocessing'>): ImageSettings {
  if (meta.kind !== 'image') throw new Error('not an image dataset');
  const recorded = imageSettingsSchema.safeParse(meta.preprocessing.image);
  if (recorded.success) return recorded.data as ImageSettings;
  const [c, h, w] = meta.sampleShape;
  const resize = meta.preprocessing.resize;
  return { size: [h, w], channels: c === 1 ? 1 : 3, fit: typeof resize === 'string' && /crop/.test(resize) ? 'crop' : 'pad', exif: false, alpha: 'black' };
}
