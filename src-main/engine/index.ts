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
  type ParamInfo,
  type Preset,
  type LayerDescription,
} from './spec';
export { buildArtifacts, buildTrainGraph, buildEvalGraph, buildInferGraph, type Artifacts, type TrainGraphOptions } from './artifacts';
export { buildExportModel, type ExportOptions } from './export-model';
export { initParams } from './init';
export { Rng } from './rng';
export { Trainer, evaluate, affineFor, DEVICE_DATA_BUDGET, type TrainerCheckpoint, type TrainerOptions, type TrainResult, type EvalResult, type EpochEndInfo, type KeptState } from './trainer';
export { DEFAULT_VALIDATION, DEFAULT_PATIENCE, MAX_VALIDATION, carveValidation, diagnose, validationFraction, type ValidationSplitInfo } from './validation';
export type { RuntimeAdapter, TensorCtor } from './runtime';
export { backward, MissingGradientError } from './autodiff';
export { GraphBuilder } from './onnx/builder';
