/**
 * The registry: one module per layer kind, activation, optimizer and schedule, each holding
 * its zod schema (limits), words, editor fields, validation and graph emitter. Types, the
 * API's and the run record's schemas, the engine's validation, the CLI's flags and the
 * Model and Train editors derive from it (docs/ARCHITECTURE.md).
 */
export * from './kinds';
export { trainConfigSchema, TRAIN_LIMITS } from './train-config';
export { INIT_SCHEMES, INIT_SCHEME_NAMES, type InitScheme, type InitModule } from './init-schemes';
export { fieldProblem, fieldsProblem, type FieldDescriptor, type NumberField, type BooleanField, type SelectField } from './fields';
export { got, numberSchema, rangeWords, within, type Limit } from './limits';
export { MAX_UNITS } from './layers/linear';
export { DROPOUT_P } from './layers/dropout';
export type { LayerModule, ForwardContext, ParamInfo } from './layer';
export type { OptimizerModule, UpdateContext, UpdateResult } from './optimizer';
export type { ScheduleModule } from './schedule';
