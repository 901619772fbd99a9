/**
 * CIFAR binary importer. CIFAR-10: data_batch_1..5.bin and test_batch.bin, records of one
 * label byte and 3072 pixel bytes (32×32, red then green then blue planes — already the
 * library's C×H×W layout), class names in batches.meta.txt. CIFAR-100: train.bin and
 * test.bin, records of a coarse and a fine label byte then 3072 pixels, names in
 * fine_label_names.txt / coarse_label_names.txt. As a folder or as the .tar.gz archive
 * (tar-stream over zlib), streamed record by record.
 */
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { BinaryWriter, ImportContext, type ImportedData, writeInt32File } from './context';
import { DatasetImportError, fmtBytes, fmtCount, fmtSize } from './errors';

const PIXELS = 3072;
const CIFAR10_NAMES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

type Variant = 'cifar10' | 'cifar100';

function roleOf(base: string): { variant: Variant; split: 'train' | 'test' } | null {
  const b = base.toLowerCase();
  if (/^data_batch_\d+\.bin$/.test(b)) return { variant: 'cifar10', split: 'train' };
  if (b === 'test_batch.bin') return { variant: 'cifar10', split: 'test' };
  if (b === 'train.bin') return { variant: 'cifar100', split: 'train' };
  if (b === 'test.bin') return { variant: 'cifar100', split: 'test' };
  return null;
}

const NAME_FILES = ['batches.meta.txt', 'fine_label_names.txt', 'coarse_label_names.txt'];

export async function isCifarFolder(files: string[]): Promise<boolean> {
  const bases = files.map((f) => path.basename(f).toLowerCase());
  if (bases.some((b) => /^data_batch_\d+\.bin$/.test(b) || b === 'test_batch.bin')) return true;
  return bases.some((b) => b === 'train.bin' || b === 'test.bin') && bases.some((b) => b === 'fine_label_names.txt' || b === 'coarse_label_names.txt');
}

/** Consumes one batch stream: pixels to `writer`, labels to `labels`; checks length and label range. */
async function consumeBatch(ctx: ImportContext, stream: AsyncIterable<Buffer>, file: string, size: number, variant: Variant, useCoarse: boolean, writer: BinaryWriter, labels: number[]): Promise<void> {
  const rec = variant === 'cifar10' ? PIXELS + 1 : PIXELS + 2;
  if (size % rec !== 0 || size === 0) {
    throw new DatasetImportError(
      `${file}: ${fmtBytes(size)} is not a whole number of ${variant === 'cifar10' ? 'CIFAR-10' : 'CIFAR-100'} records (${fmtBytes(rec)} each: ${rec - PIXELS} label byte${rec - PIXELS > 1 ? 's' : ''} and 32×32×3 pixels); the file is truncated or not a CIFAR batch.`,
    );
  }
  const maxLabel = variant === 'cifar10' ? 10 : useCoarse ? 20 : 100;
  const labelAt = variant === 'cifar10' ? 0 : useCoarse ? 0 : 1;
  const carry = Buffer.alloc(rec);
  let have = 0;
  let records = 0;
  let got = 0;
  const take = async (r: Buffer) => {
    const l = r[labelAt];
    if (l >= maxLabel) throw new DatasetImportError(`${file}: record ${records} has label ${l}, but ${variant === 'cifar10' ? 'CIFAR-10' : 'CIFAR-100'} labels go from 0 to ${maxLabel - 1}; the file is not a CIFAR batch.`);
    labels.push(l);
    await writer.write(r.subarray(rec - PIXELS));
    records++;
  };
  for await (const chunk of stream) {
    ctx.checkAbort();
    got += chunk.length;
    let i = 0;
    if (have > 0) {
      const n = Math.min(rec - have, chunk.length);
      chunk.copy(carry, have, 0, n);
      have += n;
      i = n;
      if (have === rec) {
        await take(carry);
        have = 0;
      }
    }
    while (i + rec <= chunk.length) {
      await take(chunk.subarray(i, i + rec));
      i += rec;
    }
    if (i < chunk.length) {
      chunk.copy(carry, 0, i);
      have = chunk.length - i;
    }
    ctx.progress('reading', labels.length, null);
  }
  if (got !== size || have !== 0) throw new DatasetImportError(`${file}: ended after ${fmtCount(got)} of ${fmtBytes(size)}; the file is truncated.`);
}

