/**
 * A folder of pictures plus a CSV of `filename,label`, as Kaggle ships them (e.g. train/ and
 * train.csv side by side, or the pictures beside labels.csv). The CSV is recognised when the
 * names in its first column are picture files in the folder or in one of its subfolders
 * (with or without their extension); the label is the column named label/class/category/…,
 * else the second of two columns, else the last. Rows naming missing pictures and pictures
 * the CSV does not name are skipped and listed; the pictures then import as class folders do.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import Papa from 'papaparse';
import type { ImportContext, ImportedData } from './context';
import { DatasetImportError, printable } from './errors';
import { importPictures, type SplitFiles } from './images';
import { listDir } from './image-files';
import { readHead } from './sniff';
import { decodeText } from './text-encoding';
import type { SkippedFile } from './types';

const CSV_NAME = /\.(csv|tsv|txt)$/i;
const PICTURE_EXTS = ['.png', '.jpg', '.jpeg', '.webp', '.gif', '.bmp'];
const LABEL_HEADER = /^(label|labels|class|classes|category|target|breed|species|y)$/i;
/** a labels CSV is read whole: larger ones are not labels files */
const MAX_CSV_BYTES = 64 << 20;

export interface PictureCsv {
  csv: string;
  /** the folder the names are relative to */
  base: string;
  rows: { name: string; label: string; line: number }[];
}

async function exists(p: string): Promise<boolean> {
  return fs.stat(p).then((s) => s.isFile(), () => false);
}

/** the file a CSV name stands for under `base`, trying the picture extensions when it has none */
async function resolveName(base: string, name: string): Promise<string | null> {
  if (!name || name.includes('\0')) return null;
  const full = path.resolve(base, name);
  // a name must stay inside the folder ("../x.png" or "/etc/x.png" are not the folder's pictures)
  if (!full.startsWith(path.resolve(base) + path.sep)) return null;
  if (await exists(full)) return full;
  if (path.extname(name) === '' || !PICTURE_EXTS.includes(path.extname(name).toLowerCase())) {
    for (const ext of PICTURE_EXTS) if (await exists(full + ext)) return full + ext;
  }
  return null;
}

/** The CSV's rows; with `head`, only those of its first 64 KB (enough to recognise it). */
async function readCsv(file: string, head = false): Promise<string[][] | null> {
  const st = await fs.stat(file).catch(() => null);
  if (!st || st.size > MAX_CSV_BYTES) return null;
  let text: string;
  if (head) {
    const bytes = await readHead(file, 64 << 10);
    text = bytes.toString('utf8');
    if (bytes.length === 64 << 10) text = text.slice(0, text.lastIndexOf('\n'));
  } else text = decodeText(await fs.readFile(file)); // UTF-8 or UTF-16, as the table importer reads
  text = text.replace(/^\uFEFF/, '');
  const first = text.slice(0, text.search(/\r?\n|$/));
  const sep = first.includes('\t') ? '\t' : first.includes(',') ? ',' : first.includes(';') ? ';' : null;
  if (!sep) return null;
  // quotes as spreadsheets write them (papaparse); a blank line stays an empty row, so rows keep their line numbers
  const { data } = Papa.parse<string[]>(text, { delimiter: sep, skipEmptyLines: false });
  return data.map((r) => (r.every((c) => c.trim() === '') ? [] : r.map((c) => c.trim())));
}

/** Looks for a labels CSV among `files` whose first column names pictures in `dir` or one of `subdirs`. */
export async function findPictureCsv(dir: string, files: string[], subdirs: string[]): Promise<PictureCsv | null> {
  // train.csv / labels.csv first; a Kaggle sample_submission.csv or test.csv holds no real labels, so last
  const rank = (f: string) => (/train|label/i.test(path.basename(f)) ? 0 : /submission|test/i.test(path.basename(f)) ? 2 : 1);
  const candidates = files.filter((f) => CSV_NAME.test(f)).sort((a, b) => rank(a) - rank(b));
  for (const csv of candidates) {
    const table = await readCsv(csv, true);
    if (!table || table.length < 2 || (table[0].length < 2 && table[1]?.length < 2)) continue;
    for (const base of [dir, ...subdirs]) {
      const sample = table.slice(1, 21).filter((r) => r.length >= 2);
      let found = 0;
      for (const r of sample) if (await resolveName(base, r[0])) found++;
      if (found === 0 || found < sample.length / 2) continue;
      const header = !(await resolveName(base, table[0][0]));
      const width = table[0].length;
      let col = header ? table[0].findIndex((h, i) => i > 0 && LABEL_HEADER.test(h)) : -1;
      if (col < 0) col = width === 2 ? 1 : width - 1;
      const rows: PictureCsv['rows'] = [];
      const all = (await readCsv(csv)) ?? table;
      all.forEach((r, i) => {
        if ((header && i === 0) || r.length === 0) return;
        rows.push({ name: r[0], label: r[col] ?? '', line: i + 1 });
      });
      return { csv, base, rows };
    }
  }
  return null;
}

export async function importPictureCsv(ctx: ImportContext, root: string, pc: PictureCsv): Promise<ImportedData> {
  const skipped: SkippedFile[] = [];
  const csvName = path.basename(pc.csv);
  const classes = new Map<string, string[]>();
  const listed = new Set<string>();
  for (const r of pc.rows) {
    ctx.checkAbort();
    const file = await resolveName(pc.base, r.name);
    if (!file) {
      skipped.push({ path: path.join(pc.base, r.name), reason: `line ${r.line} of ${csvName} names it, but there is no such picture in ${pc.base}` });
      continue;
    }
    if (r.label === '') {
      skipped.push({ path: file, reason: `line ${r.line} of ${csvName} gives it no label` });
      continue;
    }
    if (listed.has(file)) {
      skipped.push({ path: file, reason: `listed again on line ${r.line} of ${csvName}; its first label is kept` });
      continue;
    }
    listed.add(file);
    const list = classes.get(r.label) ?? [];
    list.push(file);
    classes.set(r.label, list);
  }
  for (const e of await listDir(pc.base)) {
    if (e.full !== pc.csv && !listed.has(e.full) && !e.name.startsWith('.')) skipped.push({ path: e.full, reason: `not listed in ${csvName}` });
  }
  const classNames = [...classes.keys()].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  if (classNames.length < 2) {
    throw new DatasetImportError(
      `${pc.csv}: ${classNames.length ? `every listed picture has the label "${printable(classNames[0])}"` : 'no line names a picture that exists'}; a classifier needs at least two labels. Check the label column (the second, or one named "label").`,
    );
  }
  const sorted = new Map(classNames.map((c) => [c, classes.get(c)!]));
  const splits: { split: 'all'; files: SplitFiles }[] = [{ split: 'all', files: { root: pc.base, classes: sorted } }];
  return importPictures(ctx, root, splits, classNames, skipped, { labels: `from ${csvName} (filename,label)` });
}
