/**
 * Softmax cross-entropy averaged over the batch, numerically stable (log-sum-exp), from ops
 * ONNX Runtime's WebGPU provider has: ReduceMax, Sub, Exp, ReduceSum, Log; the one-hot from
 * Equal + Cast over int32 labels (no OneHot, no SoftmaxCrossEntropyLoss).
 */
import type { GraphBuilder } from './onnx/builder';
import { emit } from './ops/table';

export interface LossValues {
  /** mean cross-entropy over the batch (scalar) */
  loss: string;
  /** number of misclassified samples in the batch (scalar, float) */
  errors: string;
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
