/**
 * The contract suite: the same expectations over both transports, the in-process adapter
 * (the dispatch path Electron IPC uses) and the web host's WebSocket.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MISTAKES_PER_CELL, type StudioApi, type StudioEvent } from './contract';
import { StudioService } from './service';
import { writeMnistSubset } from '../../tests/helpers/test-fixtures';
import { NODE_DEVICES } from '../engine/types';
import { isTerminal, makeTestHome, rejection, runEvents, tinyRun, transports, type Harness, type TestHome } from '../../tests/helpers/testkit';

describe.each(transports)('Studio API contract over %s', (_name, connect) => {
  let t: TestHome;
  let service: StudioService;
  let h: Harness;
  let api: StudioApi;

  beforeAll(async () => {
    t = await makeTestHome();
    service = new StudioService({ home: t.home });
    h = await connect(service);
    api = h.api;
  });
  afterAll(async () => {
    await h.close();
    await service.close();
    t.cleanup();
  });

  it('lists, shows, previews and samples datasets', async () => {
    const list = await api.listDatasets();
    expect(list.map((d) => d.id)).toEqual([t.dataset.id]);
    const d = await api.getDataset(t.dataset.id);
    expect(d).toMatchObject({ name: 'Tiny MNIST', sampleShape: [1, 28, 28], train: { count: 300 }, test: { count: 100 } });
    const preview = await api.previewDataset(t.dataset.id, 2);
    expect(preview.samples.length).toBe(20);
    expect(preview.samples[0].png.startsWith('data:image/png;base64,')).toBe(true);
    expect(preview.histogram.train.reduce((a, b) => a + b, 0)).toBe(300);
    const s = await api.getSample(t.dataset.id, 'test', 3);
    expect(s.shape).toEqual([1, 28, 28]);
    expect(s.values.length).toBe(784);
    expect(s.label).toBeGreaterThanOrEqual(0);
  });

  it('renames a dataset and refuses a bad name with a typed error', async () => {
    const renamed = await api.renameDataset(t.dataset.id, 'Tiny digits');
    expect(renamed.name).toBe('Tiny digits');
    expect((await api.getDataset(t.dataset.id)).name).toBe('Tiny digits');
    const err = await rejection(api.renameDataset(t.dataset.id, '../evil'));
    expect(err.code).toBe('bad_request');
  });

  it('answers not_found for unknown ids and bad_request for malformed ones', async () => {
    expect((await rejection(api.getDataset('ds-0000000000000000'))).code).toBe('not_found');
    expect((await rejection(api.getRun('20200101-000000-abcdef'))).code).toBe('not_found');
    expect((await rejection(api.getDataset('../../etc/passwd'))).code).toBe('bad_request');
    expect((await rejection(api.previewDataset(t.dataset.id, -1))).code).toBe('bad_request');
    expect((await rejection(api.getSample(t.dataset.id, 'test', 100))).code).toBe('bad_request');
  });

  it('reports an import that fails as an event with the reason', async () => {
    const events: StudioEvent[] = [];
    const off = api.onEvent((e) => events.push(e));
    const { importId } = await api.importDataset({ paths: [path.join(t.home, 'no-such-folder')] });
    await expect.poll(() => events.find((e) => e.channel === 'import' && e.importId === importId && e.event === 'failed'), { timeout: 20_000 }).toBeTruthy();
    const failed = events.find((e) => e.channel === 'import' && e.event === 'failed') as Extract<StudioEvent, { event: 'failed' }>;
    expect(failed.message).toContain('no-such-folder');
    off();
  });

  it('imports files uploaded from a browser, then drops the uploaded copies', async () => {
    const src = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-studio-upload-src-'));
    writeMnistSubset(src, 120, 40);
    const files = fs.readdirSync(src).map((name) => ({ relativePath: `digits/${name}`, base64: fs.readFileSync(path.join(src, name)).toString('base64') }));
    fs.rmSync(src, { recursive: true, force: true });
    const events: StudioEvent[] = [];
    const off = api.onEvent((e) => events.push(e));
    // two batches into one upload folder, as the renderer sends a large drop
    const up = await api.uploadFiles({ files: files.slice(0, 2) });
    // the last file in two chunks
    const last = files[3];
    const bytes = Buffer.from(last.base64, 'base64');
    await api.uploadFiles({ uploadId: up.uploadId, files: [files[2], { relativePath: last.relativePath, base64: bytes.subarray(0, 1000).toString('base64') }] });
    const up2 = await api.uploadFiles({ uploadId: up.uploadId, files: [{ relativePath: last.relativePath, base64: bytes.subarray(1000).toString('base64'), append: true }] });
    expect(fs.readFileSync(path.join(up.paths[0], path.basename(last.relativePath)))).toEqual(bytes);
    expect((await rejection(api.uploadFiles({ uploadId: up.uploadId, files: [{ relativePath: 'digits/never-started', base64: 'AAAA', append: true }] }))).code).toBe('bad_request');
    expect(up2.paths).toEqual(up.paths);
    expect(up.paths.map((p) => path.basename(p))).toEqual(['digits']);
    const { importId } = await api.importDataset({ paths: up.paths, name: 'Uploaded digits' });
    await expect.poll(() => events.find((e) => e.channel === 'import' && e.importId === importId && e.event !== 'progress'), { timeout: 30_000 }).toBeTruthy();
    const end = events.find((e) => e.channel === 'import' && e.importId === importId && e.event !== 'progress')!;
    expect(end).toMatchObject({ event: 'done', dataset: { name: 'Uploaded digits', train: { count: 120 }, test: { count: 40 } } });
    expect(events.some((e) => e.channel === 'import' && e.importId === importId && e.event === 'progress')).toBe(true);
    expect(fs.existsSync(path.dirname(up.paths[0]))).toBe(false);
    const added = (await api.listDatasets()).find((d) => d.name === 'Uploaded digits')!;
    await api.deleteDataset(added.id);
    expect((await api.listDatasets()).map((d) => d.id)).toEqual([t.dataset.id]);
    off();
  });

  it('stores uploaded files inside the upload folder only', async () => {
    const res = await api.uploadFiles({ files: [{ relativePath: 'digits/3/a.txt', base64: Buffer.from('hello').toString('base64') }] });
    expect(res.paths).toHaveLength(1);
    expect(fs.readFileSync(path.join(res.paths[0], '3', 'a.txt'), 'utf8')).toBe('hello');
    expect(res.paths[0].startsWith(t.home)).toBe(true);
    for (const relativePath of ['../escape.txt', '/etc/evil', 'a/../../b', 'C:/x', 'a\\..\\b', 'nul\0.txt']) {
      const err = await rejection(api.uploadFiles({ uploadId: res.uploadId, files: [{ relativePath, base64: '' }] }));
      expect(err.code, relativePath).toBe('bad_request');
    }
  });

  it('lists devices (the CPU available, the GPU probed) and estimates an epoch', async () => {
    const devices = await api.listDevices();
    expect(devices.find((d) => d.id === 'cpu')).toMatchObject({ kind: 'cpu', available: true });
    const gpu = devices.find((d) => d.id === 'webgpu');
    expect(typeof gpu?.available).toBe('boolean');
    if (!gpu!.available) expect(gpu!.note).toBeTruthy();
    const est = await api.estimateEpochSeconds({ datasetId: t.dataset.id, model: tinyRun(t.dataset.id).model, batchSize: 50, device: 'cpu' });
    expect(est.stepsPerSecond).toBeGreaterThan(0);
    expect(est.seconds).toBeCloseTo(6 / est.stepsPerSecond, 6);
  });

  it('refuses a device that cannot be used here (CUDA without its libraries) with the reason, and creates no run', async () => {
    const devices = await api.listDevices();
    const unusable = (['cuda', ...NODE_DEVICES] as const).find((id) => id !== 'cpu' && !devices.find((d) => d.id === id)?.available)!;
    const before = (await api.listRuns()).length;
    const err = await rejection(api.startRun(tinyRun(t.dataset.id, { device: unusable })));
    expect(err.code).toBe('bad_request');
    expect(err.message).toContain(`("${unusable}")`);
    const note = devices.find((d) => d.id === unusable)?.note;
    if (note) expect(err.message).toContain(note);
    expect(err.message).toMatch(/Choose “CPU” or “Best available” \(auto\) instead\.$/);
    expect((await api.listRuns()).length).toBe(before);
  });

  it('refuses a model that does not fit the dataset', async () => {
    const req = tinyRun(t.dataset.id);
    const err = await rejection(api.startRun({ ...req, model: { ...req.model, inputShape: [100] } }));
    expect(err.code).toBe('bad_request');
    expect(err.message).toContain('784');
  });

  it('trains a run to the end, streams its events and keeps its record', async () => {
    let runId: string | null = null;
    const ev = runEvents(api, () => runId);
    const started = await api.startRun(tinyRun(t.dataset.id));
    runId = started.id;
    expect(started).toMatchObject({ name: 'tiny', datasetId: t.dataset.id, epochs: 2, params: 784 * 16 + 16 + 16 * 10 + 10 });
    const end = await ev.waitFor((e) => e.runId === runId && isTerminal(e));
    expect(end.status, end.reason).toBe('finished');
    const kinds = ev.events.filter((e) => e.runId === runId && e.event).map((e) => e.event!.event);
    expect(kinds[0]).toBe('start');
    expect(kinds.filter((k) => k === 'epoch')).toHaveLength(2);
    expect(kinds).toContain('test');
    expect(kinds.at(-1)).toBe('done');
    ev.off();

    await expect.poll(async () => (await api.getRun(runId!)).status).toBe('finished');
    const detail = await api.getRun(runId!);
    expect(detail.epochsDone).toBe(2);
    expect(detail.lastTestError).not.toBeNull();
    expect(detail.lastTestError!).toBeLessThan(0.9);
    expect(detail.metrics.some((m) => m.event === 'epoch')).toBe(true);
    expect((await api.listRuns()).map((r) => r.id)).toContain(runId);

    const noted = await api.setRunNote(runId!, 'first try');
    expect(noted.note).toBe('first try');
    const compared = await api.compareRuns([runId!]);
    expect(compared[0].id).toBe(runId);
    expect((await rejection(api.pauseRun(runId!))).code).toBe('conflict');
    expect((await rejection(api.resumeRun(runId!))).code).toBe('conflict');

    const evaluation = await api.evaluateRun(runId!);
    expect(evaluation.confusion).toHaveLength(10);
    expect(evaluation.confusion.flat().reduce((a, b) => a + b, 0)).toBe(100);
    expect(evaluation.testError).toBeCloseTo(detail.bestTestError!, 6);
    // a few of every kind of mistake: min(cell count, MISTAKES_PER_CELL) of each off-diagonal cell
    const kept = evaluation.confusion.flatMap((row, t) => row.map((v, p) => (t === p ? 0 : Math.min(v, MISTAKES_PER_CELL)))).reduce((a, b) => a + b, 0);
    expect(evaluation.mistakes.length).toBe(kept);
    expect(evaluation.checkpoint.best).toBe(true);
    expect(evaluation.checkpoint.epoch).toBeGreaterThanOrEqual(1);
    expect(evaluation.checkpoint.epoch).toBeLessThanOrEqual(detail.epochsDone);

    const model = await api.getInferenceModel(runId!);
    expect(model.inputShape).toEqual([1, 28, 28]);
    expect(model.classNames).toHaveLength(10);
    expect(Buffer.from(model.onnxBase64, 'base64').length).toBeGreaterThan(784 * 16 * 4);

    // outside the studio's exports folder nothing is written (issue 15, item 9); a file name goes into it
    const outside = path.join(t.home, '..', `${path.basename(t.home)}-export`, 'tiny.onnx');
    expect((await rejection(api.exportRun(runId!, outside))).code).toBe('forbidden');
    expect(fs.existsSync(path.dirname(outside))).toBe(false);
    const exported = await api.exportRun(runId!, 'tiny.onnx');
    const target = path.join(t.home, 'exports', 'tiny.onnx');
    expect(exported.path).toBe(target);
    expect(exported.download).toEqual({ model: 'exports/tiny.onnx', modelCard: 'exports/tiny.md', report: 'exports/tiny.verification.json' });
    expect(exported.verification).toMatchObject({ samples: 100, labelAgreement: 1, ok: true });
    expect(fs.statSync(target).size).toBeGreaterThan(0);
    // the same name again: refused unless the caller says to replace
    const card = fs.readFileSync(path.join(t.home, 'exports', 'tiny.md'), 'utf8');
    expect((await rejection(api.exportRun(runId!, target))).code).toBe('conflict');
    expect(fs.readFileSync(path.join(t.home, 'exports', 'tiny.md'), 'utf8')).toBe(card);
    expect((await api.exportRun(runId!, target, { overwrite: true })).path).toBe(target);
    expect((await rejection(api.exportRun(runId!, path.join(t.home, 'exports', 'model.txt')))).code).toBe('bad_request');
    // an optional argument passed as undefined is left out, not sent as null (which the schema refuses)
    const byDefault = await api.exportRun(runId!, undefined);
    expect(fs.existsSync(byDefault.path)).toBe(true);

    await api.deleteRun(runId!);
    expect((await rejection(api.getRun(runId!))).code).toBe('not_found');
  });
});
