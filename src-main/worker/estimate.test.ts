/**
 * The epoch estimate against the real thing: estimateEpochSeconds (a worker times a few
 * training steps) and then a real one-epoch run of the same model, both through the Studio
 * API and its worker threads on this machine. The estimate must be within a factor of two.
 * (It used to time 5 steps right after the worker started, counting a cold step and the
 * session release: 2-7 times too slow.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelSpec } from '../engine/types';
import type { WorkerExit, WorkerHandle } from './handle';
import { StudioService } from '../api/service';
import { isTerminal, makeTestHome, runEvents, tinyConfig, type TestHome } from '../api/testkit';

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
  it('is within a factor of two of a real epoch of the same model', async () => {
    // three rounds of (estimate, real epoch), the quickest of each compared: the machine is
    // shared, and another process taking the CPU for a second slows whatever runs then
    let estimated = Infinity;
    let measured = Infinity;
    const rounds: string[] = [];
    for (let round = 0; round < 3; round++) {
      const est = await service.estimateEpochSeconds({ datasetId: t.dataset.id, model, batchSize: 32, device: 'cpu' });
      expect(est.seconds).toBeCloseTo(Math.ceil(TRAIN / 32) / est.stepsPerSecond, 6);
      let runId: string | null = null;
      const ev = runEvents(service, () => runId);
      runId = (await service.startRun({ datasetId: t.dataset.id, model, config: tinyConfig({ epochs: 2, batchSize: 32, lr: 0.01, evalEvery: 0 }), name: 'timing' })).id;
      const end = await ev.waitFor(isTerminal, 120_000);
      expect(end.status, end.reason).toBe('finished');
      // the second epoch: the first one of a fresh worker also carries its warm-up (~0.1 s,
      // once per run), which an estimate per epoch leaves out
      const epoch = ev.events.map((e) => e.event).filter((e) => e?.event === 'epoch')[1];
      ev.off();
      if (epoch?.event !== 'epoch') throw new Error('no second epoch event');
      estimated = Math.min(estimated, est.seconds);
      measured = Math.min(measured, epoch.seconds);
      rounds.push(`estimate ${est.seconds.toFixed(2)} s (${est.stepsPerSecond.toFixed(0)} steps/s), real ${epoch.seconds.toFixed(2)} s`);
    }
    const ratio = estimated / measured;
    console.log(`${TRAIN} samples, batch 32: ${rounds.join('; ')}; estimate/real ${ratio.toFixed(2)}`);
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
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
