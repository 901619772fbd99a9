/** Dropout: while training, each unit is kept with probability 1 − p and scaled by 1/(1 − p) (a mask the trainer feeds). */
import { z } from 'zod';
import { emit } from '../../ops/table';
import { numberSchema, type Limit } from '../limits';
import { fieldsProblem, type FieldDescriptor } from '../fields';
import type { LayerModule } from '../layer';

/** the drop probability: 1 would switch off everything */
export const DROPOUT_P: Limit = { min: 0, max: 1, maxOpen: true };
const P = DROPOUT_P;

export const dropoutSchema = z.strictObject({ kind: z.literal('dropout'), p: numberSchema(P) });
export type DropoutSpec = z.infer<typeof dropoutSchema>;

const fields: FieldDescriptor[] = [
  { name: 'p', kind: 'number', label: 'Fraction switched off', help: 'The fraction of values switched off at each step while training (for example 0.2)', limit: P, step: 0.05, subject: 'the drop probability' },
];

export const dropout: LayerModule<DropoutSpec> = {
  kind: 'dropout',
  schema: dropoutSchema,
  role: 'layer',
  label: 'Dropout',
  help: 'While training, randomly switches off a fraction of values, which fights memorizing.',
  advanced: false,
  fields,
  create: () => ({ kind: 'dropout', p: 0.2 }),
  describe: (l) => `Dropout (p = ${l.p})`,
  problem: (l) => fieldsProblem(fields, l),
  sequenceProblem: (prev) => (prev?.kind === 'dropout' ? 'two dropout layers in a row; merge them into one' : null),
  width: (_l, w) => w,
  maskProbability: (l) => l.p,
  emit(ctx, l, h) {
    const mask = l.p > 0 ? ctx.nextMask() : undefined;
    return mask ? emit(ctx.b, 'Mul', [h, mask], {}, 'dropout') : h;
  },
};
