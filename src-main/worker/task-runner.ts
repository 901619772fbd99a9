/**
 * Runs one short task (evaluate, export, estimate, probe) in a fresh worker and returns its
 * result; a worker that dies or hangs becomes a typed error, never a crash of the caller.
 */
import { StudioError, fromErrorShape } from '../api/errors';
import type { SpawnWorker } from './handle';
import { fromWorkerSchema } from './protocol';
import type { Task } from './tasks';

export function runWorkerTask<T>(spawn: SpawnWorker, task: Task, timeoutMs = 10 * 60_000): Promise<T> {
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
