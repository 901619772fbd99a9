/**
 * "Try it sees what training saw": each of a dataset's own test picture files, prepared by
 * prepareImage and given to the run's inference model (the one Try it loads), gets the label
 * and probabilities that the stored test sample gets, and the label Evaluate gives it.
 * Pictures of several sizes and two formats, so the import's resize and pad matter.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetLibrary } from '../datasets/library';
import { loadModel, readSamples } from '../runs/predict';
import { csvText } from '../../tests/helpers/test-fixtures';
import type { DatasetMeta } from '../datasets/types';
import type { StudioApi } from './contract';
import { createLoopbackClient } from './loopback';
import { StudioService } from './service';
import { isTerminal, rejection, runEvents, tinyConfig } from '../../tests/helpers/testkit';

const CLASSES = ['disc', 'bar', 'cross'];

/** A coloured shape on a dark background, somewhat off-centre: the class decides shape and colour. */
function shapeSvg(cls: number, w: number, h: number, r: () => number): Buffer {
  const cx = w / 2 + (r() - 0.5) * w * 0.2;
  const cy = h / 2 + (r() - 0.5) * h * 0.2;
  const s = Math.min(w, h) * (0.3 + r() * 0.1);
  const colour = ['#e04040', '#40c040', '#4060e0'][cls];
  const body = [
    `<circle cx="${cx}" cy="${cy}" r="${s}" fill="${colour}"/>`,
    `<rect x="${cx - s * 1.3}" y="${cy - s / 3}" width="${s * 2.6}" height="${(s * 2) / 3}" fill="${colour}"/>`,
    `<path d="M${cx - s} ${cy - s} L${cx + s} ${cy + s} M${cx + s} ${cy - s} L${cx - s} ${cy + s}" stroke="${colour}" stroke-width="${s / 2}"/>`,
  ][cls];
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><rect width="${w}" height="${h}" fill="#101010"/>${body}</svg>`);
}

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** train/ and test/ folders of 40×30 pictures, and some larger or squarer ones (resized and padded on import). */
async function writeShapes(root: string): Promise<string[]> {
  const r = seeded(7);
  const testFiles: string[] = [];
  for (const [split, perClass] of [['train', 30], ['test', 6]] as const) {
    for (let c = 0; c < CLASSES.length; c++) {
      const dir = path.join(root, split, CLASSES[c]);
      fs.mkdirSync(dir, { recursive: true });
      for (let i = 0; i < perClass; i++) {
        // most are 40×30; every third is 80×60 (resized) or 50×50 (padded), every fourth a JPEG
        const [w, h] = i % 3 === 1 ? [80, 60] : i % 3 === 2 && i % 2 === 0 ? [50, 50] : [40, 30];
        const img = sharp(shapeSvg(c, w, h, r));
        const jpeg = i % 4 === 3;
        const file = path.join(dir, `${CLASSES[c]}-${i}.${jpeg ? 'jpg' : 'png'}`);
        fs.writeFileSync(file, jpeg ? await img.jpeg({ quality: 90 }).toBuffer() : await img.png().toBuffer());
        if (split === 'test') testFiles.push(file);
      }
    }
  }
  return testFiles;
}

describe('prepareImage: a dropped test picture gets the answer Evaluate gave its sample', () => {
  let home: string;
  let dataset: DatasetMeta;
  let testFiles: string[];
  let service: StudioService;
  let api: StudioApi;

  beforeAll(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-studio-try-'));
    testFiles = await writeShapes(path.join(home, 'shapes'));
    dataset = await new DatasetLibrary(home).import([path.join(home, 'shapes')], { name: 'Shapes' });
    service = new StudioService({ home });
    api = createLoopbackClient(service);
  }, 60_000);
  afterAll(async () => {
    await service.close();
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('imports at the most common size (40×30, colour) and resized the others', () => {
    expect(dataset.sampleShape).toEqual([3, 30, 40]);
    expect(dataset.preprocessing.resized).toBeGreaterThan(0);
    expect(dataset.test.count).toBe(testFiles.length);
  });

  it('each test file: the prepared picture is its stored sample, with the same label and probabilities', async () => {
    let runId: string | null = null;
    const ev = runEvents(api, () => runId);
    const run = await api.startRun({
      datasetId: dataset.id,
      model: { inputShape: [3, 30, 40], layers: [{ kind: 'linear', units: 16, bias: true }, { kind: 'relu' }, { kind: 'linear', units: 3, bias: true }], classes: 3 },
      config: tinyConfig({ epochs: 4, batchSize: 10, lr: 0.05 }),
      name: 'shapes',
    });
    runId = run.id;
    const end = await ev.waitFor(isTerminal, 120_000);
    expect(end.status, end.reason).toBe('finished');
    const evaluation = await api.evaluateRun(run.id);
    const m = await api.getInferenceModel(run.id);
    const session = await ort.InferenceSession.create(Buffer.from(m.onnxBase64, 'base64'));
    const infer = async (values: number[]) => {
      const out = await session.run({ input: new ort.Tensor('float32', Float32Array.from(values), [1, ...m.inputShape]) });
      return Array.from(out.probabilities.data as Float32Array);
    };
    const argmax = (p: number[]) => p.indexOf(Math.max(...p));
    const stored = await Promise.all(Array.from({ length: dataset.test.count }, (_, i) => api.getSample(dataset.id, 'test', i)));
    const wrong = new Map(evaluation.mistakes.map((x) => [x.index, x.predicted]));
    let resized = 0;
    for (const file of testFiles) {
      const p = await api.prepareImage(dataset.id, { name: path.basename(file), base64: fs.readFileSync(file).toString('base64') });
      expect(p.shape).toEqual([3, 30, 40]);
      const { width, height } = await sharp(file).metadata();
      if (width !== 40 || height !== 30) resized++;
      const index = stored.findIndex((s) => s.values.every((v, k) => v === p.values[k]));
      expect(index, `${file}: no stored test sample equals the prepared picture`).toBeGreaterThanOrEqual(0);
      expect(dataset.classNames[stored[index].label]).toBe(path.basename(path.dirname(file)));
      const fromFile = await infer(p.values);
      const fromSample = await infer(stored[index].values);
      for (let k = 0; k < 3; k++) expect(Math.abs(fromFile[k] - fromSample[k])).toBeLessThanOrEqual(1e-5);
      // Evaluate's answer for that sample: its mistake's prediction, else the true label
      expect(argmax(fromFile)).toBe(wrong.get(index) ?? stored[index].label);
    }
    expect(resized).toBeGreaterThan(0);

    // `mlp-studio predict` with the exported model prepares each file as the import did (the
    // model's image_preprocessing metadata), not by stretching it to 40×30
    const exported = await api.exportRun(run.id, 'shapes.onnx');
    const model = await loadModel(exported.path);
    expect(model.imageSettings).toMatchObject({ size: [30, 40], channels: 3, fit: 'pad' });
    for (const file of testFiles) {
      const p = await api.prepareImage(dataset.id, { name: path.basename(file), base64: fs.readFileSync(file).toString('base64') });
      const [sample] = await readSamples([file], model);
      expect(Array.from(sample.values), `${file}: predict prepared it differently from the import`).toEqual(p.values);
    }
  }, 180_000);

  it('greyscale 28×28 with named classes (Fashion-MNIST-like): each test picture is its stored sample, not MNIST-centred', async () => {
    const root = path.join(home, 'clothes');
    const r = seeded(3);
    const files: string[] = [];
    for (const [split, n] of [['train', 6], ['test', 3]] as const) {
      for (const [c, cls] of ['Sandal', 'Sneaker'].entries()) {
        fs.mkdirSync(path.join(root, split, cls), { recursive: true });
        for (let i = 0; i < n; i++) {
          // a light shape low in the frame, as a shoe sits: MNIST's centring would move it
          const [w, h] = i === 1 ? [56, 56] : [28, 28];
          const body = c === 0 ? `<rect x="${w * 0.1}" y="${h * (0.6 + r() * 0.1)}" width="${w * 0.8}" height="${h * 0.15}" fill="#c8c8c8"/>` : `<ellipse cx="${w / 2}" cy="${h * 0.7}" rx="${w * 0.4}" ry="${h * (0.15 + r() * 0.05)}" fill="#f0f0f0"/>`;
          const file = path.join(root, split, cls, `${cls}-${i}.png`);
          fs.writeFileSync(file, await sharp(Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><rect width="${w}" height="${h}" fill="#000"/>${body}</svg>`)).greyscale().png().toBuffer());
          if (split === 'test') files.push(file);
        }
      }
    }
    const clothes = await new DatasetLibrary(home).import([root], { name: 'Clothes' });
    expect(clothes.sampleShape).toEqual([1, 28, 28]);
    const stored = await Promise.all(Array.from({ length: clothes.test.count }, (_, i) => api.getSample(clothes.id, 'test', i)));
    for (const file of files) {
      const p = await api.prepareImage(clothes.id, { name: path.basename(file), base64: fs.readFileSync(file).toString('base64') });
      const same = stored.filter((s) => s.values.every((v, k) => v === p.values[k]));
      expect(same.length, `${file}: no stored test sample equals the prepared picture`).toBeGreaterThanOrEqual(1);
      expect(clothes.classNames[same[0].label]).toBe(path.basename(path.dirname(file)));
    }
  });

  it('refuses what is not a picture, and tables, with a clear bad_request', async () => {
    const text = await rejection(api.prepareImage(dataset.id, { name: 'notes.txt', base64: Buffer.from('hello').toString('base64') }));
    expect(text.code).toBe('bad_request');
    expect(text.message).toContain('notes.txt: not a picture');
    expect(text.message).not.toContain('Remove or replace');
    const cut = fs.readFileSync(testFiles[0]).subarray(0, 40);
    const broken = await rejection(api.prepareImage(dataset.id, { name: 'cut.png', base64: cut.toString('base64') }));
    expect(broken.code).toBe('bad_request');
    expect(broken.message).toContain('cut.png');
    expect(broken.message).toContain('Try another picture');
    fs.writeFileSync(path.join(home, 'rows.csv'), csvText(40));
    const table = await new DatasetLibrary(home).import([path.join(home, 'rows.csv')], { name: 'Rows' });
    const notPictures = await rejection(api.prepareImage(table.id, { name: 'disc.png', base64: fs.readFileSync(testFiles[0]).toString('base64') }));
    expect(notPictures.code).toBe('bad_request');
    expect(notPictures.message).toContain('"Rows" holds rows of numbers, not pictures');
  });
});
