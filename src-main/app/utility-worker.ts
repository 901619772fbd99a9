/**
 * Training workers inside the app: one Electron utilityProcess each (a crash or an ONNX
 * Runtime abort ends that process, never the app). Same message protocol as the
 * child process used under plain Node (see worker/handle.ts).
 */
import { utilityProcess } from 'electron';
import type { WorkerHandle, WorkerExit } from '../worker/handle';

export function spawnUtilityWorker(entryFile: string): WorkerHandle {
  const child = utilityProcess.fork(entryFile, [], { serviceName: 'MLP Studio training', stdio: 'inherit' });
  const exitHandlers: ((e: WorkerExit) => void)[] = [];
  let exited = false;
  let killed = false;
  child.on('exit', (code) => {
    exited = true;
    const reason = killed ? undefined : code !== 0 ? `The training process ended unexpectedly (exit code ${code}).` : undefined;
    for (const h of exitHandlers) h({ code, reason });
  });
  return {
    kind: 'utility-process',
    post: (message) => {
      if (!exited) child.postMessage(message);
    },
    onMessage: (handler) => child.on('message', handler),
    onExit: (handler) => exitHandlers.push(handler),
    kill: () => {
      killed = true;
      if (!exited) child.kill();
    },
  };
}
