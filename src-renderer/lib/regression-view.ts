/**
 * The Evaluate screen's pictures of a number model (issue 11), as pure functions: the
 * predicted-against-actual points and the histogram of the residuals (actual − predicted).
 */
import { units } from './format';

export interface XY {
  x: number;
  y: number;
}

/** Points (x actual, y predicted), at most `max` of them, evenly taken in test order. */
export function scatterPoints(predicted: readonly number[], actual: readonly number[], max = 2000): XY[] {
  const n = Math.min(predicted.length, actual.length);
  const step = Math.max(1, Math.ceil(n / max));
  const out: XY[] = [];
  for (let i = 0; i < n; i += step) out.push({ x: actual[i], y: predicted[i] });
  return out;
}

/** The line of perfect answers across the range of both axes. */
export function diagonal(points: readonly XY[]): XY[] {
  if (!points.length) return [];
  let lo = Infinity;
  let hi = -Infinity;
  for (const p of points) {
    lo = Math.min(lo, p.x, p.y);
    hi = Math.max(hi, p.x, p.y);
  }
  return [{ x: lo, y: lo }, { x: hi, y: hi }];
}

export interface Histogram {
  /** each bin's middle, in the values' units ("-1,000") */
  labels: string[];
  counts: number[];
}

/** `bins` equal bins from the smallest to the largest value (one bin when all are equal; none for no values). */
export function histogram(values: readonly number[], bins = 20): Histogram {
  const finite = values.filter(Number.isFinite);
  if (!finite.length) return { labels: [], counts: [] };
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  if (lo === hi) return { labels: [units(lo)], counts: [finite.length] };
  const width = (hi - lo) / bins;
  const counts = new Array<number>(bins).fill(0);
  for (const v of finite) counts[Math.min(bins - 1, Math.floor((v - lo) / width))]++;
  const labels = counts.map((_, i) => units(lo + (i + 0.5) * width));
  return { labels, counts };
}

/** actual − predicted, per test sample */
export function residuals(predicted: readonly number[], actual: readonly number[]): number[] {
  return actual.map((a, i) => a - predicted[i]);
}
