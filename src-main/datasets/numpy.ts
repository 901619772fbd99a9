/**
 * NumPy importer: `.npy` files and `.npz` archives (fflate) holding `x`/`y` or
 * `x_train`/`y_train`/`x_test`/`y_test`. The .npy header is a trivial format (magic, version,
 * a Python dict literal with descr, fortran_order and shape) and is read here.
 * x of shape (N, F) is tabular; (N, H, W), (N, H, W, C) or (N, C, H, W) with C of 1 or 3
 * are images (integers 0–255, or floats in [0, 1] or [0, 255]). y holds integers or strings
 * (one-hot rows are accepted).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { BinaryWriter, ImportContext, type ImportedData, writeInt32File } from './context';
import { DatasetImportError, fmtBytes, fmtCount, fmtSize, printable } from './errors';
import { MAX_NPZ_EXPANDED, PICKLE_MESSAGE, checkNpzDirectory, isPickle } from './npz-guards';
import { readHead, type FileKind } from './sniff';

export interface NpyArray {
  /** numpy kind: u, i, f, b, U, S, O … */
  kind: string;
  itemSize: number;
  littleEndian: boolean;
  shape: number[];
  /** the raw element bytes (after the header) */
  data: Uint8Array;
  where: string;
}

const MAGIC = '\x93NUMPY';

export function parseNpyHeader(buf: Uint8Array, where: string): { kind: string; itemSize: number; littleEndian: boolean; shape: number[]; fortran: boolean; dataOffset: number } {
  const fail = (m: string) => new DatasetImportError(`${where}: ${m}`);
  if (isPickle(buf)) throw fail(PICKLE_MESSAGE);
  if (buf.length < 10 || Buffer.from(buf.subarray(0, 6)).toString('latin1') !== MAGIC) throw fail('not a NumPy .npy file (wrong magic number).');
  const major = buf[6];
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let headerLen: number;
  let start: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (buf.length < 12) throw fail('truncated .npy header.');
    headerLen = view.getUint32(8, true);
    start = 12;
  } else throw fail(`.npy format version ${major} is not supported (1 to 3 are).`);
  if (headerLen > 1 << 20) throw fail(`the .npy header claims ${fmtBytes(headerLen)}; the file is corrupt.`);
  if (buf.length < start + headerLen) throw fail(`truncated .npy header (${fmtBytes(buf.length)}, the header needs ${fmtCount(start + headerLen)}).`);
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(buf.subarray(start, start + headerLen));
  const descr = /'descr'\s*:\s*'([<>|=])([a-zA-Z])(\d*)'/.exec(text);
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text);
  const shapeM = /'shape'\s*:\s*\(([^)]*)\)/.exec(text);
  if (!descr || !fortran || !shapeM) throw fail(`unreadable .npy header ${JSON.stringify(text.slice(0, 120))} (structured or object arrays are not supported).`);
  const shape = shapeM[1].split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0)) throw fail(`bad shape (${shapeM[1]}) in the .npy header.`);
  const kind = descr[2];
  const itemSize = descr[3] ? Number(descr[3]) : 0;
  if (kind === 'O') throw fail('holds Python objects (dtype=object), which cannot be read without running Python code; save it with a numeric dtype (e.g. x.astype("float32")).');
  return { kind, itemSize, littleEndian: descr[1] !== '>', shape, fortran: fortran[1] === 'True', dataOffset: start + headerLen };
}

function checkNpy(h: ReturnType<typeof parseNpyHeader>, available: number, where: string): number {
  const count = h.shape.reduce((a, b) => a * b, 1);
  const unit = h.kind === 'U' ? 4 * h.itemSize : h.itemSize;
  const need = count * unit;
  if (need > available) throw new DatasetImportError(`${where}: the header declares shape (${h.shape.join(', ')}) = ${fmtBytes(need)} of data but the file holds ${fmtCount(available)} (truncated or corrupt).`);
  if (need < available) throw new DatasetImportError(`${where}: ${fmtBytes(available - need)} after the data that the header (shape (${h.shape.join(', ')})) does not account for.`);
  if (h.fortran && h.shape.length > 1) throw new DatasetImportError(`${where}: the array is stored in Fortran order; save np.ascontiguousarray(arr) instead.`);
  return count;
}

