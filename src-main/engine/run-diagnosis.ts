/**
 * The diagnosis of a finished run that learned nothing, judged on the kept checkpoint: its
 * validation error where the run chose on a validation part, else its test error, against the
 * error of always answering the training set's majority class.
 */
import type { RunWatch } from './kept';
import type { DataSplit, TrainConfig, TrainingData } from './types';
import { diagnose, majorityClass, majorityError } from './validation';

export function diagnoseRun(
  watch: RunWatch,
  config: TrainConfig,
  data: Pick<TrainingData, 'train' | 'test' | 'classNames'>,
  validation: DataSplit | null,
  testError: number | null,
): string | null {
  const k = watch.kept;
  const test = data.test;
  const majority = majorityClass(data.train);
  const onValidation = !!validation && validation.n > 0 && k?.validationError != null;
  const judged = onValidation ? validation : test.n > 0 ? test : null;
  return diagnose({
    config,
    firstStepLoss: watch.firstStepLoss,
    firstEpochLoss: watch.firstEpochLoss,
    maxEpochLoss: watch.maxEpochLoss,
    keptError: onValidation ? k!.validationError : testError,
    baselineError: judged ? majorityError(judged, majority) : null,
    judgedOn: onValidation ? 'validation' : 'test',
    classNames: data.classNames,
    majority,
  });
}
