/**
 * A run's end that cannot be written to run.json (a full disk, a folder made read-only) is
 * not swallowed: the run is announced failed with the reason, and for a browser run the
 * report that ended it answers the error.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLoopbackClient } from './loopback';
import { StudioService } from './service';
import { makeTestHome, rejection, runEvents, tinyRun, type TestHome } from '../../tests/helpers/testkit';
import type { StudioApi } from './contract';

const ENOSPC = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });

describe("a run's end that run.json cannot take", () => {
  let t: TestHome;
  let service: StudioService;
  let api: StudioApi;
  beforeEach(async () => {
    t = await makeTestHome({ train: 50, test: 20 });
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await service.close();
    t.cleanup();
  });

  it('fails a browser run with the reason, and the report that ended it says so', async () => {
    service = new StudioService({ home: t.home });
    api = createLoopbackClient(service);
    const begun = await api.beginBrowserRun(tinyRun(t.dataset.id));
    const ev = runEvents(api, () => begun.run.id);
    vi.spyOn(service.runs, 'update').mockRejectedValue(ENOSPC());
    const err = await rejection(api.reportBrowserRun(begun.run.id, { events: [], status: 'stopped', reason: 'stopped in the window' }));
    expect(err.code).toBe('io');
    expect(err.message).toMatch(/its end could not be written: The disk is full: .*run\.json could not be written\. Free some space/);
    const end = await ev.waitFor((e) => e.status === 'failed', 5_000);
    expect(end.reason).toMatch(/its end could not be written: The disk is full: .*run\.json could not be written/);
    expect(ev.events.some((e) => e.status === 'stopped')).toBe(false);
    ev.off();
  });

  it('fails a worker run with the reason', async () => {
    service = new StudioService({
      home: t.home,
      spawnWorker: () => {
        throw new Error('no worker in this test');
      },
    });
    api = createLoopbackClient(service);
    vi.spyOn(service.runs, 'update').mockRejectedValue(ENOSPC());
    let runId: string | null = null;
    const ev = runEvents(api, () => runId);
    runId = (await api.startRun(tinyRun(t.dataset.id))).id;
    const end = await ev.waitFor((e) => e.status === 'failed', 5_000);
    expect(end.reason).toMatch(/its end could not be written: The disk is full: .*run\.json could not be written/);
    ev.off();
  });
});
