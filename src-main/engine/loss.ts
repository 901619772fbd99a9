/**
 * The loss of a task, from ops ONNX Runtime's WebGPU provider has.
 * A category: softmax cross-entropy averaged over the batch, numerically stable
 * (log-sum-exp): ReduceMax, Sub, Exp, ReduceSum, Log; the one-hot from Equal + Cast over int32
 * labels (no OneHot, no SoftmaxCrossEntropyLoss).
 * A number: the mean squared error between the network's one output and the standardised
 * target ((y − mean) / std, standardised on the host as the batch is gathered): Sub, Mul,
 * ReduceMean.
 */
import type { GraphBuilder } from './onnx/builder';
import { emit } from './ops/table';
import type { ModelSpec } from './types';

export interface LossValues {
  /** mean cross-entropy (a number: mean squared error on the standardised target) over the batch (scalar) */
  loss: string;
  /** number of misclassified samples in the batch (a number: the sum of absolute errors on the standardised target) (scalar, float) */
  errors: string;
}

/** The element type of the labels a task's graphs take: int32 class indices, or float32 standardised targets. */
export const labelDtype = (spec: Pick<ModelSpec, 'task'>): 'int32' | 'float32' => (spec.task === 'number' ? 'float32' : 'int32');

/** The loss of the spec's task on `scores` against `labels` (see labelDtype). */
export function emitTaskLoss(b: GraphBuilder, spec: Pick<ModelSpec, 'task' | 'classes'>, scores: string, labels: string): LossValues {
  return spec.task === 'number' ? emitSquaredError(b, scores, labels) : emitLoss(b, scores, labels, spec.classes);
}

/**
 * Mean squared error of `scores` [batch, 1] against the standardised `targets` [batch], and
 * the sum of absolute errors (still standardised: the trainer multiplies by the target's
 * standard deviation to report the mean absolute error in the target's units).
 */
export function emitSquaredError(b: GraphBuilder, scores: string, targets: string): LossValues {
  const batch = b.shapeOf(scores)[0];
  const t = b.op('Unsqueeze', [targets, b.constant('int64', [1], [1], 'axes')], { shape: [batch, 1] });
  const residual = emit(b, 'Sub', [scores, t], {}, 'residual');
  const loss = emit(b, 'ReduceMean', [emit(b, 'Mul', [residual, residual], {}, 'squared')], { axes: [0, 1], keepdims: 0 }, 'loss');
  const abs = b.op('Abs', [residual], { dtype: 'float32', shape: [batch, 1], prefix: 'abs' });
  const errors = emit(b, 'ReduceSum', [abs], { keepdims: 0 }, 'errors');
  return { loss, errors };
}

export function emitLoss(b: GraphBuilder, scores: string, labels: string, classes: number): LossValues {
  const batch = b.shapeOf(scores)[0];
  const axis1 = () => b.constant('int64', [1], [1], 'axes');
  const max = emit(b, 'ReduceMax', [scores], { axes: [1], keepdims: 1 }, 'max');
  const shifted = emit(b, 'Sub', [scores, max], {}, 'shifted');
  const sumExp = emit(b, 'ReduceSum', [emit(b, 'Exp', [shifted]), axis1()], { keepdims: 1 }, 'sumexp');
  const logProb = emit(b, 'Sub', [shifted, emit(b, 'Log', [sumExp])], {}, 'logprob');

  const classIds = b.constant('int32', [...Array(classes).keys()], [classes], 'classes');
  const lab = b.op('Unsqueeze', [labels, b.constant('int64', [1], [1], 'axes')], { shape: [batch, 1] });
  const oneHot = b.op('Cast', [emit(b, 'Equal', [lab, classIds])], { dtype: 'float32', shape: [batch, classes], prefix: 'onehot' }, { to: 1 });

  const picked = emit(b, 'ReduceSum', [emit(b, 'Mul', [oneHot, logProb]), axis1()], { keepdims: 0 }, 'picked');
  const loss = emit(b, 'Neg', [emit(b, 'ReduceMean', [picked], { axes: [0], keepdims: 0 })], {}, 'loss');

  // a sample is right when its label's score is the largest one
  const labelScore = emit(b, 'ReduceSum', [emit(b, 'Mul', [oneHot, scores]), axis1()], { keepdims: 1 }, 'labelscore');
  const right = b.op('Cast', [emit(b, 'GreaterOrEqual', [labelScore, max])], { dtype: 'float32', shape: [batch, 1] }, { to: 1 });
  const wrong = emit(b, 'Sub', [b.constant('float32', 1), right]);
  const errors = emit(b, 'ReduceSum', [wrong], { keepdims: 0 }, 'errors');
  return { loss, errors };
}
