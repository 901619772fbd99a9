/** Step decay: the learning rate is divided by `factor` every `every` epochs (the lecture's final code). */
import { z } from 'zod';
import { numberSchema, type Limit } from '../limits';
import { fieldsProblem, type FieldDescriptor } from '../fields';
import type { ScheduleModule } from '../schedule';

const EVERY: Limit = { min: 1, max: 100_000, integer: true };
const FACTOR: Limit = { min: 0, max: 1e6, minOpen: true };

export const stepSchema = z.strictObject({ kind: z.literal('step'), every: numberSchema(EVERY), factor: numberSchema(FACTOR) });
export type StepSchedule = z.infer<typeof stepSchema>;

const fields: FieldDescriptor[] = [
  { name: 'every', kind: 'number', label: 'Every (epochs)', help: 'How many epochs pass between two divisions', limit: EVERY, step: 1, subject: 'The step schedule\'s "every" (epochs)' },
  { name: 'factor', kind: 'number', label: 'divide by', help: 'What the learning rate is divided by each time (2 halves it)', limit: FACTOR, step: 0.5, subject: "The step schedule's factor" },
];

export const step: ScheduleModule<StepSchedule> = {
  kind: 'step',
  schema: stepSchema,
  label: 'Divide it every few epochs (the lecture’s final code)',
  help: 'Smaller steps late in training often reach a lower error.',
  fields,
  create: () => ({ kind: 'step', every: 5, factor: 2 }),
  problem: (s) => fieldsProblem(fields, s),
  describe: (s) => `divide by ${s.factor} every ${s.every} epochs`,
  lrAt: (s, run, epoch) => run.lr / Math.pow(s.factor, Math.floor(epoch / s.every)),
};
