/**
 * Runs one short task (evaluate, export, estimate, probe) in a fresh worker and returns its
 * result; a worker that dies or hangs becomes a typed error, never a crash of the caller.
 *
 * Tasks share a bounded pool (issue 15, item 8): at most `limit` task workers live at once
 * in this process (default: the core count, 1 to 4; MLP_STUDIO_TASK_WORKERS overrides), the
 * others wait in a first-in, first-out queue. Sixteen evaluations asked at once start the
 * first few workers and the rest as those end, never sixteen processes. Training workers are
 * bounded apart, by the training queue (queue.ts).
 */
import os from 'node:os';
import { StudioError, fromErrorShape } from '../api/errors';
import type { SpawnWorker } from './handle';
import { fromWorkerSchema } from './protocol';
import type { Task } from './tasks';

/** A bound on how many jobs run at once, with a FIFO queue for the rest. */
export class TaskPool {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  /** the most jobs that ever ran at once (tests, diagnostics) */
  peak = 0;

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`A task pool needs a limit of at least 1 (got ${limit}).`);
  }

  /** Runs `job` once fewer than `limit` jobs run; jobs start in the order they were asked for. */
  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit || this.waiting.length) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    this.peak = Math.max(this.peak, this.running);
    try {
      return await job();
    } finally {
      // hand the slot straight to the next in line (running stays the same), or free it
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  stats(): { running: number; waiting: number; peak: number; limit: number } {
    return { running: this.running, waiting: this.waiting.length, peak: this.peak, limit: this.limit };
  }
}

/** How many task workers may live at once: MLP_STUDIO_TASK_WORKERS, else the core count from 1 to 4. */
export function defaultTaskLimit(env: NodeJS.ProcessEnv = process.env): number {
  const asked = Number(env.MLP_STUDIO_TASK_WORKERS);
  if (Number.isInteger(asked) && asked >= 1) return asked;
  return Math.max(1, Math.min(4, os.availableParallelism()));
}

/** the pool every task of this process goes through */
export const taskPool = new TaskPool(defaultTaskLimit());

/**
 * Runs `task` in a worker once the pool has room; the timeout counts from the worker's start,
 * not from the wait in the queue.
 */
export function runWorkerTask<T>(spawn: SpawnWorker, task: Task, timeoutMs = 10 * 60_000, pool: TaskPool = taskPool): Promise<T> {
  return pool.run(() => runInWorker<T>(spawn, task, timeoutMs));
}

function runInWorker<T>(spawn: SpawnWorker, task: Task, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    let handle: ReturnType<SpawnWorker>;
    try {
      handle = spawn();
    } catch (err) {
      reject(new StudioError('internal', `Could not start a worker: ${err instanceof Error ? err.message : String(err)}`));
      return;
    }
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      handle.kill();
      fn();
    };
    const timer = setTimeout(() => settle(() => reject(new StudioError('internal', `The ${task.kind} task took longer than ${Math.round(timeoutMs / 1000)} s and was ended.`))), timeoutMs);
    handle.onMessage((raw) => {
      const parsed = fromWorkerSchema.safeParse(raw);
      if (!parsed.success) return settle(() => reject(new StudioError('internal', 'The worker sent a malformed message.')));
      const msg = parsed.data;
      if (msg.type === 'ready') handle.post({ type: 'task', task: task as { kind: string } });
      else if (msg.type === 'taskResult') settle(() => (msg.ok ? resolve(msg.result as T) : reject(fromErrorShape(msg.error))));
      else if (msg.type === 'error') settle(() => reject(new StudioError('internal', msg.message)));
    });
    handle.onExit((exit) => settle(() => reject(new StudioError('internal', exit.reason ?? `The worker ended before finishing the ${task.kind} task (exit code ${exit.code}).`))));
  });
}
