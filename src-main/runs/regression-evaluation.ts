/**
 * evaluateRun's answer for a number model (issue 11 item 5): every test sample's predicted and
 * actual value in the target's units (the Evaluate screen draws the scatter and the residual
 * histogram from them), MAE/RMSE/R², and the worst predictions, worst first.
 */
import { WORST_PREDICTIONS, type EvaluationResult } from '../api/contract';
import { regressionMetrics } from '../engine/metrics';

export function regressionEvaluation(
  predicted: Float32Array,
  actual: ArrayLike<number>,
  target: string,
): Required<Pick<EvaluationResult, 'task' | 'metrics' | 'regression'>> & { testError: number } {
  const metrics = regressionMetrics(predicted, actual);
  const order = Array.from(actual, (_, i) => i).sort((a, b) => Math.abs(actual[b] - predicted[b]) - Math.abs(actual[a] - predicted[a]) || a - b);
  return {
    task: 'number',
    metrics,
    testError: metrics.mae,
    regression: { target, predicted: Array.from(predicted), actual: Array.from(actual), worst: order.slice(0, WORST_PREDICTIONS) },
  };
}
