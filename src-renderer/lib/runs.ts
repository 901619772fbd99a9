import type { RunSummary } from '../../src-main/api/contract';
import { pct } from './format';

/**
 * A run with a trained network to evaluate, try or export: at least one finished epoch (the
 * studio keeps a network at each epoch's end) and not training right now. A run stopped inside
 * its first epoch has none: the host would answer with its checkpoint folder's path.
 */
export function hasTrainedNetwork(r: Pick<RunSummary, 'status' | 'epochsDone'>): boolean {
  return r.epochsDone > 0 && r.status !== 'running' && r.status !== 'queued';
}

/**
 * The one test error the studio quotes for a run: that of the model it keeps (the one Evaluate,
 * Try and Export use), naming its epoch, e.g. "17.12 % (epoch 7)". While no model is kept
 * yet with a measured test error, the latest report, said as such.
 */
export function keptTestErrorText(r: Pick<RunSummary, 'testError' | 'checkpointEpoch' | 'lastTestError'>): string {
  if (r.testError !== null && r.testError !== undefined) return `${pct(r.testError)}${r.checkpointEpoch ? ` (epoch ${r.checkpointEpoch})` : ''}`;
  if (r.lastTestError !== null) return `${pct(r.lastTestError)} (last check)`;
  return '—';
}
