/**
 * The training worker: runs in an Electron utilityProcess (app) or a worker_thread (plain
 * Node). It loads the dataset from the library, builds the runtime, runs the engine's
 * Trainer and streams events (batch events coalesced) back to the main process. It owns no
 * files: the main process records metrics, checkpoints and status. A crash here ends this
 * process or thread only; the main process marks the run failed.
 */
import { parentPort as threadPort } from 'node:worker_threads';
import { Trainer } from '../engine/index';
import type { TrainEvent } from '../engine/types';
import { createNodeRuntime } from '../runtime/node';
import { BatchCoalescer } from './coalesce';
import { loadTrainingData } from './data';
import { toWorkerSchema, type FromWorker, type ToWorker } from './protocol';

interface Port {
  post(message: FromWorker, transfer?: ArrayBuffer[]): void;
  listen(handler: (message: unknown) => void): void;
}

/** Electron's utilityProcess exposes process.parentPort; a worker_thread has threadPort. */
function connect(): Port {
  const electronPort = (process as unknown as { parentPort?: { postMessage(m: unknown): void; on(ev: 'message', h: (e: { data: unknown }) => void): void } }).parentPort;
  if (electronPort) {
    return { post: (m) => electronPort.postMessage(m), listen: (h) => electronPort.on('message', (e) => h(e.data)) };
  }
  if (threadPort) {
    const port = threadPort;
    return { post: (m, transfer) => port.postMessage(m, transfer), listen: (h) => port.on('message', h) };
  }
  throw new Error('The training worker must be started by the studio (no parent port).');
}

const port = connect();
let trainer: Trainer | null = null;
let started = false;

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function train(job: Extract<ToWorker, { type: 'train' }>['job']): Promise<void> {
  const parsed = toWorkerSchema.parse({ type: 'train', job }) as Extract<ToWorker, { type: 'train' }>;
  const j = parsed.job;
  const data = await loadTrainingData(j.home, j.datasetId, { limitTrain: j.limitTrain, limitTest: j.limitTest });
  const runtime = createNodeRuntime(j.device);
  const coalescer = new BatchCoalescer((event: TrainEvent) => port.post({ type: 'event', event }), 1000 / (j.maxBatchEventsPerSecond ?? 20));
  trainer = new Trainer({
    spec: j.model,
    config: { ...j.config, device: j.device },
    data,
    runtime,
    onEvent: (event: TrainEvent) => coalescer.push(event),
    onEpochEnd: (checkpoint, info) => {
      coalescer.flush();
      const params = checkpoint.params.map((a) => a.slice());
      const optimizerState = checkpoint.optimizerState.map((a) => a.slice());
      port.post(
        {
          type: 'checkpoint',
          checkpoint: { epoch: checkpoint.epoch, step: checkpoint.step, params, optimizerState, rngState: [...checkpoint.rngState], optimizerStep: checkpoint.optimizerStep },
          testError: info.testError,
        },
        [...params, ...optimizerState].map((a) => a.buffer as ArrayBuffer),
      );
    },
    resumeFrom: j.resumeFrom,
  });
  const result = await trainer.run();
  coalescer.flush();
  port.post({ type: 'result', status: result.status, reason: result.reason, testError: result.testError ?? null });
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
    case 'pause':
      trainer?.pause();
      return port.post({ type: 'state', state: 'paused' });
    case 'resume':
      trainer?.resume();
      return port.post({ type: 'state', state: 'running' });
    case 'stop':
      trainer?.stop(msg.reason);
      return;
  }
});

process.on('uncaughtException', (err) => {
  port.post({ type: 'result', status: 'failed', reason: `The training process hit an unexpected error: ${errorMessage(err)}`, testError: null });
  setTimeout(() => process.exit(70), 50);
});

port.post({ type: 'ready' });
