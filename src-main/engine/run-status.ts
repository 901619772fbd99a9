/**
 * A run's status, in one place: the statuses, which of them run.json records and which end a
 * run, and the questions every screen, the CLI and the API ask of a status (is it training,
 * has it ended, may it continue, is there a network to export). The renderer imports this
 * module too (src-main's engine is what it may import).
 *
 *   queued    waiting for its device's queue (the studio's memory only)
 *   running   a process or a browser window is training it
 *   paused    training holds between two steps (the studio's memory only)
 *   finished  every epoch trained, or an early stop
 *   stopped   stopped by the person (or the studio closing); it can continue
 *   failed    an error ended it; it can continue unless its loss diverged
 */
import { diverged } from './types';

export const RUN_STATUSES = ['queued', 'running', 'paused', 'finished', 'stopped', 'failed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** What run.json holds: queued and paused live in the studio's queue, not on disk. */
export const RECORDED_STATUSES = ['running', 'finished', 'stopped', 'failed'] as const satisfies readonly RunStatus[];
export type RecordedStatus = (typeof RECORDED_STATUSES)[number];

/** The statuses that end a run. */
export const END_STATUSES = ['finished', 'stopped', 'failed'] as const satisfies readonly RunStatus[];
export type EndStatus = (typeof END_STATUSES)[number];

/** What a browser window training a run may report: pausing and resuming, or an end. */
export const REPORTED_STATUSES = ['running', 'paused', ...END_STATUSES] as const satisfies readonly RunStatus[];
export type ReportedStatus = (typeof REPORTED_STATUSES)[number];

export { diverged };

/** Waiting, training or paused: the run belongs to a trainer now (it cannot be deleted or continued). */
export function isActive(status: string): status is 'queued' | 'running' | 'paused' {
  return status === 'queued' || status === 'running' || status === 'paused';
}

/** Training right now or about to (a paused run holds still; a queued one starts soon). */
export function isTraining(status: string): status is 'queued' | 'running' {
  return status === 'queued' || status === 'running';
}

/** The run has ended: finished, stopped or failed. */
export function isEnded(status: string): status is EndStatus {
  return status === 'finished' || status === 'stopped' || status === 'failed';
}

/** Every epoch trained (or an early stop): nothing is left to continue. */
export function isFinished(status: string): status is 'finished' {
  return status === 'finished';
}

/** A stopped or failed run can continue from its checkpoint, unless it diverged: it would again, at the same step. */
export function canResume(r: { status: string; reason?: string }): boolean {
  return (r.status === 'stopped' || r.status === 'failed') && !diverged(r);
}

/**
 * A run with a trained network to evaluate, try or export: at least one finished epoch (the
 * studio keeps a network at each epoch's end) and not training right now.
 */
export function hasTrainedNetwork(r: { status: string; epochsDone: number }): boolean {
  return r.epochsDone > 0 && !isTraining(r.status);
}

/** Where a run that ended early stood, for messages: "after epoch 3", or "during its first epoch". */
export function afterEpochsText(epochsDone: number): string {
  return epochsDone > 0 ? `after epoch ${epochsDone}` : 'during its first epoch';
}
