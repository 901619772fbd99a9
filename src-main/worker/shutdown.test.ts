/** Issue 15 item 13, host side: closing the studio (SIGTERM on `serve`) stops runs cleanly, not by killing their workers. */
import { expect, it } from 'vitest';
import type { RunStatus } from '../api/contract';
import type { WorkerExit, WorkerHandle } from './handle';
import type { ToWorker } from './protocol';
import { TrainingQueue } from './queue';

/** a worker that answers a stop, after `stopMs`, with a result 'stopped' (it has saved where it stood) */
class PoliteWorker implements WorkerHandle {
  readonly kind = 'process' as const;
  killedBeforeResult = false;
  answered = false;
  private handlers: ((m: unknown) => void)[] = [];
  constructor(private readonly stopMs: number | null) {}
  post(m: ToWorker): void {
    if (m.type === 'stop' && this.stopMs !== null) {
      setTimeout(() => {
        this.answered = true;
        for (const h of this.handlers) h({ type: 'result', status: 'stopped', reason: `${m.reason} (saved at epoch 3, step 7)`, testError: null });
      }, this.stopMs);
    }
  }
  onMessage(h: (m: unknown) => void): void {
    this.handlers.push(h);
  }
  onExit(_h: (e: WorkerExit) => void): void {}
  kill(): void {
    if (!this.answered) this.killedBeforeResult = true;
  }
}

function setup(stopMs: (i: number) => number | null) {
  const workers: PoliteWorker[] = [];
  const statuses: [string, RunStatus, string?][] = [];
  const queue = new TrainingQueue(
    () => {
      const w = new PoliteWorker(stopMs(workers.length));
      workers.push(w);
      return w;
    },
    { status: (id, s, r) => statuses.push([id, s, r]), event: () => undefined },
  );
  return { queue, workers, statuses };
}

it('stopAll asks every worker to stop and waits for their saves before ending them', async () => {
  const { queue, workers, statuses } = setup(() => 80);
  queue.enqueue({ runId: 'a', home: '/tmp/x', datasetId: 'ds-0000000000000000', device: 'cpu' });
  queue.enqueue({ runId: 'b', home: '/tmp/x', datasetId: 'ds-0000000000000000', device: 'cuda' });
  queue.enqueue({ runId: 'c', home: '/tmp/x', datasetId: 'ds-0000000000000000', device: 'cpu' }); // waiting
  await queue.stopAll('the studio was closed', 5000);
  expect(workers.map((w) => w.killedBeforeResult)).toEqual([false, false]);
  const last = (id: string) => statuses.filter((s) => s[0] === id).at(-1);
  expect(last('a')).toEqual(['a', 'stopped', 'the studio was closed (saved at epoch 3, step 7)']);
  expect(last('b')).toEqual(['b', 'stopped', 'the studio was closed (saved at epoch 3, step 7)']);
  expect(last('c')?.[1]).toBe('stopped');
  expect(queue.has('a') || queue.has('b') || queue.has('c')).toBe(false);
});

it('a worker that does not answer within the grace time is ended, and its run marked stopped', async () => {
  const { queue, workers, statuses } = setup(() => null);
  queue.enqueue({ runId: 'a', home: '/tmp/x', datasetId: 'ds-0000000000000000', device: 'cpu' });
  await queue.stopAll('the studio was closed', 100);
  expect(workers[0].killedBeforeResult).toBe(true);
  expect(statuses.at(-1)?.slice(0, 2)).toEqual(['a', 'stopped']);
});

it('closing the service with a grace time stops a real training worker cleanly: stopped, where it stood saved', { timeout: 120_000 }, async () => {
  const { createLoopbackClient } = await import('../api/loopback');
  const { StudioService } = await import('../api/service');
  const { makeTestHome, runEvents, tinyRun } = await import('../../tests/helpers/testkit');
  const fs = await import('node:fs');
  const t = await makeTestHome();
  const service = new StudioService({ home: t.home });
  try {
    const api = createLoopbackClient(service);
    let runId: string | null = null;
    const ev = runEvents(api, () => runId);
    runId = (await api.startRun(tinyRun(t.dataset.id, { epochs: 500, batchSize: 10 }))).id;
    await ev.waitFor((e) => e.event?.event === 'batch' && e.event.epoch >= 2);
    ev.off();
    await service.close({ graceMs: 20_000 });
    const r = await service.runs.get(runId);
    expect(r.status).toBe('stopped');
    expect(r.progress.epochsDone).toBeGreaterThanOrEqual(1);
    // the worker saved where its epoch stood (a kill would leave only the last epoch end)
    expect(fs.existsSync(service.runs.checkpoints(r).midEpochFile)).toBe(true);
    expect(service.runs.metrics(runId).records.at(-1)?.event).toBe('stopped');
  } finally {
    await service.close();
    t.cleanup();
  }
});
