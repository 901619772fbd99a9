/** The per-device queue with scripted fake workers: ordering, parallel devices, stop, bad workers. */
import { describe, expect, it, vi } from 'vitest';
import type { RunStatus } from '../api/contract';
import type { WorkerExit, WorkerHandle } from './handle';
import type { ToWorker, TrainJob } from './protocol';
import { TrainingQueue } from './queue';

class FakeWorker implements WorkerHandle {
  readonly kind = 'process' as const;
  received: ToWorker[] = [];
  killed = false;
  private messageHandlers: ((m: unknown) => void)[] = [];
  private exitHandlers: ((e: WorkerExit) => void)[] = [];
  post(message: ToWorker): void {
    this.received.push(message);
  }
  onMessage(h: (m: unknown) => void): void {
    this.messageHandlers.push(h);
  }
  onExit(h: (e: WorkerExit) => void): void {
    this.exitHandlers.push(h);
  }
  kill(): void {
    this.killed = true;
  }
  send(m: unknown): void {
    for (const h of this.messageHandlers) h(m);
  }
  exit(e: WorkerExit): void {
    for (const h of this.exitHandlers) h(e);
  }
}

const job = (runId: string, device: TrainJob['device'] = 'cpu'): TrainJob => ({ runId, home: '/tmp/x', datasetId: 'ds-0000000000000000', device });

function setup(options = {}) {
  const workers: FakeWorker[] = [];
  const statuses: [string, RunStatus, string?][] = [];
  const devices: [string, string, string][] = [];
  const queue = new TrainingQueue(
    () => {
      const w = new FakeWorker();
      workers.push(w);
      return w;
    },
    { status: (id, s, r) => statuses.push(r ? [id, s, r] : [id, s]), event: () => undefined, device: (id, d, r) => devices.push([id, d, r]) },
    options,
  );
  return { queue, workers, statuses, devices };
}

