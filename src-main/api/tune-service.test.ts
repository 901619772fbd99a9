/**
 * "Find good settings for me" through the Studio API (the in-process transport the window
 * uses through Electron IPC): startTune streams the search on the 'tune' channel, its trials
 * are runs trained in the worker queue (one sweep group), stopped after their rung and
 * continued when promoted, and done carries the chosen run's test error; a second search
 * while one runs is refused; a bad request is refused by the schema.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLoopbackClient } from './loopback';
import { StudioService } from './service';
import { makeTestHome, type TestHome } from '../../tests/helpers/testkit';
import type { StudioEvent, TuneEvent } from './contract';
import { SESSION_UNITS, epochUnits, referenceSettings } from '../runs/tune-search';

let t: TestHome;
let service: StudioService;
beforeAll(async () => {
  t = await makeTestHome({ train: 300, test: 60 });
  service = new StudioService({ home: t.home });
});
afterAll(async () => {
  await service.close();
  t.cleanup();
});

describe('startTune', () => {
  it('runs a search whose trials are runs of one sweep group and ends with the chosen run and its test error', async () => {
    const api = createLoopbackClient(service);
    const events: TuneEvent[] = [];
    let ended: (e: TuneEvent) => void = () => undefined;
    const end = new Promise<TuneEvent>((resolve) => (ended = resolve));
    const off = api.onEvent((e: StudioEvent) => {
      if (e.channel !== 'tune') return;
      events.push(e.event);
      if (e.event.event === 'done' || e.event.event === 'failed') ended(e.event);
    });
    // two small trials on 270 samples, and the better one continued to its last epoch (every trial trains in a worker: slow to start)
    const size = { train: 270, inputSize: 784, classes: 10 };
    const budget = Math.round(2.5 * epochUnits(referenceSettings(), size) + 4 * SESSION_UNITS);
    const { sweep } = await api.startTune({ datasetId: t.dataset.id, minutes: 1, seed: 2, budget });
    await expect(api.startTune({ datasetId: t.dataset.id, minutes: 1 })).rejects.toThrow(/running already/);
    const last = await end;
    off();
    if (last.event !== 'done') throw new Error(`the search ended: ${JSON.stringify(events)}`);
    expect(events[0]).toMatchObject({ event: 'start', sweep, seed: 2, budget });
    const ends = events.filter((e) => e.event === 'trial-end');
    expect(ends.length).toBeGreaterThan(1);
    // the chosen trial was stopped after its rung and continued in the same run
    expect(events.some((e) => e.event === 'trial-start' && e.runId === last.runId && e.fromEpoch > 0)).toBe(true);
    const runs = await api.listRuns();
    const trialRuns = new Set(ends.map((e) => (e.event === 'trial-end' ? e.runId : '')));
    expect(runs.filter((r) => r.group === sweep).map((r) => r.id).sort()).toEqual([...trialRuns].sort());
    const chosen = runs.find((r) => r.id === last.runId)!;
    expect(chosen.status).toBe('finished');
    expect(last.testError).toBe(chosen.testError);
    expect(last.testError).not.toBeNull();
  }, 300_000);

  it('refuses a request without a dataset or with a budget under half a minute, naming the field', async () => {
    const api = createLoopbackClient(service);
    await expect(api.startTune({ datasetId: t.dataset.id, minutes: 0.1 })).rejects.toThrow(/minutes/);
    await expect(api.startTune({ minutes: 3 } as never)).rejects.toThrow(/datasetId/);
  });
});
