/**
 * One trainer per run folder (issue 15, item 7): training or resuming a run holds
 * `<run>/.train.lock` from before its status is read until its training has ended, so two
 * `mlp-studio resume RUN` (or the app and a CLI) cannot both train the same folder. The
 * second is refused at once, told which process trains the run. A lock left by a killed
 * process is stale (its pid is gone) and taken over; one from another machine only with
 * --force.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import { LockBusyError, acquireLock, liveHolder, runLockFile, type HeldLock, type LockOwner } from '../locks';
import type { TrainingHandle } from './training';
import type { RunStore } from './store';

function busyMessage(id: string, o: LockOwner): string {
  const host = o.hostname && o.hostname !== os.hostname() ? ` on ${o.hostname}` : '';
  const since = o.since ? ` since ${o.since}` : '';
  const gone = host ? ` If that process is gone, resume with --force.` : '';
  return `run ${id} is being trained by process ${o.pid}${host}${since}; wait for it to finish or stop it (Ctrl+C in its terminal, or Stop in the studio).${gone}`;
}

async function lockRun(store: RunStore, id: string, force: boolean): Promise<HeldLock> {
  const file = runLockFile(store.paths(id).dir);
  const opts = { purpose: `training run ${id}`, busyMessage: (o: LockOwner) => busyMessage(id, o) };
  try {
    return await acquireLock(file, opts);
  } catch (e) {
    // a lock from another machine cannot be checked: --force says its process is gone
    if (!(force && e instanceof LockBusyError && e.owner.hostname !== os.hostname())) throw e;
    await fs.rm(file, { force: true });
    return acquireLock(file, opts);
  }
}

/**
 * Runs `start` (which reads the run's state and launches its training) holding the run's
 * lock; the lock is let go when the training ends (`done` settles) or when `start` throws.
 */
export async function holdingRunLock(store: RunStore, runId: string, force: boolean, start: () => Promise<TrainingHandle>): Promise<TrainingHandle> {
  const { id } = await store.get(runId);
  const lock = await lockRun(store, id, force);
  let handle: TrainingHandle;
  try {
    handle = await start();
  } catch (e) {
    await lock.release();
    throw e;
  }
  const done = handle.done.finally(() => lock.release());
  return Object.assign(handle, { done });
}

/**
 * Why the run cannot be touched now because another process trains it (a CLI `resume`
 * beside the app), or null. Checked before a continue or a delete is even queued, so the
 * app does not start a worker that would find the run taken, nor delete a folder in use.
 */
export async function trainedElsewhere(store: RunStore, runId: string): Promise<string | null> {
  const { id } = await store.get(runId);
  const owner = await liveHolder(runLockFile(store.paths(id).dir));
  return owner ? busyMessage(id, owner) : null;
}
