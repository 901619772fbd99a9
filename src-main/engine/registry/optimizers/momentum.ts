/**
 * Gradient descent with momentum (torch.optim.SGD with momentum): v ← μv + g; W ← W − lr·v,
 * or with Nesterov's look-ahead W ← W − lr·(g + μv). "momentum" means the same everywhere
 * (the CLI's --optimizer momentum, the Train screen, the search): μ 0.9 with Nesterov's
 * look-ahead, as create() says; the Train screen's Advanced part can turn the look-ahead off.
 */
import { z } from 'zod';
import { emit } from '../../ops/table';
import { numberSchema, type Limit } from '../limits';
import { fieldsProblem, type FieldDescriptor } from '../fields';
import { WEIGHT_DECAY, weightDecayField, type OptimizerModule } from '../optimizer';

const MU: Limit = { min: 0, max: 1, maxOpen: true };

export const momentumSchema = z.strictObject({
  kind: z.literal('momentum'),
  momentum: numberSchema(MU),
  nesterov: z.boolean(),
  weightDecay: numberSchema(WEIGHT_DECAY).optional(),
});
export type MomentumConfig = z.infer<typeof momentumSchema>;

const fields: FieldDescriptor[] = [
  { name: 'momentum', kind: 'number', label: 'Momentum', help: 'How much of the last update carries over into the next', limit: MU, step: 0.01, advanced: true, subject: 'Momentum' },
  { name: 'nesterov', kind: 'boolean', label: 'Nesterov', help: 'Looks ahead along the momentum before taking the gradient', advanced: true, subject: 'the momentum looks ahead (Nesterov)' },
  weightDecayField,
];

export const momentum: OptimizerModule<MomentumConfig> = {
  kind: 'momentum',
  schema: momentumSchema,
  label: 'Gradient descent with momentum',
  shortName: 'Momentum',
  usualLr: 0.01,
  help: 'Each update keeps going partly in the direction of the previous ones, which smooths and speeds up learning.',
  advanced: false,
  fields,
  create: () => ({ kind: 'momentum', momentum: 0.9, nesterov: true }),
  describe: (o) => `${o.nesterov ? 'Nesterov ' : ''}momentum ${o.momentum}`,
  problem: (o) => fieldsProblem(fields, o),
  stateSuffixes: ['velocity'],
  scalars: [],
  scalarValues: () => [],
  update({ b, g, state, setState, c }, o) {
    const v = emit(b, 'Add', [emit(b, 'Mul', [state('velocity'), c(o.momentum)]), g], {}, 'vel');
    setState('velocity', v);
    return { step: o.nesterov ? emit(b, 'Add', [g, emit(b, 'Mul', [v, c(o.momentum)])]) : v };
  },
};
