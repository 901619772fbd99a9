/** The schema of meta.json: a file read back from disk is checked before it is trusted. */
import { z } from 'zod';
import { DATASET_ID_PATTERN } from './ids';
import { safeText } from './safe-text';
import type { DatasetMeta } from './types';

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