export function parseNpy(buf: Uint8Array, where: string): NpyArray {
  const h = parseNpyHeader(buf, where);
  checkNpy(h, buf.length - h.dataOffset, where);
  return { kind: h.kind, itemSize: h.itemSize, littleEndian: h.littleEndian, shape: h.shape, data: buf.subarray(h.dataOffset), where };
}

/** Element i of a numeric array as a number. */
function numberReader(a: NpyArray): (i: number) => number {
  const v = new DataView(a.data.buffer, a.data.byteOffset, a.data.byteLength);
  const le = a.littleEndian;
  const s = a.itemSize;
  switch (`${a.kind}${s}`) {
    case 'u1': return (i) => a.data[i];
    case 'b1': return (i) => a.data[i];
    case 'i1': return (i) => v.getInt8(i);
    case 'u2': return (i) => v.getUint16(2 * i, le);
    case 'i2': return (i) => v.getInt16(2 * i, le);
    case 'u4': return (i) => v.getUint32(4 * i, le);
    case 'i4': return (i) => v.getInt32(4 * i, le);
    case 'u8': return (i) => Number(v.getBigUint64(8 * i, le));
    case 'i8': return (i) => Number(v.getBigInt64(8 * i, le));
    case 'f4': return (i) => v.getFloat32(4 * i, le);
    case 'f8': return (i) => v.getFloat64(8 * i, le);
    case 'f2': return (i) => halfToFloat(v.getUint16(2 * i, le));
    default:
      throw new DatasetImportError(`${a.where}: dtype ${a.kind}${s} is not supported; use integers or floats.`);
  }
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/** Labels as strings (for class names) — numbers, booleans, or text (U/S dtypes). */
function labelStrings(y: NpyArray): { values: string[]; numeric: boolean } {
  let n = y.shape[0] ?? 0;
  if (y.shape.length === 0) throw new DatasetImportError(`${y.where}: labels must be an array with one entry per sample, not a single value.`);
  if (y.kind === 'U' || y.kind === 'S') {
    if (y.shape.length !== 1) throw new DatasetImportError(`${y.where}: text labels must be one-dimensional (shape (N,)), not (${y.shape.join(', ')}).`);
    const unit = y.kind === 'U' ? 4 * y.itemSize : y.itemSize;
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      const b = y.data.subarray(i * unit, (i + 1) * unit);
      let s = '';
      if (y.kind === 'U') {
        const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
        for (let k = 0; k < y.itemSize; k++) {
          const cp = v.getUint32(4 * k, y.littleEndian);
          if (cp === 0) break;
          s += String.fromCodePoint(cp);
        }
      } else s = Buffer.from(b).toString('latin1').replace(/\0+$/, '');
      out.push(s);
    }
    return { values: out, numeric: false };
  }
  const get = numberReader(y);
  let width = 1;
  if (y.shape.length === 2 && y.shape[1] === 1) width = 1;
  else if (y.shape.length === 2) width = y.shape[1];
  else if (y.shape.length !== 1) throw new DatasetImportError(`${y.where}: labels of shape (${y.shape.join(', ')}); expected (N,) or one-hot (N, classes).`);
  n = y.shape[0];
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    if (width === 1) {
      const v = get(i);
      if (!Number.isInteger(v)) throw new DatasetImportError(`${y.where}: label ${i} is ${v}; labels must be whole numbers (class indices) or text.`);
      out.push(String(v));
    } else {
      let best = -1;
      let ones = 0;
      for (let k = 0; k < width; k++) {
        const v = get(i * width + k);
        if (v === 1) {
          ones++;
          best = k;
        } else if (v !== 0) ones = 99;
      }
      if (ones !== 1) throw new DatasetImportError(`${y.where}: row ${i} of the (N, ${width}) labels is not one-hot (exactly one 1, the rest 0).`);
      out.push(String(best));
    }
  }
  return { values: out, numeric: true };
}

