/**
 * Messages between the main process and a training worker. The same protocol runs over a
 * worker_thread's port (plain Node) and an Electron utilityProcess's parentPort. Both sides
 * validate what they receive.
 */
import { z } from 'zod';
import type { TrainEvent } from '../engine/types';
import { modelSpecSchema, trainConfigSchema } from '../api/schemas';

export const trainJobSchema = z.strictObject({
  runId: z.string().min(1).max(128),
  /** the studio data folder (the worker opens the dataset library there) */
  home: z.string().min(1),
  datasetId: z.string().min(1).max(128),
  limitTrain: z.number().int().min(1).optional(),
  limitTest: z.number().int().min(1).optional(),
  model: modelSpecSchema,
  config: trainConfigSchema,
  /** the device actually used ('cpu' | 'webgpu'): 'auto' is resolved before queueing */
  device: z.enum(['cpu', 'webgpu']),
  /** at most this many batch events per second reach the main process */
  maxBatchEventsPerSecond: z.number().min(1).max(1000).default(20),
  /** resume from a checkpoint (arrays travel as structured-cloned typed arrays) */
  resumeFrom: z
    .strictObject({
      epoch: z.number().int().min(0),
      step: z.number().int().min(0),
      params: z.array(z.instanceof(Float32Array)),
      optimizerState: z.array(z.instanceof(Float32Array)),
      rngState: z.array(z.number()),
      optimizerStep: z.number().int().min(0),
    })
    .optional(),
});
export type TrainJob = z.input<typeof trainJobSchema>;

export const toWorkerSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('train'), job: trainJobSchema }),
  z.strictObject({ type: z.literal('pause') }),
  z.strictObject({ type: z.literal('resume') }),
  z.strictObject({ type: z.literal('stop'), reason: z.string().max(500) }),
]);
export type ToWorker = z.input<typeof toWorkerSchema>;

export interface WorkerCheckpoint {
  epoch: number;
  step: number;
  params: Float32Array[];
  optimizerState: Float32Array[];
  rngState: number[];
  optimizerStep: number;
}

export type FromWorker =
  | { type: 'ready' }
  | { type: 'event'; event: TrainEvent }
  | { type: 'state'; state: 'running' | 'paused' }
  | { type: 'checkpoint'; checkpoint: WorkerCheckpoint; testError: number | null }
  | { type: 'result'; status: 'finished' | 'stopped' | 'failed'; reason?: string; testError: number | null }
  | { type: 'error'; message: string };

const float32Arrays = z.array(z.instanceof(Float32Array));
export const fromWorkerSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('ready') }),
  z.strictObject({ type: z.literal('event'), event: z.looseObject({ event: z.string() }) }),
  z.strictObject({ type: z.literal('state'), state: z.enum(['running', 'paused']) }),
  z.strictObject({
    type: z.literal('checkpoint'),
    checkpoint: z.strictObject({
      epoch: z.number().int(),
      step: z.number().int(),
      params: float32Arrays,
      optimizerState: float32Arrays,
      rngState: z.array(z.number()),
      optimizerStep: z.number().int(),
    }),
    testError: z.number().nullable(),
  }),
  z.strictObject({ type: z.literal('result'), status: z.enum(['finished', 'stopped', 'failed']), reason: z.string().optional(), testError: z.number().nullable() }),
  z.strictObject({ type: z.literal('error'), message: z.string() }),
]);
