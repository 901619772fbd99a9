/** A constant learning rate (the lecture's first code). */
import { z } from 'zod';
import type { ScheduleModule } from '../schedule';

export const constantSchema = z.strictObject({ kind: z.literal('constant') });
export type ConstantSchedule = z.infer<typeof constantSchema>;

export const constant: ScheduleModule<ConstantSchedule> = {
  kind: 'constant',
  schema: constantSchema,
  label: 'Keep it constant',
  help: 'The same step size from the first epoch to the last.',
  fields: [],
  create: () => ({ kind: 'constant' }),
  problem: () => null,
  describe: () => 'constant',
  lrAt: (_s, run) => run.lr,
};
