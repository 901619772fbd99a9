/**
 * How well a number is predicted, in the target's units: the mean absolute error, the root
 * mean squared error, and R² (1 − residual sum of squares / total sum of squares around a
 * reference mean: 1 is perfect, 0 is no better than always answering that mean, below 0 worse).
 */
import type { RegressionMetrics } from './types';

/**
 * MAE, RMSE and R² of `predicted` against `actual` (same length, at least one value). R² is
 * measured against `reference` (default: the mean of `actual`); the diagnosis passes the
 * training mean, the answer a model that learned nothing would give. When every actual value
 * equals the reference, R² is 1 for a perfect fit and 0 otherwise.
 */
export function regressionMetrics(predicted: ArrayLike<number>, actual: ArrayLike<number>, reference?: number): RegressionMetrics {
  const n = actual.length;
  if (predicted.length !== n) throw new Error(`regressionMetrics: ${predicted.length} predictions for ${n} values`);
  if (n === 0) throw new Error('regressionMetrics: no values to measure');
  let mean = 0;
  for (let i = 0; i < n; i++) mean += actual[i];
  mean /= n;
  const ref = reference ?? mean;
  let abs = 0;
  let sq = 0;
  let tot = 0;
  for (let i = 0; i < n; i++) {
    const e = actual[i] - predicted[i];
    abs += Math.abs(e);
    sq += e * e;
    tot += (actual[i] - ref) ** 2;
  }
  const r2 = tot > 0 ? 1 - sq / tot : sq === 0 ? 1 : 0;
  return { mae: abs / n, rmse: Math.sqrt(sq / n), r2 };
}
