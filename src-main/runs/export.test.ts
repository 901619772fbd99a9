import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { requireOnnxChecker } from '../../tests/onnx-checker';
import type { RuntimeAdapter } from '../engine/runtime';
import type { TrainingData } from '../engine/types';
import { createNodeRuntime } from '../runtime/node';
import { compareWithStudio, confusionMatrix, exportRun, ExportVerificationError, verificationLine } from './export';
import { toyConfig, toyDatasetRef, toyImages, toyModel, toyTabular } from '../../tests/helpers/toy';
import { readOnnxInfo } from './onnxinfo';
import { STUDIO_VERSION } from './record';
import { RunStore } from './store';
import { startTraining } from './training';

const runtime = createNodeRuntime('cpu', { threads: 1 });

let home: string;
let store: RunStore;
beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-export-'));
  store = new RunStore(home);
});
afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

async function trainedRun(data: TrainingData, evalEvery = 1) {
  const run = await store.create({ model: toyModel(data.sampleShape), config: toyConfig({ epochs: 3, evalEvery }), dataset: toyDatasetRef });
  const h = await startTraining({ store, runId: run.id, data, runtime });
  expect((await h.done).status).toBe('finished');
  return run.id;
}

describe('export', () => {
  it('writes a verified image model (raw 0-255 input, metadata, dynamic batch, opset ≥ 17), its report and model card', async (ctx) => {
    const data = toyImages();
    const id = await trainedRun(data);
    const r = await exportRun({ store, runId: id, data, runtime });
    expect(r.checkpoint.choice).toBe('best');
    const rec = await store.get(id);
    expect(r.checkpoint.epoch).toBe(rec.progress.bestEpoch);
    expect(r.testError).toBe(rec.progress.bestTestError);
    expect(r.verification).toMatchObject({ samples: 45, labelAgreement: 1, ok: true });
    expect(r.verification.maxProbDiff).toBeLessThanOrEqual(1e-5);
    expect(verificationLine(r.verification)).toMatch(/^verification: OK: ONNX Runtime and the studio agree on 45\/45 test labels \(100\.00%\)/);
    expect(path.dirname(r.path)).toBe(store.paths(id).export);
    expect(fs.readdirSync(store.paths(id).export).sort()).toEqual([`model-epoch-${r.checkpoint.epoch}.md`, `model-epoch-${r.checkpoint.epoch}.onnx`, `model-epoch-${r.checkpoint.epoch}.verification.json`]);
    const report = JSON.parse(fs.readFileSync(r.reportPath, 'utf8'));
    expect(report).toMatchObject({ ok: true, samples: 45, labelAgreement: 1, runId: id });
    expect(rec.exports).toHaveLength(1);

    const info = readOnnxInfo(fs.readFileSync(r.path));
    expect(info.opsets.find((o) => o.domain === '')!.version).toBeGreaterThanOrEqual(17);
    expect(info.inputs).toEqual([{ name: 'input', elemType: 1, dims: ['batch', 1, 4, 4] }]);
    expect(info.outputs.map((o) => o.name).sort()).toEqual(['label', 'probabilities']);
    expect(JSON.parse(info.metadata.class_names)).toEqual(['row', 'column', 'diagonal']);
    expect(info.metadata.input_layout).toMatch(/NCHW/);
    expect(JSON.parse(info.metadata.preprocessing)).toMatchObject({ scale: 1 / 255, mean: [0.3], std: [0.25] });
    expect(JSON.parse(info.metadata.dataset)).toMatchObject({ name: 'Toy bars', contentHash: toyDatasetRef.contentHash });
    expect(info.metadata.architecture).toBe('16-12-3 relu');
    expect(Number(info.metadata.test_error)).toBe(r.testError);
    expect(info.metadata.studio_version).toBe(STUDIO_VERSION);

    // raw pixels in, any batch size
    const session = await ort.InferenceSession.create(r.path);
    for (const n of [1, 7]) {
      const x = Float32Array.from(data.test.x.subarray(0, n * 16));
      const out = await session.run({ input: new ort.Tensor('float32', x, [n, 1, 4, 4]) });
      expect(out.probabilities.dims).toEqual([n, 3]);
      expect(out.label.dims).toEqual([n]);
    }
    await session.release();

    const card = fs.readFileSync(r.modelCardPath, 'utf8');
    expect(card).toBe(r.modelCard);
    for (const s of ['## Data', '## Architecture', '## Training', 'Confusion matrix', '| **diagonal** |', 'import onnxruntime as ort', "import * as ort from 'onnxruntime-node'", 'Test error **', 'learning rate | 0.05', 'Adam']) expect(card).toContain(s);

    const checker = requireOnnxChecker(ctx);
    expect(checker.check([r.path])[0]).toMatch(/^ok 1[7-9] /);
  });

  it('exports a tabular model taking raw features; chosen checkpoints; no best falls back to last', async () => {
    const data = toyTabular();
    const id = await trainedRun(data, 0); // the test set is evaluated only after the last epoch
    const last = await exportRun({ store, runId: id, data, runtime, checkpoint: 'last', out: path.join(home, 'out', 'table.onnx') });
    expect(last.path).toBe(path.join(home, 'out', 'table.onnx'));
    expect(fs.existsSync(path.join(home, 'out', 'table.md'))).toBe(true);
    expect(fs.existsSync(path.join(home, 'out', 'table.verification.json'))).toBe(true);
    expect(last.verification.ok).toBe(true);
    expect(last.checkpoint.epoch).toBe(3);
    expect(readOnnxInfo(fs.readFileSync(last.path)).inputs[0].dims).toEqual(['batch', 16]);
    const e2 = await exportRun({ store, runId: id, data, runtime, checkpoint: 2, out: path.join(home, 'out') });
    expect(e2.checkpoint.epoch).toBe(2);
    expect(e2.path).toBe(path.join(home, 'out', 'model-epoch-2.onnx'));
    expect(e2.verification.ok).toBe(true);
    await expect(exportRun({ store, runId: id, data, runtime, checkpoint: 9 })).rejects.toThrow(/no checkpoint for epoch 9; available epochs: 1, 2, 3/);
    // best exists here (the last epoch was evaluated), so the default picks it
    expect((await exportRun({ store, runId: id, data, runtime })).checkpoint.choice).toBe('best');
  });

  it('a damaged best checkpoint is refused by name; the default export then uses the last good one and says so', async () => {
    const data = toyImages();
    const id = await trainedRun(data);
    const folder = store.checkpoints(await store.get(id));
    const b = fs.readFileSync(folder.bestFile);
    b[b.length - 50] ^= 0x01;
    fs.writeFileSync(folder.bestFile, b);
    await expect(exportRun({ store, runId: id, data, runtime, checkpoint: 'best' })).rejects.toThrow(/best\.ckpt: checksum mismatch/);
    const r = await exportRun({ store, runId: id, data, runtime });
    expect(r.checkpoint).toMatchObject({ choice: 'last', epoch: 3 });
    expect(r.checkpoint.note).toMatch(/best\.ckpt: checksum mismatch.*last good one is exported/);
    expect(r.verification.ok).toBe(true);
  });

  it('a disagreement between the exported model and the studio is an error, and no model is left behind', async () => {
    const data = toyImages();
    const id = await trainedRun(data);
    // a studio runtime whose scores are skewed towards class 0: its predictions no longer match the model's
    const skewed: RuntimeAdapter = {
      ...runtime,
      async createSession(model, o) {
        const s = await runtime.createSession(model, o);
        const run = s.run.bind(s);
        return Object.assign(Object.create(Object.getPrototypeOf(s)), s, {
          run: async (...args: Parameters<typeof s.run>) => {
            const out = await run(...args);
            if (out.scores) {
              const sc = out.scores.data as Float32Array;
              for (let i = 0; i < sc.length; i += 3) sc[i] += 3;
            }
            return out;
          },
          release: () => s.release(),
        });
      },
    };
    const out = path.join(home, 'bad', 'm.onnx');
    const err = await exportRun({ store, runId: id, data, runtime: skewed, out }).catch((e) => e);
    expect(err).toBeInstanceOf(ExportVerificationError);
    expect(err.message).toMatch(/export verification FAILED: the exported model disagrees with the studio on \d+ of 45 test samples/);
    expect(fs.existsSync(out)).toBe(false);
    expect(fs.readdirSync(path.dirname(out))).toEqual(['m.verification.json']);
    expect(JSON.parse(fs.readFileSync(path.join(home, 'bad', 'm.verification.json'), 'utf8')).ok).toBe(false);
  });

  it('compares label by label and probability by probability', () => {
    const studio = { predictions: Int32Array.from([0, 1, 2]), probabilities: Float32Array.from([0.9, 0.05, 0.05, 0.1, 0.8, 0.1, 0.2, 0.2, 0.6]) };
    const same = { labels: Int32Array.from([0, 1, 2]), probabilities: Float32Array.from(studio.probabilities) };
    expect(compareWithStudio(studio, same, 3)).toMatchObject({ ok: true, labelAgreement: 1, maxProbDiff: 0 });
    const off = { labels: Int32Array.from([0, 1, 2]), probabilities: Float32Array.from(studio.probabilities) };
    off.probabilities[4] += 2e-5;
    expect(compareWithStudio(studio, off, 3).ok).toBe(false);
    const nan = { labels: Int32Array.from([0, 1, 2]), probabilities: Float32Array.from(studio.probabilities) };
    nan.probabilities[0] = NaN;
    expect(compareWithStudio(studio, nan, 3)).toMatchObject({ ok: false, maxProbDiff: Infinity });
    const wrong = { labels: Int32Array.from([0, 2, 2]), probabilities: Float32Array.from(studio.probabilities) };
    expect(compareWithStudio(studio, wrong, 3)).toMatchObject({ ok: false, labelAgreement: 2 / 3, mismatches: [{ index: 1, studio: 1, exported: 2 }] });
    expect(confusionMatrix(Int32Array.from([0, 0, 1, 2]), Int32Array.from([0, 1, 1, 1]), 3)).toEqual({ confusion: [[1, 1, 0], [0, 1, 0], [0, 1, 0]], perClassAccuracy: [0.5, 1, 0] });
  });
});
