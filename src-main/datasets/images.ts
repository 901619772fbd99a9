/**
 * Image-folder importer: one subfolder per class (optionally under train/ and test/),
 * images in PNG, JPEG, WebP, GIF (first frame) — decoded by sharp — and BMP (bmp-ts).
 * Files are recognised by content; non-images are skipped and listed, unreadable images are
 * an error naming the path. All images are brought to one size and channel count (the most
 * common size unless the person chose one; aspect kept by padding or a centre crop), and
 * the choice is recorded for export. Samples are stored in a seeded shuffled order, so the
 * first N of a split are a fair sample of every class.
 */
import type { Dirent } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { BinaryWriter, ImportContext, type ImportedData, writeInt32File } from './context';
import { DatasetImportError, fmtCount, fmtSize, printable } from './errors';
import { type Info, type Target, decodeTo, probe } from './picture-decode';
import { seededRandom, shuffleInPlace } from './finalize';
import { IMAGE_KINDS, kindOfBytes, readHead, type FileKind } from './sniff';
import type { SkippedFile } from './types';

const IMAGE_EXT = /\.(png|jpe?g|jfif|bmp|dib|webp|gif)$/i;
const CONCURRENCY = 8;

interface Item {
  file: string;
  label: number;
}


function decodeName(dir: string, name: Buffer): string {
  const s = name.toString('utf8');
  if (!Buffer.from(s, 'utf8').equals(name)) {
    throw new DatasetImportError(`${path.join(dir, s)}: the name is not valid UTF-8 text (bytes ${name.toString('hex')}); rename it with ordinary characters and import again.`);
  }
  return s;
}

async function listDir(dir: string): Promise<{ name: string; full: string }[]> {
  let entries: Dirent<Buffer>[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true, encoding: 'buffer' });
  } catch (e) {
    throw new DatasetImportError(`${dir}: cannot list the folder (${(e as NodeJS.ErrnoException).code === 'EACCES' ? 'permission denied' : (e as Error).message}).`);
  }
  const out = entries.map((e) => {
    const name = decodeName(dir, e.name);
    return { name, full: path.join(dir, name) };
  });
  return out.sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
}

async function statEntry(p: string): Promise<import('node:fs').Stats> {
  try {
    return await fs.stat(p);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new DatasetImportError(`${p}: a symbolic link loop (the link leads back to itself); remove the link.`);
    if (code === 'ENOENT') throw new DatasetImportError(`${p}: a broken symbolic link (it points to something that does not exist); remove it.`);
    if (code === 'EACCES' || code === 'EPERM') throw new DatasetImportError(`${p}: permission denied; the studio cannot read it.`);
    throw new DatasetImportError(`${p}: cannot be read (${(e as Error).message}).`);
  }
}

/** Collects the files under a class folder, following links but refusing loops. */
async function walk(dir: string, ancestors: Set<string>, out: string[], skipped: SkippedFile[], ctx: ImportContext): Promise<void> {
  const real = await fs.realpath(dir);
  if (ancestors.has(real)) throw new DatasetImportError(`${dir}: a symbolic link loop (it leads back to ${real}, which contains it); remove the link.`);
  ancestors.add(real);
  for (const e of await listDir(dir)) {
    ctx.checkAbort();
    if (e.name.startsWith('.')) {
      skipped.push({ path: e.full, reason: 'hidden file' });
      continue;
    }
    const st = await statEntry(e.full);
    if (st.isDirectory()) await walk(e.full, ancestors, out, skipped, ctx);
    else if (st.isFile()) out.push(e.full);
    else skipped.push({ path: e.full, reason: 'not a regular file' });
  }
  ancestors.delete(real);
}

async function readFileOrFail(p: string): Promise<Buffer> {
  try {
    return await fs.readFile(p);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DatasetImportError(`${p}: cannot be read (${code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (e as Error).message}).`);
  }
}

async function readHeadOrFail(p: string): Promise<Buffer> {
  try {
    return await readHead(p, 4096);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DatasetImportError(`${p}: cannot be read (${code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (e as Error).message}).`);
  }
}

/** The largest picture file read (a 50-megapixel picture stored raw is 200 MB). */
const MAX_PICTURE_FILE = 256 << 20;

async function readPictureOrFail(p: string): Promise<Buffer> {
  const size = (await statEntry(p)).size;
  if (size > MAX_PICTURE_FILE) {
    throw new DatasetImportError(`${p}: a picture file of ${fmtSize(size)}; the studio reads picture files of up to ${fmtSize(MAX_PICTURE_FILE)}. Shrink it or remove it from the folder.`);
  }
  return readFileOrFail(p);
}

