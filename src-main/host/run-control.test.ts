/** A run started through the web host is paused, resumed and stopped, and the events say so. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StudioService } from '../api/service';
import { isTerminal, makeTestHome, runEvents, tinyRun, type TestHome } from '../../tests/helpers/testkit';
import { startWebHost, type WebHost } from './server';
import { connectWebHost, type WebHostConnection } from './ws-client';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('run control through the web host', () => {
  let t: TestHome;
  let service: StudioService;
  let host: WebHost;
  let conn: WebHostConnection;

  beforeAll(async () => {
    t = await makeTestHome();
    service = new StudioService({ home: t.home });
    host = await startWebHost({ api: service, staticDir: null });
    conn = await connectWebHost(host.wsUrl);
  });
  afterAll(async () => {
    await conn.close();
    await host.close();
    await service.close();
    t.cleanup();
  });

  it('starts, pauses, resumes and stops a run, with events at a bounded rate', async () => {
    const api = conn.api;
    let runId: string | null = null;
    const ev = runEvents(api, () => runId);
    const started = await api.startRun(tinyRun(t.dataset.id, { epochs: 500, batchSize: 10 }));
    runId = started.id;
    expect(started.status).toBe('running');
    await ev.waitFor((e) => e.event?.event === 'batch');

    // bounded rate: over one second of training, at most ~20 batch events (+ slack for timer
    // jitter); how many steps a second this machine manages is not the test's business
    const t0 = ev.events.length;
    await sleep(1000);
    const perSecond = ev.events.slice(t0).filter((e) => e.event?.event === 'batch').length;
    expect(perSecond).toBeGreaterThan(0);
    expect(perSecond).toBeLessThanOrEqual(21);

    const paused = await api.pauseRun(runId);
    expect(paused.status).toBe('paused');
    await ev.waitFor((e) => e.status === 'paused' && !e.event);
    await sleep(300); // the step in flight and its coalesced batch event land
    const lastBefore = ev.events.filter((e) => e.event?.event === 'batch').at(-1)!.event as { epoch: number; step: number };
    const countBefore = ev.events.length;
    await sleep(800);
    expect(ev.events.slice(countBefore).filter((e) => e.event?.event === 'batch')).toEqual([]);
    expect((await api.listRuns()).find((r) => r.id === runId)?.status).toBe('paused');

    const resumed = await api.resumeRun(runId);
    expect(resumed.status).toBe('running');
    const next = await ev.waitFor((e) => e.event?.event === 'batch' && ev.events.indexOf(e) >= countBefore);
    const after = next.event as { epoch: number; step: number };
    expect(after.epoch * 1e6 + after.step).toBeGreaterThan(lastBefore.epoch * 1e6 + lastBefore.step);

    await api.stopRun(runId);
    const end = await ev.waitFor((e) => isTerminal(e), 10_000);
    expect(end.status).toBe('stopped');
    expect(ev.events.some((e) => e.event?.event === 'stopped')).toBe(true);
    await expect.poll(async () => (await api.getRun(runId!)).status).toBe('stopped');
    const detail = await api.getRun(runId);
    expect(detail.metrics.some((m) => m.event === 'batch')).toBe(true);

    // a stopped run continues from its newest checkpoint, through the queue
    const epochsDone = (await api.getRun(runId)).epochsDone;
    expect(epochsDone).toBeGreaterThan(0);
    const mark = ev.events.length;
    // asked twice at once (a double click): it continues once, the second request is refused
    const both = await Promise.allSettled([api.resumeRun(runId), api.resumeRun(runId)]);
    const fulfilled = both.filter((r) => r.status === 'fulfilled');
    expect(fulfilled).toHaveLength(1);
    expect(fulfilled[0].value.status).toBe('running');
    const refused = both.find((r) => r.status === 'rejected')!.reason as { code: string; message: string };
    expect(refused.code).toBe('conflict');
    expect(refused.message).toMatch(/already continuing/);
    const first = await ev.waitFor((e) => ev.events.indexOf(e) >= mark && e.event?.event === 'batch');
    // the first batch after the continue is in the epoch after those done (events count epochs from 1)
    expect((first.event as { epoch: number }).epoch).toBe(epochsDone + 1);
    await api.stopRun(runId);
    const end2 = await ev.waitFor((e) => ev.events.indexOf(e) >= mark && isTerminal(e), 10_000);
    expect(end2.status).toBe('stopped');
    ev.off();
  });

  it('queues a second run on the same device until the first ends', async () => {
    const api = conn.api;
    const ev = runEvents(api, () => null);
    const a = await api.startRun(tinyRun(t.dataset.id, { epochs: 500, batchSize: 10 }));
    const b = await api.startRun(tinyRun(t.dataset.id, { epochs: 1 }));
    expect(a.status).toBe('running');
    expect(b.status).toBe('queued');
    expect((await api.getRun(b.id)).status).toBe('queued');
    await api.stopRun(a.id);
    const bEnd = await ev.waitFor((e) => e.runId === b.id && isTerminal(e));
    expect(bEnd.status, bEnd.reason).toBe('finished');
    const order = ev.events.filter((e) => isTerminal(e)).map((e) => e.runId);
    expect(order).toEqual([a.id, b.id]);
    ev.off();
  });
});
