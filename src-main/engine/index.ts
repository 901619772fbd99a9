/** The engine's public surface. Pure TypeScript: no node:* or electron imports. */
export * from './types';
export {
  SpecError,
  validateSpec,
  validateConfig,
  describe,
  countParams,
  paramInfos,
  presets,
  presetById,
  defaultTrainConfig,
  architectureLabel,
  layerLabel,
  lrAt,
  inputSize,
  withTask,
  type ParamInfo,
  type Preset,
  type LayerDescription,
} from './spec';
export { buildArtifacts, buildTrainGraph, buildEvalGraph, buildInferGraph, type Artifacts, type TrainGraphOptions } from './artifacts';
export { buildExportModel, type ExportOptions } from './export-model';
export { initParams } from './init';
export { Rng } from './rng';
export { Trainer } from './trainer';
export { type TrainerCheckpoint, type TrainerOptions, type TrainResult, type EpochEndInfo, type KeptState } from './trainer-types';
export { DEVICE_DATA_BUDGET } from './device-data';
export { evaluate, evalMetrics, type EvalResult } from './evaluate';
export { regressionMetrics } from './metrics';
export { affineFor } from './preprocess';
export { DEFAULT_VALIDATION, DEFAULT_PATIENCE, MAX_VALIDATION, carveValidation, diagnose, validationFraction, type ValidationSplitInfo } from './validation';
export { tableDefaults, tableModel, tablePreset, type TableDefaults, type TableSize } from './table-defaults';
export type { RuntimeAdapter, TensorCtor } from './runtime';
export { backward, MissingGradientError } from './autodiff';
export { GraphBuilder } from './onnx/builder';
