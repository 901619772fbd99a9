/**
 * Runs trained in a browser window, over both transports (the IPC dispatch path and the web
 * host's WebSocket): the host creates the record, hands out the data in chunks, and writes
 * the reported events and checkpoints through the run store, so Evaluate, Export and resume
 * on the CPU work on them. The "window" here is the same Trainer on onnxruntime-node, fed
 * only with what crossed the API. Bad reports are refused with typed errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_DEVICE, type BrowserCheckpoint, type BrowserRunReport, type StudioApi } from './contract';
import { createLoopbackClient } from './loopback';
import { StudioService } from './service';
import { isTerminal, makeTestHome, rejection, runEvents, tinyRun, transports, type Harness, type TestHome } from '../../tests/helpers/testkit';
import { Trainer, type TrainerCheckpoint, type TrainEvent, type TrainingData } from '../engine/index';
import { createNodeRuntime } from '../runtime/node';
import { paramInfos } from '../engine/spec';
import { stateSlots } from '../engine/optimizers/index';

const b64 = (a: Float32Array): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');

function toReport(c: TrainerCheckpoint, testError: number | null): BrowserCheckpoint {
  return { epoch: c.epoch, step: c.step, params: c.params.map(b64), optimizerState: c.optimizerState.map(b64), rngState: c.rngState, optimizerStep: c.optimizerStep, testError, ...(c.partial ? { partial: c.partial } : {}) };
}

/** What the window does: read the data in chunks of `chunk` samples and rebuild TrainingData. */
async function readData(api: StudioApi, runId: string, meta: Awaited<ReturnType<StudioApi['beginBrowserRun']>>['data'], chunk: number): Promise<TrainingData> {
  const split = async (which: 'train' | 'test', n: number) => {
    const x = new Uint8Array(n * meta.sampleSize);
    const y = new Int32Array(n);
    for (let from = 0; from < n; ) {
      const part = await api.readBrowserRunData(runId, which, from, chunk);
      expect(part.count).toBeGreaterThan(0);
      x.set(Buffer.from(part.x, 'base64'), from * meta.sampleSize);
      const yb = Buffer.from(part.y, 'base64');
      y.set(new Int32Array(yb.buffer.slice(yb.byteOffset, yb.byteOffset + yb.byteLength)), from);
      from += part.count;
    }
    return { x, y, n };
  };
  return { name: meta.name, sampleShape: meta.sampleShape, sampleSize: meta.sampleSize, classNames: meta.classNames, preprocess: meta.preprocess, train: await split('train', meta.train), test: await split('test', meta.test) };
}

