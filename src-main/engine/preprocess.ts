/**
 * Preprocessing of samples as training, evaluation and the exported model apply it: each input
 * value scaled and standardised per channel, written as one multiply-add per input position.
 */
import type { DataSplit, Preprocess } from './types';

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

/** Copies samples `order[from..from+count)` of `split`, preprocessed, into `x` and `y`. */
export function gather(
  split: DataSplit,
  order: Int32Array | null,
  from: number,
  count: number,
  d: number,
  aff: Affine,
  x: Float32Array,
  y: Int32Array,
): void {
  const src = split.x;
  const { a, b } = aff;
  for (let r = 0; r < count; r++) {
    const idx = order ? order[from + r] : from + r;
    const off = idx * d;
    const dst = r * d;
    for (let j = 0; j < d; j++) x[dst + j] = src[off + j] * a[j] + b[j];
    y[r] = split.y[idx];
  }
}
