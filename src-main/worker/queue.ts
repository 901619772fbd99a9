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

type Processor = 'cpu' | 'gpu';

interface Active {
  job: TrainJob;
  handle: WorkerHandle;
  paused: boolean;
  /** pause asked before the worker was ready */
  pendingPause: boolean;
  finished: boolean;
  stopTimer: ReturnType<typeof setTimeout> | null;
  /**
   * the processors the run holds: its device's; an 'auto' run holds every processor it was
   * offered until its worker says which device it chose
   */
  holds: Set<Processor>;
}

interface Lane {
  waiting: TrainJob[];
}

export interface QueueOptions {
  /** a stop that the worker does not honour within this time kills it */
  stopGraceMs?: number;
}

export class TrainingQueue {
  private readonly lanes = new Map<Processor, Lane>();
  private readonly active: Active[] = [];
  private readonly stopGraceMs: number;

  constructor(
    private readonly spawn: SpawnWorker,
    private readonly listener: QueueListener,
    options: QueueOptions = {},
  ) {
    this.stopGraceMs = options.stopGraceMs ?? 15_000;
  }

  /**
   * Starts the job now if its processor is free and nobody waits for it, else queues it. An
   * 'auto' job waits for the processor of the device it will most likely get (the caller
   * knows from the probe).
   */
  enqueue(job: TrainJob, device: string = job.device): 'running' | 'queued' {
    const p = laneOf(device);
    const lane = this.lane(p);
    if (this.held(p) || lane.waiting.length) {
      lane.waiting.push(job);
      this.listener.status(job.runId, 'queued');
      return 'queued';
    }
    this.start(p, job);
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
    const a = this.find(runId)?.active;
    if (!a || a.finished) return false;
    if (a.paused) return true;
    a.paused = true;
    a.pendingPause = true;
    a.handle.post({ type: 'pause' });
    this.listener.status(runId, 'paused');
    return true;
  }

  resume(runId: string): boolean {
    const a = this.find(runId)?.active;
    if (!a || a.finished) return false;
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
      if (lane) lane.waiting = lane.waiting.filter((j) => j.runId !== runId);
      this.listener.status(runId, 'stopped', reason);
      return true;
    }
    if (active.finished) return true;
    active.handle.post({ type: 'stop', reason });
    if (active.paused) active.handle.post({ type: 'resume' });
    if (!active.stopTimer) {
      active.stopTimer = setTimeout(() => this.finish(active, 'stopped', `${reason} (the worker did not stop in time and was ended)`), this.stopGraceMs);
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
    }
    for (const a of [...this.active]) this.finish(a, 'stopped', reason);
  }

  /**
   * Closing cleanly (app quit, SIGTERM on the host): asks every worker to stop, so each saves
   * where its epoch stands and records the run stopped, waits for them at most `graceMs`,
   * then ends what is left as shutdown() does.
   */
  async stopAll(reason = 'the studio was closed while the run was training', graceMs = this.stopGraceMs): Promise<void> {
    const running = this.active.filter((a) => !a.finished);
    for (const a of running) {
      a.handle.post({ type: 'stop', reason });
      if (a.paused) a.handle.post({ type: 'resume' });
    }
    // nothing waiting may start in the meantime
    for (const lane of this.lanes.values()) {
      for (const job of lane.waiting) this.listener.status(job.runId, 'stopped', reason);
      lane.waiting = [];
    }
    const deadline = Date.now() + graceMs;
    while (running.some((a) => !a.finished) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    this.shutdown(`${reason} (the worker did not stop in time and was ended)`);
  }

  private lane(p: Processor): Lane {
    let lane = this.lanes.get(p);
    if (!lane) {
      lane = { waiting: [] };
      this.lanes.set(p, lane);
    }
    return lane;
  }

  /** some run trains on the processor, or may still choose it */
  private held(p: Processor): boolean {
    return this.active.some((a) => a.holds.has(p));
  }

  /** An 'auto' job's devices, less those of a processor another run holds. */
  private idleDevices(job: TrainJob): TrainJob {
    if (job.device !== 'auto' || !job.devices) return job;
    return {
      ...job,
      devices: job.devices.map((d) => (d.available && this.held(laneOf(d.id)) ? { ...d, available: false, note: 'busy training another run' } : d)),
    };
  }

  private find(runId: string): { lane: Lane | null; active: Active | null } | null {
    const a = this.active.find((x) => x.job.runId === runId);
    if (a) return { lane: null, active: a };
    for (const lane of this.lanes.values()) if (lane.waiting.some((j) => j.runId === runId)) return { lane, active: null };
    return null;
  }

  private start(p: Processor, queued: TrainJob): void {
    const job = this.idleDevices(queued);
    let handle: WorkerHandle;
    try {
      handle = this.spawn();
    } catch (err) {
      this.listener.status(job.runId, 'failed', `Could not start the training worker: ${err instanceof Error ? err.message : String(err)}`);
      this.pump();
      return;
    }
    const holds = new Set<Processor>([p]);
    if (job.device === 'auto') {
      for (const d of job.devices ?? []) if (d.available) holds.add(laneOf(d.id));
    } else {
      holds.add(laneOf(job.device));
    }
    const active: Active = { job, handle, paused: false, pendingPause: false, finished: false, stopTimer: null, holds };
    this.active.push(active);
    this.listener.status(job.runId, 'running');
    handle.onMessage((raw) => this.onMessage(active, raw));
    handle.onExit((exit) => {
      if (!active.finished) this.finish(active, 'failed', exit.reason ?? `The training worker ended before the run was done (exit code ${exit.code}).`);
    });
  }

  private onMessage(active: Active, raw: unknown): void {
    if (active.finished) return;
    const parsed = fromWorkerSchema.safeParse(raw);
    if (!parsed.success) {
      this.finish(active, 'failed', 'The training worker sent a malformed message; the run was ended.');
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
        // the run holds only the processor of the device it chose: the other may start a run
        active.holds = new Set([laneOf(msg.device)]);
        this.listener.device?.(runId, msg.device, msg.reason);
        this.pump();
        return;
      case 'result':
        this.finish(active, msg.status, msg.reason);
        return;
      case 'error':
        this.finish(active, 'failed', msg.message);
        return;
    }
  }

  private finish(active: Active, status: 'finished' | 'stopped' | 'failed', reason?: string): void {
    if (active.finished) return;
    active.finished = true;
    if (active.stopTimer) clearTimeout(active.stopTimer);
    active.handle.kill();
    this.active.splice(this.active.indexOf(active), 1);
    this.listener.status(active.job.runId, status, reason);
    this.pump();
  }

  /** Starts the next waiting run of every processor nobody holds. */
  private pump(): void {
    for (const [p, lane] of this.lanes) {
      if (!this.held(p) && lane.waiting.length) this.start(p, lane.waiting.shift()!);
    }
  }
}

/** The queue lane of a device: 'cpu', or 'gpu' for every accelerator provider. */
export function laneOf(device: string): Processor {
  return device === 'cpu' ? 'cpu' : 'gpu';
}
