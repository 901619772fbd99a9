/**
 * Pictures added to a dataset through the Studio API (what the Capture panel does: upload the
 * pictures as class folders, then importDataset with addTo) make a new version; the dataset a
 * run was trained on, and so the run, stay exactly as they were.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetMeta } from '../datasets/types';
import type { ImportRequest, StudioApi, StudioEvent } from './contract';
import { createLoopbackClient } from './loopback';
import { StudioService } from './service';
import { isTerminal, makeTestHome, rejection, runEvents, tinyRun, type TestHome } from '../../tests/helpers/testkit';
import { uploadsDir } from './uploads';

let t: TestHome;
let service: StudioService;
let api: StudioApi;

beforeAll(async () => {
  t = await makeTestHome({ train: 200, test: 50 });
  service = new StudioService({ home: t.home });
  api = createLoopbackClient(service);
});
afterAll(async () => {
  await service.close();
  t.cleanup();
});

async function fingerprint(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of (await fs.readdir(dir)).sort()) out[f] = createHash('sha256').update(await fs.readFile(path.join(dir, f))).digest('hex');
  return out;
}

/** camera-like pictures: `n` 32×32 PNGs per class, as the Capture panel uploads them */
async function capturedFiles(classes: Record<string, number>): Promise<{ relativePath: string; base64: string }[]> {
  const files: { relativePath: string; base64: string }[] = [];
  for (const [cls, n] of Object.entries(classes)) {
    for (let i = 0; i < n; i++) {
      const png = await sharp({ create: { width: 32, height: 32, channels: 3, background: { r: 10 * i, g: 200, b: cls.length * 20 } } }).png().toBuffer();
      files.push({ relativePath: `camera/${cls}/${i}.png`, base64: png.toString('base64') });
    }
  }
  return files;
}

async function importAndWait(req: ImportRequest): Promise<Extract<StudioEvent, { channel: 'import' }>> {
  let importId = '';
  const seen: Extract<StudioEvent, { channel: 'import' }>[] = [];
  const off = api.onEvent((e) => {
    if (e.channel === 'import') seen.push(e);
  });
  try {
    importId = (await api.importDataset(req)).importId;
    for (let i = 0; i < 1500; i++) {
      const end = seen.find((e) => e.importId === importId && e.event !== 'progress');
      if (end) return end;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('the import did not end');
  } finally {
    off();
  }
}

describe('adding captured pictures to a dataset a run was trained on', () => {
  it('makes version 2 and leaves the run’s dataset byte-identical', async () => {
    let runId: string | null = null;
    const ev = runEvents(api, () => runId);
    runId = (await api.startRun(tinyRun(t.dataset.id, { epochs: 1 }))).id;
    expect((await ev.waitFor(isTerminal, 120_000)).status).toBe('finished');
    ev.off();
    const folder = path.join(t.home, 'datasets', t.dataset.id);
    const before = await fingerprint(folder);

    const up = await api.uploadFiles({ files: await capturedFiles({ '3': 2, stars: 3 }) });
    const end = await importAndWait({ paths: up.paths, addTo: t.dataset.id });
    expect(end.event, end.event === 'failed' ? end.message : '').toBe('done');
    const v2 = (end as { dataset: DatasetMeta }).dataset;
    expect(v2.name).toBe('Tiny MNIST (version 2)');
    expect(v2.versionOf).toBe(t.dataset.id);
    expect(v2.sampleShape).toEqual([1, 28, 28]);
    expect(v2.classNames).toHaveLength(11);
    expect(v2.train.count + v2.test.count).toBe(250 + 5);

    expect(await fingerprint(folder)).toEqual(before);
    const run = await api.getRun(runId);
    expect(run.datasetId).toBe(t.dataset.id);
    expect((await api.getDataset(t.dataset.id)).contentHash).toBe(t.dataset.contentHash);
    // the uploaded pictures were consumed by the import
    expect(await fs.readdir(uploadsDir(t.home)).catch(() => [])).toEqual([]);
  }, 180_000);

  it('refuses a malformed addTo before anything runs, and a table in plain words', async () => {
    const err = await rejection(api.importDataset({ paths: ['/tmp/x'], addTo: '../datasets' }));
    expect(err.code).toBe('bad_request');
    expect(err.message).toMatch(/addTo must be a dataset id/);

    const up = await api.uploadFiles({ files: await capturedFiles({ a: 1 }) });
    const table = await api.uploadFiles({ files: [{ relativePath: 't.csv', base64: Buffer.from('x,y\n1,a\n2,b\n3,a\n4,b\n5,a\n6,b\n').toString('base64') }] });
    const tEnd = await importAndWait({ paths: table.paths });
    expect(tEnd.event).toBe('done');
    const tableId = (tEnd as { dataset: DatasetMeta }).dataset.id;
    const bad = await importAndWait({ paths: up.paths, addTo: tableId });
    expect(bad.event).toBe('failed');
    expect((bad as { message: string }).message).toMatch(/not a dataset of pictures: pictures can only be added to a dataset of pictures/);
  });
});
