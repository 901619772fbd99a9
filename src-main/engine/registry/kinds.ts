/**
 * The registry's entries, keyed by kind, and the unions derived from their schemas. The order
 * of each record is the order the Model and Train screens offer them in.
 */
import { z } from 'zod';
import { dropout, dropoutSchema } from './layers/dropout';
import { gelu, geluSchema } from './layers/gelu';
import { leakyRelu, leakyReluSchema } from './layers/leaky-relu';
import { linear, linearSchema } from './layers/linear';
import { relu, reluSchema } from './layers/relu';
import { sigmoid, sigmoidSchema } from './layers/sigmoid';
import { tanh, tanhSchema } from './layers/tanh';
import { adam, adamSchema } from './optimizers/adam';
import { momentum, momentumSchema } from './optimizers/momentum';
import { sgd, sgdSchema } from './optimizers/sgd';
import { constant, constantSchema } from './schedules/constant';
import { cosine, cosineSchema } from './schedules/cosine';
import { step, stepSchema } from './schedules/step';
import type { LayerModule } from './layer';
import type { OptimizerModule } from './optimizer';
import type { ScheduleModule } from './schedule';

export const layerSpecSchema = z.discriminatedUnion('kind', [linearSchema, reluSchema, leakyReluSchema, tanhSchema, sigmoidSchema, geluSchema, dropoutSchema]);
export const optimizerSchema = z.discriminatedUnion('kind', [sgdSchema, momentumSchema, adamSchema]);
export const scheduleSchema = z.discriminatedUnion('kind', [constantSchema, stepSchema, cosineSchema]);

/** One layer of the stack, in the order the data flows. */
export type LayerSpec = z.infer<typeof layerSpecSchema>;
export type OptimizerConfig = z.infer<typeof optimizerSchema>;
export type ScheduleConfig = z.infer<typeof scheduleSchema>;
export type LayerKind = LayerSpec['kind'];
export type OptimizerKind = OptimizerConfig['kind'];
export type ScheduleKind = ScheduleConfig['kind'];

export const LAYERS = { linear, relu, leaky_relu: leakyRelu, tanh, sigmoid, gelu, dropout } as const satisfies { [K in LayerKind]: LayerModule<Extract<LayerSpec, { kind: K }>> };
export const OPTIMIZERS = { sgd, momentum, adam } as const satisfies { [K in OptimizerKind]: OptimizerModule<Extract<OptimizerConfig, { kind: K }>> };
export const SCHEDULES = { constant, step, cosine } as const satisfies { [K in ScheduleKind]: ScheduleModule<Extract<ScheduleConfig, { kind: K }>> };

export const LAYER_KINDS = Object.keys(LAYERS) as [LayerKind, ...LayerKind[]];
export const OPTIMIZER_KINDS = Object.keys(OPTIMIZERS) as [OptimizerKind, ...OptimizerKind[]];
export const SCHEDULE_KINDS = Object.keys(SCHEDULES) as [ScheduleKind, ...ScheduleKind[]];

const has = (record: object, kind: unknown): boolean => typeof kind === 'string' && Object.prototype.hasOwnProperty.call(record, kind);

/** The module of a layer (its kind checked first: undefined for a kind the registry does not have). */
export function layerModule(l: { kind?: unknown } | null | undefined): LayerModule<LayerSpec> | undefined {
  return has(LAYERS, l?.kind) ? (LAYERS[l!.kind as LayerKind] as LayerModule<LayerSpec>) : undefined;
}
export function optimizerModule(o: { kind?: unknown } | null | undefined): OptimizerModule<OptimizerConfig> | undefined {
  return has(OPTIMIZERS, o?.kind) ? (OPTIMIZERS[o!.kind as OptimizerKind] as OptimizerModule<OptimizerConfig>) : undefined;
}
export function scheduleModule(s: { kind?: unknown } | null | undefined): ScheduleModule<ScheduleConfig> | undefined {
  return has(SCHEDULES, s?.kind) ? (SCHEDULES[s!.kind as ScheduleKind] as ScheduleModule<ScheduleConfig>) : undefined;
}
