/**
 * One training worker as the main process sees it, whatever carries it: a worker_thread
 * (plain Node, here) or an Electron utilityProcess (src-main/app/utility-worker.ts).
 */
import fs from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ToWorker } from './protocol';

export interface WorkerExit {
  code: number | null;
  /** a sentence for a person, when the worker died of an error */
  reason?: string;
}

export interface WorkerHandle {
  readonly kind: 'thread' | 'utility-process';
  post(message: ToWorker): void;
  /** raw messages; the manager validates them */
  onMessage(handler: (message: unknown) => void): void;
  onExit(handler: (exit: WorkerExit) => void): void;
  /** ends the worker at once (stop that did not take, app quit, tests) */
  kill(): void;
}

export type SpawnWorker = () => WorkerHandle;

/**
 * Where the worker's code is: next to the bundled main (`worker.js`, electron-vite output)
 * or, running from sources, `entry.ts` started through the tsx bootstrap.
 */
export function resolveWorkerEntry(): { file: string; viaTsx: boolean } {
  const here = new URL('.', import.meta.url);
  for (const name of ['worker.js', 'worker.mjs']) {
    const file = fileURLToPath(new URL(name, here));
    if (fs.existsSync(file)) return { file, viaTsx: false };
  }
  const entry = fileURLToPath(new URL('entry.ts', here));
  if (fs.existsSync(entry)) return { file: entry, viaTsx: true };
  throw new Error(`The training worker's code is missing (looked for worker.js and entry.ts in ${fileURLToPath(here)}). Rebuild the studio.`);
}

export function spawnThreadWorker(entry = resolveWorkerEntry()): WorkerHandle {
  const worker = entry.viaTsx
    ? new Worker(new URL('boot.mjs', pathToFileURL(entry.file)), { workerData: { entry: pathToFileURL(entry.file).href } })
    : new Worker(entry.file);
  const exitHandlers: ((e: WorkerExit) => void)[] = [];
  let lastError: Error | null = null;
  let exited = false;
  worker.on('error', (err) => {
    lastError = err;
  });
  worker.on('exit', (code) => {
    exited = true;
    const reason = lastError ? `The training worker crashed: ${lastError.message}` : code !== 0 ? `The training worker ended unexpectedly (exit code ${code}).` : undefined;
    for (const h of exitHandlers) h({ code, reason });
  });
  return {
    kind: 'thread',
    post: (message) => {
      if (!exited) worker.postMessage(message);
    },
    onMessage: (handler) => worker.on('message', handler),
    onExit: (handler) => exitHandlers.push(handler),
    kill: () => {
      void worker.terminate();
    },
  };
}
