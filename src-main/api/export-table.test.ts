/**
 * Export of a table model through the Studio API (the window's Export screen, issue 11): the
 * export task passes the table's schema and raw test rows, so the written model takes the
 * original columns and is verified on the raw rows; for a number the result carries the
 * largest value difference (maxValueDiff) that the screen shows instead of probabilities.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetLibrary } from '../datasets/library';
import { csvOf, housesRows } from '../../tests/helpers/table-fixtures';
import { withTask } from '../engine/spec';
import { readOnnxInfo } from '../runs/onnxinfo';
import type { StudioApi } from './contract';
import { StudioService } from './service';
import { isTerminal, makeTestHome, runEvents, tinyConfig, transports, type TestHome } from '../../tests/helpers/testkit';

describe('export of a number table model through the API', () => {
  let t: TestHome;
  let service: StudioService;
  let api: StudioApi;

  beforeAll(async () => {
    t = await makeTestHome({ train: 20, test: 10 });
    service = new StudioService({ home: t.home });
    api = (await transports[0][1](service)).api;
  });
  afterAll(async () => {
    await service.close();
    t.cleanup();
  });

  it('writes the raw-columns model, verified on the raw test rows, and answers maxValueDiff', async () => {
    const csv = path.join(t.home, 'houses.csv');
    fs.writeFileSync(csv, csvOf(housesRows(180)));
    const meta = await new DatasetLibrary(t.home).import([csv], { table: { labelColumn: 'price', predict: 'number' } });
    const F = meta.sampleShape[0];
    const model = withTask({ inputShape: [F], classes: 1, layers: [{ kind: 'linear', units: 8, bias: true }, { kind: 'relu' }, { kind: 'linear', units: 1, bias: true }] }, 'number');
    let runId: string | null = null;
    const ev = runEvents(api, () => runId);
    runId = (await api.startRun({ datasetId: meta.id, model, config: tinyConfig({ epochs: 2, batchSize: 20, lr: 0.01, optimizer: { kind: 'adam', beta1: 0.9, beta2: 0.999, eps: 1e-8 } }), name: 'houses' })).id;
    const end = await ev.waitFor((e) => e.runId === runId && isTerminal(e));
    ev.off();
    expect(end.status, end.reason).toBe('finished');

    const exported = await api.exportRun(runId, 'houses.onnx');
    expect(exported.verification).toMatchObject({ samples: meta.test.count, labelAgreement: 1, ok: true });
    expect(exported.verification.maxValueDiff).toEqual(expect.any(Number));
    expect(exported.modelCard).toContain('as raw cells from the table');
    const info = readOnnxInfo(fs.readFileSync(exported.path));
    expect(info.inputs.map((i) => i.name)).toEqual(expect.arrayContaining(['area_m2', 'neighbourhood', 'garage', 'sold_year']));
    expect(info.outputs.map((o) => o.name)).toEqual(['value']);
  });
});
