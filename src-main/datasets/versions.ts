/**
 * Dataset versions (issue 13 item 3): adding pictures to a picture dataset makes a NEW
 * dataset, so runs that used the old one stay reproducible. The new version holds the old
 * dataset's stored samples exactly as they are (its training samples stay training samples,
 * its test samples stay test samples) followed by the new pictures, each brought to the old
 * dataset's size and colour by pictureToSample with the old dataset's own settings (the path
 * Try it's prepareImage takes). The new pictures are split into training and test per class
 * (seeded; a class with a single new picture keeps it for training). A new class name adds a
 * class. The old dataset's folder is only read.
 *
 * This module fills a staging folder and answers the meta without id, name and date;
 * library.ts's addVersion names it and moves it into the library under the library's lock.
 */
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { BinaryWriter, ImportContext, writeInt32File } from './context';
import { BadRequestError, DatasetError, DatasetImportError, fmtCount, printable } from './errors';
import { DEFAULT_TEST_FRACTION, finalizeImport, readInt32File, stratifiedSplit } from './finalize';
import { statEntry } from './image-files';
import { scanSplit } from './images';
import { imageSettingsOf } from './meta-schema';
import { pictureToSample } from './picture-decode';
import { safeText } from './safe-text';
import type { DatasetMeta, ImportOptions, SkippedFile, VersionRecord } from './types';

/** The meta of a version before the library gives it an id, a name and a date. */
export type VersionDraft = Omit<DatasetMeta, 'id' | 'name' | 'createdAt'>;

interface NewPicture {
  file: string;
  label: number;
}

/** The class folders of the added pictures: one folder holding a subfolder per class (what an upload of captured pictures is); empty classes left out. */
async function scanClasses(paths: string[], ctx: ImportContext, skipped: SkippedFile[]): Promise<Map<string, string[]>> {
  if (paths.length !== 1 || !(await statEntry(paths[0])).isDirectory()) {
    throw new BadRequestError('Pictures added to a dataset come as one folder holding a subfolder of pictures per class.');
  }
  const { classes } = await scanSplit(paths[0], skipped, ctx);
  return new Map([...classes].filter(([, files]) => files.length > 0));
}

/** The class list of the version: the old classes in their order, then classes the old dataset lacks. */
export function mergedClasses(oldNames: string[], added: string[]): { classNames: string[]; labelOf: Map<string, number> } {
  const classNames = [...oldNames];
  const labelOf = new Map<string, number>();
  for (const name of added) {
    let i = classNames.indexOf(name);
    if (i < 0) i = classNames.push(name) - 1;
    labelOf.set(name, i);
  }
  return { classNames, labelOf };
}

/** Streams a file of the old dataset into `w` (the old file is only read). */
async function copyOld(from: string, w: BinaryWriter, ctx: ImportContext): Promise<void> {
  for await (const chunk of createReadStream(from, { highWaterMark: 4 << 20 })) {
    await w.write(chunk as Buffer);
    ctx.checkAbort();
  }
}

/**
 * Writes the version's binaries into `staging` and answers its meta draft. `oldDir` is the
 * old dataset's folder; `paths` is one folder of class folders.
 */
