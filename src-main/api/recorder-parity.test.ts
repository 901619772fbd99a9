/**
 * One run recorder (runs/recorder.ts) for both ways a run is trained: the same training, once
 * by the studio's trainer on a run folder (training.ts, as a worker does) and once reported by a
 * "window" through the API (browser-runs.ts), leaves the same run.json and metrics.jsonl, the
 * clock's seconds and the names aside. A write the window's report cannot make reaches the API
 * client as an 'io' error naming the file, and the run ends failed with it.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLoopbackClient } from './loopback';
import { StudioService } from './service';
import { makeTestHome, rejection, runEvents, tinyRun, type TestHome } from '../../tests/helpers/testkit';
import { checkRunRequest, createRunRecord } from './run-requests';
import type { BrowserCheckpoint, StudioApi } from './contract';
import { Trainer, type TrainerCheckpoint, type TrainEvent } from '../engine/index';
import { createNodeRuntime } from '../runtime/node';
import { startTraining } from '../runs/training';

const b64 = (a: Float32Array): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');

/** run.json without what differs by nature: ids, names, times, the device, the clock */
function comparable(file: string): unknown {
  const r = JSON.parse(fs.readFileSync(file, 'utf8'));
  for (const k of ['id', 'name', 'createdAt', 'updatedAt', 'device', 'deviceReason', 'pid', 'hostname']) delete r[k];
  delete r.progress.seconds;
  return r;
}

/** metrics.jsonl's lines without the wall clock, the seconds and the device label */
function lines(file: string): unknown[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const { t: _t, seconds: _s, device: _d, ...rest } = JSON.parse(l);
      return rest;
    });
}

describe('the run recorder', () => {
  let t: TestHome;
  let service: StudioService;
  let api: StudioApi;
  beforeAll(async () => {
    t = await makeTestHome({ train: 150, test: 40 });
    service = new StudioService({ home: t.home });
    api = createLoopbackClient(service);
  });
  afterAll(async () => {
    await service.close();
    t.cleanup();
  });

  it('writes the same run.json and metrics.jsonl for a worker run and an in-window run of the same training', async () => {
    // a validation part and a test report every epoch: the kept epoch, best.ckpt and both errors are recorded
    const req = { ...tinyRun(t.dataset.id, { epochs: 3, validation: 0.2, evalEvery: 1 }), limitTrain: 120 };
    const runtime = () => createNodeRuntime('cpu', { threads: 1 });

    // the worker's way
    const dataset = await checkRunRequest(service.datasets, req);
    const record = await createRunRecord(service.runs, req, dataset, 'cpu');
    const data = await service.datasets.library.loadTrainingData(t.dataset.id, { limitTrain: 120 });
    const worker = await (await startTraining({ store: service.runs, runId: record.id, data, runtime: runtime() })).done;
    expect(worker.status).toBe('finished');

    // the window's way: the same trainer, everything it says sent through the API
    const begun = await api.beginBrowserRun(req);
    const events: TrainEvent[] = [];
    const wire = (c: TrainerCheckpoint, testError: number | null, info: { kept: boolean; last: boolean }): BrowserCheckpoint => ({
      epoch: c.epoch,
      step: c.step,
      params: c.params.map(b64),
      optimizerState: c.optimizerState.map(b64),
      rngState: c.rngState,
      optimizerStep: c.optimizerStep,
      testError,
      validationError: c.validationError ?? null,
      kept: info.kept,
      last: info.last,
    });
    const trainer = new Trainer({
      spec: req.model,
      config: req.config,
      data: await service.datasets.library.loadTrainingData(t.dataset.id, { limitTrain: 120 }),
      runtime: runtime(),
      onEvent: (e) => events.push(e),
      onEpochEnd: async (c, info) => {
        await api.reportBrowserRun(begun.run.id, { events: events.splice(0), checkpoint: wire(c, info.testError, info) });
      },
    });
    expect((await trainer.run()).status).toBe('finished');
    await api.reportBrowserRun(begun.run.id, { events: events.splice(0), status: 'finished' });

    const w = service.runs.paths(record.id);
    const b = service.runs.paths(begun.run.id);
    expect(comparable(b.runJson)).toEqual(comparable(w.runJson));
    expect(lines(b.metrics)).toEqual(lines(w.metrics));
    expect(lines(w.metrics).filter((l) => (l as { event: string }).event === 'epoch')).toHaveLength(3);
    expect((comparable(w.runJson) as { progress: { keptBy: string } }).progress.keptBy).toBe('validation');
    // the same checkpoints, best.ckpt included
    expect(fs.readdirSync(b.checkpoints).sort()).toEqual(fs.readdirSync(w.checkpoints).sort());
  });

  it("a window's report that metrics.jsonl cannot take answers 'io' naming the file, and the run ends failed with it", async () => {
    const begun = await api.beginBrowserRun(tinyRun(t.dataset.id));
    const ev = runEvents(api, () => begun.run.id);
    const file = service.runs.paths(begun.run.id).metrics;
    // a folder where the file should be: every append fails (also for root, unlike a read-only file)
    fs.rmSync(file);
    fs.mkdirSync(file);
    const err = await rejection(api.reportBrowserRun(begun.run.id, { events: [{ event: 'start', params: 12_730, device: 'window', stepsPerEpoch: 6, epochs: 2 }] }));
    expect(err.code).toBe('io');
    expect(err.message).toContain(`${file} could not be written (EISDIR`);
    const end = await ev.waitFor((e) => e.status === 'failed', 5_000);
    expect(end.reason).toBe(err.message);
    expect((await api.listRuns()).find((r) => r.id === begun.run.id)).toMatchObject({ status: 'failed', reason: err.message });
    ev.off();
  });
});
