/**
 * Issue 12 for runs trained in a browser window: the window's trainer chooses the kept epoch on
 * its validation part and may stop early; the host writes best.ckpt by that choice, accepts a
 * finish before the last epoch when the done event says it stopped early, and records the same
 * figures (kept epoch, validation error, test error, the early stop) as a run trained by the studio.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserCheckpoint, StudioApi } from './contract';
import { StudioService } from './service';
import { makeTestHome, tinyRun, transports, type Harness, type TestHome } from '../../tests/helpers/testkit';
import { Trainer, type TrainerCheckpoint, type TrainEvent, type TrainingData } from '../engine/index';
import { createNodeRuntime } from '../runtime/node';
import { RunStore } from '../runs/store';
import { readCheckpoint } from '../runs/checkpoint';

const b64 = (a: Float32Array): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');

async function readAll(api: StudioApi, runId: string, meta: Awaited<ReturnType<StudioApi['beginBrowserRun']>>['data']): Promise<TrainingData> {
  const split = async (which: 'train' | 'test', n: number) => {
    const x = new Uint8Array(n * meta.sampleSize);
    const y = new Int32Array(n);
    for (let from = 0; from < n; ) {
      const part = await api.readBrowserRunData(runId, which, from, 100_000);
      x.set(Buffer.from(part.x, 'base64'), from * meta.sampleSize);
      const yb = Buffer.from(part.y, 'base64');
      y.set(new Int32Array(yb.buffer.slice(yb.byteOffset, yb.byteOffset + yb.byteLength)), from);
      from += part.count;
    }
    return { x, y, n };
  };
  return { name: meta.name, sampleShape: meta.sampleShape, sampleSize: meta.sampleSize, classNames: meta.classNames, preprocess: meta.preprocess, train: await split('train', meta.train), test: await split('test', meta.test) };
}

describe('a browser run with a validation part and early stopping', () => {
  let t: TestHome;
  let service: StudioService;
  let h: Harness;

  beforeAll(async () => {
    t = await makeTestHome({ train: 200, test: 60 });
    service = new StudioService({ home: t.home });
    h = await transports[0][1](service);
  });
  afterAll(async () => {
    await h.close();
    await service.close();
    t.cleanup();
  });

  it('keeps the epoch the window chose, finishes early, and records the same figures', async () => {
    const { api } = h;
    const req = tinyRun(t.dataset.id, { epochs: 40, validation: 0.2, patience: 1, lr: 0.5 });
    const begun = await api.beginBrowserRun(req);
    const data = await readAll(api, begun.run.id, begun.data);
    const events: TrainEvent[] = [];
    const trainer = new Trainer({
      spec: req.model,
      config: req.config,
      data,
      runtime: createNodeRuntime('cpu', { threads: 1 }),
      onEvent: (e) => events.push(e),
      onEpochEnd: async (c: TrainerCheckpoint, info) => {
        const checkpoint: BrowserCheckpoint = {
          epoch: c.epoch, step: c.step, params: c.params.map(b64), optimizerState: c.optimizerState.map(b64), rngState: c.rngState, optimizerStep: c.optimizerStep,
          testError: info.testError, validationError: info.validationError, kept: info.kept, last: info.last,
        };
        await api.reportBrowserRun(begun.run.id, { events: events.splice(0), checkpoint });
      },
    });
    const result = await trainer.run();
    expect(result.status).toBe('finished');
    expect(result.epochs).toBeLessThan(40);
    expect(result.stoppedEarly).toBeDefined();
    const reply = await api.reportBrowserRun(begun.run.id, { events: events.splice(0), status: 'finished' });
    expect(reply.run).toMatchObject({ status: 'finished', epochsDone: result.epochs, testError: result.testError, checkpointEpoch: result.checkpointEpoch, validationError: result.validationError, keptBy: 'validation' });
    const store = new RunStore(t.home);
    const record = await store.get(begun.run.id);
    expect(record.stoppedEarly).toBe(result.stoppedEarly);
    expect(record.validation).toMatchObject({ fraction: 0.2, validation: 40, train: 160 });
    const best = await readCheckpoint(store.checkpoints(record).bestFile);
    expect(best.epoch).toBe(result.checkpointEpoch);
    expect(best.validationError).toBe(result.validationError);
    // Evaluate uses the kept model: its test error is the run's
    const evaluation = await api.evaluateRun(begun.run.id);
    expect(evaluation.testError).toBeCloseTo(result.testError!, 6);
  });
});
