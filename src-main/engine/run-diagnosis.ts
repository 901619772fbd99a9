/**
 * The diagnosis of a finished run that learned nothing, judged on the kept checkpoint: its
 * validation error where the run chose on a validation part, else its test error, against the
 * error of always answering the training set's majority class. A number to predict is judged
 * against always answering the training mean (R² ≤ 0 on the same set).
 */
import type { RunWatch } from './kept';
import { regressionMetrics } from './metrics';
import type { DataSplit, TrainConfig, TrainingData } from './types';
import { diagnose, majorityClass, majorityError, type RegressionJudgement } from './validation';

/** The set a kept model is judged on: the validation part where the run chose on one, else the test set (null: none). */
export function judgedSet(
  watch: RunWatch,
  data: Pick<TrainingData, 'test'>,
  validation: DataSplit | null,
): { on: 'validation' | 'test'; split: DataSplit } | null {
  if (validation && validation.n > 0 && watch.kept?.validationError != null) return { on: 'validation', split: validation };
  return data.test.n > 0 ? { on: 'test', split: data.test } : null;
}

/** The mean of a split's targets (a number to predict). */
export function targetMean(split: Pick<DataSplit, 'y' | 'n'>): number {
  let s = 0;
  for (let i = 0; i < split.n; i++) s += split.y[i];
  return split.n > 0 ? s / split.n : 0;
}

/** A number model's predictions on `split` against always answering `mean` (the training mean). */
export function judgeRegression(values: Float32Array, split: Pick<DataSplit, 'y' | 'n'>, mean: number): RegressionJudgement {
  const actual = split.y.subarray(0, split.n);
  const m = regressionMetrics(values, actual, mean);
  const base = regressionMetrics(new Float32Array(split.n).fill(mean), actual, mean);
  return { r2: m.r2, mae: m.mae, baselineMae: base.mae, mean };
}

export function diagnoseRun(
  watch: RunWatch,
  config: TrainConfig,
  data: Pick<TrainingData, 'train' | 'test' | 'classNames'>,
  validation: DataSplit | null,
  testError: number | null,
  regression: RegressionJudgement | null = null,
): string | null {
  const k = watch.kept;
  const judged = judgedSet(watch, data, validation);
  const onValidation = judged?.on === 'validation';
  const majority = regression ? undefined : majorityClass(data.train);
  return diagnose({
    config,
    firstStepLoss: watch.firstStepLoss,
    firstEpochLoss: watch.firstEpochLoss,
    maxEpochLoss: watch.maxEpochLoss,
    keptError: onValidation ? k!.validationError : testError,
    baselineError: judged && majority !== undefined ? majorityError(judged.split, majority) : null,
    judgedOn: onValidation ? 'validation' : 'test',
    classNames: data.classNames,
    ...(majority !== undefined ? { majority } : {}),
    regression,
  });
}
