/**
 * After an importer has written its binaries into the staging folder: split off a test set
 * when the source had none (stratified, seeded), check the labels, count samples per class,
 * compute the train split's per-channel (image) or per-feature (tabular) mean and std, and
 * hash the content. Reads the binaries as streams; the split holds one copy of the samples.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import { DatasetImportError, fmtCount, fmtSize } from './errors';
import { BinaryWriter, ImportContext, type ImportedData, takeWrittenHash, writeInt32File } from './context';
import type { SplitInfo } from './types';

export const DEFAULT_TEST_FRACTION = 1 / 6;

/** mulberry32: small, fast, seedable; enough for shuffling. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffleInPlace<T>(a: T[] | Int32Array, rand: () => number): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}

export async function readInt32File(file: string): Promise<Int32Array> {
  const buf = await fs.readFile(file);
  if (buf.byteLength % 4 !== 0) throw new Error(`${file}: label file length ${buf.byteLength} is not a multiple of 4`);
  const out = new Int32Array(buf.byteLength / 4);
  new Uint8Array(out.buffer).set(buf);
  return out;
}

export function sampleBytes(data: Pick<ImportedData, 'kind' | 'sampleShape'>): number {
  return data.sampleShape.reduce((a, b) => a * b, 1) * (data.kind === 'image' ? 1 : 4);
}

/** Stratified split: per class, round(n·fraction) samples go to test (at least one train sample stays). */
export function stratifiedSplit(labels: Int32Array, classes: number, fraction: number, seed: number): { train: Int32Array; test: Int32Array } {
  const rand = seededRandom(seed);
  const byClass: number[][] = Array.from({ length: classes }, () => []);
  for (let i = 0; i < labels.length; i++) byClass[labels[i]].push(i);
  const train: number[] = [];
  const test: number[] = [];
  for (const idx of byClass) {
    shuffleInPlace(idx, rand);
    let k = Math.round(idx.length * fraction);
    if (idx.length >= 2) k = Math.min(Math.max(k, 1), idx.length - 1);
    else k = 0;
    for (let i = 0; i < idx.length; i++) (i < k ? test : train).push(idx[i]);
  }
  shuffleInPlace(train, rand);
  shuffleInPlace(test, rand);
  return { train: Int32Array.from(train), test: Int32Array.from(test) };
}

/** Where each source sample goes: its position in the train-then-test output order. */
function destinations(train: Int32Array, test: Int32Array): Int32Array {
  const dest = new Int32Array(train.length + test.length);
  for (let i = 0; i < train.length; i++) dest[train[i]] = i;
  for (let i = 0; i < test.length; i++) dest[test[i]] = train.length + i;
  return dest;
}

/**
 * Writes all-x.bin out as train-x.bin and test-x.bin in the split's order, holding at most
 * `ctx.memoryBudget` bytes of samples: each pass reads all-x.bin sequentially and keeps the
 * samples that land in the next window of the output, so a dataset of any size splits in
 * ceil(size / budget) passes. The bytes written are the same whatever the budget.
 */
async function splitOff(ctx: ImportContext, data: ImportedData, fraction: number, seed: number): Promise<{ train: Int32Array; test: Int32Array }> {
  const labels = await readInt32File(ctx.file('all', 'y'));
  const { train, test } = stratifiedSplit(labels, data.classNames.length, fraction, seed);
  const sb = sampleBytes(data);
  const total = labels.length;
  const size = total * sb;
  const st = await fs.statfs(ctx.staging);
  const free = st.bavail * st.bsize;
  if (size > free) {
    throw new DatasetImportError(
      `${data.sources[0] ?? 'input'}: splitting off a test set writes a second copy of the samples (${fmtSize(size)}) but only ${fmtSize(free)} is free on the disk of the library; free some space and import again.`,
    );
  }
  const dest = destinations(train, test);
  const window = Math.max(1, Math.floor(ctx.memoryBudget / sb));
  const perRead = Math.max(1, Math.min(window, Math.floor((4 << 20) / sb)));
  const readBuf = Buffer.allocUnsafe(perRead * sb);
  const writers = { train: await BinaryWriter.create(ctx.file('train', 'x')), test: await BinaryWriter.create(ctx.file('test', 'x')) };
  const fh = await fs.open(ctx.file('all', 'x'), 'r');
  try {
    for (let ws = 0; ws < total; ws += window) {
      const we = Math.min(total, ws + window);
      const out = Buffer.allocUnsafe((we - ws) * sb);
      for (let j0 = 0; j0 < total; j0 += perRead) {
        const k = Math.min(perRead, total - j0);
        await readFully(fh, readBuf, k * sb, j0 * sb);
        for (let i = 0; i < k; i++) {
          const d = dest[j0 + i];
          if (d >= ws && d < we) readBuf.copy(out, (d - ws) * sb, i * sb, (i + 1) * sb);
        }
        ctx.checkAbort();
      }
      // the window may straddle the end of the train part
      const cut = Math.min(Math.max(train.length - ws, 0), we - ws);
      if (cut > 0) await writers.train.write(out.subarray(0, cut * sb));
      if (cut < we - ws) await writers.test.write(out.subarray(cut * sb));
      ctx.progress('splitting', we, total);
    }
    await writers.train.close();
    await writers.test.close();
  } finally {
    await fh.close();
    await writers.train.abandon();
    await writers.test.abandon();
  }
  await writeInt32File(ctx.file('train', 'y'), Int32Array.from(train, (j) => labels[j]));
  await writeInt32File(ctx.file('test', 'y'), Int32Array.from(test, (j) => labels[j]));
  await fs.rm(ctx.file('all', 'x'));
  await fs.rm(ctx.file('all', 'y'));
  return { train, test };
}

