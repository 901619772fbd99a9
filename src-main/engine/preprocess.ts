/**
 * Preprocessing of samples as training, evaluation and the exported model apply it: each input
 * value scaled and standardised per channel, written as one multiply-add per input position;
 * a number to predict has its target standardised with the training mean and std.
 */
import type { DataSplit, Preprocess, TargetScale } from './types';

/** value' = value·a[j] + b[j] per input position */
export interface Affine {
  a: Float32Array;
  b: Float32Array;
}

/** value' = (value · scale − mean[c]) / std[c] as value·a[j] + b[j] per input position. */
export function affineFor(pre: Preprocess, sampleSize: number): Affine {
  const a = new Float32Array(sampleSize);
  const b = new Float32Array(sampleSize);
  const channels = pre.mean.length;
  const per = channels > 0 ? sampleSize / channels : sampleSize;
  for (let j = 0; j < sampleSize; j++) {
    const c = channels > 1 ? Math.floor(j / per) : 0;
    const mean = pre.mean[c] ?? 0;
    const std = pre.std[c] ?? 1;
    a[j] = pre.scale / std;
    b[j] = -mean / std;
  }
  return { a, b };
}

/**
 * Copies samples `order[from..from+count)` of `split`, preprocessed, into `x` and `y`: labels
 * as they are, or (with `target`, a number to predict) the target standardised, (y − mean) / std.
 */
export function gather(
  split: DataSplit,
  order: Int32Array | null,
  from: number,
  count: number,
  d: number,
  aff: Affine,
  x: Float32Array,
  y: Int32Array | Float32Array,
  target?: TargetScale,
): void {
  const src = split.x;
  const { a, b } = aff;
  for (let r = 0; r < count; r++) {
    const off = (order ? order[from + r] : from + r) * d;
    const dst = r * d;
    for (let j = 0; j < d; j++) x[dst + j] = src[off + j] * a[j] + b[j];
  }
  gatherLabels(split, order, from, count, y, target);
}

/** The labels of samples `order[from..from+count)` into `y`, or (with `target`) the target standardised. */
export function gatherLabels(split: DataSplit, order: Int32Array | null, from: number, count: number, y: Int32Array | Float32Array, target?: TargetScale): void {
  const tMean = target?.mean ?? 0;
  const tScale = target ? 1 / target.std : 1;
  for (let r = 0; r < count; r++) {
    const idx = order ? order[from + r] : from + r;
    y[r] = target ? (split.y[idx] - tMean) * tScale : split.y[idx];
  }
}

/** The array a batch's labels are gathered into: int32 class indices, or float32 standardised targets. */
export function labelArray(target: TargetScale | undefined, n: number): Int32Array | Float32Array {
  return target ? new Float32Array(n) : new Int32Array(n);
}
