/**
 * Fixtures for the dataset tests and the benchmark, generated at run time (nothing large is
 * committed): IDX files cut from the bundled MNIST, synthetic CIFAR batches (folder and
 * .tar.gz), image folders in every supported format, CSV files and NumPy arrays.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { encode as encodeBmp } from 'bmp-ts';
import { zipSync } from 'fflate';
import sharp from 'sharp';
import tar from 'tar-stream';
import { bundledMnistDir } from '../../src-main/datasets/bundled-mnist';


export async function tempDir(prefix = 'mlps-ds-'): Promise<string> {
  return fsp.mkdtemp(path.join(os.tmpdir(), prefix));
}

export function idxBytes(shape: number[], data: Uint8Array, type = 0x08): Buffer {
  const head = Buffer.alloc(4 + 4 * shape.length);
  head[2] = type;
  head[3] = shape.length;
  shape.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}

/** The first `n` MNIST samples of a split, as IDX bytes. */
export function mnistSlice(split: 'train' | 't10k', n: number): { images: Buffer; labels: Buffer } {
  const dir = bundledMnistDir();
  const img = fs.readFileSync(path.join(dir, `${split}-images-idx3-ubyte`));
  const lab = fs.readFileSync(path.join(dir, `${split}-labels-idx1-ubyte`));
  return {
    images: idxBytes([n, 28, 28], img.subarray(16, 16 + n * 784)),
    labels: idxBytes([n], lab.subarray(8, 8 + n)),
  };
}

/** Writes the first `nTrain` / `nTest` MNIST samples into `dir` under the standard IDX names; returns the four paths. */
export function writeMnistSubset(dir: string, nTrain: number, nTest: number): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (const [split, n] of [['train', nTrain], ['t10k', nTest]] as const) {
    const { images, labels } = mnistSlice(split, n);
    for (const [name, bytes] of [[`${split}-images-idx3-ubyte`, images], [`${split}-labels-idx1-ubyte`, labels]] as const) {
      const file = path.join(dir, name);
      fs.writeFileSync(file, bytes);
      files.push(file);
    }
  }
  return files;
}

export async function writeMnistIdx(dir: string, nTrain: number, nTest: number, gz = false): Promise<string> {
  await fsp.mkdir(dir, { recursive: true });
  const ext = gz ? '.gz' : '';
  const z = (b: Buffer) => (gz ? gzipSync(b) : b);
  const tr = mnistSlice('train', nTrain);
  await fsp.writeFile(path.join(dir, `train-images-idx3-ubyte${ext}`), z(tr.images));
  await fsp.writeFile(path.join(dir, `train-labels-idx1-ubyte${ext}`), z(tr.labels));
  if (nTest > 0) {
    const te = mnistSlice('t10k', nTest);
    await fsp.writeFile(path.join(dir, `t10k-images-idx3-ubyte${ext}`), z(te.images));
    await fsp.writeFile(path.join(dir, `t10k-labels-idx1-ubyte${ext}`), z(te.labels));
  }
  return dir;
}

/** Deterministic pseudo-random bytes. */
export function bytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = s & 255;
  }
  return out;
}

/** CIFAR records: labels cycle through the classes; pixels are pseudo-random. */
export function cifarBatch(records: number, variant: 'cifar10' | 'cifar100', seed: number): Buffer {
  const rec = variant === 'cifar10' ? 3073 : 3074;
  const buf = Buffer.from(bytes(records * rec, seed));
  for (let r = 0; r < records; r++) {
    if (variant === 'cifar10') buf[r * rec] = r % 10;
    else {
      buf[r * rec] = r % 20; // coarse
      buf[r * rec + 1] = r % 100; // fine
    }
  }
  return buf;
}

export const CIFAR10_META = 'airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n';

export async function writeCifar10Folder(dir: string, perBatch: number): Promise<string> {
  await fsp.mkdir(dir, { recursive: true });
  for (let b = 1; b <= 5; b++) await fsp.writeFile(path.join(dir, `data_batch_${b}.bin`), cifarBatch(perBatch, 'cifar10', b));
  await fsp.writeFile(path.join(dir, 'test_batch.bin'), cifarBatch(perBatch, 'cifar10', 99));
  await fsp.writeFile(path.join(dir, 'batches.meta.txt'), CIFAR10_META);
  await fsp.writeFile(path.join(dir, 'readme.html'), '<html>not data</html>');
  return dir;
}

export async function writeCifar100Folder(dir: string, nTrain: number, nTest: number): Promise<string> {
  await fsp.mkdir(dir, { recursive: true });
  await fsp.writeFile(path.join(dir, 'train.bin'), cifarBatch(nTrain, 'cifar100', 5));
  await fsp.writeFile(path.join(dir, 'test.bin'), cifarBatch(nTest, 'cifar100', 6));
  await fsp.writeFile(path.join(dir, 'fine_label_names.txt'), Array.from({ length: 100 }, (_, i) => `fine${i}`).join('\n'));
  await fsp.writeFile(path.join(dir, 'coarse_label_names.txt'), Array.from({ length: 20 }, (_, i) => `coarse${i}`).join('\n'));
  return dir;
}

/** A .tar.gz laid out like cifar-10-binary.tar.gz; `entries` override or add files. */
export async function writeTarGz(file: string, entries: { name: string; data: Buffer }[]): Promise<string> {
  const pack = tar.pack();
  for (const e of entries) pack.entry({ name: e.name, size: e.data.length }, e.data);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  await fsp.writeFile(file, gzipSync(Buffer.concat(chunks)));
  return file;
}