describe.each(transports)('browser runs over %s', (_name, connect) => {
  let t: TestHome;
  let service: StudioService;
  let h: Harness;
  let api: StudioApi;

  beforeAll(async () => {
    t = await makeTestHome({ train: 200, test: 60 });
    service = new StudioService({ home: t.home });
    h = await connect(service);
    api = h.api;
  });
  afterAll(async () => {
    await h.close();
    await service.close();
    t.cleanup();
  });

  it('trains in the "window", stores events and checkpoints, evaluates, then a stopped one resumes on the CPU', async () => {
    let watched: string | null = null;
    const ev = runEvents(api, () => watched);
    const req = tinyRun(t.dataset.id, { epochs: 2 });
    const begun = await api.beginBrowserRun({ ...req, limitTrain: 150 });
    watched = begun.run.id;
    expect(begun.run).toMatchObject({ device: BROWSER_DEVICE, status: 'running', epochs: 2 });
    expect(begun.data).toMatchObject({ dtype: 'uint8', sampleSize: 784, train: 150, test: 60, classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] });
    const data = await readData(api, begun.run.id, begun.data, 64);
    // the same rows as the host's own copy
    const host = await service.datasets.library.loadTrainingData(t.dataset.id, { limitTrain: 150 });
    expect(Buffer.from(data.train.x).equals(Buffer.from(host.train.x as Uint8Array))).toBe(true);
    expect([...data.test.y]).toEqual([...host.test.y]);

    // train, reporting like the window: events, and a checkpoint at each epoch end
    const events: TrainEvent[] = [];
    const cpuEvents: TrainEvent[] = [];
    const trainer = new Trainer({
      spec: req.model,
      config: req.config,
      data,
      runtime: createNodeRuntime('cpu', { threads: 1 }),
      onEvent: (e) => (events.push(e), cpuEvents.push(e)),
      onEpochEnd: async (c, info) => {
        const last = c.epoch === req.config.epochs;
        await api.reportBrowserRun(begun.run.id, { events: events.splice(0), checkpoint: toReport(c, info.testError) });
        if (last) expect((await api.getRun(begun.run.id)).epochsDone).toBe(2);
      },
    });
    const result = await trainer.run();
    expect(result.status).toBe('finished');
    const reply = await api.reportBrowserRun(begun.run.id, { events: events.splice(0), status: 'finished' });
    expect(reply.run.status).toBe('finished');
    expect(reply.request).toBeUndefined();
    await ev.waitFor((e) => e.runId === begun.run.id && isTerminal(e));
    expect(ev.events.filter((e) => e.event?.event === 'epoch')).toHaveLength(2);

    const detail = await api.getRun(begun.run.id);
    expect(detail).toMatchObject({ status: 'finished', device: BROWSER_DEVICE, epochsDone: 2 });
    expect(detail.metrics.filter((m) => m.event === 'epoch')).toHaveLength(2);
    expect(detail.lastTestError).toBeCloseTo(result.testError!, 9);
    const evaluation = await api.evaluateRun(begun.run.id);
    expect(evaluation.testError).toBeCloseTo(detail.bestTestError!, 6);
    expect(evaluation.confusion.flat().reduce((a, b) => a + b, 0)).toBe(60);
    expect((await rejection(api.reportBrowserRun(begun.run.id, { events: [] }))).code).toBe('conflict');
    ev.off();

    // a run stopped in the window after step 2 of its second epoch (4 steps an epoch) continues
    // on the CPU worker at step 3: the window reports where the epoch stood
    const second = await api.beginBrowserRun({ ...req, name: 'stopped in the window' });
    const d2 = await readData(api, second.run.id, second.data, 1000);
    let firstEpochSeconds = 0;
    let stoppedAfter = 0;
    const t2 = new Trainer({
      spec: req.model,
      config: req.config,
      data: d2,
      runtime: createNodeRuntime('cpu', { threads: 1 }),
      onEvent: (e) => {
        events.push(e);
        if (e.event === 'epoch') firstEpochSeconds = e.seconds;
        if (e.event === 'batch' && e.epoch === 2 && e.step === 2) t2.stop('stopped in the window');
      },
      onEpochEnd: async (c, info) => {
        await api.reportBrowserRun(second.run.id, { events: events.splice(0), checkpoint: toReport(c, info.testError) });
      },
      onMidEpoch: async (c) => {
        stoppedAfter = c.partial!.seconds;
        await api.reportBrowserRun(second.run.id, { events: events.splice(0), checkpoint: toReport(c, null) });
      },
    });
    expect((await t2.run()).status).toBe('stopped');
    const stopped = await api.reportBrowserRun(second.run.id, { events: events.splice(0), status: 'stopped', reason: 'stopped in the window' });
    expect(stopped.run).toMatchObject({ status: 'stopped', epochsDone: 1, steps: 6, reason: 'stopped in the window' });
    // its time is the first epoch's and the part of the second it trained
    expect(stopped.run.seconds).toBeCloseTo(firstEpochSeconds + stoppedAfter, 9);
    watched = second.run.id;
    const ev2 = runEvents(api, () => watched);
    await api.resumeRun(second.run.id);
    const end = await ev2.waitFor((e) => e.runId === second.run.id && isTerminal(e));
    expect(end.status, end.reason).toBe('finished');
    ev2.off();
    const resumed = await api.getRun(second.run.id);
    expect(resumed.epochsDone).toBe(2);
    expect(resumed.metrics.filter((m) => m.event === 'epoch').map((m) => (m as { epoch: number }).epoch)).toEqual([1, 2]);
    // steps 1-2 of the second epoch from the window, 3-4 from the CPU, each once
    expect(resumed.metrics.filter((m) => m.event === 'batch' && m.epoch === 2).map((m) => (m as { step: number }).step)).toEqual([1, 2, 3, 4]);
  }, 120_000);

  it('refuses bad reports with typed errors and hands requests from other windows to the training one', async () => {
    const req = tinyRun(t.dataset.id, { epochs: 2, optimizer: { kind: 'adam', beta1: 0.9, beta2: 0.999, eps: 1e-8 }, lr: 0.01 });
    const begun = await api.beginBrowserRun(req);
    const id = begun.run.id;
    const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
    const infos = paramInfos(req.model);
    const sizes = infos.map((p) => size(p.shape));
    expect(sizes).toEqual([784 * 16, 16, 16 * 10, 10]);
    const stateSizes = stateSlots(req.config.optimizer, infos).map((s) => size(s.shape));
    expect(stateSizes).toHaveLength(8);
    const good = (): BrowserCheckpoint => ({
      epoch: 1,
      step: 6,
      params: sizes.map((n) => b64(new Float32Array(n).fill(0.01))),
      optimizerState: stateSizes.map((n) => b64(new Float32Array(n))),
      rngState: [1, 2, 3, 4],
      optimizerStep: 6,
      testError: 0.5,
    });
    const code = async (report: BrowserRunReport) => (await rejection(api.reportBrowserRun(id, report))).code;
    // wrong sizes, wrong counts, NaN, out of order, garbage
    const short = good();
    short.params[0] = b64(new Float32Array(784 * 16 - 1));
    expect(await code({ events: [], checkpoint: short })).toBe('bad_request');
    expect((await rejection(api.reportBrowserRun(id, { events: [], checkpoint: short }))).message).toContain('layer1.weight');
    expect(await code({ events: [], checkpoint: { ...good(), params: good().params.slice(1) } })).toBe('bad_request');
    expect(await code({ events: [], checkpoint: { ...good(), optimizerState: [] } })).toBe('bad_request');
    const nan = good();
    const bad = new Float32Array(10).fill(0);
    bad[3] = NaN;
    nan.params[3] = b64(bad);
    expect((await rejection(api.reportBrowserRun(id, { events: [], checkpoint: nan }))).message).toMatch(/NaN at index 3/);
    expect(await code({ events: [], checkpoint: { ...good(), epoch: 2 } })).toBe('bad_request');
    expect(await code({ events: [], checkpoint: { ...good(), params: ['***'] } })).toBe('bad_request');
    expect(await code({ events: [], checkpoint: { ...good(), rngState: [1, 2, 3] } })).toBe('bad_request');
    expect(await code({ events: [{ event: 'batch', epoch: 1, step: 1, stepsPerEpoch: 4, loss: Number.POSITIVE_INFINITY, error: 0.5, lr: 0.1 }] })).toBe('bad_request');
    expect(await code({ events: [{ event: 'epoch', epoch: 1, loss: 1, error: 2, seconds: 1, lr: 0.1 }] })).toBe('bad_request');
    // events count epochs from 1: an epoch 0 is a window of an older studio, or a mistake
    expect(await code({ events: [{ event: 'epoch', epoch: 0, loss: 1, error: 0.5, seconds: 1, lr: 0.1 }] })).toBe('bad_request');
    expect(await code({ events: [{ event: 'nonsense' } as unknown as TrainEvent] })).toBe('bad_request');
    expect(await code({ events: [], status: 'finished' })).toBe('bad_request');
    // a checkpoint inside an epoch: only inside the next epoch, before its last step, with no test error
    const inside = (over: Partial<BrowserCheckpoint>, partial: Partial<NonNullable<BrowserCheckpoint['partial']>> = {}): BrowserRunReport => ({
      events: [],
      checkpoint: { ...good(), epoch: 0, testError: null, ...over, partial: { stepsDone: 2, lossSum: 4, errorSum: 1, epochRngState: [5, 6, 7, 8], seconds: 1, ...partial } },
    });
    expect((await rejection(api.reportBrowserRun(id, inside({ epoch: 1 })))).message).toMatch(/inside epoch 2, but the run has completed 0 epochs/);
    expect((await rejection(api.reportBrowserRun(id, inside({}, { stepsDone: 4 })))).message).toMatch(/after step 4 of an epoch of 4 steps/);
    expect((await rejection(api.reportBrowserRun(id, inside({ testError: 0.5 })))).message).toMatch(/no test error/);
    expect(await code(inside({}, { stepsDone: 0 }))).toBe('bad_request');
    expect(await code(inside({}, { epochRngState: [1, 2] }))).toBe('bad_request');
    expect((await rejection(api.readBrowserRunData(id, 'test', 60, 10))).code).toBe('bad_request');
    expect((await rejection(api.readBrowserRunData(id, 'train', -1, 10))).code).toBe('bad_request');
    // a model whose checkpoint could not come back in one message is refused before it starts
    const huge = { ...req, model: { ...req.model, layers: [{ kind: 'linear' as const, units: 4096, bias: true }, { kind: 'relu' as const }, { kind: 'linear' as const, units: 4096, bias: true }, { kind: 'relu' as const }, { kind: 'linear' as const, units: 10, bias: true }] } };
    const tooBig = await rejection(api.beginBrowserRun(huge));
    expect(tooBig.code).toBe('bad_request');
    expect(tooBig.message).toMatch(/too large to come back from the window/);
    // nothing of the refused reports reached the run
    expect((await api.getRun(id)).epochsDone).toBe(0);
    // a good one goes through
    expect((await api.reportBrowserRun(id, { events: [], checkpoint: good() })).run.epochsDone).toBe(1);

    // unknown run, a run the studio trains itself
    expect((await rejection(api.reportBrowserRun('20200101-000000-abcdef', { events: [] }))).code).toBe('not_found');
    const worker = await api.startRun(tinyRun(t.dataset.id, { epochs: 1 }));
    const notBrowser = await rejection(api.reportBrowserRun(worker.id, { events: [] }));
    expect(notBrowser.code).toBe('conflict');
    expect(notBrowser.message).toContain('not by a browser window');
    expect((await rejection(api.readBrowserRunData(worker.id, 'train', 0, 1))).code).toBe('conflict');

    // pause and stop asked through the API (another window) reach the training window
    expect((await api.pauseRun(id)).status).toBe('running');
    expect((await api.reportBrowserRun(id, { events: [], status: 'paused' })).request).toBe('pause');
    expect((await api.getRun(id)).status).toBe('paused');
    expect((await api.listRuns()).find((r) => r.id === id)?.status).toBe('paused');
    await api.stopRun(id);
    const reply = await api.reportBrowserRun(id, { events: [] });
    expect(reply.request).toBe('stop');
    expect((await api.reportBrowserRun(id, { events: [{ event: 'stopped', epoch: 1, reason: 'stopped by the user' }], status: 'stopped', reason: 'stopped by the user' })).run.status).toBe('stopped');
    expect((await api.getRun(id)).metrics.at(-1)).toMatchObject({ event: 'stopped' });
    await expect.poll(async () => (await api.getRun(worker.id)).status, { timeout: 60_000 }).toBe('finished');
  }, 120_000);
});

describe('a browser run whose window goes silent', () => {
  it('is marked failed with the reason', async () => {
    const t = await makeTestHome({ train: 50, test: 20 });
    const service = new StudioService({ home: t.home, browserSilenceMs: 300 });
    try {
      const api = createLoopbackClient(service);
      const begun = await api.beginBrowserRun(tinyRun(t.dataset.id));
      await expect.poll(async () => (await api.getRun(begun.run.id)).status, { timeout: 10_000 }).toBe('failed');
      expect((await api.getRun(begun.run.id)).reason).toMatch(/stopped answering/);
      expect((await rejection(api.reportBrowserRun(begun.run.id, { events: [] }))).code).toBe('conflict');
    } finally {
      await service.close();
      t.cleanup();
    }
  });
});