describe('TrainingQueue', () => {
  it('queues an auto job in the lane it is given, and passes on the device its worker chose', () => {
    const { queue, workers, statuses, devices } = setup();
    queue.enqueue(job('a', 'cuda'));
    // 'auto' most likely gets CUDA: it waits for the CUDA run, not beside it
    expect(queue.enqueue(job('b', 'auto'), 'cuda')).toBe('queued');
    expect(queue.enqueue(job('c', 'auto'), 'cpu')).toBe('running');
    workers[1].send({ type: 'device', device: 'cpu', reason: 'auto chose cpu: cpu 40.0 steps/s' });
    expect(devices).toEqual([['c', 'cpu', 'auto chose cpu: cpu 40.0 steps/s']]);
    // a device outside NODE_DEVICES is a malformed message
    workers[1].send({ type: 'device', device: 'tpu', reason: 'x' });
    expect(statuses.at(-1)).toEqual(['c', 'failed', 'The training worker sent a malformed message; the run was ended.']);
  });

  it('every GPU provider shares one lane (they drive the same card); an auto run is offered only the devices of idle lanes', () => {
    const { queue, workers } = setup();
    const devices: NonNullable<TrainJob['devices']> = [
      { id: 'cpu', kind: 'cpu', name: 'CPU', available: true },
      { id: 'webgpu', kind: 'gpu', name: 'GPU (WebGPU)', available: true },
      { id: 'cuda', kind: 'gpu', name: 'NVIDIA GPU (CUDA)', available: true },
    ];
    expect(queue.enqueue(job('a', 'cuda'))).toBe('running');
    expect(queue.enqueue(job('b', 'webgpu'))).toBe('queued');
    // an auto run in the CPU lane while the GPU trains 'a': it may time and take the CPU only
    expect(queue.enqueue({ ...job('c', 'auto'), devices }, 'cpu')).toBe('running');
    workers[1].send({ type: 'ready' });
    const sent = workers[1].received[0] as Extract<ToWorker, { type: 'train' }>;
    expect(sent.job.devices!.map((d) => [d.id, d.available, d.note])).toEqual([
      ['cpu', true, undefined],
      ['webgpu', false, 'busy training another run'],
      ['cuda', false, 'busy training another run'],
    ]);
  });

  it('an auto run holds every processor it may choose until its worker chooses, then only the one it took', () => {
    const { queue, workers } = setup();
    const devices: NonNullable<TrainJob['devices']> = [
      { id: 'cpu', kind: 'cpu', name: 'CPU', available: true },
      { id: 'cuda', kind: 'gpu', name: 'NVIDIA GPU (CUDA)', available: true },
    ];
    // waits for the GPU (the probe's guess), may take the CPU too
    expect(queue.enqueue({ ...job('a', 'auto'), devices }, 'cuda')).toBe('running');
    expect(queue.enqueue(job('b', 'cpu'))).toBe('queued');
    expect(queue.enqueue(job('c', 'cuda'))).toBe('queued');
    // its own model is faster on the CPU: the GPU is free for 'c', the CPU run still waits
    workers[0].send({ type: 'device', device: 'cpu', reason: 'auto chose cpu: cpu 90.0 steps/s, cuda 40.0 steps/s' });
    expect(queue.statusOf('c')).toBe('running');
    expect(queue.statusOf('b')).toBe('queued');
    expect(workers).toHaveLength(2);
    workers[0].send({ type: 'result', status: 'finished', testError: 0.1 });
    expect(queue.statusOf('b')).toBe('running');
  });

  it('runs one job per device at a time and starts the next when one ends', () => {
    const { queue, workers, statuses } = setup();
    expect(queue.enqueue(job('a'))).toBe('running');
    expect(queue.enqueue(job('b'))).toBe('queued');
    expect(queue.enqueue(job('g', 'webgpu'))).toBe('running');
    expect(workers).toHaveLength(2);
    workers[0].send({ type: 'ready' });
    expect(workers[0].received[0]).toMatchObject({ type: 'train', job: { runId: 'a' } });
    workers[0].send({ type: 'result', status: 'finished', testError: 0.1 });
    expect(workers[0].killed).toBe(true);
    expect(workers).toHaveLength(3);
    expect(queue.statusOf('b')).toBe('running');
    expect(statuses).toEqual([
      ['a', 'running'],
      ['b', 'queued'],
      ['g', 'running'],
      ['a', 'finished'],
      ['b', 'running'],
    ]);
  });

  it('stops a queued run without starting it, and a running one through its worker', () => {
    const { queue, workers, statuses } = setup();
    queue.enqueue(job('a'));
    queue.enqueue(job('b'));
    queue.stop('b', 'changed my mind');
    expect(statuses.at(-1)).toEqual(['b', 'stopped', 'changed my mind']);
    queue.stop('a');
    expect(workers[0].received).toContainEqual({ type: 'stop', reason: 'stopped by the user' });
    workers[0].send({ type: 'result', status: 'stopped', reason: 'stopped by the user', testError: null });
    expect(workers).toHaveLength(1);
    expect(queue.has('a') || queue.has('b')).toBe(false);
  });

  it('pauses and resumes, also when paused before the worker is ready', () => {
    const { queue, workers } = setup();
    queue.enqueue(job('a'));
    expect(queue.pause('a')).toBe(true);
    expect(queue.statusOf('a')).toBe('paused');
    workers[0].send({ type: 'ready' });
    expect(workers[0].received.map((m) => m.type)).toEqual(['pause', 'train', 'pause']);
    queue.resume('a');
    expect(queue.statusOf('a')).toBe('running');
    expect(workers[0].received.at(-1)).toEqual({ type: 'resume' });
  });

  it('fails a run whose worker dies, sends garbage, or cannot be started, and goes on', () => {
    const { queue, workers, statuses } = setup();
    queue.enqueue(job('a'));
    queue.enqueue(job('b'));
    queue.enqueue(job('c'));
    workers[0].exit({ code: 1, reason: 'The training worker crashed: boom' });
    expect(statuses).toContainEqual(['a', 'failed', 'The training worker crashed: boom']);
    workers[1].send({ type: 'event', event: 42 });
    expect(statuses.find((s) => s[0] === 'b' && s[1] === 'failed')?.[2]).toMatch(/malformed/);
    expect(queue.statusOf('c')).toBe('running');
    workers[2].exit({ code: 0 }); // ended without a result
    expect(statuses.find((s) => s[0] === 'c' && s[1] === 'failed')?.[2]).toMatch(/ended before the run was done/);

    const broken = new TrainingQueue(
      () => {
        throw new Error('no more processes');
      },
      { status: (id, s, r) => statuses.push([id, s, r]), event: () => undefined },
    );
    broken.enqueue(job('d'));
    expect(statuses.at(-1)).toEqual(['d', 'failed', 'Could not start the training worker: no more processes']);
  });

  it('kills a worker that does not honour a stop in time', () => {
    vi.useFakeTimers();
    const { queue, workers, statuses } = setup({ stopGraceMs: 1000 });
    queue.enqueue(job('a'));
    queue.stop('a');
    vi.advanceTimersByTime(999);
    expect(workers[0].killed).toBe(false);
    vi.advanceTimersByTime(2);
    expect(workers[0].killed).toBe(true);
    expect(statuses.at(-1)?.[1]).toBe('stopped');
    vi.useRealTimers();
  });
});
