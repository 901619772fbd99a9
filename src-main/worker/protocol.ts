/**
 * Messages between the main process and a training worker. The same protocol runs over a
 * child process's IPC channel (plain Node) and an Electron utilityProcess's parentPort. Both sides
 * validate what they receive.
 */
import { z } from 'zod';
import { NODE_DEVICES, type NodeDevice, type TrainEvent } from '../engine/types';
import { deviceChoiceSchema, deviceInfoSchema } from '../api/schemas';

export const trainJobSchema = z.strictObject({
  runId: z.string().min(1).max(128),
  /** the studio data folder (the worker opens the dataset library and the run store there) */
  home: z.string().min(1),
  datasetId: z.string().min(1).max(128),
  limitTrain: z.number().int().min(1).optional(),
  limitTest: z.number().int().min(1).optional(),
  /**
   * the device to train on; 'auto' times the run's model on each available hardware device
   * of `devices` once the data is loaded, records the choice in run.json and reports it
   */
  device: deviceChoiceSchema,
  /** the devices 'auto' considers (the service's probe); without it the worker probes them */
  devices: z.array(deviceInfoSchema).max(16).optional(),
  /** put before the 'auto' reason (why a resumed run is not on its own device any more) */
  deviceNote: z.string().max(4000).optional(),
  /** continue a stopped or failed run from its newest good checkpoint */
  resume: z.boolean().default(false),
  /** at most this many batch events per second reach the main process */
  maxBatchEventsPerSecond: z.number().min(1).max(1000).default(20),
});
export type TrainJob = z.input<typeof trainJobSchema>;

export const toWorkerSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('train'), job: trainJobSchema }),
  /** a short job (evaluate, export, estimate, probe); validated by tasks.ts */
  z.strictObject({ type: z.literal('task'), task: z.looseObject({ kind: z.string() }) }),
  z.strictObject({ type: z.literal('pause') }),
  z.strictObject({ type: z.literal('resume') }),
  z.strictObject({ type: z.literal('stop'), reason: z.string().max(500) }),
]);
export type ToWorker = z.input<typeof toWorkerSchema>;

export type FromWorker =
  | { type: 'ready' }
  | { type: 'event'; event: TrainEvent }
  | { type: 'state'; state: 'running' | 'paused' }
  /** the device 'auto' chose for the run, and why (sent before training starts) */
  | { type: 'device'; device: NodeDevice; reason: string }
  | { type: 'result'; status: 'finished' | 'stopped' | 'failed'; reason?: string; testError: number | null }
  | { type: 'error'; message: string }
  | { type: 'taskResult'; ok: true; result: unknown }
  | { type: 'taskResult'; ok: false; error: { code: string; message: string } };

export const fromWorkerSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('ready') }),
  z.strictObject({ type: z.literal('event'), event: z.looseObject({ event: z.string() }) }),
  z.strictObject({ type: z.literal('state'), state: z.enum(['running', 'paused']) }),
  z.strictObject({ type: z.literal('device'), device: z.enum(NODE_DEVICES), reason: z.string().max(20_000) }),
  z.strictObject({ type: z.literal('result'), status: z.enum(['finished', 'stopped', 'failed']), reason: z.string().optional(), testError: z.number().nullable() }),
  z.strictObject({ type: z.literal('error'), message: z.string() }),
  z.strictObject({ type: z.literal('taskResult'), ok: z.boolean(), result: z.unknown().optional(), error: z.strictObject({ code: z.string(), message: z.string() }).optional() }),
]);
