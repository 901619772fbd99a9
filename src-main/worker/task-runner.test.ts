/**
 * Task workers are bounded (issue 15, item 8): sixteen evaluations asked at once never have
 * more than the pool's limit of worker processes alive; the rest wait their turn, first come
 * first served, and a worker that crashes or hangs gives its place to the next.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvaluationResult } from '../api/contract';
import { StudioService } from '../api/service';
import { makeTestHome, tinyConfig, tinyModel, type TestHome } from '../../tests/helpers/testkit';
import { RunStore } from '../runs/store';
import type { SpawnWorker, WorkerExit, WorkerHandle } from './handle';
import type { ToWorker } from './protocol';
import { TaskPool, defaultTaskLimit, runWorkerTask, taskPool } from './task-runner';

/**
 * Fake task workers: each answers its task after `ms` (or crashes, or hangs, by the task's
 * runId) and counts how many are alive at once.
 */
function fakeWorkers(ms = 20) {
  const counts = { spawned: 0, alive: 0, maxAlive: 0, order: [] as string[] };
  const spawn: SpawnWorker = () => {
    counts.spawned++;
    counts.alive++;
    counts.maxAlive = Math.max(counts.maxAlive, counts.alive);
    let onMessage: (m: unknown) => void = () => {};
    let onExit: (e: WorkerExit) => void = () => {};
    let dead = false;
    const die = () => {
      if (!dead) counts.alive--;
      dead = true;
    };
    const handle: WorkerHandle = {
      kind: 'process',
      post: (m: ToWorker) => {
        if (m.type !== 'task') return;
        const id = String((m.task as { runId?: string }).runId ?? m.task.kind);
        counts.order.push(id);
        setTimeout(() => {
          if (dead) return;
          if (id.startsWith('crash')) {
            die();
            onExit({ code: 134, reason: 'The worker crashed.' });
          } else if (!id.startsWith('hang')) {
            onMessage({ type: 'taskResult', ok: true, result: { runId: id, testError: 0.1 } });
          }
        }, ms);
      },
      onMessage: (h) => {
        onMessage = h;
        setTimeout(() => h({ type: 'ready' }), 1);
      },
      onExit: (h) => (onExit = h),
      kill: die,
    };
    return handle;
  };
  return { spawn, counts };
}

const evaluate = (runId: string) => ({ kind: 'evaluate' as const, home: '/nowhere', runId });

describe('the task pool', () => {
  it('keeps at most `limit` workers alive; the rest start in the order asked, as places free up', async () => {
    const { spawn, counts } = fakeWorkers();
    const pool = new TaskPool(2);
    const ids = Array.from({ length: 16 }, (_, i) => `run-${i}`);
    const results = await Promise.all(ids.map((id) => runWorkerTask<{ runId: string }>(spawn, evaluate(id), 60_000, pool)));
    expect(results.map((r) => r.runId)).toEqual(ids);
    expect(counts.spawned).toBe(16);
    expect(counts.maxAlive).toBe(2);
    expect(counts.alive).toBe(0);
    expect(counts.order).toEqual(ids);
    expect(pool.stats()).toEqual({ running: 0, waiting: 0, peak: 2, limit: 2 });
  });

  it('gives the place of a crashed or timed-out worker to the next task', async () => {
    const { spawn, counts } = fakeWorkers(10);
    const pool = new TaskPool(1);
    const tries = await Promise.allSettled([
      runWorkerTask(spawn, evaluate('crash-1'), 60_000, pool),
      runWorkerTask(spawn, evaluate('hang-1'), 200, pool),
      runWorkerTask(spawn, evaluate('ok-1'), 60_000, pool),
    ]);
    expect(tries.map((t) => t.status)).toEqual(['rejected', 'rejected', 'fulfilled']);
    expect(String((tries[0] as PromiseRejectedResult).reason.message)).toMatch(/crashed/);
    expect(String((tries[1] as PromiseRejectedResult).reason.message)).toMatch(/took longer than/);
    expect(counts.maxAlive).toBe(1);
    expect(counts.alive).toBe(0);
    expect(pool.stats().running).toBe(0);
  });

  it('is bounded by the core count (1 to 4) unless MLP_STUDIO_TASK_WORKERS says otherwise', () => {
    expect(defaultTaskLimit({ MLP_STUDIO_TASK_WORKERS: '3' })).toBe(3);
    const d = defaultTaskLimit({ MLP_STUDIO_TASK_WORKERS: 'many' });
    expect(d).toBeGreaterThanOrEqual(1);
    expect(d).toBeLessThanOrEqual(4);
    expect(() => new TaskPool(0)).toThrow(/at least 1/);
  });
});

describe('sixteen evaluateRun calls at once through the service', () => {
  let t: TestHome;
  let service: StudioService;
  let runId: string;
  const fake = fakeWorkers(30);

  beforeAll(async () => {
    t = await makeTestHome({ train: 30, test: 10 });
    const run = await new RunStore(t.home).create({ model: tinyModel, config: tinyConfig({ epochs: 1 }), dataset: { id: t.dataset.id, name: t.dataset.name, contentHash: t.dataset.contentHash } });
    runId = run.id;
    expect(fs.existsSync(path.join(t.home, 'runs', runId, 'run.json'))).toBe(true);
    service = new StudioService({ home: t.home, spawnWorker: fake.spawn, devices: async () => [] });
  });
  afterAll(async () => {
    await service.close();
    t.cleanup();
  });

  it('never has more than the pool limit of workers alive, and every call is answered', async () => {
    const results = await Promise.all(Array.from({ length: 16 }, () => service.evaluateRun(runId)));
    expect(results).toHaveLength(16);
    for (const r of results as EvaluationResult[]) expect(r.runId).toBe(runId);
    expect(fake.counts.spawned).toBe(16);
    expect(fake.counts.maxAlive).toBeLessThanOrEqual(taskPool.limit);
    expect(fake.counts.maxAlive).toBeGreaterThanOrEqual(1);
    expect(fake.counts.alive).toBe(0);
  });
});