async function readFully(fh: fs.FileHandle, buf: Buffer, length: number, position: number): Promise<void> {
  let off = 0;
  while (off < length) {
    const { bytesRead } = await fh.read(buf, off, length - off, position + off);
    if (bytesRead === 0) throw new Error(`internal: all-x.bin ended at byte ${position + off}, expected ${position + length}`);
    off += bytesRead;
  }
}

function countPerClass(labels: Int32Array, classes: number, where: string): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (!(l >= 0 && l < classes)) throw new DatasetImportError(`${where}: sample ${i} has label ${l}, outside the ${classes} classes.`);
    counts[l]++;
  }
  return counts;
}

/**
 * The sha256 of a staged file, streaming it through an optional chunk visitor. The hash the
 * writer computed while writing is used when there is one (and no visitor needs the bytes).
 */
async function streamFile(file: string, visit?: (chunk: Buffer) => void, ctx?: ImportContext): Promise<string> {
  const known = takeWrittenHash(file);
  if (known && !visit) return known;
  const h = known ? null : createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 4 << 20 })) {
    const b = chunk as Buffer;
    h?.update(b);
    visit?.(b);
    ctx?.checkAbort();
  }
  return known ?? h!.digest('hex');
}

export interface FinalizedData {
  train: SplitInfo;
  test: SplitInfo;
  mean: number[];
  std: number[];
  contentHash: string;
  split?: { fraction: number; seed: number; stratified: true };
}