export function cifar10TarEntries(perBatch: number): { name: string; data: Buffer }[] {
  const out: { name: string; data: Buffer }[] = [];
  out.push({ name: "cifar-10-batches-bin/batches.meta.txt", data: Buffer.from(CIFAR10_META) });
  // deliberately out of order, as archives may be
  for (const b of [3, 1, 5, 2, 4]) out.push({ name: `cifar-10-batches-bin/data_batch_${b}.bin`, data: cifarBatch(perBatch, 'cifar10', b) });
  out.push({ name: 'cifar-10-batches-bin/test_batch.bin', data: cifarBatch(perBatch, 'cifar10', 99) });
  return out;
}

/** A w×h image of class `cls`: a bright bar whose position depends on the class, plus noise. */
export function classImage(cls: number, w: number, h: number, channels: 1 | 3, seed: number): Buffer {
  const noise = bytes(w * h * channels, seed);
  const buf = Buffer.alloc(w * h * channels);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let c = 0; c < channels; c++) {
        const on = Math.floor((x * 4) / w) === cls % 4;
        buf[(y * w + x) * channels + c] = on ? 200 + (noise[(y * w + x) * channels + c] % 56) : noise[(y * w + x) * channels + c] % 40;
      }
  return buf;
}

export type ImageFormat = 'png' | 'jpeg' | 'webp' | 'gif' | 'bmp';

export async function encodeImage(raw: Buffer, w: number, h: number, channels: 1 | 3, format: ImageFormat): Promise<Buffer> {
  if (format === 'bmp') {
    // bmp-ts takes ABGR pixels
    const abgr = Buffer.alloc(w * h * 4);
    for (let p = 0; p < w * h; p++) {
      const r = raw[p * channels];
      const g = raw[p * channels + (channels === 3 ? 1 : 0)];
      const b = raw[p * channels + (channels === 3 ? 2 : 0)];
      abgr[p * 4] = 255;
      abgr[p * 4 + 1] = b;
      abgr[p * 4 + 2] = g;
      abgr[p * 4 + 3] = r;
    }
    return Buffer.from(encodeBmp({ data: abgr, width: w, height: h, bitPP: 24 }).data);
  }
  let img = sharp(raw, { raw: { width: w, height: h, channels } });
  if (channels === 1) img = img.toColourspace('b-w');
  if (format === 'png') return img.png().toBuffer();
  if (format === 'jpeg') return img.jpeg({ quality: 95 }).toBuffer();
  if (format === 'webp') return img.webp({ lossless: true }).toBuffer();
  return img.gif().toBuffer();
}

/**
 * An image folder: `classes` subfolders with `perClass` images each, cycling through
 * `formats`; optionally under train/ and test/.
 */
export async function writeImageFolder(
  dir: string,
  opts: { classes?: string[]; perClass?: number; testPerClass?: number; size?: number; channels?: 1 | 3; formats?: ImageFormat[] } = {},
): Promise<string> {
  const classes = opts.classes ?? ['cat', 'dog', 'owl'];
  const per = opts.perClass ?? 6;
  const size = opts.size ?? 8;
  const ch = opts.channels ?? 1;
  const formats = opts.formats ?? ['png'];
  const splits: [string, number][] = opts.testPerClass ? [['train', per], ['test', opts.testPerClass]] : [['', per]];
  let seed = 1;
  for (const [split, n] of splits) {
    for (const [ci, c] of classes.entries()) {
      const d = path.join(dir, split, c);
      await fsp.mkdir(d, { recursive: true });
      for (let i = 0; i < n; i++) {
        const f = formats[i % formats.length];
        const raw = classImage(ci, size, size, ch, seed++);
        await fsp.writeFile(path.join(d, `img${i}.${f === 'jpeg' ? 'jpg' : f}`), await encodeImage(raw, size, size, ch, f));
      }
    }
  }
  return dir;
}

export function npyBytes(descr: string, shape: number[], data: Uint8Array): Buffer {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const h = Buffer.alloc(10);
  h.write('\x93NUMPY', 0, 'latin1');
  h[6] = 1;
  h[7] = 0;
  h.writeUInt16LE(header.length, 8);
  return Buffer.concat([h, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}

export function npzBytes(arrays: Record<string, Buffer>): Buffer {
  const files: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(arrays)) files[`${k}.npy`] = v;
  return Buffer.from(zipSync(files, { level: 1 }));
}

/** A tabular classification problem: `classes` Gaussian blobs in `features` dimensions. */
export function blobs(n: number, features: number, classes: number, seed = 3): { x: Float32Array; y: Int32Array } {
  const r = bytes(n * features * 2, seed);
  const x = new Float32Array(n * features);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % classes;
    for (let j = 0; j < features; j++) x[i * features + j] = (j % classes === y[i] ? 3 : 0) + (r[i * features + j] - 128) / 64 + j * 10;
  }
  return { x, y };
}

export function csvText(n: number, opts: { features?: number; classes?: string[]; sep?: string; header?: boolean } = {}): string {
  const f = opts.features ?? 4;
  const classes = opts.classes ?? ['setosa', 'versicolor', 'virginica'];
  const sep = opts.sep ?? ',';
  const { x, y } = blobs(n, f, classes.length);
  const lines: string[] = [];
  if (opts.header !== false) lines.push([...Array.from({ length: f }, (_, j) => `feature ${j}`), 'species'].join(sep));
  for (let i = 0; i < n; i++) lines.push([...Array.from(x.subarray(i * f, (i + 1) * f), (v) => v.toFixed(4)), classes[y[i]]].join(sep));
  return lines.join('\n') + '\n';
}
