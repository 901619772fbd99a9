/**
 * Works out what the dropped paths are — from content (magic numbers) and structure (folder
 * layout) — and picks the importer. Every refusal names the path and says what was expected.
 */
import type { Dirent } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { importCifarArchive, importCifarFolder, isCifarFolder } from './cifar';
import { fileTableProblem, importCsv } from './csv';
import type { ImportContext, ImportedData } from './context';
import { DatasetImportError } from './errors';
import { importIdx } from './idx';
import { importImageFolder } from './images';
import { findPictureCsv, importPictureCsv } from './picture-csv';
import { importPictureZip, zipHoldsPictures } from './picture-zip';
import { refusePickles } from './npz-guards';
import { importNumpy } from './numpy';
import { IMAGE_KINDS, type FileKind, sniffFile } from './sniff';

export type Importer = ((ctx: ImportContext) => Promise<ImportedData>) & { pictures?: true };

/** an importer of pictures (a folder of class folders, a folder with a CSV of file names, a .zip): the ones with an import preview */
const pictures = (f: (ctx: ImportContext) => Promise<ImportedData>): Importer => Object.assign(f, { pictures: true as const });

/** What the studio reads, for messages that refuse something else. */
const FORMATS = [
  'IDX files (MNIST style, also gzipped)',
  'CIFAR-10/100 binary batches (a folder or .tar.gz)',
  'a folder with one subfolder of images per class',
  'a table (CSV/TSV, Excel .xlsx or a JSON array of records) with a header row',
  'NumPy .npy/.npz files',
];
const list = (items: string[], last: string) => `${items.slice(0, -1).join(', ')}, ${last} ${items[items.length - 1]}`;
const EXPECTED = `expected ${list(FORMATS, 'or')}`;

/** Files whose name says "table": their problems are told by the CSV importer, row by row. */
const TABLE_NAME = /\.(csv|tsv)$/i;
/** Tables that are not text: Excel workbooks and JSON records (table/read.ts reads them by name). */
const WORKBOOK_OR_JSON = /\.(xlsx|xlsm|json)$/i;

/**
 * A text file not named .csv/.tsv (notes.txt, README, data.txt) is read as a table only when
 * it looks like one; otherwise it is refused here, naming the file and what the studio reads.
 */
async function checkTextIsTable(file: string): Promise<void> {
  if (TABLE_NAME.test(file)) return;
  let problem: string | null;
  try {
    problem = await fileTableProblem(file);
  } catch (e) {
    throw new DatasetImportError(`${file}: cannot be read (${(e as Error).message}).`);
  }
  if (problem) {
    throw new DatasetImportError(`${file}: not a dataset the studio can read; it is text but not a table (${problem}). The studio reads ${list(FORMATS, 'and')}.`);
  }
}

async function isTable(file: string): Promise<boolean> {
  return TABLE_NAME.test(file) || (await fileTableProblem(file).catch(() => 'unreadable')) === null;
}

async function statOrFail(p: string) {
  try {
    return await fs.stat(p);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      const l = await fs.lstat(p).catch(() => null);
      if (l?.isSymbolicLink()) throw new DatasetImportError(`${p}: a symbolic link to something that does not exist.`);
      throw new DatasetImportError(`${p}: no such file or folder.`);
    }
    if (code === 'ELOOP') throw new DatasetImportError(`${p}: a symbolic link loop (the link points back to itself).`);
    if (code === 'EACCES' || code === 'EPERM') throw new DatasetImportError(`${p}: permission denied; the studio cannot read it.`);
    throw new DatasetImportError(`${p}: cannot be read (${(e as Error).message}).`);
  }
}

async function sniffOrFail(p: string): Promise<FileKind> {
  try {
    return await sniffFile(p);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') throw new DatasetImportError(`${p}: permission denied; the studio cannot read it.`);
    if (code === 'EISDIR') throw new DatasetImportError(`${p}: is a folder, expected a file.`);
    throw new DatasetImportError(`${p}: cannot be read (${(e as Error).message}).`);
  }
}

export async function detectImporter(paths: string[], ctx: ImportContext): Promise<Importer> {
  const stats: import('node:fs').Stats[] = [];
  for (const p of paths) stats.push(await statOrFail(p));
  if (paths.length === 1 && stats[0].isDirectory()) return detectFolder(paths[0], ctx);
  const dirs = paths.filter((_, i) => stats[i].isDirectory());
  if (dirs.length) throw new DatasetImportError(`${dirs[0]}: drop either one folder, or files, not a mix of folders and files.`);
  for (const [i, p] of paths.entries()) if (!stats[i].isFile()) throw new DatasetImportError(`${p}: not a regular file.`);
  const files: { file: string; kind: FileKind }[] = [];
  for (const p of paths) {
    ctx.checkAbort();
    files.push({ file: p, kind: await sniffOrFail(p) });
  }
  return detectFiles(files, paths.length === 1 ? paths[0] : path.dirname(paths[0]));
}

