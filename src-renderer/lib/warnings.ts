import type { Series } from './series';

/**
 * Plain-language warnings about how training is going. Pure function of the series so it
 * can be tested and re-run on every chart refresh.
 */
export function trainingWarnings(s: Series): string[] {
  const out: string[] = [];
  const lastBatch = s.batchLoss[s.batchLoss.length - 1];
  const nonFinite = s.batchLoss.some((p) => !Number.isFinite(p.y)) || s.epochLoss.some((p) => !Number.isFinite(p.y));
  if (nonFinite) {
    out.push('The loss became “not a number”: the training has blown up. Stop it, lower the learning rate (for example divide it by 10) and start again.');
  } else if (s.smoothLoss.length >= 20) {
    const first = s.smoothLoss[Math.min(9, s.smoothLoss.length - 1)].y;
    const min = Math.min(...s.smoothLoss.map((p) => p.y));
    const last = s.smoothLoss[s.smoothLoss.length - 1].y;
    if (last > 2 * first && last > 1.5 * min + 0.1) {
      out.push('The loss is going up instead of down (the training is diverging). A smaller learning rate usually fixes this.');
    }
  }
  if (!nonFinite && lastBatch && s.epochLoss.length >= 2) {
    const a = s.epochLoss[s.epochLoss.length - 2].y;
    const b = s.epochLoss[s.epochLoss.length - 1].y;
    if (b > a * 1.5 && b - a > 0.05) {
      out.push('The loss of the last epoch was much higher than the one before: the learning rate may be too high.');
    }
  }
  // overfitting: test error rose over the last two test points while the training error fell
  if (s.testError.length >= 2) {
    const t1 = s.testError[s.testError.length - 2];
    const t2 = s.testError[s.testError.length - 1];
    const e1 = s.epochError.find((p) => p.x === t1.x);
    const e2 = s.epochError.find((p) => p.x === t2.x);
    if (e1 && e2 && t2.y > t1.y + 0.05 && e2.y < e1.y) {
      out.push('The error on the test images is rising while the error on the training images keeps falling: the network is starting to memorize the training set (overfitting). More epochs will not help; keep the best epoch, or add dropout, or use a smaller network.');
    }
  }
  return out;
}

/** Seconds left, from the pace so far. */
export function eta(elapsedSeconds: number, fractionDone: number): number | null {
  if (fractionDone <= 0 || fractionDone >= 1 || elapsedSeconds <= 0) return null;
  return (elapsedSeconds / fractionDone) * (1 - fractionDone);
}
