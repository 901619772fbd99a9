/** A linear (fully connected) layer: h·W (+ b), W of shape [in, units]. */
import { z } from 'zod';
import { emit } from '../../ops/table';
import { got, numberSchema, type Limit } from '../limits';
import type { LayerModule } from '../layer';
import type { FieldDescriptor } from '../fields';

/** the most units one layer may have */
export const MAX_UNITS = 65_536;
const UNITS: Limit = { min: 1, max: MAX_UNITS, integer: true };

export const linearSchema = z.strictObject({ kind: z.literal('linear'), units: numberSchema(UNITS), bias: z.boolean() });
export type LinearSpec = z.infer<typeof linearSchema>;

const fields: FieldDescriptor[] = [
  { name: 'units', kind: 'number', label: 'Units', help: 'How many outputs this layer has', limit: UNITS, step: 1, subject: 'the number of units' },
  { name: 'bias', kind: 'boolean', label: 'bias', help: 'Whether each output adds a learned constant', advanced: true, subject: 'the layer has a bias' },
];

export const linear: LayerModule<LinearSpec> = {
  kind: 'linear',
  schema: linearSchema,
  role: 'layer',
  label: 'Linear (fully connected)',
  help: 'Every output is a weighted sum of all inputs, plus an optional bias.',
  advanced: false,
  fields,
  create: (units) => ({ kind: 'linear', units, bias: true }),
  describe: (l) => `Linear ${l.units}${l.bias ? '' : ' (no bias)'}`,
  problem(l) {
    if (!Number.isInteger(l.units) || l.units < UNITS.min) return `the number of units must be a whole number of at least ${UNITS.min} ${got(l.units)}`;
    if (l.units > UNITS.max) return `${l.units} units is more than the studio supports (${UNITS.max})`;
    if (typeof l.bias !== 'boolean') return 'say whether the layer has a bias (true or false)';
    return null;
  },
  params: (l, width) => [
    { shape: [width, l.units], fanIn: width, fanOut: l.units, kind: 'weight' },
    ...(l.bias ? [{ shape: [l.units], fanIn: width, fanOut: l.units, kind: 'bias' as const }] : []),
  ],
  width: (l) => l.units,
  emit(ctx, l, h) {
    const k = ctx.index;
    let out = emit(ctx.b, 'MatMul', [h, ctx.param('weight')], {}, `h${k}`);
    if (l.bias) out = emit(ctx.b, 'Add', [out, ctx.param('bias')], {}, `h${k}b`);
    return out;
  },
};