function namesFrom(text: string, file: string, expected: number): string[] {
  const names = text.split(/\r?\n/).map((s) => s.trim()).filter(Boolean);
  if (names.length !== expected) throw new DatasetImportError(`${file}: lists ${names.length} class names, expected ${expected}.`);
  return names;
}

function finish(variant: Variant, classNames: string[], sources: string[], hasTest: boolean, useCoarse: boolean, knownName: string): ImportedData {
  return {
    format: variant,
    kind: 'image',
    sampleShape: [3, 32, 32],
    classNames,
    sources,
    hasTest,
    preprocessing: { source: variant, ...(variant === 'cifar100' ? { labels: useCoarse ? 'coarse (20 superclasses)' : 'fine (100 classes)' } : {}) },
    knownName,
  };
}

export async function importCifarFolder(ctx: ImportContext, dir: string, files: string[]): Promise<ImportedData> {
  const batches = files
    .map((f) => ({ file: f, role: roleOf(path.basename(f)) }))
    .filter((b): b is { file: string; role: NonNullable<ReturnType<typeof roleOf>> } => b.role !== null)
    .sort((a, b) => a.file.localeCompare(b.file, undefined, { numeric: true }));
  const variants = new Set(batches.map((b) => b.role.variant));
  if (variants.size !== 1) throw new DatasetImportError(`${dir}: mixes CIFAR-10 and CIFAR-100 files; keep one dataset per folder.`);
  const variant = [...variants][0];
  const useCoarse = ctx.opts.cifar100Labels === 'coarse';
  const train = batches.filter((b) => b.role.split === 'train');
  const test = batches.filter((b) => b.role.split === 'test');
  if (!train.length) throw new DatasetImportError(`${dir}: no training batches (${variant === 'cifar10' ? 'data_batch_1.bin …' : 'train.bin'}).`);
  const hasTest = test.length > 0;
  for (const [split, list] of [[hasTest ? 'train' : 'all', train], ['test', test]] as const) {
    if (!list.length) continue;
    const writer = await BinaryWriter.create(ctx.file(split, 'x'));
    const labels: number[] = [];
    try {
      for (const b of list) {
        const size = (await fs.stat(b.file)).size;
        await consumeBatch(ctx, createReadStream(b.file, { highWaterMark: 1 << 20 }), b.file, size, variant, useCoarse, writer, labels);
      }
      await writer.close();
    } finally {
      await writer.abandon();
    }
    await writeInt32File(ctx.file(split, 'y'), Int32Array.from(labels));
  }
  const classNames = await readNames(files, variant, useCoarse);
  return finish(variant, classNames, batches.map((b) => b.file), hasTest, useCoarse, variant === 'cifar10' ? 'CIFAR-10' : 'CIFAR-100');
}

async function readNames(files: string[], variant: Variant, useCoarse: boolean): Promise<string[]> {
  const want = variant === 'cifar10' ? 'batches.meta.txt' : useCoarse ? 'coarse_label_names.txt' : 'fine_label_names.txt';
  const count = variant === 'cifar10' ? 10 : useCoarse ? 20 : 100;
  const f = files.find((x) => path.basename(x).toLowerCase() === want);
  if (f) return namesFrom(await fs.readFile(f, 'utf8'), f, count);
  return variant === 'cifar10' ? CIFAR10_NAMES : Array.from({ length: count }, (_, i) => String(i));
}

