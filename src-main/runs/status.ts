/**
 * What a run's record says about continuing it: the one set of preconditions that the CLI's
 * resume (training.ts) and the studio's Continue (api/run-requests.ts) both apply. The statuses
 * and their predicates are the engine's (engine/run-status.ts), shared with the window.
 */
import { isFinished } from '../engine/run-status';
import { divergedProblem, type RunRecord } from './record';

/**
 * Why the run cannot continue, or null: it is being trained (unless `force`: its process is
 * gone on another machine, or its pid was reused), it has finished, or its loss diverged (it
 * would again, at the same step). `cli`: the hints name the command line's ways.
 */
export function resumeRefusal(record: RunRecord, opts: { force?: boolean; cli?: boolean } = {}): string | null {
  if (record.status === 'running' && !opts.force) {
    const where = `process ${record.pid ?? '?'}${record.hostname ? ` on ${record.hostname}` : ''}`;
    return `run ${record.id} (“${record.name}”) is training right now (${where}); stop it there first${opts.cli ? ' (if that process is gone, resume with --force)' : ''}`;
  }
  if (isFinished(record.status)) {
    const how = record.stoppedEarly ? `after ${record.progress.epochsDone} of ${record.config.epochs} epochs (it stopped early: its validation error had stopped improving)` : `all ${record.config.epochs} epochs`;
    return `run ${record.id} (“${record.name}”) has finished ${how}; nothing to resume (${opts.cli ? 'replay it' : 'start a new run'} to train again)`;
  }
  return divergedProblem(record);
}
