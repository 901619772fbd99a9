/** A worker killed mid-run marks the run failed with the reason; the API keeps answering. */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLoopbackClient } from '../api/loopback';
import { StudioService } from '../api/service';
import { isTerminal, makeTestHome, runEvents, tinyRun, type TestHome } from '../../tests/helpers/testkit';

describe('training worker crash', () => {
  let t: TestHome;
  let service: StudioService;

  beforeAll(async () => {
    t = await makeTestHome();
    service = new StudioService({ home: t.home });
  });
  afterAll(async () => {
    await service.close();
    t.cleanup();
  });

  it('marks the run failed and keeps serving, and the next run trains', async () => {
    const api = createLoopbackClient(service);
    let runId: string | null = null;
    const ev = runEvents(api, () => runId);
    runId = (await api.startRun(tinyRun(t.dataset.id, { epochs: 500, batchSize: 10 }))).id;
    await ev.waitFor((e) => e.event?.event === 'batch');
    service.workerOf(runId)!.kill();
    const end = await ev.waitFor((e) => isTerminal(e));
    expect(end.status).toBe('failed');
    expect(end.reason).toMatch(/worker/i);
    ev.off();

    expect((await api.listDatasets()).length).toBe(1);
    await expect.poll(async () => (await api.getRun(runId!)).status).toBe('failed');
    expect((await api.getRun(runId)).reason).toMatch(/worker/i);

    let second: string | null = null;
    const ev2 = runEvents(api, () => second);
    second = (await api.startRun(tinyRun(t.dataset.id, { epochs: 1 }))).id;
    expect((await ev2.waitFor((e) => isTerminal(e))).status).toBe('finished');
    ev2.off();
  });

  it('fails a run whose data cannot be loaded, with the reason, and keeps serving', async () => {
    const api = createLoopbackClient(service);
    // damage the stored pixels after import: the worker's load fails, not the main process
    const xFile = path.join(t.home, 'datasets', t.dataset.id, 'train-x.bin');
    fs.truncateSync(xFile, 1000);
    let runId: string | null = null;
    const ev = runEvents(api, () => runId);
    runId = (await api.startRun(tinyRun(t.dataset.id))).id;
    const end = await ev.waitFor((e) => isTerminal(e));
    expect(end.status).toBe('failed');
    expect(end.reason).toContain('train-x.bin');
    await expect.poll(async () => (await api.getRun(runId!)).status).toBe('failed');
    expect((await api.listRuns()).length).toBe(3);
    ev.off();
  });
});
