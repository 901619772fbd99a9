/**
 * A `.zip` of class folders of pictures (or of train/ and test/ holding them). Its directory
 * is checked before anything is expanded: every entry must stay inside the archive's root
 * (a name with `..`, an absolute path or a drive letter refuses the archive, naming the entry),
 * and the sizes it declares must fit on the disk, under MAX_EXPANDED, and at a compression
 * ratio real pictures reach (pictures hardly compress; a bomb does). Pictures are then
 * expanded a batch at a time into the staging folder, imported as a folder would be, and
 * removed; what is skipped or refused is named by its place in the archive.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { unzipSync } from 'fflate';
import type { ImportContext, ImportedData } from './context';
import { DatasetError, DatasetImportError, fmtSize, printable } from './errors';
import { importImageFolder } from './images';

/** The largest archive read (it is read into memory to list and expand). */
export const MAX_ZIP_FILE = 1 << 30;
/** The most the pictures of an archive may expand to. */
export const MAX_EXPANDED = 8 * 2 ** 30;
const MAX_RATIO = 100;
const RATIO_FLOOR = 16 << 20;
/** declared bytes expanded per pass over the archive */
const BATCH_BYTES = 256 << 20;

interface Entry {
  name: string;
  size: number;
  originalSize: number;
}

/** whether a name leads outside the archive's root */
function escapes(name: string): boolean {
  if (name.startsWith('/') || name.startsWith('\\') || /^[a-zA-Z]:/.test(name) || name.includes('\0')) return true;
  return name.split(/[/\\]/).some((seg) => seg === '..');
}

function listEntries(buf: Uint8Array, file: string): Entry[] {
  const entries: Entry[] = [];
  try {
    unzipSync(buf, { filter: (f) => (entries.push({ name: f.name, size: f.size, originalSize: f.originalSize }), false) });
  } catch (e) {
    throw new DatasetImportError(`${file}: not a readable zip archive (${(e as Error).message}); it is corrupt or truncated.`);
  }
  return entries;
}

/** Refuses the archive, before expanding anything, if an entry leaves its root or the declared sizes are beyond what fits. */
function checkEntries(entries: Entry[], file: string, free: number): Entry[] {
  const bad = entries.find((e) => escapes(e.name));
  if (bad) throw new DatasetImportError(`${file}: the entry "${printable(bad.name)}" leads outside the archive (a ".." or an absolute path); nothing was expanded. Zip the class folders themselves.`);
  const files = entries.filter((e) => !e.name.endsWith('/') && !e.name.split('/').some((s) => s.startsWith('.') || s === '__MACOSX'));
  for (const e of files) {
    const ratio = e.originalSize / Math.max(1, e.size);
    if (e.originalSize > RATIO_FLOOR && ratio > MAX_RATIO) {
      throw new DatasetImportError(`${file}: "${printable(e.name)}" declares ${fmtSize(e.originalSize)} from ${fmtSize(e.size)} compressed (${Math.round(ratio)} to 1); pictures do not shrink that much, so nothing was expanded.`);
    }
  }
  const total = files.reduce((a, e) => a + e.originalSize, 0);
  if (total > free) throw new DatasetImportError(`${file}: the archive declares ${fmtSize(total)} when expanded but only ${fmtSize(free)} is free on the disk of the library; nothing was expanded.`);
  if (total > MAX_EXPANDED) throw new DatasetImportError(`${file}: the archive declares ${fmtSize(total)} when expanded; the studio expands up to ${fmtSize(MAX_EXPANDED)}. Unzip it yourself and import the folder.`);
  return files;
}

/** whether the zip holds pictures (then it is a picture archive, not an .npz) */
export async function zipHoldsPictures(file: string): Promise<boolean> {
  const st = await fs.stat(file);
  if (st.size > MAX_ZIP_FILE) return /\.zip$/i.test(file);
  try {
    return listEntries(await fs.readFile(file), file).some((e) => /\.(png|jpe?g|jfif|bmp|dib|webp|gif)$/i.test(e.name));
  } catch {
    return false;
  }
}

export async function importPictureZip(ctx: ImportContext, file: string): Promise<ImportedData> {
  const st = await fs.stat(file);
  if (st.size > MAX_ZIP_FILE) throw new DatasetImportError(`${file}: an archive of ${fmtSize(st.size)}; the studio reads archives of up to ${fmtSize(MAX_ZIP_FILE)}. Unzip it and import the folder.`);
  const buf = await fs.readFile(file);
  const fsStat = await fs.statfs(ctx.staging);
  const files = checkEntries(listEntries(buf, file), file, fsStat.bavail * fsStat.bsize);
  const out = path.join(ctx.staging, 'unzipped');
  try {
    for (let i = 0; i < files.length; ) {
      ctx.checkAbort();
      const batch = new Set<string>();
      let bytes = 0;
      while (i < files.length && (batch.size === 0 || bytes + files[i].originalSize <= BATCH_BYTES)) {
        batch.add(files[i].name);
        bytes += files[i++].originalSize;
      }
      const got = unzipSync(buf, { filter: (f) => batch.has(f.name) });
      for (const [name, data] of Object.entries(got)) {
        const dest = path.join(out, ...name.split(/[/\\]/));
        await fs.mkdir(path.dirname(dest), { recursive: true });
        await fs.writeFile(dest, data);
      }
      ctx.progress('unzipping', i, files.length);
    }
    // a zip of one folder that holds the class folders: start inside it
    let root = out;
    const top = await fs.readdir(root).catch(() => [] as string[]);
    if (top.length === 1 && !/^(train|training|test|testing)$/i.test(top[0]) && (await fs.stat(path.join(root, top[0]))).isDirectory()) {
      const inner = await fs.readdir(path.join(root, top[0]), { withFileTypes: true });
      if (inner.some((e) => e.isDirectory())) root = path.join(root, top[0]);
    }
    const named = (s: string) => s.split(out + path.sep).join(`${file}:`).split(out).join(file);
    try {
      const data = await importImageFolder(ctx, root);
      return { ...data, sources: [file], skipped: data.skipped?.map((s) => ({ path: named(s.path), reason: named(s.reason) })) };
    } catch (e) {
      if (e instanceof DatasetError) e.message = named(e.message);
      throw e;
    }
  } finally {
    await fs.rm(out, { recursive: true, force: true });
  }
}
