/**
 * Try it fetches a large network in parts (getInferenceModel with a byte range): the parts put
 * together are exactly the whole model, each with the whole model's size and checkpoint label,
 * and a part past the end is a clear error.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetLibrary } from '../datasets/library';
import { writeMnistSubset } from '../../tests/helpers/test-fixtures';
import type { StudioApi } from './contract';
import { createLoopbackClient } from './loopback';
import { StudioService } from './service';
import { isTerminal, rejection, runEvents, tinyConfig } from '../../tests/helpers/testkit';

let tmp = '';
let api: StudioApi;
let runId = '';

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlps-infer-model-'));
  const home = path.join(tmp, 'home');
  writeMnistSubset(path.join(tmp, 'src'), 60, 20);
  const ds = await new DatasetLibrary(home).import([path.join(tmp, 'src')], { name: 'digits' });
  api = createLoopbackClient(new StudioService({ home }));
  let id: string | null = null;
  const ev = runEvents(api, () => id);
  const run = await api.startRun({
    datasetId: ds.id,
    model: { inputShape: ds.sampleShape, classes: 10, layers: [{ kind: 'linear', units: 32, bias: true }, { kind: 'relu' }, { kind: 'linear', units: 10, bias: true }] },
    config: tinyConfig({ epochs: 1, batchSize: 20 }),
  });
  id = runId = run.id;
  const end = await ev.waitFor(isTerminal, 120_000);
  expect(end.status, end.reason).toBe('finished');
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('getInferenceModel in parts', () => {
  it('parts of any size put together are the whole model, with the same size and label', async () => {
    const whole = await api.getInferenceModel(runId);
    const bytes = Buffer.from(whole.onnxBase64, 'base64');
    expect(whole.size).toBe(bytes.length);
    expect(bytes.length).toBeGreaterThan(100_000);
    for (const count of [65_536, 100_003]) {
      const parts: Buffer[] = [];
      for (let from = 0; from < whole.size; from += count) {
        const part = await api.getInferenceModel(runId, { from, count });
        expect([part.size, part.checkpoint]).toEqual([whole.size, whole.checkpoint]);
        parts.push(Buffer.from(part.onnxBase64, 'base64'));
      }
      expect(Buffer.concat(parts).equals(bytes)).toBe(true);
    }
    // the last part is short, one at the very end is empty
    expect((await api.getInferenceModel(runId, { from: whole.size, count: 10 })).onnxBase64).toBe('');
  });

  it('a part past the end is refused in plain words', async () => {
    const whole = await api.getInferenceModel(runId, { from: 0, count: 1 });
    const err = await rejection(api.getInferenceModel(runId, { from: whole.size + 1, count: 10 }));
    expect(err).toMatchObject({ code: 'bad_request' });
    expect(err.message).toContain(`${whole.size} bytes long`);
  });

  it('a range that is not whole bytes is a bad request', async () => {
    await expect(api.getInferenceModel(runId, { from: -1, count: 10 })).rejects.toMatchObject({ code: 'bad_request' });
    await expect(api.getInferenceModel(runId, { from: 0, count: 0 })).rejects.toMatchObject({ code: 'bad_request' });
  });
});
