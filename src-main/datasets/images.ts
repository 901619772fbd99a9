/**
 * Image-folder importer: one subfolder per class (optionally under train/ and test/),
 * images in PNG, JPEG, WebP, GIF (first frame) — decoded by sharp — and BMP (bmp-ts).
 * Files are recognised by content; non-images, unreadable pictures and copies of a picture
 * are skipped and listed (the import goes on). All pictures are brought to one size and
 * colour (image-settings.ts: phone photos come down to a longest side of 32 px; colour if
 * any picture has colour; aspect kept by padding or a centre crop; EXIF turns applied), and
 * the choice is recorded in preprocessing.image for prediction and export to repeat.
 * Samples are stored in a seeded shuffled order, so the first N of a split are a fair
 * sample of every class. Size-limit refusals (picture-decode's PictureLimitError: bombs,
 * huge BMPs, files over 256 MB) still stop the import: they guard the machine.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { BinaryWriter, ImportContext, type ImportedData, writeInt32File } from './context';
import { DatasetImportError, fmtCount, printable } from './errors';
import { forEachLimit, listDir, mapOrdered, readHeadOrFail, readPictureOrFail, statEntry, walk } from './image-files';
import { chooseImageSettings } from './image-settings';
import { type Info, PictureLimitError, type Target, decodeTo, probe } from './picture-decode';
import { seededRandom, shuffleInPlace } from './finalize';
import { picturePreview } from './picture-preview';
import { IMAGE_KINDS, kindOfBytes, type FileKind } from './sniff';
import type { SkippedFile } from './types';

const IMAGE_EXT = /\.(png|jpe?g|jfif|bmp|dib|webp|gif)$/i;
const CONCURRENCY = 8;

interface Item {
  file: string;
  label: number;
}


function describeKind(k: FileKind): string {
  return k === 'text' ? 'it holds text' : k === 'empty' ? 'it is empty' : 'its content is not PNG, JPEG, BMP, WebP or GIF';
}

export interface SplitFiles {
  root: string;
  classes: Map<string, string[]>;
}

/** The class folders under `root` and their picture files (files beside them, hidden entries: skipped). */
export async function scanSplit(root: string, skipped: SkippedFile[], ctx: ImportContext): Promise<SplitFiles> {
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
  const splits: { split: Split; files: SplitFiles }[] = [];
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
  return importPictures(ctx, root, splits, classNames, skipped, {});
}

/**
 * The pictures of one or two splits, listed by class (from class folders, or from a CSV of
 * filename,label: picture-csv.ts), to the stored samples; `extra` joins the preprocessing record.
 */
export async function importPictures(
  ctx: ImportContext,
  root: string,
  splits: { split: Split; files: SplitFiles }[],
  classNames: string[],
  skipped: SkippedFile[],
  extra: Record<string, unknown>,
): Promise<ImportedData> {
  const probed = await probeAll(ctx, splits, classNames, skipped);
  const { settings, sizeChosen } = chooseImageSettings(root, [...probed.infos.values()], ctx.opts);
  const [height, width] = settings.size;
  const channels = settings.channels;
  const target: Target = { width, height, channels, fit: settings.fit === 'crop' ? 'cover' : 'contain', exif: settings.exif, alpha: settings.alpha };
  const perClass = ctx.opts.previewSamplesPerClass;
  const preview = perClass === undefined ? undefined : await picturePreview(probed, { settings, sizeChosen }, target, classNames, skipped, perClass);
  const resized = preview ? 0 : await decodeAll(ctx, probed, target, classNames, skipped);
  const formats = [...new Set([...probed.infos.values()].map((i) => i.kind))].sort();
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
      sizeChosen,
      channels,
      resize: target.fit === 'contain' ? 'pad (keep aspect, black borders)' : 'centre crop (keep aspect)',
      resized,
      alpha: 'composited on white',
      exif: 'orientation applied (JPEG, WebP)',
      image: settings,
      unreadable: probed.unreadable,
      duplicates: probed.duplicates,
      formats,
      order: { shuffled: true, seed: ctx.opts.seed ?? 0 },
      ...extra,
    },
    skipped,
    ...(preview ? { picturePreview: preview } : {}),
  };
}

export type Split = 'train' | 'test' | 'all';
interface Probed {
  items: { split: Split; list: Item[] }[];
  infos: Map<string, Info & { kind: FileKind }>;
  unreadable: number;
  duplicates: number;
}

/** why a file was passed over, without its path (the skipped list names it) */
function reasonOf(file: string, e: DatasetImportError): string {
  const m = e.message.startsWith(`${file}: `) ? e.message.slice(file.length + 2) : e.message;
  // the advice to the person who imports ("remove or replace it") does not apply: it was left out
  return m.replace(/ (Remove or replace it|Shrink it or remove it from the folder|Convert it to PNG, or shrink it, and import again)\.$/, '');
}

/**
 * Reads every file once: pictures are probed (size as seen, colour) and hashed; other files,
 * unreadable pictures and copies of a picture already taken are skipped and listed. Copies
 * are left out so one picture cannot land in both the training and the test set.
 */
