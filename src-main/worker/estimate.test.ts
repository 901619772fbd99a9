/**
 * The epoch estimate against the real thing: estimateEpochSeconds (a worker times a few
 * training steps) and then a real one-epoch run of the same model, both through the Studio
 * API and its worker threads on this machine. How close the two come (goal: within a factor
 * of two) is measured by bench/estimate-bench.ts; the test checks what the estimate is.
 * (It used to time 5 steps right after the worker started, counting a cold step and the
 * session release: 2-7 times too slow.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelSpec } from '../engine/types';
import type { WorkerExit, WorkerHandle } from './handle';
import { StudioService } from '../api/service';
import { isTerminal, makeTestHome, runEvents, tinyConfig, type TestHome } from '../../tests/helpers/testkit';

const TRAIN = 10_000;
// the lecture's network on MNIST
const model: ModelSpec = {
  inputShape: [1, 28, 28],
  layers: [{ kind: 'linear', units: 128, bias: true }, { kind: 'relu' }, { kind: 'linear', units: 10, bias: true }],
  classes: 10,
};

let t: TestHome;
let service: StudioService;
beforeAll(async () => {
  t = await makeTestHome({ train: TRAIN, test: 50 });
  service = new StudioService({ home: t.home });
});
afterAll(async () => {
  await service.close();
  t.cleanup();
});

describe('estimateEpochSeconds', () => {
  it('is the steps of an epoch at the rate a worker timed, for the model a real run trains', async () => {
    // how close it comes to a real epoch is a figure, not a test: bench/estimate-bench.ts
    const est = await service.estimateEpochSeconds({ datasetId: t.dataset.id, model, batchSize: 32, device: 'cpu' });
    expect(est.stepsPerSecond).toBeGreaterThan(0);
    expect(est.seconds).toBeCloseTo(Math.ceil(TRAIN / 32) / est.stepsPerSecond, 6);
    let runId: string | null = null;
    const ev = runEvents(service, () => runId);
    runId = (await service.startRun({ datasetId: t.dataset.id, model, config: tinyConfig({ epochs: 1, batchSize: 32, lr: 0.01, evalEvery: 0 }), name: 'timing' })).id;
    const end = await ev.waitFor(isTerminal, 120_000);
    expect(end.status, end.reason).toBe('finished');
    const epoch = ev.events.map((e) => e.event).find((e) => e?.event === 'epoch');
    ev.off();
    if (epoch?.event !== 'epoch') throw new Error('no epoch event');
    expect(epoch.seconds).toBeGreaterThan(0);
    console.log(`${TRAIN} samples, batch 32: estimate ${est.seconds.toFixed(2)} s (${est.stepsPerSecond.toFixed(0)} steps/s), real epoch ${epoch.seconds.toFixed(2)} s`);
  });
});

describe('estimates asked for side by side', () => {
  it('run one after the other, never in two workers at once', async () => {
    let running = 0;
    let most = 0;
    let started = 0;
    const spawnWorker = (): WorkerHandle => {
      const handlers: ((m: unknown) => void)[] = [];
      const exits: ((e: WorkerExit) => void)[] = [];
      let alive = true;
      setTimeout(() => handlers.forEach((h) => h({ type: 'ready' })), 5);
      return {
        kind: 'process',
        post: (m) => {
          if (m.type !== 'task') return;
          running++;
          started++;
          most = Math.max(most, running);
          setTimeout(() => {
            running--;
            if (alive) handlers.forEach((h) => h({ type: 'taskResult', ok: true, result: { seconds: 1, stepsPerSecond: 1 } }));
          }, 40);
        },
        onMessage: (h) => handlers.push(h),
        onExit: (h) => exits.push(h),
        kill: () => {
          alive = false;
        },
      };
    };
    const fake = new StudioService({ home: t.home, spawnWorker });
    try {
      const asks = [32, 64, 128].map((batchSize) => fake.estimateEpochSeconds({ datasetId: t.dataset.id, model, batchSize, device: 'cpu' }));
      expect(await Promise.all(asks)).toHaveLength(3);
      expect(started).toBe(3);
      expect(most).toBe(1);
    } finally {
      await fake.close();
    }
  });
});