interface Layout {
  kind: 'image' | 'tabular';
  sampleShape: number[];
  nhwc: boolean;
}

function layoutOf(x: NpyArray): Layout {
  const s = x.shape;
  if (s.length === 2) return { kind: 'tabular', sampleShape: [s[1]], nhwc: false };
  if (s.length === 3) return { kind: 'image', sampleShape: [1, s[1], s[2]], nhwc: false };
  if (s.length === 4) {
    if ((s[3] === 1 || s[3] === 3) && !(s[1] === 1 || s[1] === 3)) return { kind: 'image', sampleShape: [s[3], s[1], s[2]], nhwc: true };
    if (s[1] === 1 || s[1] === 3) return { kind: 'image', sampleShape: [s[1], s[2], s[3]], nhwc: false };
    throw new DatasetImportError(`${x.where}: images of shape (${s.join(', ')}) need 1 or 3 channels, first (N, C, H, W) or last (N, H, W, C).`);
  }
  throw new DatasetImportError(`${x.where}: samples of shape (${s.join(', ')}); expected (N, features) for tables or (N, H, W[, C]) for images.`);
}

async function writeX(ctx: ImportContext, x: NpyArray, layout: Layout, split: 'train' | 'test' | 'all', imageScale: { factor: number } | null): Promise<void> {
  const n = x.shape[0];
  const sampleSize = layout.sampleShape.reduce((a, b) => a * b, 1);
  const w = await BinaryWriter.create(ctx.file(split, 'x'));
  try {
    if (layout.kind === 'tabular') {
      const get = numberReader(x);
      const row = new Float32Array(sampleSize);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < sampleSize; j++) {
          const v = get(i * sampleSize + j);
          if (!Number.isFinite(v)) throw new DatasetImportError(`${x.where}: sample ${i}, feature ${j} (index [${i}, ${j}]) is ${v}; every value must be a finite number.`);
          if (!Number.isFinite(Math.fround(v))) {
            throw new DatasetImportError(
              `${x.where}: sample ${i}, feature ${j} (index [${i}, ${j}]) is ${v}, beyond the range of 32-bit floats (±3.4e38) in which features are stored; scale that feature down and save again.`,
            );
          }
          row[j] = v;
        }
        await w.write(row);
        if ((i & 4095) === 0) ctx.checkAbort();
      }
    } else if (x.kind === 'u' && x.itemSize === 1 && !layout.nhwc) {
      await w.write(x.data);
    } else {
      const get = numberReader(x);
      const [c, h, wd] = layout.sampleShape;
      const plane = h * wd;
      const out = new Uint8Array(sampleSize);
      const f = imageScale?.factor ?? 1;
      for (let i = 0; i < n; i++) {
        const base = i * sampleSize;
        for (let p = 0; p < plane; p++) {
          for (let k = 0; k < c; k++) {
            const src = layout.nhwc ? base + p * c + k : base + k * plane + p;
            out[k * plane + p] = Math.round(get(src) * f);
          }
        }
        await w.write(out);
        if ((i & 1023) === 0) ctx.checkAbort();
      }
    }
    await w.close();
  } finally {
    await w.abandon();
  }
}

/** How float or wide-integer image data maps onto 0–255, or an error naming the range. */
function imageScaleOf(x: NpyArray): { factor: number; note: string } | null {
  if (x.kind === 'u' && x.itemSize === 1) return null;
  const get = numberReader(x);
  const n = x.shape.reduce((a, b) => a * b, 1);
  let min = Infinity;
  let max = -Infinity;
  let integral = true;
  for (let i = 0; i < n; i++) {
    const v = get(i);
    if (!Number.isFinite(v)) throw new DatasetImportError(`${x.where}: value ${i} is ${v}; images must hold finite numbers.`);
    if (v < min) min = v;
    if (v > max) max = v;
    if (integral && !Number.isInteger(v)) integral = false;
  }
  if (min >= 0 && max <= 1 && !integral) return { factor: 255, note: 'values in [0, 1] multiplied by 255 and rounded' };
  if (min >= 0 && max <= 255) return { factor: 1, note: integral ? 'integers 0–255' : 'values in [0, 255] rounded' };
  throw new DatasetImportError(`${x.where}: image values range from ${min} to ${max}; images need values from 0 to 255 (or 0 to 1). For other data, reshape x to (N, features).`);
}