function describeKind(k: FileKind): string {
  return k === 'text' ? 'it holds text' : k === 'empty' ? 'it is empty' : 'its content is not PNG, JPEG, BMP, WebP or GIF';
}

interface SplitFiles {
  root: string;
  classes: Map<string, string[]>;
}

async function scanSplit(root: string, skipped: SkippedFile[], ctx: ImportContext): Promise<SplitFiles> {
  const classes = new Map<string, string[]>();
  for (const e of await listDir(root)) {
    ctx.checkAbort();
    if (e.name.startsWith('.')) {
      skipped.push({ path: e.full, reason: 'hidden file' });
      continue;
    }
    const st = await statEntry(e.full);
    if (!st.isDirectory()) {
      skipped.push({ path: e.full, reason: 'not inside a class folder' });
      continue;
    }
    const files: string[] = [];
    await walk(e.full, new Set([await fs.realpath(root)]), files, skipped, ctx);
    classes.set(e.name, files);
    ctx.progress('scanning', [...classes.values()].reduce((a, f) => a + f.length, 0), null);
  }
  return { root, classes };
}

export async function importImageFolder(ctx: ImportContext, root: string): Promise<ImportedData> {
  const skipped: SkippedFile[] = [];
  const top = await listDir(root);
  const find = (re: RegExp) => top.find((e) => re.test(e.name))?.full;
  const trainDir = find(/^(train|training)$/i);
  const testDir = find(/^(test|testing)$/i);
  const splits: { split: 'train' | 'test' | 'all'; files: SplitFiles }[] = [];
  if (trainDir && testDir) {
    splits.push({ split: 'train', files: await scanSplit(trainDir, skipped, ctx) });
    splits.push({ split: 'test', files: await scanSplit(testDir, skipped, ctx) });
    for (const e of top) if (e.full !== trainDir && e.full !== testDir) skipped.push({ path: e.full, reason: 'beside train/ and test/' });
  } else if (testDir && !trainDir) {
    throw new DatasetImportError(`${root}: has a test/ folder but no train/ folder; add train/ with one subfolder per class.`);
  } else {
    splits.push({ split: 'all', files: await scanSplit(trainDir ?? root, skipped, ctx) });
  }
  // classes come from the training folder; the test folder may not add new ones
  const first = splits[0].files;
  const classNames = [...first.classes.keys()];
  if (classNames.length === 0) throw new DatasetImportError(`${first.root}: no class folders; put the images of each class in a subfolder named after the class.`);
  if (classNames.length === 1) throw new DatasetImportError(`${first.root}: only one class folder ("${printable(classNames[0])}"); a classifier needs at least two classes, each in its own subfolder.`);
  const test = splits[1]?.files;
  if (test) {
    for (const c of test.classes.keys()) {
      if (!first.classes.has(c)) throw new DatasetImportError(`${path.join(test.root, c)}: the class "${printable(c)}" has no folder under ${first.root}; the test set cannot have classes the training set lacks.`);
    }
  }
  // probe every file: images vs other files, sizes and colour
  const items: { split: 'train' | 'test' | 'all'; list: Item[] }[] = [];
  const infos = new Map<string, Info & { kind: FileKind }>();
  let total = 0;
  for (const s of splits) for (const f of s.files.classes.values()) total += f.length;
  let done = 0;
  for (const s of splits) {
    const list: Item[] = [];
    for (const [cls, files] of s.files.classes) {
      const label = classNames.indexOf(cls);
      let images = 0;
      await forEachLimit(files, CONCURRENCY, async (file) => {
        ctx.checkAbort();
        // sniff from the first bytes: a film or an archive in a class folder is never read whole
        const kind = kindOfBytes(await readHeadOrFail(file));
        done++;
        ctx.progress('reading', done, total);
        if (!IMAGE_KINDS.has(kind)) {
          if (IMAGE_EXT.test(file)) throw new DatasetImportError(`${file}: named like an image but ${describeKind(kind)}; remove or replace the file.`);
          skipped.push({ path: file, reason: 'not an image' });
          return;
        }
        infos.set(file, { ...(await probe(file, await readPictureOrFail(file), kind)), kind });
      });
      for (const file of files) {
        if (infos.has(file)) {
          list.push({ file, label });
          images++;
        }
      }
      if (images === 0) {
        const where = path.join(s.files.root, cls);
        throw new DatasetImportError(`${where}: the class folder "${printable(cls)}" holds no images${files.length ? ` (${fmtCount(files.length)} other file${files.length > 1 ? 's' : ''})` : ''}; add images or remove the folder.`);
      }
    }
    items.push({ split: s.split, list });
  }
  // the target size and colour
  const opts = ctx.opts;
  const gray = [...infos].find(([, i]) => i.channels === 1);
  const colour = [...infos].find(([, i]) => i.channels === 3);
  let channels: 1 | 3;
  if (opts.imageChannels) channels = opts.imageChannels;
  else if (gray && colour) {
    throw new DatasetImportError(
      `${root}: the images mix grayscale (e.g. ${gray[0]}) and colour (e.g. ${colour[0]}); convert them to one kind, or choose "grayscale" or "colour" for the import.`,
    );
  } else channels = colour ? 3 : 1;
  const sizes = new Map<string, number>();
  for (const i of infos.values()) sizes.set(`${i.height}x${i.width}`, (sizes.get(`${i.height}x${i.width}`) ?? 0) + 1);
  let height: number;
  let width: number;
  if (opts.imageSize) {
    [height, width] = opts.imageSize;
    if (![height, width].every((d) => Number.isInteger(d) && d >= 1 && d <= 1024)) throw new DatasetImportError(`Image size ${opts.imageSize.join('×')}: height and width must be whole numbers from 1 to 1024.`);
  } else {
    const best = [...sizes].sort((a, b) => b[1] - a[1])[0][0];
    [height, width] = best.split('x').map(Number);
  }
  if (height * width * channels > 1 << 22) {
    throw new DatasetImportError(`${root}: the most common image size is ${height}×${width}, too large for an MLP (over 4 million inputs); choose a smaller size for the import.`);
  }
  const target: Target = { width, height, channels, fit: opts.resize === 'crop' ? 'cover' : 'contain' };
  // decode in a seeded shuffled order
  const rand = seededRandom(opts.seed ?? 0);
  let resizedCount = 0;
  done = 0;
  const totalImages = items.reduce((a, s) => a + s.list.length, 0);
  for (const { split, list } of items) {
    shuffleInPlace(list, rand);
    const writer = await BinaryWriter.create(ctx.file(split, 'x'));
    try {
      await mapOrdered(list, CONCURRENCY, async (it) => {
        ctx.checkAbort();
        const buf = await readPictureOrFail(it.file);
        return decodeTo(it.file, buf, infos.get(it.file)!, target);
      }, async (r) => {
        if (r.resized) resizedCount++;
        await writer.write(r.chw);
        done++;
        ctx.progress('decoding', done, totalImages);
      });
      await writer.close();
    } finally {
      await writer.abandon();
    }
    await writeInt32File(ctx.file(split, 'y'), Int32Array.from(list, (i) => i.label));
  }
  const formats = [...new Set([...infos.values()].map((i) => i.kind))].sort();
  return {
    format: 'image-folder',
    kind: 'image',
    sampleShape: [channels, height, width],
    classNames,
    sources: [root],
    hasTest: splits.length === 2,
    preprocessing: {
      source: 'image-folder',
      size: [height, width],
      sizeChosen: opts.imageSize ? 'by the user' : 'the most common size',
      channels,
      resize: target.fit === 'contain' ? 'pad (keep aspect, black borders)' : 'centre crop (keep aspect)',
      resized: resizedCount,
      alpha: 'flattened onto black',
      formats,
      order: { shuffled: true, seed: opts.seed ?? 0 },
    },
    skipped,
  };
}

async function forEachLimit<T>(items: T[], limit: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        await fn(items[i]);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  const results = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, worker));
  const bad = results.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
  if (bad) throw bad.reason;
}

/** Runs fn over items with up to `limit` in flight, handing results to `sink` in input order. */
async function mapOrdered<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>, sink: (r: R) => Promise<void>): Promise<void> {
  const inflight: Promise<R>[] = [];
  let i = 0;
  try {
    while (i < items.length || inflight.length) {
      while (i < items.length && inflight.length < limit) {
        const p = fn(items[i++]);
        p.catch(() => undefined); // handled when awaited below
        inflight.push(p);
      }
      await sink(await inflight.shift()!);
    }
  } finally {
    await Promise.allSettled(inflight);
  }
}
