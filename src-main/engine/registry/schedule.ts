/** What every learning-rate schedule's module holds (registry/schedules/*.ts). */
import type { z } from 'zod';
import type { FieldDescriptor } from './fields';

export interface ScheduleModule<S extends { kind: string } = { kind: string }> {
  kind: S['kind'];
  schema: z.ZodType<S>;
  /** the name people see on the Train screen */
  label: string;
  help: string;
  fields: readonly FieldDescriptor[];
  /** the schedule with its default settings */
  create(): S;
  problem(s: S): string | null;
  /** the schedule and its settings in a few words, for the model card ("divide by 2 every 10 epochs") */
  describe(s: S): string;
  /** the learning rate of epoch `epoch` (from 0), given the run's base rate and its number of epochs */
  lrAt(s: S, run: { lr: number; epochs: number }, epoch: number): number;
}
