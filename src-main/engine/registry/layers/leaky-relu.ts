/** Leaky ReLU: x for x ≥ 0, slope·x below (a slope of 1 would be no activation at all). */
import { z } from 'zod';
import { emit } from '../../ops/table';
import { numberSchema, type Limit } from '../limits';
import { fieldsProblem, type FieldDescriptor } from '../fields';
import type { LayerModule } from '../layer';

const SLOPE: Limit = { min: 0, max: 1, maxOpen: true };

export const leakyReluSchema = z.strictObject({ kind: z.literal('leaky_relu'), slope: numberSchema(SLOPE) });
export type LeakyReluSpec = z.infer<typeof leakyReluSchema>;

const fields: FieldDescriptor[] = [
  { name: 'slope', kind: 'number', label: 'Slope', help: 'How much of a negative value passes (for example 0.01)', limit: SLOPE, step: 0.01, subject: 'the negative slope' },
];

export const leakyRelu: LayerModule<LeakyReluSpec> = {
  kind: 'leaky_relu',
  schema: leakyReluSchema,
  role: 'activation',
  label: 'Leaky ReLU',
  help: 'Like ReLU, but lets a small slope through for negative values.',
  advanced: true,
  fields,
  create: () => ({ kind: 'leaky_relu', slope: 0.01 }),
  describe: (l) => `Leaky ReLU (slope ${l.slope})`,
  problem: (l) => fieldsProblem(fields, l),
  width: (_l, w) => w,
  emit: ({ b }, l, h) => emit(b, 'LeakyRelu', [h], { alpha: { float: l.slope } }),
};
