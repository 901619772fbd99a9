import type { RunSummary } from '../../src-main/api/contract';

/**
 * A run with a trained network to evaluate, try or export: at least one finished epoch (the
 * studio keeps a network at each epoch's end) and not training right now. A run stopped inside
 * its first epoch has none: the host would answer with its checkpoint folder's path.
 */
export function hasTrainedNetwork(r: Pick<RunSummary, 'status' | 'epochsDone'>): boolean {
  return r.epochsDone > 0 && r.status !== 'running' && r.status !== 'queued';
}
