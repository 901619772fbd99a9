/** Cosine decay: from the base rate down to `minLr` (default 0) along half a cosine over the run's epochs. */
import { z } from 'zod';
import { numberSchema, type Limit } from '../limits';
import { fieldsProblem, type FieldDescriptor } from '../fields';
import type { ScheduleModule } from '../schedule';

const MIN_LR: Limit = { min: 0, max: 10 };

export const cosineSchema = z.strictObject({ kind: z.literal('cosine'), minLr: numberSchema(MIN_LR).optional() });
export type CosineSchedule = z.infer<typeof cosineSchema>;

const fields: FieldDescriptor[] = [
  { name: 'minLr', kind: 'number', label: 'Down to', help: 'The learning rate at the end (0: all the way down)', limit: MIN_LR, step: 0.0001, optional: true, subject: "The cosine schedule's final learning rate" },
];

export const cosine: ScheduleModule<CosineSchedule> = {
  kind: 'cosine',
  schema: cosineSchema,
  label: 'Lower it smoothly to the end (cosine)',
  help: 'Smaller steps late in training often reach a lower error.',
  fields,
  create: () => ({ kind: 'cosine', minLr: 0 }),
  problem: (s) => fieldsProblem(fields, s),
  describe: (s) => `cosine down to ${s.minLr ?? 0}`,
  lrAt(s, run, epoch) {
    const min = s.minLr ?? 0;
    return min + ((run.lr - min) * (1 + Math.cos((Math.PI * epoch) / run.epochs))) / 2;
  },
};
