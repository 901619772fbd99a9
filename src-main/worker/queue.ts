/**
 * Runs queue per processor: one training worker on the CPU and one on the GPU at a time (every
 * GPU provider, webgpu, cuda, tensorrt, dml or coreml, drives the same card), the rest wait
 * their turn. 'auto' runs wait in the lane of the device they will most likely get, and when
 * one starts, the devices of the other lane are offered to it only while that lane is idle. The queue
 * starts workers, forwards pause/resume/stop, validates what workers send, and turns a
 * worker that dies without a result into a failed run with the reason. It writes nothing
 * itself: the service records statuses, events and checkpoints.
 */
import type { RunStatus } from '../api/contract';
import type { TrainEvent } from '../engine/types';
import type { SpawnWorker, WorkerHandle } from './handle';
import { fromWorkerSchema, type TrainJob } from './protocol';

export interface QueueListener {
  status(runId: string, status: RunStatus, reason?: string): void;
  event(runId: string, event: TrainEvent): void;
  /** the worker of an 'auto' run chose its device (already written to run.json) */
  device?(runId: string, device: string, reason: string): void;
}

interface Active {
  job: TrainJob;
  handle: WorkerHandle;
  paused: boolean;
  /** pause asked before the worker was ready */
  pendingPause: boolean;
  finished: boolean;
  stopTimer: ReturnType<typeof setTimeout> | null;
}

interface Lane {
  active: Active | null;
  waiting: TrainJob[];
}

export interface QueueOptions {
  /** a stop that the worker does not honour within this time kills it */
  stopGraceMs?: number;
}

export class TrainingQueue {
  private readonly lanes = new Map<string, Lane>();
  private readonly stopGraceMs: number;

  constructor(
    private readonly spawn: SpawnWorker,
    private readonly listener: QueueListener,
    options: QueueOptions = {},
  ) {
    this.stopGraceMs = options.stopGraceMs ?? 15_000;
  }

  /**
   * Starts the job now if its lane (its device) is free, else queues it. An 'auto' job waits
   * in the lane of the device it will most likely get (the caller knows from the probe).
   */
  enqueue(job: TrainJob, device: string = job.device): 'running' | 'queued' {
    const lane = this.lane(device);
    if (lane.active) {
      lane.waiting.push(job);
      this.listener.status(job.runId, 'queued');
      return 'queued';
    }
    this.start(lane, job);
    return 'running';
  }

  has(runId: string): boolean {
    return this.find(runId) !== null;
  }

  statusOf(runId: string): RunStatus | null {
    const found = this.find(runId);
    if (!found) return null;
    if (!found.active) return 'queued';
    return found.active.paused ? 'paused' : 'running';
  }

  pause(runId: string): boolean {
    const found = this.find(runId);
    if (!found?.active || found.active.finished) return false;
    const a = found.active;
    if (a.paused) return true;
    a.paused = true;
    a.pendingPause = true;
    a.handle.post({ type: 'pause' });
    this.listener.status(runId, 'paused');
    return true;
  }

  resume(runId: string): boolean {
    const found = this.find(runId);
    if (!found?.active || found.active.finished) return false;
    const a = found.active;
    if (!a.paused) return true;
    a.paused = false;
    a.pendingPause = false;
    a.handle.post({ type: 'resume' });
    this.listener.status(runId, 'running');
    return true;
  }

  /** Stops a running run within one step, or takes a queued one out of the queue. */
  stop(runId: string, reason = 'stopped by the user'): boolean {
    const found = this.find(runId);
    if (!found) return false;
    const { lane, active } = found;
    if (!active) {
      lane.waiting = lane.waiting.filter((j) => j.runId !== runId);
      this.listener.status(runId, 'stopped', reason);
      return true;
    }
    if (active.finished) return true;
    active.handle.post({ type: 'stop', reason });
    if (active.paused) active.handle.post({ type: 'resume' });
    if (!active.stopTimer) {
      active.stopTimer = setTimeout(() => this.finish(lane, active, 'stopped', `${reason} (the worker did not stop in time and was ended)`), this.stopGraceMs);
    }
    return true;
  }

