/**
 * What every optimizer's module holds (registry/optimizers/*.ts): its schema, words, editor
 * fields, validation, state and scalar inputs, and the update it emits for one parameter.
 * engine/optimizers/index.ts runs the update over every parameter (weight decay first).
 */
import type { z } from 'zod';
import type { GraphBuilder } from '../onnx/builder';
import type { FieldDescriptor, NumberField } from './fields';
import type { Limit } from './limits';

/** What an optimizer's update is given for one parameter. */
export interface UpdateContext {
  b: GraphBuilder;
  /** the parameter's current value (its name) */
  w: string;
  /** its gradient, weight decay included */
  g: string;
  /** the learning rate (a scalar input) */
  lr: string;
  /** the current value of one of this parameter's state slots (`suffix`: "velocity", "m") */
  state(suffix: string): string;
  /** the new value of a state slot */
  setState(suffix: string, value: string): void;
  /** one of the optimizer's scalar inputs (`scalars`) */
  scalar(name: string): string;
  /** a float32 constant */
  c(v: number): string;
}

/** `step`: the new weight is w − lr·step; `weight`: the update wrote the new weight itself (SGD's fusion). */
export type UpdateResult = { step: string } | { weight: string };

export interface OptimizerModule<S extends { kind: string; weightDecay?: number } = { kind: string; weightDecay?: number }> {
  kind: S['kind'];
  schema: z.ZodType<S>;
  /** the name people see on the Train screen */
  label: string;
  /** a word for a run's default name ("… · 60k samples · Adam") */
  shortName: string;
  /** the learning rate it usually works with: what a run that learned nothing or diverged is advised to try */
  usualLr: number;
  help: string;
  /** the whole optimizer is offered only under "Advanced" */
  advanced: boolean;
  fields: readonly FieldDescriptor[];
  /** the optimizer with its default settings (the same in the CLI, the Train screen and the search) */
  create(): S;
  /** the optimizer and its settings in a few words, for the model card ("Nesterov momentum 0.9"); weight decay is added by the caller */
  describe(o: S): string;
  /** a problem beyond the fields' limits, in plain words; null if fine */
  problem(o: S): string | null;
  /** the learning rate that suits it when a person switches to it with `lr` set (Adam wants a smaller one) */
  suggestLr?(lr: number): number;
  /** the state kept per parameter, by suffix ("velocity"; Adam's "m", "v") */
  stateSuffixes: readonly string[];
  /** scalar graph inputs besides `lr`, fed before each step */
  scalars: readonly string[];
  /** the scalars' values before step `t` (from 1) */
  scalarValues(o: S, t: number): number[];
  update(ctx: UpdateContext, o: S): UpdateResult;
}

/** Weight decay, which every optimizer takes: g ← g + λW. */
export const WEIGHT_DECAY: Limit = { min: 0, max: 1 };
export const weightDecayField: NumberField = {
  name: 'weightDecay',
  kind: 'number',
  label: 'Weight decay',
  help: 'Pulls every weight a little towards 0 at each step, which fights memorizing',
  limit: WEIGHT_DECAY,
  step: 0.0001,
  optional: true,
  advanced: true,
  subject: 'Weight decay',
};
