/**
 * Lock files between processes that share a studio home (the app, the web host, CLI
 * commands): one per home for writes to the dataset library (`<home>/.library.lock`) and one
 * per run folder while the run trains (`<run>/.train.lock`).
 *
 * A lock file holds who took it: pid, host, when, and what for. It is created whole and in one
 * step (written to a temporary file, then hard-linked to the lock's name, which fails when the
 * name exists), so a reader never sees a half-written lock. A lock whose process is gone (same
 * host, pid no longer alive) is stale and is taken over; a lock from another host is trusted.
 * Locks this process holds are removed when it exits, even through process.exit(); a SIGKILL
 * leaves the file behind, and the next taker finds it stale.
 */
import crypto from 'node:crypto';
import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { StudioError } from './api/errors';

export interface LockOwner {
  pid: number;
  hostname: string;
  /** when the lock was taken (ISO time) */
  since: string;
  /** what the holder does, in words: "importing a dataset", "training run r-…" */
  purpose: string;
  /** tells this taking of the lock from any other, even by the same pid */
  token: string;
  /** Linux: when the process started (clock ticks after boot), so a reused pid is not taken for the holder */
  procStart?: string;
}

/** A lock another live process holds. `code` is 'busy'. */
export class LockBusyError extends StudioError {
  constructor(
    message: string,
    readonly owner: LockOwner,
  ) {
    super('busy', message);
    this.name = 'LockBusyError';
  }
}

export interface HeldLock {
  readonly file: string;
  readonly owner: LockOwner;
  /** removes the lock file (only if it is still ours); safe to call twice */
  release(): Promise<void>;
}

/** locks this process holds: removed on exit */
const held = new Map<string, string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const [file, token] of held) {
      try {
        if (JSON.parse(fsSync.readFileSync(file, 'utf8')).token === token) fsSync.unlinkSync(file);
      } catch {
        // gone already, or unreadable: nothing of ours to remove
      }
    }
  });
}

/** whether a process with this pid runs on this machine (EPERM: it runs, as another user) */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Linux: the start time of process `pid` (field 22 of /proc/PID/stat); null elsewhere or when unknown. */
export function processStart(pid: number): string | null {
  if (process.platform !== 'linux') return null;
  try {
    const stat = fsSync.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) may hold spaces and parentheses: count from its closing one
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

async function readOwner(file: string): Promise<LockOwner | null> {
  try {
    const o = JSON.parse(await fs.readFile(file, 'utf8')) as Partial<LockOwner>;
    if (typeof o.pid !== 'number' || typeof o.token !== 'string') return null;
    return { pid: o.pid, hostname: String(o.hostname ?? ''), since: String(o.since ?? ''), purpose: String(o.purpose ?? ''), token: o.token, ...(typeof o.procStart === 'string' ? { procStart: o.procStart } : {}) };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    // unreadable or half-written by something else than this module: treat as nobody's
    return { pid: -1, hostname: os.hostname(), since: '', purpose: 'unknown', token: '' };
  }
}

/** The holder is gone: on this machine, its pid is not alive, or is now another process (started at another time). */
function isStale(owner: LockOwner): boolean {
  if (owner.hostname !== os.hostname()) return false;
  if (!pidAlive(owner.pid)) return true;
  const now = owner.procStart ? processStart(owner.pid) : null;
  return now !== null && now !== owner.procStart;
}

/** "process 1234 (importing a dataset, since 10:51:07)" */
export function describeOwner(o: LockOwner): string {
  const host = o.hostname && o.hostname !== os.hostname() ? ` on ${o.hostname}` : '';
  const since = o.since ? `, since ${o.since}` : '';
  return `process ${o.pid}${host} (${o.purpose || 'unknown'}${since})`;
}

/**
 * Moves a stale lock out of the way. Renaming it to a unique name first means two processes
 * that both found it stale cannot remove each other's fresh lock: only one rename succeeds,
 * and a lock that turns out not to be the stale one read before is put back.
 */
async function breakStale(file: string, stale: LockOwner): Promise<void> {
  const aside = `${file}.stale-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  try {
    await fs.rename(file, aside);
  } catch {
    return; // someone else moved it first
  }
  const moved = await readOwner(aside);
  if (moved && moved.token !== stale.token && !isStale(moved)) {
    await fs.link(aside, file).catch(() => undefined); // a live lock taken meanwhile: put it back
  }
  await fs.rm(aside, { force: true });
}

/** One attempt: the lock, or the live owner that holds it. */
async function tryAcquire(file: string, purpose: string): Promise<HeldLock | LockOwner> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const start = processStart(process.pid);
  const owner: LockOwner = { pid: process.pid, hostname: os.hostname(), since: new Date().toISOString(), purpose, token: crypto.randomUUID(), ...(start ? { procStart: start } : {}) };
  const tmp = `${file}.${process.pid}-${owner.token.slice(0, 8)}.tmp`;
  await fs.writeFile(tmp, JSON.stringify(owner));
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await fs.link(tmp, file);
        installExitHook();
        held.set(file, owner.token);
        return lockHandle(file, owner);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const current = await readOwner(file);
      if (current === null) continue; // released between our link and our read
      if (!isStale(current)) return current;
      await breakStale(file, current);
    }
    return (await readOwner(file)) ?? { pid: -1, hostname: os.hostname(), since: '', purpose: 'unknown', token: '' };
  } finally {
    await fs.rm(tmp, { force: true });
  }
}

function lockHandle(file: string, owner: LockOwner): HeldLock {
  let released = false;
  return {
    file,
    owner,
    release: async () => {
      if (released) return;
      released = true;
      if (held.get(file) === owner.token) held.delete(file);
      const current = await readOwner(file);
      if (current?.token === owner.token) await fs.rm(file, { force: true });
    },
  };
}

export interface AcquireOptions {
  /** what the holder does, in words (shown to whoever finds the lock taken) */
  purpose: string;
  /** how long to wait for a live holder to let go (0: refuse at once) */
  waitMs?: number;
  /** the sentence of the error when the lock stays taken; gets the holder's description */
  busyMessage?: (owner: LockOwner) => string;
}

/** The live process holding the lock at `file`, or null when it is free or its holder is gone. */
export async function liveHolder(file: string): Promise<LockOwner | null> {
  const owner = await readOwner(file);
  return owner && !isStale(owner) ? owner : null;
}

/** Takes the lock at `file`, waiting up to `waitMs` for a live holder; throws LockBusyError after. */
export async function acquireLock(file: string, opts: AcquireOptions): Promise<HeldLock> {
  const deadline = Date.now() + (opts.waitMs ?? 0);
  for (let delay = 20; ; delay = Math.min(250, delay * 2)) {
    const got = await tryAcquire(file, opts.purpose);
    if ('release' in got) return got;
    if (Date.now() + delay > deadline) {
      const message = opts.busyMessage ? opts.busyMessage(got) : `${file} is locked by ${describeOwner(got)}; try again when it has finished.`;
      throw new LockBusyError(message, got);
    }
    await new Promise((r) => setTimeout(r, delay));
  }
}

/** Runs `fn` holding the lock at `file` (see acquireLock), and lets go after, whatever happens. */
export async function withLock<T>(file: string, opts: AcquireOptions, fn: () => Promise<T>): Promise<T> {
  const lock = await acquireLock(file, opts);
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}

/** The lock a home's dataset library writes under. */
export const libraryLockFile = (home: string): string => path.join(home, '.library.lock');

/** The lock a run folder holds while it trains. */
export const runLockFile = (runDir: string): string => path.join(runDir, '.train.lock');