  /** The worker training a run (tests use it to kill one mid-run). */
  workerOf(runId: string): WorkerHandle | null {
    return this.find(runId)?.active?.handle ?? null;
  }

  /** Ends every worker and forgets the queue (app quit). Runs still going, or waiting, are marked stopped: they continue from their last saved point. */
  shutdown(reason = 'the studio was closed while the run was training'): void {
    for (const lane of this.lanes.values()) {
      for (const job of lane.waiting) this.listener.status(job.runId, 'stopped', reason);
      lane.waiting = [];
      if (lane.active) this.finish(lane, lane.active, 'stopped', reason);
    }
  }

  private lane(device: string): Lane {
    const key = laneOf(device);
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = { active: null, waiting: [] };
      this.lanes.set(key, lane);
    }
    return lane;
  }

  /** An 'auto' job's devices, less those of a lane another run is training in. */
  private idleDevices(lane: Lane, job: TrainJob): TrainJob {
    if (job.device !== 'auto' || !job.devices) return job;
    const busy = (id: string) => {
      const other = this.lanes.get(laneOf(id));
      return other !== undefined && other !== lane && other.active !== null;
    };
    return {
      ...job,
      devices: job.devices.map((d) => (d.available && busy(d.id) ? { ...d, available: false, note: 'busy training another run' } : d)),
    };
  }

  private find(runId: string): { lane: Lane; active: Active | null } | null {
    for (const lane of this.lanes.values()) {
      if (lane.active && lane.active.job.runId === runId) return { lane, active: lane.active };
      if (lane.waiting.some((j) => j.runId === runId)) return { lane, active: null };
    }
    return null;
  }

  private start(lane: Lane, queued: TrainJob): void {
    const job = this.idleDevices(lane, queued);
    let handle: WorkerHandle;
    try {
      handle = this.spawn();
    } catch (err) {
      this.listener.status(job.runId, 'failed', `Could not start the training worker: ${err instanceof Error ? err.message : String(err)}`);
      this.next(lane);
      return;
    }
    const active: Active = { job, handle, paused: false, pendingPause: false, finished: false, stopTimer: null };
    lane.active = active;
    this.listener.status(job.runId, 'running');
    handle.onMessage((raw) => this.onMessage(lane, active, raw));
    handle.onExit((exit) => {
      if (!active.finished) this.finish(lane, active, 'failed', exit.reason ?? `The training worker ended before the run was done (exit code ${exit.code}).`);
    });
  }

  private onMessage(lane: Lane, active: Active, raw: unknown): void {
    if (active.finished) return;
    const parsed = fromWorkerSchema.safeParse(raw);
    if (!parsed.success) {
      this.finish(lane, active, 'failed', 'The training worker sent a malformed message; the run was ended.');
      return;
    }
    const msg = parsed.data;
    const runId = active.job.runId;
    switch (msg.type) {
      case 'ready':
        active.handle.post({ type: 'train', job: active.job });
        if (active.pendingPause) active.handle.post({ type: 'pause' });
        return;
      case 'event':
        this.listener.event(runId, msg.event as unknown as TrainEvent);
        return;
      case 'state':
        return; // the queue already reported the state the person asked for
      case 'device':
        this.listener.device?.(runId, msg.device, msg.reason);
        return;
      case 'result':
        this.finish(lane, active, msg.status, msg.reason);
        return;
      case 'error':
        this.finish(lane, active, 'failed', msg.message);
        return;
    }
  }

  private finish(lane: Lane, active: Active, status: 'finished' | 'stopped' | 'failed', reason?: string): void {
    if (active.finished) return;
    active.finished = true;
    if (active.stopTimer) clearTimeout(active.stopTimer);
    active.handle.kill();
    if (lane.active === active) lane.active = null;
    this.listener.status(active.job.runId, status, reason);
    this.next(lane);
  }

  private next(lane: Lane): void {
    const job = lane.waiting.shift();
    if (job) this.start(lane, job);
  }
}

/** The queue lane of a device: 'cpu', or 'gpu' for every accelerator provider. */
export function laneOf(device: string): 'cpu' | 'gpu' {
  return device === 'cpu' ? 'cpu' : 'gpu';
}
