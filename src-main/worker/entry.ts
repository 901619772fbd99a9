/**
 * The training worker: runs in an Electron utilityProcess (app) or a child process (plain
 * Node). It loads the dataset from the library, picks the device when the run asks for
 * 'auto' (a few timed steps of the run's model on each device), and trains the run through
 * the run store's training loop (runs/training.ts: metrics.jsonl, artifacts, checkpoints and
 * progress in run.json, exactly as the CLI does), streaming events to the main process with
 * batch events coalesced. A crash here ends this process only; the main process then
 * marks the run failed.
 */
import type { RuntimeAdapter } from '../engine/runtime';
import type { TrainEvent, TrainingData } from '../engine/types';
import { createNodeRuntime } from '../runtime/node';
import { selectRuntime } from '../runtime/select';
import { RunStore } from '../runs/store';
import { resumeTraining, startTraining, type TrainingHandle } from '../runs/training';
import { toErrorShape } from '../api/errors';
import { BatchCoalescer } from './coalesce';
import { DatasetLibrary } from '../datasets/library';
import { toWorkerSchema, trainJobSchema, type FromWorker } from './protocol';
import type { z } from 'zod';

interface Port {
  post(message: FromWorker): void;
  listen(handler: (message: unknown) => void): void;
}

/** Electron's utilityProcess exposes process.parentPort; a child process has process.send. */
function connect(): Port {
  const electronPort = (process as unknown as { parentPort?: { postMessage(m: unknown): void; on(ev: 'message', h: (e: { data: unknown }) => void): void } }).parentPort;
  if (electronPort) {
    return { post: (m) => electronPort.postMessage(m), listen: (h) => electronPort.on('message', (e) => h(e.data)) };
  }
  if (process.send) {
    const send = process.send.bind(process);
    // the parent going away ends the worker (nobody is left to read its results), once the run has saved where it stands
    process.on('disconnect', () => endSoon('the studio closed while the run was training'));
    return { post: (m) => void send(m), listen: (h) => process.on('message', h) };
  }
  throw new Error('The training worker must be started by the studio (no parent port).');
}

const port = connect();
let handle: TrainingHandle | null = null;
let started = false;
/** pause/stop that arrive while the data is still loading apply as soon as training starts */
let early: { paused: boolean; stop: string | null } = { paused: false, stop: null };

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function train(job: z.output<typeof trainJobSchema>): Promise<void> {
  const library = new DatasetLibrary(job.home);
  const data = await library.loadTrainingData(job.datasetId, { limitTrain: job.limitTrain, limitTest: job.limitTest });
  const store = new RunStore(job.home);
  const runtime = await runtimeFor(job, store, data);
  const coalescer = new BatchCoalescer((event: TrainEvent) => port.post({ type: 'event', event }), 1000 / job.maxBatchEventsPerSecond);
  const onEvent = (event: TrainEvent) => coalescer.push(event);
  handle = job.resume
    ? await resumeTraining({ store, runId: job.runId, data, runtime, onEvent, datasetHash: (await library.get(job.datasetId)).contentHash })
    : await startTraining({ store, runId: job.runId, data, runtime, onEvent });
  if (early.paused) handle.pause();
  if (early.stop !== null) handle.stop(early.stop);
  const result = await handle.done;
  coalescer.flush();
  port.post({ type: 'result', status: result.status, reason: result.reason, testError: result.testError ?? null });
}

/**
 * The job's device; for 'auto', the fastest hardware device for this run's model, batch
 * size and data (a few timed steps on each, here where the data is), written to run.json
 * with the timings and reported to the main process before training starts.
 */
async function runtimeFor(job: z.output<typeof trainJobSchema>, store: RunStore, data: TrainingData): Promise<RuntimeAdapter> {
  if (job.device !== 'auto') return createNodeRuntime(job.device);
  const record = await store.get(job.runId);
  const given = job.devices;
  const selection = await selectRuntime('auto', record.model, record.config, data, given ? { devices: async () => given } : {});
  const reason = job.deviceNote ? `${job.deviceNote}; ${selection.reason}` : selection.reason;
  await store.setDevice(job.runId, selection.device, reason);
  port.post({ type: 'device', device: selection.device, reason });
  return selection.runtime;
}

port.listen((raw) => {
  const parsed = toWorkerSchema.safeParse(raw);
  if (!parsed.success) {
    port.post({ type: 'error', message: `The training worker got a malformed message: ${parsed.error.issues[0]?.message ?? 'unknown problem'}.` });
    return;
  }
  const msg = parsed.data;
  switch (msg.type) {
    case 'train':
      if (started) return port.post({ type: 'error', message: 'This training worker is already training a run.' });
      started = true;
      train(msg.job).catch((err: unknown) => {
        port.post({ type: 'result', status: 'failed', reason: errorMessage(err), testError: null });
      });
      return;
    case 'task':
      if (started) return port.post({ type: 'error', message: 'This worker is already busy.' });
      started = true;
      import('./tasks')
        .then(({ runTask }) => runTask(msg.task as never))
        .then(
          (result) => port.post({ type: 'taskResult', ok: true, result }),
          (err: unknown) => port.post({ type: 'taskResult', ok: false, error: toErrorShape(err) }),
        );
      return;
    case 'pause':
      if (handle) handle.pause();
      else early.paused = true;
      return port.post({ type: 'state', state: 'paused' });
    case 'resume':
      if (handle) handle.resume();
      else early.paused = false;
      return port.post({ type: 'state', state: 'running' });
    case 'stop':
      if (handle) handle.stop(msg.reason);
      else early = { ...early, stop: msg.reason };
      return;
  }
});

/** stops the run (it saves where its epoch stands and records itself stopped), then exits */
function endSoon(reason: string): void {
  if (!handle) process.exit(0);
  handle.stop(reason);
  void handle.done.finally(() => setTimeout(() => process.exit(0), 50));
}
// a SIGTERM or Ctrl+C sent to the whole process group reaches the worker too: stop, do not die mid-write
process.once('SIGTERM', () => endSoon('Stopped by a request to end the program (SIGTERM).'));
process.once('SIGINT', () => endSoon('Stopped from the keyboard (Ctrl+C).'));

process.on('uncaughtException', (err) => {
  port.post({ type: 'result', status: 'failed', reason: `The training process hit an unexpected error: ${errorMessage(err)}`, testError: null });
  setTimeout(() => process.exit(70), 50);
});

port.post({ type: 'ready' });
