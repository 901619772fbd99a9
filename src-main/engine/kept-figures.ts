/**
 * The figures of a finished run's kept model (issue 12, item 2; issue 11 item 3): its test
 * error measured once it is kept, the test metrics of the `done` event ({ accuracy } for a
 * category; MAE, RMSE and R² in the target's units for a number), and the diagnosis of a run
 * that learned nothing. The test set reports here; it chose nothing.
 */
import type { EvalResult } from './evaluate';
import { evalMetrics } from './evaluate';
import type { RunWatch } from './kept';
import { diagnoseRun, judgedSet, judgeRegression, targetMean } from './run-diagnosis';
import type { DataSplit, RunMetrics, TrainConfig, TrainingData } from './types';

export interface KeptFigures {
  testError: number | null;
  validationError: number | null;
  checkpointEpoch: number | null;
  diagnosis: string | null;
  metrics: RunMetrics | null;
}

export interface KeptFiguresInput {
  watch: RunWatch;
  config: TrainConfig;
  /** the data trained on (the training split without the validation part) */
  data: Pick<TrainingData, 'train' | 'test' | 'classNames' | 'task'>;
  validation: DataSplit | null;
  epochs: number;
  /** the last periodic test report and the epoch (from 1) it was measured after */
  lastTest: number | null;
  lastTestEpoch: number | null;
  /** evaluates parameters (undefined: the current ones) on a split, with every sample's prediction when `withScores` */
  evaluateOn(split: DataSplit, params: Float32Array[] | undefined, withScores: boolean): Promise<EvalResult>;
}

export async function keptFigures(x: KeptFiguresInput): Promise<KeptFigures> {
  const k = x.watch.kept;
  const test = x.data.test;
  const params = k && k.params.length ? k.params : undefined;
  const checkpointEpoch = k?.epoch ?? (x.epochs > 0 ? x.epochs : null);
  const validationError = k?.validationError ?? null;
  if (x.data.task === 'number') {
    // every sample's value is needed for the metrics: the kept model is evaluated once more
    const t = k && test.n > 0 ? await x.evaluateOn(test, params, true) : null;
    const testError = t ? t.error : x.lastTest;
    const judged = judgedSet(x.watch, x.data, x.validation);
    const onJudged = judged && t && judged.on === 'test' ? t : judged && k ? await x.evaluateOn(judged.split, params, true) : null;
    const regression = judged && onJudged?.values ? judgeRegression(onJudged.values, judged.split, targetMean(x.data.train)) : null;
    const diagnosis = diagnoseRun(x.watch, x.config, x.data, x.validation, testError, regression);
    return { testError, validationError, checkpointEpoch, diagnosis, metrics: t ? evalMetrics(t, test) : null };
  }
  let testError = x.lastTest;
  if (k && test.n > 0 && k.epoch !== x.lastTestEpoch) {
    testError = (await x.evaluateOn(test, params, false)).error;
  }
  const diagnosis = diagnoseRun(x.watch, x.config, x.data, x.validation, testError);
  return { testError, validationError, checkpointEpoch, diagnosis, metrics: testError !== null && test.n > 0 ? { accuracy: 1 - testError } : null };
}
