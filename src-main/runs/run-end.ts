/**
 * The end of a run in run.json, written in one place for every way a run ends: a worker's
 * training (training.ts), a worker that crashed or failed to start (the queue's terminal
 * status), and a run trained in a browser window (api/browser-runs.ts). The status and its
 * reason are set, the trainer's pid and hostname cleared; `more` adds what that path knows
 * (the kept checkpoint's figures, the seconds trained).
 */
import type { RunRecord } from './record';
import type { RunStore } from './store';

export type EndStatus = 'finished' | 'stopped' | 'failed';

/** Marks the record ended (in place): status, reason (or none), no trainer. */
export function markEnded(r: RunRecord, status: EndStatus, reason?: string): void {
  r.status = status;
  if (reason) r.reason = reason;
  else delete r.reason;
  delete r.pid;
  delete r.hostname;
}

/** Writes the run's end to run.json; a failed write rejects (the caller says so to the person). */
export function recordRunEnd(store: RunStore, id: string, status: EndStatus, reason?: string, more?: (r: RunRecord) => void): Promise<RunRecord> {
  return store.update(id, (r) => {
    markEnded(r, status, reason);
    more?.(r);
  });
}

/** The reason a run is marked failed when its end could not be written to run.json. */
export function endWriteProblem(err: unknown): string {
  return `its end could not be written to run.json (${err instanceof Error ? err.message : String(err)}); free disk space or check the folder's permissions, then resume the run`;
}
