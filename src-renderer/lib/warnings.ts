import type { Pt, Series } from './series';
import type { Task } from '../../src-main/engine/table';

/**
 * Plain-language warnings about how training is going. Pure function of the series so it
 * can be tested and re-run on every chart refresh.
 */
export function trainingWarnings(s: Series, task?: Task): string[] {
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
  // overfitting: the test error (in %) rose clearly while the training error fell. One small rise
  // is noise (0.1 points on 10,000 test images is 10 images): it takes two rises in a row of at
  // least half a point together, or one jump of at least a point and a fifth of its value
  // measured on the validation part where the run has one (it is what chooses), else on the test set
  const onValidation = s.validationError.length >= 2;
  const t = onValidation ? s.validationError : s.testError;
  const rising = (a: Pt, b: Pt): boolean => {
    const ea = s.epochError.find((p) => p.x === a.x);
    const eb = s.epochError.find((p) => p.x === b.x);
    return !!ea && !!eb && b.y > a.y && eb.y < ea.y;
  };
  if (t.length >= 2) {
    const [a, b, c] = t.slice(-3);
    const last2 = t.slice(-2) as [Pt, Pt];
    // a number's error is a mean absolute error in the target's units: the same rules, relative
    const twoRises = t.length >= 3 && rising(a, b) && rising(b, c) && c.y - a.y >= (task === 'number' ? 0.05 * a.y : 0.5);
    const jump = rising(last2[0], last2[1]) && last2[1].y - last2[0].y >= (task === 'number' ? 0.2 * last2[0].y : Math.max(1, 0.2 * last2[0].y));
    if (twoRises || jump) {
      out.push(
        onValidation
          ? 'The error on the samples set aside is rising while the error on the training samples keeps falling: the network is starting to memorize the training set (overfitting). More epochs will not help; the run keeps its best epoch on the samples set aside (early stopping ends it), or add dropout, or use a smaller network.'
          : `The error on the test ${task === 'number' ? 'rows' : 'images'} is rising while the error on the training ${task === 'number' ? 'rows' : 'images'} keeps falling: the network is starting to memorize the training set (overfitting). More epochs will not help; keep the best epoch, or add dropout, or use a smaller network.`,
      );
    }
  }
  return out;
}

/** Seconds left, from the pace so far. */
export function eta(elapsedSeconds: number, fractionDone: number): number | null {
  if (fractionDone <= 0 || fractionDone >= 1 || elapsedSeconds <= 0) return null;
  return (elapsedSeconds / fractionDone) * (1 - fractionDone);
}
