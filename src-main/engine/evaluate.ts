/**
 * Evaluation of parameters on a split, in order and in batches through eval.onnx: the mean
 * loss and error rate (a number to predict: the mean absolute error in the target's units),
 * and (for `evaluate`) every sample's predicted label and probabilities, or predicted value.
 */
import type { InferenceSession, Tensor } from 'onnxruntime-common';
import { buildEvalGraph, type Artifacts } from './artifacts';
import { regressionMetrics } from './metrics';
import { affineFor, gather, labelArray, type Affine } from './preprocess';
import type { RuntimeAdapter } from './runtime';
import { paramInfos } from './spec';
import type { DataSplit, ModelSpec, RunMetrics, TargetScale, TrainingData } from './types';

export interface EvalResult {
  loss: number;
  /** the fraction wrong; a number to predict: the mean absolute error in the target's units */
  error: number;
  /** a category: every sample's predicted class (empty for a number) */
  predictions: Int32Array;
  /** row-major n × classes, only when asked for (a category) */
  probabilities: Float32Array | null;
  /** a number to predict, when asked for: every sample's predicted value in the target's units */
  values?: Float32Array;
}

/** What runEval computes besides loss and error, and in what batches. */
export interface EvalOptions {
  /** samples per run() of the evaluation graph */
  batch: number;
  /** every sample's prediction (a category: label and probabilities; a number: its value) */
  withScores: boolean;
  /** the number of classes (a category, withScores) */
  classes?: number;
  /** a number to predict: how its target is standardised */
  target?: TargetScale;
}

/** The evaluation graph's session and what it needs to read a split: parameter shapes, sample size, preprocessing. */
export interface EvalSession {
  rt: RuntimeAdapter;
  session: InferenceSession;
  art: Pick<Artifacts, 'params'>;
  /** values per sample */
  d: number;
  aff: Affine;
}

/** Mean loss and error of `params` on `split`, in batches, and with `withScores` every sample's prediction. */
export async function runEval(ev: EvalSession, params: Float32Array[], split: DataSplit, o: EvalOptions): Promise<EvalResult> {
  const { rt, session, art, d, aff } = ev;
  const { batch, withScores, target } = o;
  const classes = o.classes ?? 0;
  const feeds: Record<string, Tensor> = {};
  art.params.forEach((p, i) => (feeds[p.name] = new rt.Tensor('float32', params[i], p.shape)));
  const predictions = new Int32Array(target ? 0 : split.n);
  const probabilities = withScores && !target ? new Float32Array(split.n * classes) : null;
  const values = withScores && target ? new Float32Array(split.n) : undefined;
  let lossSum = 0;
  let errSum = 0;
  const x = new Float32Array(Math.min(batch, split.n) * d);
  const y = labelArray(target, Math.min(batch, split.n));
  for (let from = 0; from < split.n; from += batch) {
    const count = Math.min(batch, split.n - from);
    gather(split, null, from, count, d, aff, x, y, target);
    feeds.x = new rt.Tensor('float32', x.subarray(0, count * d), [count, d]);
    feeds.labels = y instanceof Float32Array ? new rt.Tensor('float32', y.subarray(0, count), [count]) : new rt.Tensor('int32', y.subarray(0, count), [count]);
    const out = await session.run(feeds, withScores ? ['loss', 'errors', 'scores'] : ['loss', 'errors']);
    lossSum += (out.loss.data as Float32Array)[0] * count;
    errSum += (out.errors.data as Float32Array)[0];
    if (values && target) {
      const s = out.scores.data as Float32Array;
      for (let r = 0; r < count; r++) values[from + r] = s[r] * target.std + target.mean;
    } else if (probabilities) {
      softmaxRows(out.scores.data as Float32Array, count, classes, from, predictions, probabilities);
    }
  }
  // a number: the graph sums absolute errors on the standardised target
  const error = target ? (errSum * target.std) / split.n : errSum / split.n;
  return { loss: lossSum / split.n, error, predictions, probabilities, ...(values ? { values } : {}) };
}

/** Each of `count` rows of scores: its first maximal class into predictions and its softmax into probabilities, from row `from` on. */
function softmaxRows(s: Float32Array, count: number, classes: number, from: number, predictions: Int32Array, probabilities: Float32Array): void {
  for (let r = 0; r < count; r++) {
    let best = 0;
    let max = -Infinity;
    for (let c = 0; c < classes; c++) {
      if (s[r * classes + c] > max) {
        max = s[r * classes + c];
        best = c;
      }
    }
    predictions[from + r] = best;
    let z = 0;
    for (let c = 0; c < classes; c++) z += Math.exp(s[r * classes + c] - max);
    for (let c = 0; c < classes; c++) probabilities[(from + r) * classes + c] = Math.exp(s[r * classes + c] - max) / z;
  }
}

/** The target scale of a number to predict (undefined for a category). */
export const targetOf = (data: Pick<TrainingData, 'task' | 'target'>): TargetScale | undefined => (data.task === 'number' ? data.target : undefined);

/**
 * Evaluates trained parameters on a split: mean loss, error rate, the predicted label of
 * every sample (first maximal score, like argmax) and its class probabilities; for a number
 * to predict, every sample's predicted value in the target's units.
 */
export async function evaluate(
  rt: RuntimeAdapter,
  spec: ModelSpec,
  params: Float32Array[],
  data: Pick<TrainingData, 'sampleShape' | 'sampleSize' | 'preprocess' | 'task' | 'target'>,
  split: DataSplit,
  batch = 500,
): Promise<EvalResult> {
  const session = await rt.createSession(buildEvalGraph(spec).toModel());
  try {
    const aff = affineFor(data.preprocess, data.sampleSize);
    return await runEval({ rt, session, art: { params: paramInfos(spec) }, d: data.sampleSize, aff }, params, split, { batch, withScores: true, classes: spec.classes, target: targetOf(data) });
  } finally {
    await session.release();
  }
}

/** The figures of an evaluation with scores: the accuracy, or (a number) MAE, RMSE and R² against `split`'s targets. */
export function evalMetrics(r: EvalResult, split: DataSplit): RunMetrics {
  if (r.values) return regressionMetrics(r.values, split.y.subarray(0, split.n));
  return { accuracy: 1 - r.error };
}