async function probeAll(ctx: ImportContext, splits: { split: Split; files: SplitFiles }[], classNames: string[], skipped: SkippedFile[]): Promise<Probed> {
  const infos = new Map<string, Info & { kind: FileKind }>();
  const hashes = new Map<string, string>();
  let colourKnown = ctx.opts.imageChannels !== undefined;
  let unreadable = 0;
  const unreadableIn: SkippedFile[] = [];
  let total = 0;
  for (const s of splits) for (const f of s.files.classes.values()) total += f.length;
  let done = 0;
  const items: Probed['items'] = [];
  const firstOf = new Map<string, string>();
  let duplicates = 0;
  for (const s of splits) {
    const list: Item[] = [];
    for (const [cls, files] of s.files.classes) {
      await forEachLimit(files, CONCURRENCY, async (file) => {
        ctx.checkAbort();
        try {
          // sniff from the first bytes: a film or an archive in a class folder is never read whole
          const kind = kindOfBytes(await readHeadOrFail(file));
          if (!IMAGE_KINDS.has(kind)) {
            if (IMAGE_EXT.test(file)) throw new DatasetImportError(`${file}: named like a picture but ${describeKind(kind)}; not a picture.`);
            skipped.push({ path: file, reason: 'not an image' });
            return;
          }
          const buf = await readPictureOrFail(file);
          const info = await probe(file, buf, kind, { exif: true, colourKnown });
          if (info.channels === 3) colourKnown = true;
          infos.set(file, { ...info, kind });
          hashes.set(file, createHash('sha1').update(buf).digest('hex'));
        } catch (e) {
          if (!(e instanceof DatasetImportError) || e instanceof PictureLimitError) throw e;
          unreadable++;
          unreadableIn.push({ path: file, reason: reasonOf(file, e) });
          skipped.push({ path: file, reason: `unreadable, left out: ${reasonOf(file, e)}` });
        } finally {
          done++;
          ctx.progress('reading', done, total);
        }
      });
      const label = classNames.indexOf(cls);
      let images = 0;
      for (const file of files) {
        const h = hashes.get(file);
        if (h === undefined) continue;
        const first = firstOf.get(h);
        if (first !== undefined) {
          duplicates++;
          infos.delete(file);
          skipped.push({ path: file, reason: `identical to ${first} (the same bytes); left out so one picture is not counted twice` });
          continue;
        }
        firstOf.set(h, file);
        list.push({ file, label });
        images++;
      }
      if (images === 0) {
        const where = path.join(s.files.root, cls);
        const bad = unreadableIn.find((u) => files.includes(u.path));
        throw new DatasetImportError(
          `${where}: the class folder "${printable(cls)}" holds no images${files.length ? ` (${fmtCount(files.length)} other file${files.length > 1 ? 's' : ''})` : ''}` +
            `${bad ? `; pictures that cannot be read, e.g. ${bad.path}: ${bad.reason}` : ''}; add images or remove the folder.`,
        );
      }
    }
    items.push({ split: s.split, list });
  }
  return { items, infos, unreadable, duplicates };
}

/** Decodes every picture at the target size in a seeded shuffled order; a picture that fails to decode is skipped and listed. Returns how many were resized. */
async function decodeAll(ctx: ImportContext, probed: Probed, target: Target, classNames: string[], skipped: SkippedFile[]): Promise<number> {
  const rand = seededRandom(ctx.opts.seed ?? 0);
  let resizedCount = 0;
  let done = 0;
  const totalImages = probed.items.reduce((a, s) => a + s.list.length, 0);
  for (const { split, list } of probed.items) {
    shuffleInPlace(list, rand);
    const labels: number[] = [];
    const writer = await BinaryWriter.create(ctx.file(split, 'x'));
    try {
      await mapOrdered(list, CONCURRENCY, async (it) => {
        ctx.checkAbort();
        try {
          const buf = await readPictureOrFail(it.file);
          return { it, decoded: await decodeTo(it.file, buf, probed.infos.get(it.file)!, target) };
        } catch (e) {
          if (!(e instanceof DatasetImportError)) throw e;
          return { it, error: e };
        }
      }, async (r) => {
        done++;
        ctx.progress('decoding', done, totalImages);
        if (!r.decoded) {
          probed.unreadable++;
          if (r.error) skipped.push({ path: r.it.file, reason: `unreadable, left out: ${reasonOf(r.it.file, r.error)}` });
          return;
        }
        if (r.decoded.resized) resizedCount++;
        await writer.write(r.decoded.chw);
        labels.push(r.it.label);
      });
      await writer.close();
    } finally {
      await writer.abandon();
    }
    if (split !== 'test') {
      const missing = classNames.findIndex((_, c) => !labels.includes(c));
      if (missing >= 0) throw new DatasetImportError(`the class "${printable(classNames[missing])}" has no picture that could be decoded; add readable pictures to its folder.`);
    }
    await writeInt32File(ctx.file(split, 'y'), Int32Array.from(labels));
  }
  return resizedCount;
}
