/**
 * IDX (the MNIST file format): a big-endian header — two zero bytes, a type code, the number
 * of dimensions — then each dimension's size as uint32, then the data. Only unsigned bytes
 * (type 0x08) are used by MNIST-style datasets. The format is trivial, so it is read here
 * rather than through a library. Files may be gzipped; both are streamed, never loaded whole.
 */
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { createGunzip } from 'node:zlib';
import { BinaryWriter, ImportContext, type ImportedData, writeInt32File } from './context';
import { DatasetImportError, fmtBytes, fmtCount, fmtDims, fmtSize } from './errors';
import { gunzipHead, readHead, type FileKind } from './sniff';

export interface IdxArray {
  shape: number[];
  data: Uint8Array;
}

export class IdxError extends DatasetImportError {}

const TYPE_NAMES: Record<number, string> = { 0x08: 'unsigned byte', 0x09: 'signed byte', 0x0b: 'short', 0x0c: 'int', 0x0d: 'float', 0x0e: 'double' };

/** Parses and checks an IDX header; returns the shape and the header length. */
export function parseIdxHeader(buf: Uint8Array, file: string): { shape: number[]; headerLen: number; count: number } {
  if (buf.length < 4) throw new IdxError(`${file}: not an IDX file (only ${fmtBytes(buf.length)}, the header alone needs 4).`);
  if (buf[0] !== 0 || buf[1] !== 0) throw new IdxError(`${file}: not an IDX file (wrong magic number: an IDX file starts with two zero bytes).`);
  const type = buf[2];
  if (type !== 0x08) {
    throw new IdxError(`${file}: IDX element type 0x${type.toString(16).padStart(2, '0')} (${TYPE_NAMES[type] ?? 'unknown'}) is not supported; only unsigned bytes (0x08) are.`);
  }
  const nd = buf[3];
  if (nd < 1 || nd > 4) throw new IdxError(`${file}: the IDX header declares ${nd} dimensions (expected 1 to 4).`);
  const headerLen = 4 + 4 * nd;
  if (buf.length < headerLen) throw new IdxError(`${file}: truncated IDX header (${fmtCount(buf.length)} of ${fmtBytes(headerLen)}).`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const shape: number[] = [];
  let count = 1;
  for (let i = 0; i < nd; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    shape.push(d);
    count *= d;
  }
  return { shape, headerLen, count };
}

/** Parses a whole IDX file held in memory (small files, tests). */
export function parseIdx(buf: Uint8Array, file: string): IdxArray {
  const { shape, headerLen, count } = parseIdxHeader(buf, file);
  const have = buf.length - headerLen;
  if (count !== have) {
    throw new IdxError(
      `${file}: the header declares ${fmtDims(shape)} = ${fmtCount(count)} values but the file holds ${fmtCount(have)}` +
        (count > have ? ' (the file is truncated).' : ' (extra bytes after the data).'),
    );
  }
  return { shape, data: buf.subarray(headerLen) };
}

interface IdxFile {
  file: string;
  gz: boolean;
  shape: number[];
  role: 'train' | 'test' | null;
}

function roleOf(file: string): 'train' | 'test' | null {
  const base = path.basename(file).toLowerCase();
  if (/(^|[-_.])(t10k|test)([-_.]|$)/.test(base)) return 'test';
  if (/(^|[-_.])train([-_.]|$)/.test(base)) return 'train';
  return null;
}

async function readHeaderOf(file: string, gz: boolean): Promise<{ shape: number[]; headerLen: number; count: number }> {
  const head = gz ? await gunzipHead(file, 20) : await readHead(file, 20);
  return parseIdxHeader(head, file);
}

/**
 * Streams an IDX file's data (after the header) into `sink`, checking that exactly the
 * declared number of bytes arrives. Nothing proportional to the declared size is allocated.
 */
async function streamIdxData(ctx: ImportContext, f: IdxFile, sink: (chunk: Buffer) => Promise<void> | void, declared: number, phaseTotal: { done: number; total: number }): Promise<void> {
  const { headerLen } = await readHeaderOf(f.file, f.gz);
  let skip = headerLen;
  let got = 0;
  const src = createReadStream(f.file, { highWaterMark: 1 << 20 });
  let input: NodeJS.ReadableStream = src;
  if (f.gz) {
    const gz = createGunzip();
    src.on('error', (e) => gz.destroy(e));
    input = src.pipe(gz);
  }
  try {
        for await (let chunk of input as AsyncIterable<Buffer>) {
          ctx.checkAbort();
          if (skip > 0) {
            const s = Math.min(skip, chunk.length);
            chunk = chunk.subarray(s);
            skip -= s;
          }
          if (chunk.length === 0) continue;
          if (got + chunk.length > declared) {
            throw new IdxError(`${f.file}: the file holds more data than its header declares (${fmtDims(f.shape)} = ${fmtCount(declared)} values); it is not a valid IDX file.`);
          }
          got += chunk.length;
          await sink(chunk);
          phaseTotal.done += chunk.length;
          ctx.progress('reading', phaseTotal.done, phaseTotal.total);
        }
  } catch (e) {
    if (e instanceof DatasetImportError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR' || /unexpected end|incorrect header|invalid/i.test(String((e as Error).message))) {
      throw new IdxError(`${f.file}: the gzip data is corrupt or truncated (${(e as Error).message}).`);
    }
    throw e;
  } finally {
    src.destroy();
  }
  if (got < declared) {
    throw new IdxError(`${f.file}: truncated: the header declares ${fmtDims(f.shape)} = ${fmtCount(declared)} values but the file holds only ${fmtCount(got)}.`);
  }
}

/** Imports a set of IDX files (plain or gzipped): one images and one labels file per split. */
export async function importIdx(ctx: ImportContext, files: { file: string; kind: FileKind }[]): Promise<ImportedData> {
  const parsed: IdxFile[] = [];
  for (const { file, kind } of files) {
    const gz = kind === 'idx.gz';
    const { shape, headerLen, count } = await readHeaderOf(file, gz);
    if (!gz) {
      const size = (await fs.stat(file)).size;
      if (size - headerLen !== count) {
        throw new IdxError(
          `${file}: the header declares ${fmtDims(shape)} = ${fmtCount(count)} values but the file holds ${fmtCount(size - headerLen)}` +
            (count > size - headerLen ? ' (the file is truncated).' : ' (extra bytes after the data).'),
        );
      }
    }
    if (count === 0) throw new IdxError(`${file}: the IDX header declares zero samples (${fmtDims(shape)}).`);
    if (shape.length !== 1 && shape.length !== 3) {
      throw new IdxError(`${file}: an IDX file of shape ${fmtDims(shape)} is neither images (N×height×width) nor labels (N).`);
    }
    parsed.push({ file, gz, shape, role: roleOf(file) });
  }
  // group into splits
  const groups = new Map<'train' | 'test', { images?: IdxFile; labels?: IdxFile }>();
  const unnamed = parsed.filter((p) => p.role === null);
  if (unnamed.length && parsed.length > 2) {
    throw new IdxError(`${unnamed[0].file}: cannot tell whether this is a train or test file; name it train-… or t10k-…/test-….`);
  }
  for (const p of parsed) {
    const role = p.role ?? 'train';
    const g = groups.get(role) ?? {};
    const slot = p.shape.length === 3 ? 'images' : 'labels';
    if (g[slot]) throw new IdxError(`${p.file} and ${g[slot]!.file}: two ${role} ${slot} files; give one of each per split.`);
    g[slot] = p;
    groups.set(role, g);
  }
  if (!groups.has('train')) throw new IdxError(`${parsed.map((p) => p.file).join(', ')}: only test files; add the train-… images and labels.`);
  for (const [role, g] of groups) {
    if (!g.images) throw new IdxError(`${g.labels!.file}: no matching ${role} images file (…-images-idx3-ubyte).`);
    if (!g.labels) throw new IdxError(`${g.images.file}: no matching ${role} labels file (…-labels-idx1-ubyte).`);
    if (g.images.shape[0] !== g.labels.shape[0]) {
      throw new IdxError(`${g.images.file} holds ${fmtCount(g.images.shape[0])} images but ${g.labels.file} holds ${fmtCount(g.labels.shape[0])} labels; they must match.`);
    }
  }
  const train = groups.get('train')!;
  const test = groups.get('test');
  const [, h, w] = train.images!.shape;
  if (h === 0 || w === 0) throw new IdxError(`${train.images!.file}: images of size ${h}×${w}.`);
  if (test && (test.images!.shape[1] !== h || test.images!.shape[2] !== w)) {
    throw new IdxError(`${test.images!.file}: test images are ${test.images!.shape[1]}×${test.images!.shape[2]} but train images are ${h}×${w}.`);
  }
  // do not start writing what cannot fit
  const totalBytes = [...groups.values()].reduce((a, g) => a + g.images!.shape.reduce((x, y) => x * y, 1) + 4 * g.labels!.shape[0], 0);
  const st = await fs.statfs(ctx.staging);
  const free = st.bavail * st.bsize;
  if (totalBytes > free) {
    throw new IdxError(`${train.images!.file}: the headers declare ${fmtSize(totalBytes)} of data but only ${fmtSize(free)} is free on the disk of the library.`);
  }
  for (const p of parsed) if (p.gz) await checkGzipRatio(p);

  const progress = { done: 0, total: totalBytes };
  const present = new Uint32Array(256);
  const staged: { split: 'train' | 'test' | 'all'; labels: Int32Array }[] = [];
  for (const [role, g] of groups) {
    const split = test ? role : 'all';
    const n = g.images!.shape[0];
    // labels: n bytes, verified against the file before allocation
    const labels = new Int32Array(n);
    let li = 0;
    await streamIdxData(ctx, g.labels!, (chunk) => {
      for (let i = 0; i < chunk.length; i++) {
        labels[li++] = chunk[i];
        present[chunk[i]]++;
      }
    }, n, progress);
    const writer = await BinaryWriter.create(ctx.file(split, 'x'));
    try {
      await streamIdxData(ctx, g.images!, (chunk) => writer.write(chunk), n * h * w, progress);
      await writer.close();
    } finally {
      await writer.abandon();
    }
    staged.push({ split, labels });
  }
  const { classNames, map, note } = labelClasses(present);
  for (const { split, labels } of staged) {
    if (map) for (let i = 0; i < labels.length; i++) labels[i] = map[labels[i]];
    await writeInt32File(ctx.file(split, 'y'), labels);
  }
  return {
    format: 'idx',
    kind: 'image',
    sampleShape: [1, h, w],
    classNames,
    sources: parsed.map((p) => p.file),
    hasTest: !!test,
    preprocessing: { source: 'idx', gzip: parsed.some((p) => p.gz), ...(note ? { labels: note } : {}) },
  };
}

/**
 * Classes from the label values present. Labels 0..K-1 with a few gaps keep their numbers (a
 * small MNIST slice missing a digit still has ten classes); sparse values such as {0, 255}
 * become classes 0, 1, … in order, and the import summary says how they were mapped.
 */
export function labelClasses(present: Uint32Array): { classNames: string[]; map: Int32Array | null; note?: string } {
  const values: number[] = [];
  for (let v = 0; v < present.length; v++) if (present[v] > 0) values.push(v);
  const max = values[values.length - 1] ?? 0;
  if (max < 2 * values.length) return { classNames: Array.from({ length: max + 1 }, (_, i) => String(i)), map: null };
  const map = new Int32Array(present.length).fill(-1);
  values.forEach((v, i) => (map[v] = i));
  const pairs = values.map((v, i) => `${v}→${i}`);
  const note = `the label values present (${values.join(', ')}) were mapped to classes 0 to ${values.length - 1} (${pairs.slice(0, 20).join(', ')}${pairs.length > 20 ? ', …' : ''}); class names keep the original values`;
  return { classNames: values.map(String), map, note };
}

/** Above this many declared bytes, a gzipped IDX file claiming more than MAX_GZ_RATIO times its size is refused as a bomb. */
const GZ_RATIO_FLOOR = 64 << 20;
const MAX_GZ_RATIO = 200;

/** A gzipped IDX whose header declares far more than any real data compresses to is refused before it is expanded. */
async function checkGzipRatio(f: IdxFile): Promise<void> {
  const declared = f.shape.reduce((a, b) => a * b, 1);
  const size = (await fs.stat(f.file)).size;
  const ratio = declared / Math.max(1, size);
  if (declared > GZ_RATIO_FLOOR && ratio > MAX_GZ_RATIO) {
    throw new IdxError(
      `${f.file}: the header declares ${fmtDims(f.shape)} = ${fmtSize(declared)} from ${fmtSize(size)} of gzip (${fmtCount(Math.round(ratio))} to 1); real pictures do not shrink that much, so it was not expanded. ` +
        'Decompress it yourself (gunzip) if the data is genuine, and import the plain file.',
    );
  }
}