export async function importCifarArchive(ctx: ImportContext, file: string, gz: boolean): Promise<ImportedData> {
  const useCoarse = ctx.opts.cifar100Labels === 'coarse';
  const parts: { name: string; split: 'train' | 'test'; variant: Variant; part: string; labels: number[] }[] = [];
  const texts = new Map<string, string>();
  const extract = tar.extract();
  const src = createReadStream(file, { highWaterMark: 1 << 20 });
  let input: Readable = src;
  if (gz) {
    const g = createGunzip();
    src.on('error', (e) => g.destroy(e));
    input = src.pipe(g);
  }
  let n = 0;
  const declared = await archiveBudget(ctx, file);
  try {
    const done = new Promise<void>((resolve, reject) => {
      extract.on('finish', resolve);
      extract.on('error', reject);
      input.on('error', (e) => {
        extract.destroy(e);
        reject(e);
      });
    });
    done.catch(() => undefined); // awaited below; a failure also ends the loop through extract
    input.pipe(extract);
    for await (const entry of extract) {
      ctx.checkAbort();
      const h = entry.header;
      const base = path.basename(h.name);
      const role = h.type === 'file' ? roleOf(base) : null;
      const where = `${file}:${h.name}`;
      if (role) {
        declared.add(where, h.size ?? 0);
        const part = path.join(ctx.staging, `part-${n++}.bin`);
        const writer = await BinaryWriter.create(part);
        const labels: number[] = [];
        try {
          await consumeBatch(ctx, entry as AsyncIterable<Buffer>, where, h.size ?? 0, role.variant, useCoarse, writer, labels);
          await writer.close();
        } finally {
          await writer.abandon();
        }
        parts.push({ name: base, split: role.split, variant: role.variant, part, labels });
      } else if (h.type === 'file' && NAME_FILES.includes(base.toLowerCase()) && (h.size ?? 0) < 1 << 16) {
        const chunks: Buffer[] = [];
        for await (const c of entry) chunks.push(c as Buffer);
        texts.set(base.toLowerCase(), Buffer.concat(chunks).toString('utf8'));
      } else {
        entry.resume();
      }
    }
    await done;
  } catch (e) {
    if (e instanceof DatasetImportError) throw e;
    throw new DatasetImportError(`${file}: the archive is corrupt or truncated (${(e as Error).message}).`);
  } finally {
    src.destroy();
  }
  if (!parts.length) throw new DatasetImportError(`${file}: the archive holds no CIFAR batches (data_batch_*.bin / test_batch.bin, or train.bin / test.bin).`);
  const variants = new Set(parts.map((p) => p.variant));
  if (variants.size !== 1) throw new DatasetImportError(`${file}: mixes CIFAR-10 and CIFAR-100 batches.`);
  const variant = [...variants][0];
  const hasTest = parts.some((p) => p.split === 'test');
  if (!parts.some((p) => p.split === 'train')) throw new DatasetImportError(`${file}: the archive holds test batches but no training batches.`);
  for (const split of ['train', 'test'] as const) {
    const list = parts.filter((p) => p.split === split).sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
    if (!list.length) continue;
    const target = split === 'train' && !hasTest ? 'all' : split;
    const writer = await BinaryWriter.create(ctx.file(target, 'x'));
    try {
      for (const p of list) {
        for await (const c of createReadStream(p.part, { highWaterMark: 1 << 20 })) await writer.write(c as Buffer);
        await fs.rm(p.part);
      }
      await writer.close();
    } finally {
      await writer.abandon();
    }
    await writeInt32File(ctx.file(target, 'y'), Int32Array.from(list.flatMap((p) => p.labels)));
  }
  const want = variant === 'cifar10' ? 'batches.meta.txt' : useCoarse ? 'coarse_label_names.txt' : 'fine_label_names.txt';
  const count = variant === 'cifar10' ? 10 : useCoarse ? 20 : 100;
  const text = texts.get(want);
  const classNames = text ? namesFrom(text, `${file}:${want}`, count) : variant === 'cifar10' ? CIFAR10_NAMES : Array.from({ length: count }, (_, i) => String(i));
  return finish(variant, classNames, [file], hasTest, useCoarse, variant === 'cifar10' ? 'CIFAR-10' : 'CIFAR-100');
}

/** Above this many declared bytes, an archive expanding to more than MAX_RATIO times its size is refused as a bomb. */
const RATIO_FLOOR = 64 << 20;
const MAX_RATIO = 200;

/**
 * Tracks the sizes the archive's tar headers declare for its batches, as each header arrives
 * and before its data is read: their sum must fit on the disk of the library (the batches are
 * staged once, then concatenated part by part) and stay within a ratio real pictures reach.
 */
async function archiveBudget(ctx: ImportContext, file: string): Promise<{ add(where: string, size: number): void }> {
  const st = await fs.statfs(ctx.staging);
  const free = st.bavail * st.bsize;
  const onDisk = (await fs.stat(file)).size;
  let total = 0;
  return {
    add(where, size) {
      total += size;
      if (total > free) {
        throw new DatasetImportError(`${where}: the archive's batches declare ${fmtSize(total)} so far but only ${fmtSize(free)} is free on the disk of the library; nothing more was expanded.`);
      }
      const ratio = total / Math.max(1, onDisk);
      if (total > RATIO_FLOOR && ratio > MAX_RATIO) {
        throw new DatasetImportError(
          `${where}: the archive's batches declare ${fmtSize(total)} from ${fmtSize(onDisk)} of archive (${fmtCount(Math.round(ratio))} to 1); real pictures do not shrink that much, so it was not expanded.`,
        );
      }
    },
  };
}