function keyOf(name: string): string | null {
  const base = path.basename(name).replace(/\.npy$/i, '').toLowerCase();
  let m = /^(x|y)(?:[_-]?(train|test))?$/.exec(base);
  if (m) return m[2] ? `${m[1]}_${m[2]}` : m[1];
  m = /^(train|test)[_-]?(x|y)$/.exec(base);
  if (m) return `${m[2]}_${m[1]}`;
  return null;
}

const EXPECTED_KEYS = 'x and y, or x_train, y_train, x_test and y_test';

export async function importNumpy(ctx: ImportContext, files: { file: string; kind: FileKind }[]): Promise<ImportedData> {
  const arrays = new Map<string, NpyArray>();
  const st = await fs.statfs(ctx.staging);
  const free = st.bavail * st.bsize;
  const put = (key: string | null, a: () => NpyArray, where: string) => {
    if (!key) return;
    if (arrays.has(key)) throw new DatasetImportError(`${where}: a second array named ${key} (the first is ${arrays.get(key)!.where}).`);
    arrays.set(key, a());
  };
  for (const { file, kind } of files) {
    ctx.checkAbort();
    if (kind === 'npy') {
      const key = keyOf(file);
      if (!key) throw new DatasetImportError(`${file}: cannot tell which array this is; name the files ${EXPECTED_KEYS} (.npy).`);
      // check the header against the file size before reading the data
      const head = await readHead(file, 4096);
      const h = parseNpyHeader(head, file);
      const size = (await fs.stat(file)).size;
      checkNpy(h, size - h.dataOffset, file);
      if (size > MAX_NPZ_EXPANDED) {
        throw new DatasetImportError(`${file}: ${fmtSize(size)}; NumPy files are read into memory whole and the studio reads them up to ${fmtSize(MAX_NPZ_EXPANDED)}. Save the data as IDX files or a CSV table, which are streamed, or use fewer samples.`);
      }
      const buf = await fs.readFile(file);
      put(key, () => parseNpy(buf, file), file);
    } else {
      const buf = await fs.readFile(file);
      checkNpzDirectory(buf, file, free, (name) => keyOf(name) !== null);
      let entries: Record<string, Uint8Array>;
      try {
        entries = unzipSync(buf, { filter: (f) => keyOf(f.name) !== null });
      } catch (e) {
        throw new DatasetImportError(`${file}: not a readable .npz (zip) archive (${(e as Error).message}).`);
      }
      for (const [name, data] of Object.entries(entries)) put(keyOf(name), () => parseNpy(data, `${file}:${name}`), `${file}:${name}`);
      if (!Object.keys(entries).length) {
        const names: string[] = [];
        unzipSync(buf, { filter: (f) => (names.push(f.name), false) });
        throw new DatasetImportError(`${file}: the archive holds no arrays named ${EXPECTED_KEYS} (it holds: ${names.slice(0, 10).map((nm) => printable(nm)).join(', ') || 'nothing'}).`);
      }
    }
  }
  const where = files.map((f) => f.file).join(', ');
  let xTrain = arrays.get('x_train') ?? arrays.get('x');
  let yTrain = arrays.get('y_train') ?? arrays.get('y');
  const xTest = arrays.get('x_test');
  const yTest = arrays.get('y_test');
  if (arrays.has('x') && arrays.has('x_train')) throw new DatasetImportError(`${where}: holds both x and x_train; give one of them.`);
  if (!xTrain || !yTrain) {
    const have = [...arrays.keys()].join(', ') || 'none';
    throw new DatasetImportError(`${where}: needs ${EXPECTED_KEYS} (found: ${have}).`);
  }
  if (!!xTest !== !!yTest) throw new DatasetImportError(`${where}: has ${xTest ? 'x_test without y_test' : 'y_test without x_test'}; give both or neither.`);
  const check = (x: NpyArray, y: NpyArray) => {
    if (x.shape.length < 2) throw new DatasetImportError(`${x.where}: x must have one row per sample (shape (N, …)), not (${x.shape.join(', ')}).`);
    if (x.shape[0] === 0) throw new DatasetImportError(`${x.where}: holds zero samples.`);
    if (y.shape[0] !== x.shape[0]) throw new DatasetImportError(`${x.where} holds ${fmtCount(x.shape[0])} samples but ${y.where} holds ${fmtCount(y.shape[0])} labels; they must match.`);
    if (x.shape.slice(1).some((d) => d === 0)) throw new DatasetImportError(`${x.where}: samples of shape (${x.shape.slice(1).join(', ')}) hold no values.`);
  };
  check(xTrain, yTrain);
  const layout = layoutOf(xTrain);
  if (xTest && yTest) {
    check(xTest, yTest);
    const lt = layoutOf(xTest);
    if (lt.sampleShape.join() !== layout.sampleShape.join()) throw new DatasetImportError(`${xTest.where}: test samples of shape (${xTest.shape.slice(1).join(', ')}) differ from train samples (${xTrain.shape.slice(1).join(', ')}).`);
  }
  // do not start writing what cannot fit
  const stored = (x: NpyArray) => x.shape.reduce((a, b) => a * b, 1) * (layout.kind === 'image' ? 1 : 4) + 4 * x.shape[0];
  const need = stored(xTrain) + (xTest ? stored(xTest) : 0);
  if (need > free) throw new DatasetImportError(`${where}: the arrays take ${fmtSize(need)} once stored but only ${fmtSize(free)} is free on the disk of the library; free some space and import again.`);
  // labels
  const lTrain = labelStrings(yTrain);
  const lTest = yTest ? labelStrings(yTest) : null;
  const distinct = [...new Set([...lTrain.values, ...(lTest?.values ?? [])])];
  const numeric = lTrain.numeric && (lTest?.numeric ?? true);
  distinct.sort(numeric ? (a, b) => Number(a) - Number(b) : (a, b) => a.localeCompare(b, undefined, { numeric: true }));
  // integer labels 0..K-1 keep their numbers even when a class is absent from the data
  let classNames = distinct;
  if (numeric && Number(distinct[0]) >= 0 && Number(distinct[distinct.length - 1]) < 1000 && Number(distinct[distinct.length - 1]) < 2 * distinct.length) {
    classNames = Array.from({ length: Number(distinct[distinct.length - 1]) + 1 }, (_, i) => String(i));
  }
  if (distinct.length < 2) throw new DatasetImportError(`${yTrain.where}: every label is "${distinct[0]}"; a classifier needs at least two classes.`);
  const index = new Map(classNames.map((c, i) => [c, i]));
  let scaleNote: string | undefined;
  const split = xTest ? 'train' : 'all';
  const sc = layout.kind === 'image' ? imageScaleOf(xTrain) : null;
  if (sc) scaleNote = sc.note;
  ctx.progress('decoding', 0, 2);
  await writeX(ctx, xTrain, layout, split, sc);
  await writeInt32File(ctx.file(split, 'y'), Int32Array.from(lTrain.values, (l) => index.get(l)!));
  if (xTest && lTest) {
    const sct = layout.kind === 'image' ? imageScaleOf(xTest) : null;
    await writeX(ctx, xTest, layoutOf(xTest), 'test', sc ?? sct);
    await writeInt32File(ctx.file('test', 'y'), Int32Array.from(lTest.values, (l) => index.get(l)!));
  }
  ctx.progress('decoding', 2, 2);
  xTrain = undefined;
  yTrain = undefined;
  return {
    format: 'npy',
    kind: layout.kind,
    sampleShape: layout.sampleShape,
    classNames,
    sources: files.map((f) => f.file),
    hasTest: !!xTest,
    preprocessing: { source: 'numpy', layout: layout.nhwc ? 'NHWC transposed to NCHW' : layout.kind === 'image' ? 'NCHW' : 'features', ...(scaleNote ? { values: scaleNote } : {}) },
  };
}
