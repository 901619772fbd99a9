/** The schema of meta.json: a file read back from disk is checked before it is trusted. */
import { z } from 'zod';
import { DATASET_ID_PATTERN } from './ids';
import { safeText } from './safe-text';
import type { DatasetMeta, ImageSettings } from './types';

const split = z.object({ count: z.number().int().nonnegative(), perClass: z.array(z.number().int().nonnegative()) });

export const datasetMetaSchema = z.object({
  id: z.string().regex(DATASET_ID_PATTERN),
  name: z.string().min(1).max(200),
  format: z.enum(['idx', 'cifar10', 'cifar100', 'image-folder', 'csv', 'npy', 'bundled-mnist']),
  sources: z.array(z.string()),
  kind: z.enum(['image', 'tabular']),
  sampleShape: z.array(z.number().int().positive()).min(1).max(3),
  // escaped when read, so a meta.json written before names were made safe shows them safely too
  classNames: z.array(z.string().transform(safeText)).min(2),
  train: split,
  test: split,
  mean: z.array(z.number()),
  std: z.array(z.number()),
  createdAt: z.string(),
  contentHash: z.string().regex(/^[0-9a-f]{64}$/),
  preprocessing: z.record(z.string(), z.unknown()),
  split: z.object({ fraction: z.number(), seed: z.number(), stratified: z.literal(true) }).optional(),
  skipped: z.object({ count: z.number().int(), files: z.array(z.object({ path: z.string(), reason: z.string() })) }).optional(),
});

export function parseMeta(value: unknown): DatasetMeta {
  const m = datasetMetaSchema.parse(value) as DatasetMeta;
  if (m.kind === 'image' && m.sampleShape.length !== 3) throw new Error('an image dataset needs a [C, H, W] sample shape');
  if (m.kind === 'tabular' && m.sampleShape.length !== 1) throw new Error('a tabular dataset needs a [F] sample shape');
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