export async function finalizeImport(ctx: ImportContext, data: ImportedData): Promise<FinalizedData> {
  const classes = data.classNames.length;
  let split: FinalizedData['split'];
  const header = JSON.stringify({ kind: data.kind, sampleShape: data.sampleShape, classNames: data.classNames, task: data.task });
  // tables: the hash of the raw table and the choices, so the same table imported with another split is still recognised
  let contentHash = data.contentKey ? createHash('sha256').update(header).update(data.contentKey).digest('hex') : '';
  let order: { train: Int32Array; test: Int32Array } | null = null;
  if (!data.hasTest) {
    // the hash is taken before the split, so the same data imported with another split is still recognised
    const fraction = ctx.opts.testFraction ?? DEFAULT_TEST_FRACTION;
    const seed = ctx.opts.seed ?? 0;
    const allLabels = await readInt32File(ctx.file('all', 'y'));
    countPerClass(allLabels, classes, data.sources[0] ?? 'input');
    ctx.progress('checking', 0, null);
    const hx = await streamFile(ctx.file('all', 'x'), undefined, ctx);
    const hy = await streamFile(ctx.file('all', 'y'));
    contentHash = createHash('sha256').update(header).update('all').update(hx).update(hy).digest('hex');
    order = await splitOff(ctx, data, fraction, seed);
    split = { fraction, seed, stratified: true };
  }
  if (data.split) split = data.split;
  ctx.progress('checking', 0, null);
  // a number to predict (tables): the y files hold float32 values, one "class" counts every sample
  const number = data.task === 'number';
  const yTrain = await readInt32File(ctx.file('train', 'y'));
  const yTest = await readInt32File(ctx.file('test', 'y'));
  const src = data.sources.join(', ');
  const perTrain = number ? [yTrain.length] : countPerClass(yTrain, classes, src);
  const perTest = number ? [yTest.length] : countPerClass(yTest, classes, src);
  if (yTrain.length === 0) throw new DatasetImportError(`${src}: no training samples.`);
  if (!number && perTrain.filter((c) => c > 0).length < 2) {
    throw new DatasetImportError(
      `${src}: all training samples have the same label ("${data.classNames[perTrain.findIndex((c) => c > 0)]}"); a classifier needs at least two classes.`,
    );
  }
  if (yTest.length === 0) {
    throw new DatasetImportError(`${src}: the test set would be empty (only ${fmtCount(yTrain.length)} samples); add samples or raise the test fraction.`);
  }
  /** a non-finite feature value, named by its place in the source (before the split) */
  const nonFinite = (part: 'train' | 'test', i: number, j: number, v: number) =>
    new DatasetImportError(
      `${src}: ${order ? `sample ${fmtCount(order[part][i])} (counting from 0, in the order of the input)` : `${part} sample ${fmtCount(i)} (counting from 0)`}, feature ${j}, is ${v}; ` +
        'every value must be a finite number (at most about ±3.4e38, the range of the 32-bit floats the studio stores). Fix or remove that sample and import again.',
    );
  const sb = sampleBytes(data);
  for (const [s, y] of [['train', yTrain], ['test', yTest]] as const) {
    const st = await fs.stat(ctx.file(s, 'x'));
    if (st.size !== y.length * sb) throw new Error(`internal: ${s}-x.bin holds ${st.size} bytes, expected ${y.length} × ${sb}`);
  }

  // mean and std of the train split, streamed
  const shape = data.sampleShape;
  let mean: number[];
  let std: number[];
  let visit: (chunk: Buffer) => void;
  let result: () => void;
  if (data.kind === 'image') {
    const [c, h, w] = shape;
    const plane = h * w;
    const sampleSize = c * plane;
    const hist = new Float64Array(c * 256);
    const counts = new Uint32Array(256);
    let off = 0; // position inside the current sample
    visit = (b) => {
      let i = 0;
      const n = b.length;
      if (c === 1) {
        counts.fill(0);
        for (; i < n; i++) counts[b[i]]++;
        for (let v = 0; v < 256; v++) hist[v] += counts[v];
        return;
      }
      while (i < n) {
        const ch = Math.floor(off / plane);
        const run = Math.min(n - i, plane - (off % plane));
        const base = ch * 256;
        for (let k = i; k < i + run; k++) hist[base + b[k]]++;
        i += run;
        off = (off + run) % sampleSize;
      }
    };
    result = () => {
      mean = [];
      std = [];
      for (let ch = 0; ch < c; ch++) {
        let n = 0, s = 0, s2 = 0;
        for (let v = 0; v < 256; v++) {
          const k = hist[ch * 256 + v];
          const x = v / 255;
          n += k;
          s += k * x;
          s2 += k * x * x;
        }
        const m = s / n;
        mean.push(m);
        std.push(Math.sqrt(Math.max(0, s2 / n - m * m)));
      }
    };
  } else {
    const f = shape[0];
    const sum = new Float64Array(f);
    const sum2 = new Float64Array(f);
    let shift: Float64Array | null = null; // first sample, to keep the sums well conditioned
    let rows = 0;
    visit = float32Rows(f, (row) => {
      if (!shift) shift = Float64Array.from(row);
      for (let j = 0; j < f; j++) {
        const v = row[j];
        if (!Number.isFinite(v)) throw nonFinite('train', rows, j, v);
        const d = v - shift[j];
        sum[j] += d;
        sum2[j] += d * d;
      }
      rows++;
    });
    result = () => {
      mean = [];
      std = [];
      for (let j = 0; j < f; j++) {
        const md = sum[j] / rows;
        mean.push((shift ? shift[j] : 0) + md);
        std.push(Math.sqrt(Math.max(0, sum2[j] / rows - md * md)));
      }
    };
  }
  ctx.progress('checking', 0, 4);
  const hTrainX = await streamFile(ctx.file('train', 'x'), visit, ctx);
  result();
  ctx.progress('checking', 1, 4);
  const hTrainY = await streamFile(ctx.file('train', 'y'));
  let testRows = 0;
  const checkTest =
    data.kind === 'tabular'
      ? float32Rows(shape[0], (row) => {
          for (let j = 0; j < row.length; j++) if (!Number.isFinite(row[j])) throw nonFinite('test', testRows, j, row[j]);
          testRows++;
        })
      : undefined;
  const hTestX = await streamFile(ctx.file('test', 'x'), checkTest, ctx);
  const hTestY = await streamFile(ctx.file('test', 'y'));
  ctx.progress('checking', 4, 4);
  if (!contentHash) contentHash = createHash('sha256').update(header).update(hTrainX).update(hTrainY).update(hTestX).update(hTestY).digest('hex');
  return {
    train: { count: yTrain.length, perClass: perTrain },
    test: { count: yTest.length, perClass: perTest },
    mean: mean!,
    std: std!,
    contentHash,
    split,
  };
}

/** A chunk visitor handing over whole float32 rows of `f` values, whatever the chunk boundaries. */
function float32Rows(f: number, onRow: (row: Float32Array) => void): (chunk: Buffer) => void {
  let pending = new Uint8Array(0);
  return (b) => {
    let bytes: Uint8Array = b;
    if (pending.length) {
      const merged = new Uint8Array(pending.length + b.length);
      merged.set(pending);
      merged.set(b, pending.length);
      bytes = merged;
    }
    const whole = Math.floor(bytes.length / (4 * f)) * f;
    const aligned = new Float32Array(whole);
    new Uint8Array(aligned.buffer).set(bytes.subarray(0, whole * 4));
    pending = bytes.slice(whole * 4);
    for (let r = 0; r < whole / f; r++) onRow(aligned.subarray(r * f, (r + 1) * f));
  };
}
