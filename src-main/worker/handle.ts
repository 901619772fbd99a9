/**
 * One training worker as the main process sees it, whatever carries it: a child process
 * (plain Node, here) or an Electron utilityProcess (src-main/app/utility-worker.ts).
 *
 * A process, not a worker_thread: ending a thread while onnxruntime-node is inside run()
 * can abort the whole process ("terminate called after throwing Napi::Error"), and the
 * web host must outlive any worker it kills.
 */
import { fork } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ToWorker } from './protocol';

export interface WorkerExit {
  code: number | null;
  /** a sentence for a person, when the worker died of an error */
  reason?: string;
}

export interface WorkerHandle {
  readonly kind: 'process' | 'utility-process';
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

export function spawnProcessWorker(entry = resolveWorkerEntry()): WorkerHandle {
  // from sources, boot.mjs registers tsx in the child and then imports entry.ts
  const child = entry.viaTsx
    ? fork(fileURLToPath(new URL('boot.mjs', pathToFileURL(entry.file))), [pathToFileURL(entry.file).href], { serialization: 'advanced', stdio: 'inherit' })
    : fork(entry.file, [], { serialization: 'advanced', stdio: 'inherit' });
  const exitHandlers: ((e: WorkerExit) => void)[] = [];
  let lastError: Error | null = null;
  let exited = false;
  let killed = false;
  child.on('error', (err) => {
    lastError = err;
  });
  child.on('exit', (code, signal) => {
    exited = true;
    const reason = lastError
      ? `The training worker crashed: ${lastError.message}`
      : code !== 0
        ? killed
          ? `The training worker was ended (${signal ?? `exit code ${code}`}).`
          : `The training worker ended unexpectedly (${signal ? `signal ${signal}` : `exit code ${code}`}).`
        : undefined;
    for (const h of exitHandlers) h({ code, reason });
  });
  return {
    kind: 'process',
    post: (message) => {
      if (!exited && child.connected) child.send(message);
    },
    onMessage: (handler) => child.on('message', handler),
    onExit: (handler) => exitHandlers.push(handler),
    kill: () => {
      killed = true;
      if (!exited) child.kill('SIGKILL');
    },
  };
}
