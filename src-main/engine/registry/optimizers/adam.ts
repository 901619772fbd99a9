/**
 * Adam (torch.optim.Adam): m ← β1 m + (1−β1) g;  v ← β2 v + (1−β2) g²;
 * W ← W − lr·(m/c1) / (√(v/c2) + ε), with the bias corrections c1 = 1 − β1^t and
 * c2 = 1 − β2^t fed as scalars before each step.
 */
import { z } from 'zod';
import { emit } from '../../ops/table';
import { numberSchema, type Limit } from '../limits';
import { fieldsProblem, type FieldDescriptor } from '../fields';
import { WEIGHT_DECAY, weightDecayField, type OptimizerModule } from '../optimizer';

const BETA: Limit = { min: 0, max: 1, maxOpen: true };
const EPS: Limit = { min: 0, max: 1, minOpen: true };

export const adamSchema = z.strictObject({
  kind: z.literal('adam'),
  beta1: numberSchema(BETA),
  beta2: numberSchema(BETA),
  eps: numberSchema(EPS),
  weightDecay: numberSchema(WEIGHT_DECAY).optional(),
});
export type AdamConfig = z.infer<typeof adamSchema>;

const fields: FieldDescriptor[] = [
  { name: 'beta1', kind: 'number', label: 'β1', help: "How much of the past gradients Adam's step follows", limit: BETA, step: 0.01, advanced: true, subject: "Adam's β1" },
  { name: 'beta2', kind: 'number', label: 'β2', help: "How much of the past gradient sizes Adam's step size follows", limit: BETA, step: 0.001, advanced: true, subject: "Adam's β2" },
  { name: 'eps', kind: 'number', label: 'ε', help: 'A tiny number that keeps the step finite where gradients are near 0', limit: EPS, step: 1e-8, advanced: true, subject: "Adam's ε" },
  weightDecayField,
];

export const adam: OptimizerModule<AdamConfig> = {
  kind: 'adam',
  schema: adamSchema,
  label: 'Adam',
  shortName: 'Adam',
  usualLr: 0.001,
  help: 'Adapts the step of every weight to how its gradients have behaved. Usually wants a smaller learning rate, like 0.001.',
  advanced: false,
  fields,
  create: () => ({ kind: 'adam', beta1: 0.9, beta2: 0.999, eps: 1e-8 }),
  describe: (o) => `Adam (β1 ${o.beta1}, β2 ${o.beta2}, ε ${o.eps})`,
  problem: (o) => fieldsProblem(fields, o),
  suggestLr: (lr) => (lr > 0.005 ? 0.001 : lr),
  stateSuffixes: ['m', 'v'],
  scalars: ['adam.c1', 'adam.c2'],
  scalarValues: (o, t) => [1 - Math.pow(o.beta1, t), 1 - Math.pow(o.beta2, t)],
  update({ b, g, state, setState, scalar, c }, o) {
    const m = emit(b, 'Add', [emit(b, 'Mul', [state('m'), c(o.beta1)]), emit(b, 'Mul', [g, c(1 - o.beta1)])], {}, 'm');
    const v = emit(b, 'Add', [emit(b, 'Mul', [state('v'), c(o.beta2)]), emit(b, 'Mul', [emit(b, 'Mul', [g, g]), c(1 - o.beta2)])], {}, 'v');
    setState('m', m);
    setState('v', v);
    const mHat = emit(b, 'Div', [m, scalar('adam.c1')]);
    const vHat = emit(b, 'Div', [v, scalar('adam.c2')]);
    return { step: emit(b, 'Div', [mHat, emit(b, 'Add', [emit(b, 'Sqrt', [vHat]), c(o.eps)])]) };
  },
};