async function detectFiles(files: { file: string; kind: FileKind }[], where: string): Promise<Importer> {
  const kinds = new Set(files.map((f) => f.kind));
  const empty = files.find((f) => f.kind === 'empty');
  if (empty) throw new DatasetImportError(`${empty.file}: the file is empty.`);
  if (files.every((f) => WORKBOOK_OR_JSON.test(f.file))) return (ctx) => importCsv(ctx, files.map((f) => f.file));
  const xls = files.find((f) => /\.xls$/i.test(f.file));
  if (xls) throw new DatasetImportError(`${xls.file}: an Excel workbook in the old .xls format, which the studio cannot open; in Excel, save it as .xlsx (Excel Workbook) or CSV and import that.`);
  if ([...kinds].every((k) => k === 'idx' || k === 'idx.gz')) return (ctx) => importIdx(ctx, files);
  if (files.length === 1 && (kinds.has('tar.gz') || kinds.has('tar'))) return (ctx) => importCifarArchive(ctx, files[0].file, files[0].kind === 'tar.gz');
  if (files.length === 1 && kinds.has('zip') && !/\.npz$/i.test(files[0].file) && (await zipHoldsPictures(files[0].file))) return pictures((ctx) => importPictureZip(ctx, files[0].file));
  if ([...kinds].every((k) => k === 'npy' || k === 'zip')) return (ctx) => importNumpy(ctx, files);
  if ([...kinds].every((k) => k === 'text')) {
    for (const f of files) await checkTextIsTable(f.file);
    return (ctx) => importCsv(ctx, files.map((f) => f.file));
  }
  await refusePickles(files);
  const img = files.find((f) => IMAGE_KINDS.has(f.kind));
  if (img) throw new DatasetImportError(`${img.file}: a single image is not a dataset; drop the folder that holds one subfolder of images per class.`);
  if (kinds.size > 1) {
    throw new DatasetImportError(`${where}: these files are of different kinds (${files.map((f) => `${path.basename(f.file)}: ${f.kind}`).join(', ')}); drop the files of one dataset.`);
  }
  const f = files[0];
  const what =
    f.kind === 'gz' ? 'a gzip file that holds neither IDX data nor a tar archive' : f.kind === 'unknown' ? 'not a recognised dataset file (binary data of an unknown kind)' : `a ${f.kind} file`;
  throw new DatasetImportError(`${f.file}: ${what}; ${EXPECTED}.`);
}

/** whether a folder directly holds image files (then it is a class folder, not a wrapper) */
async function holdsImages(dir: string): Promise<boolean> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  let looked = 0;
  for (const e of entries) {
    if (!e.isFile() || e.name.startsWith('.')) continue;
    if (IMAGE_KINDS.has(await sniffFile(path.join(dir, e.name)).catch(() => 'unknown' as FileKind))) return true;
    if (++looked >= 8) break;
  }
  return false;
}

async function detectFolder(dir: string, ctx: ImportContext): Promise<Importer> {
  let entries: Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (e) {
    throw new DatasetImportError(`${dir}: cannot list the folder (${(e as Error).message}).`);
  }
  const visible = entries.filter((e) => !e.name.startsWith('.'));
  if (visible.length === 0) throw new DatasetImportError(`${dir}: the folder is empty; ${EXPECTED}.`);
  const subdirs: string[] = [];
  const files: string[] = [];
  for (const e of visible) {
    const p = path.join(dir, e.name);
    const st = await fs.stat(p).catch(() => null);
    if (st?.isDirectory()) subdirs.push(p);
    else if (st?.isFile()) files.push(p);
  }
  // a folder that only wraps the real one (e.g. cifar-10-batches-bin inside a download folder)
  if (files.length === 0 && subdirs.length === 1 && !/^(train|training|test|testing)$/i.test(path.basename(subdirs[0])) && !(await holdsImages(subdirs[0]))) {
    return detectFolder(subdirs[0], ctx);
  }
  if (await isCifarFolder(files)) return (c) => importCifarFolder(c, dir, files);
  const sniffed: { file: string; kind: FileKind }[] = [];
  for (const f of files) {
    ctx.checkAbort();
    sniffed.push({ file: f, kind: await sniffFile(f).catch(() => 'unknown' as FileKind) });
  }
  const idx = sniffed.filter((f) => f.kind === 'idx' || f.kind === 'idx.gz');
  if (idx.length) return (c) => importIdx(c, idx);
  const pictureCsv = await findPictureCsv(dir, files, subdirs);
  if (pictureCsv) return pictures((c) => importPictureCsv(c, dir, pictureCsv));
  if (subdirs.length) return pictures((c) => importImageFolder(c, dir));
  await refusePickles(sniffed.filter((f) => /\.(npy|npz|pkl|pickle)$/i.test(f.file)));
  const numpy = sniffed.filter((f) => f.kind === 'npy' || (f.kind === 'zip' && /\.npz$/i.test(f.file)));
  if (numpy.length) return (c) => importNumpy(c, numpy);
  const text: typeof sniffed = [];
  for (const f of sniffed) if (f.kind === 'text' && /\.(csv|tsv|txt|data)$/i.test(f.file) && (await isTable(f.file))) text.push(f);
  if (text.length) return (c) => importCsv(c, text.map((f) => f.file));
  const books = sniffed.filter((f) => WORKBOOK_OR_JSON.test(f.file));
  if (books.length) return (c) => importCsv(c, books.map((f) => f.file));
  const archive = sniffed.filter((f) => f.kind === 'tar.gz' || f.kind === 'tar');
  if (archive.length === 1) return (c) => importCifarArchive(c, archive[0].file, archive[0].kind === 'tar.gz');
  throw new DatasetImportError(`${dir}: found no dataset in this folder; ${EXPECTED}.`);
}