export async function buildVersion(base: DatasetMeta, oldDir: string, paths: string[], staging: string, opts: ImportOptions = {}): Promise<VersionDraft> {
  if (base.kind !== 'image' || base.sampleShape.length !== 3 || base.task === 'number') {
    throw new BadRequestError(`"${printable(base.name)}" is not a dataset of pictures: pictures can only be added to a dataset of pictures.`);
  }
  const settings = imageSettingsOf(base);
  const ctx = new ImportContext(staging, opts);
  const skipped: SkippedFile[] = [];
  ctx.progress('scanning', 0, null);
  const found = await scanClasses(paths, ctx, skipped);
  if (found.size === 0) throw new DatasetImportError(`${paths[0]}: no pictures in class folders; put the pictures of each class in a subfolder named after the class.`);
  // folder names as the import stores class names (control and reordering characters written visibly), so "cat" finds "cat"
  const { classNames, labelOf } = mergedClasses(base.classNames, [...found.keys()].map(safeText));
  const pictures: NewPicture[] = [];
  for (const [name, files] of found) for (const file of files) pictures.push({ file, label: labelOf.get(safeText(name))! });

  // each new picture as the old dataset's import would have brought it (unreadable ones are left out and listed)
  const sampleBytes = base.sampleShape.reduce((a, b) => a * b, 1);
  const samples: Uint8Array[] = [];
  const labels: number[] = [];
  for (const [i, p] of pictures.entries()) {
    ctx.checkAbort();
    try {
      samples.push(await pictureToSample(await fs.readFile(p.file), settings, p.file));
      labels.push(p.label);
    } catch (e) {
      if (!(e instanceof DatasetError)) throw e;
      skipped.push({ path: p.file, reason: e.message });
    }
    ctx.progress('decoding', i + 1, pictures.length);
  }
  if (samples.length === 0) throw new DatasetImportError(`${paths[0]}: none of the ${fmtCount(pictures.length)} files could be read as a picture, so nothing was added.`);

  const fraction = opts.testFraction ?? base.split?.fraction ?? DEFAULT_TEST_FRACTION;
  const seed = opts.seed ?? 0;
  const split = stratifiedSplit(Int32Array.from(labels), classNames.length, fraction, seed);
  for (const part of ['train', 'test'] as const) {
    const w = await BinaryWriter.create(ctx.file(part, 'x'));
    try {
      await copyOld(path.join(oldDir, `${part}-x.bin`), w, ctx);
      for (const j of split[part]) await w.write(samples[j]);
      await w.close();
    } finally {
      await w.abandon();
    }
    const oldY = await readInt32File(path.join(oldDir, `${part}-y.bin`));
    const y = new Int32Array(oldY.length + split[part].length);
    y.set(oldY);
    split[part].forEach((j, k) => (y[oldY.length + k] = labels[j]));
    await writeInt32File(ctx.file(part, 'y'), y);
    const xSize = (await fs.stat(ctx.file(part, 'x'))).size;
    if (xSize !== y.length * sampleBytes) throw new DatasetError('internal', `${base.name}: ${part}-x.bin does not hold the ${fmtCount(oldY.length)} samples its meta.json says; delete and re-import it.`);
  }

  const record: VersionRecord = {
    madeFrom: base.id,
    madeFromName: base.name,
    added: { train: split.train.length, test: split.test.length },
    how:
      `the stored samples of "${base.name}" (its training and test samples kept as they were) followed by ` +
      `${fmtCount(samples.length)} new pictures brought to its size and colour (${settings.size.join('×')}, ${settings.channels === 1 ? 'greyscale' : 'colour'}, ${settings.fit}), ` +
      `split per class with the fraction ${Number(fraction.toFixed(4))} and seed ${seed}`,
  };
  const data = {
    format: 'image-folder' as const,
    kind: 'image' as const,
    sampleShape: [...base.sampleShape],
    classNames,
    sources: [...base.sources, paths[0]],
    hasTest: true,
    preprocessing: { ...base.preprocessing, image: settings, version: record },
  };
  const fin = await finalizeImport(ctx, data);
  return {
    format: data.format,
    sources: data.sources,
    kind: data.kind,
    sampleShape: data.sampleShape,
    classNames,
    train: fin.train,
    test: fin.test,
    mean: fin.mean,
    std: fin.std,
    contentHash: fin.contentHash,
    preprocessing: data.preprocessing,
    ...(base.split ? { split: base.split } : {}),
    ...(skipped.length ? { skipped: { count: skipped.length, files: skipped.slice(0, 100) } } : {}),
    versionOf: base.versionOf ?? base.id,
    version: 0, // the library numbers it under its lock
  };
}

/** The next version number of `rootId` among `all` (the first dataset counts as version 1). */
export function nextVersion(all: DatasetMeta[], rootId: string): number {
  return Math.max(1, ...all.filter((m) => m.versionOf === rootId).map((m) => m.version ?? 1)) + 1;
}

/** "<the first version's name> (version N)"; the first version's own name when it is still in the library. */
export function versionName(all: DatasetMeta[], base: DatasetMeta, version: number): string {
  const root = all.find((m) => m.id === (base.versionOf ?? base.id));
  const rootName = root?.name ?? base.name.replace(/ \(version \d+\)$/, '');
  const suffix = ` (version ${version})`;
  return `${rootName.slice(0, 100 - suffix.length)}${suffix}`;
}
