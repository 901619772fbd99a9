/**
 * Evaluation of parameters on a split, in order and in batches through eval.onnx: the mean
 * loss and error rate, and (for `evaluate`) every sample's predicted label and probabilities.
 */
import type { InferenceSession, Tensor } from 'onnxruntime-common';
import { buildEvalGraph, type Artifacts } from './artifacts';
import { affineFor, gather, type Affine } from './preprocess';
import type { RuntimeAdapter } from './runtime';
import { paramInfos } from './spec';
import type { DataSplit, ModelSpec, TrainingData } from './types';

export interface EvalResult {
  loss: number;
  error: number;
  predictions: Int32Array;
  /** row-major n × classes, only when asked for */
  probabilities: Float32Array | null;
}

export async function runEval(
  rt: RuntimeAdapter,
  session: InferenceSession,
  art: Pick<Artifacts, 'params'>,
  params: Float32Array[],
  split: DataSplit,
  d: number,
  aff: Affine,
  batch: number,
  withScores: boolean,
  classes = 0,
): Promise<EvalResult> {
  const feeds: Record<string, Tensor> = {};
  art.params.forEach((p, i) => (feeds[p.name] = new rt.Tensor('float32', params[i], p.shape)));
  const predictions = new Int32Array(split.n);
  const probabilities = withScores ? new Float32Array(split.n * classes) : null;
  let lossSum = 0;
  let errSum = 0;
  const x = new Float32Array(Math.min(batch, split.n) * d);
  const y = new Int32Array(Math.min(batch, split.n));
  for (let from = 0; from < split.n; from += batch) {
    const count = Math.min(batch, split.n - from);
    gather(split, null, from, count, d, aff, x, y);
    feeds.x = new rt.Tensor('float32', x.subarray(0, count * d), [count, d]);
    feeds.labels = new rt.Tensor('int32', y.subarray(0, count), [count]);
    const out = await session.run(feeds, withScores ? ['loss', 'errors', 'scores'] : ['loss', 'errors']);
    lossSum += (out.loss.data as Float32Array)[0] * count;
    errSum += (out.errors.data as Float32Array)[0];
    if (withScores && probabilities) {
      const s = out.scores.data as Float32Array;
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
  }
  return { loss: lossSum / split.n, error: errSum / split.n, predictions, probabilities };
}

/**
 * Evaluates trained parameters on a split: mean loss, error rate, the predicted label of
 * every sample (first maximal score, like argmax) and its class probabilities.
 */
export async function evaluate(
  rt: RuntimeAdapter,
  spec: ModelSpec,
  params: Float32Array[],
  data: Pick<TrainingData, 'sampleShape' | 'sampleSize' | 'preprocess'>,
  split: DataSplit,
  batch = 500,
): Promise<EvalResult> {
  const session = await rt.createSession(buildEvalGraph(spec).toModel());
  try {
    const aff = affineFor(data.preprocess, data.sampleSize);
    return await runEval(rt, session, { params: paramInfos(spec) }, params, split, data.sampleSize, aff, batch, true, spec.classes);
  } finally {
    await session.release();
  }
}
