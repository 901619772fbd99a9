import type { RunSummary } from '../../src-main/api/contract';
import { pct, units } from './format';

/**
 * A run with a trained network to evaluate, try or export (engine/run-status.ts). A run stopped
 * inside its first epoch has none: the host would answer with its checkpoint folder's path.
 */
export { hasTrainedNetwork } from '../../src-main/engine/run-status';

/**
 * The one test error the studio quotes for a run: that of the model it keeps (the one Evaluate,
 * Try and Export use), naming its epoch, e.g. "17.12 % (epoch 7)". While no model is kept
 * yet with a measured test error, the latest report, said as such. A number model's is its
 * mean absolute error in the target's units ("MAE 12,300 (epoch 7)").
 */
export function keptTestErrorText(r: Pick<RunSummary, 'testError' | 'checkpointEpoch' | 'lastTestError' | 'task'>): string {
  const say = (e: number): string => testFigure(e, r.task);
  if (r.testError !== null && r.testError !== undefined) return `${say(r.testError)}${r.checkpointEpoch ? ` (epoch ${r.checkpointEpoch})` : ''}`;
  if (r.lastTestError !== null) return `${say(r.lastTestError)} (last check)`;
  return '—';
}

/** A test error as the window says it: the fraction wrong in percent, or a number's mean absolute error in its units ("MAE 38,093"). */
export function testFigure(e: number | null | undefined, task: RunSummary['task']): string {
  return task === 'number' ? `MAE ${units(e)}` : pct(e);
}
