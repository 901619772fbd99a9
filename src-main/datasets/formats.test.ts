/** Every importer on a fixture generated here: counts, shapes, classes, stored values. */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetLibrary } from './library';
import { fileTableProblem } from './csv';
import {
  blobs, cifar10TarEntries, cifarBatch, classImage, csvText, mnistSlice, npyBytes, npzBytes, tempDir, writeCifar100Folder, writeCifar10Folder,
  writeImageFolder, writeMnistIdx, writeTarGz,
} from '../../tests/helpers/test-fixtures';

let root: string;
let lib: DatasetLibrary;

beforeAll(async () => {
  root = await tempDir();
  lib = new DatasetLibrary(path.join(root, 'home'));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

const src = (name: string) => path.join(root, 'src', name);

describe('IDX', () => {
  it('imports train and test pairs from a folder, labels and pixels intact', async () => {
    const dir = await writeMnistIdx(src('mnist-small'), 300, 100);
    const m = await lib.import([dir]);
    expect(m.format).toBe('idx');
    expect(m.kind).toBe('image');
    expect(m.sampleShape).toEqual([1, 28, 28]);
    expect(m.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(m.train.count).toBe(300);
    expect(m.test.count).toBe(100);
    expect(m.split).toBeUndefined();
    const ref = mnistSlice('train', 300);
    expect(m.train.perClass.reduce((a, b) => a + b, 0)).toBe(300);
    expect(m.train.perClass[ref.labels[8 + 0]]).toBeGreaterThan(0);
    const d = await lib.loadTrainingData(m.id);
    expect(d.train.x).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(d.train.x.buffer, d.train.x.byteOffset, d.train.x.byteLength).equals(ref.images.subarray(16))).toBe(true);
    expect(Array.from(d.train.y.slice(0, 10))).toEqual(Array.from(ref.labels.subarray(8, 18)));
    expect(d.preprocess).toEqual({ scale: 1 / 255, mean: [0], std: [1] });
    expect(m.name).toBe('mnist-small');
  });

  it('imports gzipped files given one by one, and splits off a stratified test set when there is none', async () => {
    const dir = await writeMnistIdx(src('mnist-gz'), 240, 0, true);
    const files = (await fs.readdir(dir)).map((f) => path.join(dir, f));
    const m = await lib.import(files, { name: 'gz digits', testFraction: 0.25, seed: 7 });
    expect(m.name).toBe('gz digits');
    expect(m.train.count + m.test.count).toBe(240);
    expect(m.test.count).toBeGreaterThanOrEqual(55);
    expect(m.test.count).toBeLessThanOrEqual(65);
    expect(m.split).toEqual({ fraction: 0.25, seed: 7, stratified: true });
    for (let c = 0; c < 10; c++) {
      const all = m.train.perClass[c] + m.test.perClass[c];
      expect(Math.abs(m.test.perClass[c] - all * 0.25)).toBeLessThanOrEqual(1);
    }
    expect(m.preprocessing.gzip).toBe(true);
  });
});

describe('CIFAR', () => {
  it('imports a CIFAR-10 folder with class names from batches.meta.txt', async () => {
    const dir = await writeCifar10Folder(src('cifar-10-batches-bin'), 20);
    const m = await lib.import([dir]);
    expect(m.format).toBe('cifar10');
    expect(m.sampleShape).toEqual([3, 32, 32]);
    expect(m.classNames[0]).toBe('airplane');
    expect(m.classNames).toHaveLength(10);
    expect(m.train.count).toBe(100);
    expect(m.test.count).toBe(20);
    expect(m.train.perClass).toEqual(new Array(10).fill(10));
    expect(m.mean).toHaveLength(3);
    const s = await lib.getSample(m.id, 'train', 21); // batch 2, record 1
    const rec = cifarBatch(20, 'cifar10', 2).subarray(3073, 2 * 3073);
    expect(s.label).toBe(rec[0]);
    expect(s.values).toEqual(Array.from(rec.subarray(1)));
  });

  it('imports the CIFAR-10 .tar.gz archive, batches in name order whatever the archive order', async () => {
    const file = await writeTarGz(src('cifar-10-binary.tar.gz'), cifar10TarEntries(10));
    const m = await lib.import([file]);
    expect(m.format).toBe('cifar10');
    expect(m.train.count).toBe(50);
    expect(m.test.count).toBe(10);
    expect(m.classNames[9]).toBe('truck');
    const s = await lib.getSample(m.id, 'train', 0);
    expect(s.values.slice(0, 16)).toEqual(Array.from(cifarBatch(10, 'cifar10', 1).subarray(1, 17)));
  });

  it('imports CIFAR-100 with fine labels by default and coarse labels on request', async () => {
    const dir = await writeCifar100Folder(src('cifar-100-binary'), 200, 100);
    const fine = await lib.import([dir]);
    expect(fine.format).toBe('cifar100');
    expect(fine.classNames).toHaveLength(100);
    expect(fine.classNames[3]).toBe('fine3');
    expect(fine.train.count).toBe(200);
    expect(fine.train.perClass.every((c) => c === 2)).toBe(true);
    const coarse = await lib.import([dir], { cifar100Labels: 'coarse', name: 'CIFAR-100 coarse' });
    expect(coarse.classNames).toHaveLength(20);
    expect(coarse.train.perClass.every((c) => c === 10)).toBe(true);
  });
});

describe('image folders', () => {
  it('imports PNG, JPEG, WebP, GIF and BMP class folders, skipping and listing other files', async () => {
    const dir = await writeImageFolder(src('shapes'), { perClass: 10, formats: ['png', 'jpeg', 'webp', 'gif', 'bmp'] });
    await fs.writeFile(path.join(dir, 'cat', 'notes.txt'), 'taken on a sunny day');
    await fs.writeFile(path.join(dir, 'LICENSE'), 'CC0');
    const events: string[] = [];
    const m = await lib.import([dir], { onProgress: (p) => events.push(p.phase) });
    expect(m.format).toBe('image-folder');
    expect(m.sampleShape).toEqual([1, 8, 8]);
    expect(m.classNames).toEqual(['cat', 'dog', 'owl']);
    expect(m.train.count + m.test.count).toBe(30);
    expect(m.train.perClass.map((c, i) => c + m.test.perClass[i])).toEqual([10, 10, 10]);
    expect(m.skipped?.files.map((f) => path.basename(f.path)).sort()).toEqual(['LICENSE', 'notes.txt']);
    expect((m.preprocessing.formats as string[]).sort()).toEqual(['bmp', 'gif', 'jpeg', 'png', 'webp']);
    expect(events).toEqual(expect.arrayContaining(['scanning', 'reading', 'decoding', 'splitting', 'checking', 'saving']));
    // pixels survive decoding: the class's bright bar is where it should be (lossless formats exactly)
    const d = await lib.loadTrainingData(m.id);
    for (let i = 0; i < d.train.n; i++) {
      const x = d.train.x.subarray(i * 64, (i + 1) * 64);
      const bar = d.train.y[i] % 4;
      let inBar = 0, outBar = 0;
      for (let p = 0; p < 64; p++) (Math.floor(((p % 8) * 4) / 8) === bar ? (inBar += x[p]) : (outBar += x[p]));
      expect(inBar / 16).toBeGreaterThan(150);
      expect(outBar / 48).toBeLessThan(60);
    }
  });

  it('uses train/ and test/ subfolders, colour images, and brings odd sizes to the most common one', async () => {
    const dir = await writeImageFolder(src('colour'), { classes: ['a', 'b'], perClass: 5, testPerClass: 2, size: 12, channels: 3 });
    // one larger image, resized with padding
    const big = await (await import('sharp')).default(classImage(0, 24, 12, 3, 5), { raw: { width: 24, height: 12, channels: 3 } }).png().toBuffer();
    await fs.writeFile(path.join(dir, 'train', 'a', 'wide.png'), big);
    const m = await lib.import([dir], { seed: 3 });
    expect(m.sampleShape).toEqual([3, 12, 12]);
    expect(m.train.count).toBe(11);
    expect(m.test.count).toBe(4);
    expect(m.split).toBeUndefined();
    expect(m.preprocessing.resized).toBe(1);
    expect(m.preprocessing.size).toEqual([12, 12]);
    const p = await lib.preview(m.id, 2);
    expect(p.samples).toHaveLength(4);
    expect(p.samples[0].png.startsWith('data:image/png;base64,')).toBe(true);
    expect(p.histogram).toEqual({ train: [6, 5], test: [2, 2] });
  });

  it('honours a chosen size, channel count and centre crop', async () => {
    const dir = await writeImageFolder(src('chosen'), { classes: ['x', 'y'], perClass: 4, size: 16, channels: 3 });
    const m = await lib.import([dir], { imageSize: [8, 8], imageChannels: 1, resize: 'crop' });
    expect(m.sampleShape).toEqual([1, 8, 8]);
    expect(m.preprocessing.resize).toMatch(/crop/);
    expect(m.preprocessing.resized).toBe(8);
  });
});

describe('CSV/TSV', () => {
  it('imports a CSV with a header and text labels, standardised in the training data', async () => {
    const file = src('iris.csv');
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, csvText(90));
    const m = await lib.import([file]);
    expect(m.format).toBe('csv');
    expect(m.kind).toBe('tabular');
    expect(m.sampleShape).toEqual([4]);
    expect(m.classNames).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(m.train.count + m.test.count).toBe(90);
    expect(m.test.count).toBe(15);
    expect(m.preprocessing.featureNames).toEqual(['feature 0', 'feature 1', 'feature 2', 'feature 3']);
    expect(m.name).toBe('iris');
    const d = await lib.loadTrainingData(m.id);
    expect(d.train.x).toBeInstanceOf(Float32Array);
    expect(d.preprocess.scale).toBe(1);
    expect(d.preprocess.mean).toHaveLength(4);
    // standardised train features have mean ≈ 0 and std ≈ 1
    for (let j = 0; j < 4; j++) {
      let s = 0, s2 = 0;
      for (let i = 0; i < d.train.n; i++) {
        const z = (d.train.x[i * 4 + j] - d.preprocess.mean[j]) / d.preprocess.std[j];
        s += z;
        s2 += z * z;
      }
      expect(Math.abs(s / d.train.n)).toBeLessThan(1e-4);
      expect(Math.abs(s2 / d.train.n - 1)).toBeLessThan(1e-3);
    }
  });

  it('imports TSV without a header, a label column by number, and train/test files', async () => {
    const dir = src('tsv');
    await fs.mkdir(dir, { recursive: true });
    const toFirst = (t: string) => t.trim().split('\n').map((l) => { const c = l.split('\t'); return [c[c.length - 1], ...c.slice(0, -1)].join('\t'); }).join('\n');
    await fs.writeFile(path.join(dir, 'train.tsv'), toFirst(csvText(40, { sep: '\t', header: false, classes: ['0', '1'] })));
    await fs.writeFile(path.join(dir, 'test.tsv'), toFirst(csvText(10, { sep: '\t', header: false, classes: ['0', '1'] })));
    const m = await lib.import([path.join(dir, 'train.tsv'), path.join(dir, 'test.tsv')], { labelColumn: 0 });
    expect(m.sampleShape).toEqual([4]);
    expect(m.classNames).toEqual(['0', '1']);
    expect(m.train.count).toBe(40);
    expect(m.test.count).toBe(10);
    expect(m.preprocessing.header).toBe(false);
  });

  it('reads a table in a .txt file, in an extension-less file, and beside a README.txt in a folder', async () => {
    const dir = src('text-tables');
    await fs.mkdir(path.join(dir, 'folder'), { recursive: true });
    await fs.writeFile(path.join(dir, 'measurements.txt'), csvText(50, { sep: '\t' }));
    const txt = await lib.import([path.join(dir, 'measurements.txt')]);
    expect(txt).toMatchObject({ format: 'csv', sampleShape: [4], classNames: ['setosa', 'versicolor', 'virginica'] });
    expect(txt.train.count + txt.test.count).toBe(50);
    await fs.writeFile(path.join(dir, 'plants'), csvText(44, { sep: ';', features: 3 }));
    const bare = await lib.import([path.join(dir, 'plants')]);
    expect(bare.sampleShape).toEqual([3]);
    expect(bare.train.count + bare.test.count).toBe(44);
    // a README.txt of prose is not taken for a second table
    await fs.writeFile(path.join(dir, 'folder', 'README.txt'), 'Flower measurements, collected in spring.\nOne row per plant.\n');
    await fs.writeFile(path.join(dir, 'folder', 'flowers.csv'), csvText(36));
    const inFolder = await lib.import([path.join(dir, 'folder')]);
    expect(inFolder.sources.map((f) => path.basename(f))).toEqual(['flowers.csv']);
    expect(inFolder.train.count + inFolder.test.count).toBe(36);
  });

  it('leaves a .txt table wider than the first megabyte to the CSV reader', async () => {
    await fs.mkdir(src('wide'), { recursive: true });
    const file = path.join(src('wide'), 'wide.txt');
    const row = (v: string) => Array.from({ length: 300_000 }, () => v).join(',');
    await fs.writeFile(file, `${row('1')},a\n${row('2')},b\n`);
    expect(await fileTableProblem(file)).toBeNull();
    await fs.writeFile(file, `${'my very long shopping list '.repeat(50_000)}\n`);
    expect(await fileTableProblem(file)).toBeNull(); // one line past the megabyte: the importer says what is wrong
  });

  it('drops bad rows when asked, and counts them', async () => {
    const file = src('holes.csv');
    await fs.writeFile(file, csvText(30).replace(/\n([^\n]*)\n/, '\n$1\n1,abc,3,4,setosa\n'));
    const m = await lib.import([file], { dropBadRows: true, table: { columns: { 'feature 1': 'number' } } });
    expect(m.preprocessing.droppedRows).toBe(1);
    expect(m.train.count + m.test.count).toBe(30);
  });
});

describe('NumPy', () => {
  it('imports an .npz with x_train/y_train/x_test/y_test images (NHWC floats in [0, 1])', async () => {
    const n = 24, h = 6, w = 5;
    const x = new Float32Array(n * h * w * 3);
    for (let i = 0; i < x.length; i++) x[i] = (i % 256) / 255;
    const y = new Int32Array(n).map((_, i) => i % 3);
    const f = src('arrays.npz');
    await fs.writeFile(f, npzBytes({
      x_train: npyBytes('<f4', [n, h, w, 3], new Uint8Array(x.buffer)),
      y_train: npyBytes('<i4', [n], new Uint8Array(y.buffer)),
      x_test: npyBytes('<f4', [6, h, w, 3], new Uint8Array(x.buffer, 0, 6 * h * w * 3 * 4)),
      y_test: npyBytes('<i4', [6], new Uint8Array(y.buffer, 0, 24)),
    }));
    const m = await lib.import([f]);
    expect(m.format).toBe('npy');
    expect(m.kind).toBe('image');
    expect(m.sampleShape).toEqual([3, h, w]);
    expect(m.classNames).toEqual(['0', '1', '2']);
    expect(m.train.count).toBe(24);
    expect(m.test.count).toBe(6);
    const s = await lib.getSample(m.id, 'train', 0);
    // channel 0, pixel 1 comes from NHWC index 3
    expect(s.values[1]).toBe(3);
    expect(s.values[h * w]).toBe(1); // channel 1, pixel 0 = NHWC index 1
  });

  it('imports x.npy and y.npy files: tabular float64 features with string labels', async () => {
    const { x } = blobs(60, 5, 2);
    const f64 = Float64Array.from(x);
    const labels = Array.from({ length: 60 }, (_, i) => (i % 2 ? 'spam' : 'ham'));
    const u = new Uint32Array(60 * 4);
    labels.forEach((l, i) => [...l].forEach((ch, k) => (u[i * 4 + k] = ch.codePointAt(0)!)));
    const dir = src('np-files');
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(path.join(dir, 'X.npy'), npyBytes('<f8', [60, 5], new Uint8Array(f64.buffer)));
    await fs.writeFile(path.join(dir, 'y.npy'), npyBytes('<U4', [60], new Uint8Array(u.buffer)));
    const m = await lib.import([dir]);
    expect(m.kind).toBe('tabular');
    expect(m.sampleShape).toEqual([5]);
    expect(m.classNames).toEqual(['ham', 'spam']);
    expect(m.train.count + m.test.count).toBe(60);
    const s = await lib.getSample(m.id, 'train', 0);
    expect(s.values).toHaveLength(5);
  });
});
