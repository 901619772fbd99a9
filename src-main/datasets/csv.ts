/**
 * CSV/TSV importer (papaparse, streamed). The delimiter is detected, a header row is
 * recognised when its cells are not numbers where the next row's are, the label column is
 * the last one unless named, and every other column must be numeric: a missing or
 * non-numeric cell is an error naming file, row and column (or the row is dropped, if asked).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import Papa from 'papaparse';
import { Growable, ImportContext, type ImportedData, BinaryWriter, writeInt32File } from './context';
import { cellValue, looksNumeric } from './cells';
import { DatasetImportError, fmtCount, printable } from './errors';
import { readHead } from './sniff';
import { textEncodingOf, textStream } from './text-encoding';

/** the delimiters the importer recognises, in papaparse's order of preference */
const DELIMITERS = [',', '\t', ';', '|'];

/** How much of a text file `tableProblem` looks at. */
const TABLE_HEAD_BYTES = 1 << 20;

/**
 * Whether the start of a text file is "CSV-like enough" to be read as a table: at least two
 * rows, the first with at least two fields split by a comma, tab, semicolon or |, and the
 * second with as many fields as the first. Returns what is wrong in words, or null.
 */
export function tableProblem(text: string): string | null {
  const rows = Papa.parse<string[]>(text.replace(/^\uFEFF/, ''), { delimitersToGuess: DELIMITERS, skipEmptyLines: 'greedy', preview: 10 }).data.filter(
    (r) => r.some((c) => c.trim() !== ''),
  );
  if (rows.length === 0) return 'it holds only blank lines';
  if (rows[0].length < 2) return 'its first line is not values separated by commas, tabs, semicolons or |';
  if (rows.length < 2) return 'it has a single line';
  if (rows[1].length !== rows[0].length) return `its first line has ${fmtCount(rows[0].length)} fields but its second has ${fmtCount(rows[1].length)}`;
  return null;
}

/**
 * `tableProblem` for the first megabyte of a file (cut after its last complete line). A file
 * whose first megabyte holds fewer than two whole lines (a very wide table) is left to the
 * CSV importer, which reads all of it.
 */
export async function fileTableProblem(file: string): Promise<string | null> {
  const fh = await fs.open(file, 'r');
  let text: string;
  try {
    const buf = Buffer.alloc(TABLE_HEAD_BYTES);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const head = buf.subarray(0, bytesRead);
    text = new TextDecoder(textEncodingOf(head)).decode(head);
    if (bytesRead === buf.length) {
      const nl = text.lastIndexOf('\n');
      const first = text.indexOf('\n');
      if (nl < 0 || first === nl) return null;
      text = text.slice(0, nl + 1);
    }
  } finally {
    await fh.close();
  }
  return tableProblem(text);
}

interface ParsedCsv {
  file: string;
  header: string[] | null;
  features: Float32Array;
  labels: string[];
  rows: number;
  dropped: number;
  featureCount: number;
  labelColumn: string;
  /** 0-based index of the label column */
  labelIdx: number;
}

/** the header's names for a message: all of a short header, the first few and the count of a wide one */
function headerList(header: string[]): string {
  const shown = header.slice(0, 12).map((h) => `"${printable(h, 30)}"`).join(', ');
  return header.length > 12 ? `${fmtCount(header.length)} columns: ${shown}, …` : shown;
}

function roleOf(file: string): 'train' | 'test' | null {
  const base = path.basename(file).toLowerCase();
  if (/(^|[-_.])test([-_.]|$)/.test(base)) return 'test';
  if (/(^|[-_.])train([-_.]|$)/.test(base)) return 'train';
  return null;
}

/**
 * Reads the records of a text table (UTF-8 or UTF-16), streamed, calling `onRecord` with each
 * record's cells and its 1-based number; an error thrown by `onRecord` stops the reading.
 */
async function streamRecords(ctx: ImportContext, file: string, fail: (msg: string) => Error, onRecord: (cells: string[], n: number) => void): Promise<void> {
  const encoding = textEncodingOf(await readHead(file, 4096).catch(() => Buffer.alloc(0)));
  let n = 0;
  await new Promise<void>((resolve, reject) => {
    const stream = textStream(file, encoding);
    stream.on('error', (e) => reject(fail(`cannot be read (${e.message}).`)));
    let failed = false;
    Papa.parse<string[]>(stream as unknown as File, {
      skipEmptyLines: 'greedy',
      delimitersToGuess: DELIMITERS,
      step: (res, parser) => {
        if (failed) return;
        try {
          ctx.checkAbort();
          const err = res.errors.find((e) => e.type === 'Quotes');
          if (err) throw fail(`row ${n + 1}: ${err.message}.`);
          if ((++n & 1023) === 0) ctx.progress('reading', n, null);
          onRecord(res.data, n);
        } catch (e) {
          failed = true;
          parser.abort();
          stream.destroy();
          reject(e);
        }
      },
      complete: () => {
        if (!failed) resolve();
      },
      error: (e) => {
        failed = true;
        reject(fail(`cannot be parsed (${e.message}).`));
      },
    });
  });
}

/** The feature values of a record (every cell but the label's), or what is wrong with the first bad cell ("column 2 (\"b\"): …"). */
function featureValues(cells: string[], labelIdx: number, colName: (j: number) => string): Float32Array | string {
  const row = new Float32Array(cells.length - 1);
  for (let j = 0, k = 0; j < cells.length; j++) {
    if (j === labelIdx) continue;
    const v = cellValue(cells[j]);
    if (typeof v === 'string') return `${colName(j)}: ${printable(v, 200)}`;
    row[k++] = v;
  }
  return row;
}

/** The 0-based index of the label column of a table `width` columns wide (the last unless named or numbered). */
function labelColumnIndex(width: number, header: string[] | null, lc: string | number | undefined, fail: (msg: string) => Error): number {
  if (width < 2) throw fail('each row needs at least two columns: features and a label.');
  if (lc === undefined) return width - 1;
  if (typeof lc === 'number') {
    if (!Number.isInteger(lc) || lc < 0 || lc >= width) throw fail(`there is no column ${lc} (columns are numbered 0 to ${width - 1}).`);
    return lc;
  }
  if (!header) throw fail(`the file has no header row, so the label column "${printable(lc)}" cannot be found by name; give its number instead.`);
  let i = header.findIndex((h) => h.trim() === lc);
  if (i < 0) i = header.findIndex((h) => h.trim().toLowerCase() === lc.toLowerCase());
  if (i < 0) throw fail(`no column named "${printable(lc)}" (the header has ${headerList(header)}).`);
  return i;
}

async function parseCsvFile(ctx: ImportContext, file: string, expect: { header: string[] | null; width: number } | null): Promise<ParsedCsv> {
  const opts = ctx.opts;
  const features = new Growable((n) => new Float32Array(n), 4096);
  const labels: string[] = [];
  let header: string[] | null = null;
  let width = -1;
  let labelIdx = -1;
  let pendingFirst: string[] | null = null;
  let dropped = 0;
  let firstData = true;

  const fail = (msg: string) => new DatasetImportError(`${file}: ${msg}`);
  const colName = (j: number) => (header ? `column ${j + 1} ("${printable(header[j], 40)}")` : `column ${j + 1}`);

  const resolveLabel = (cells: string[]) => {
    width = cells.length;
    labelIdx = labelColumnIndex(cells.length, header, opts.labelColumn, fail);
    if (expect && expect.width !== width) throw fail(`has ${width} columns but the training file has ${expect.width}.`);
  };

  const addRow = (cells: string[], r: number): void => {
    if (cells.length !== width) {
      throw fail(`row ${r} has ${cells.length} fields but ${header ? 'the header has' : 'the first row has'} ${width}; every row needs the same number of fields.`);
    }
    const label = cells[labelIdx].trim();
    const row = label === '' ? `${colName(labelIdx)}: the label is missing.` : featureValues(cells, labelIdx, colName);
    if (typeof row === 'string') {
      if (!opts.dropBadRows) throw fail(`row ${r}, ${row} Fix the cell, or import with "drop rows with missing values".`);
      dropped++;
      return;
    }
    for (let k = 0; k < row.length; k++) features.push(row[k]);
    labels.push(label);
  };

  // rowNo: the 1-based record number, as a spreadsheet numbers rows (blank lines not counted)
  const onRecord = (cells: string[], rowNo: number) => {
    if (rowNo === 1 && cells.length) cells[0] = cells[0].replace(/^\uFEFF/, '');
    if (firstData) {
      if (expect && rowNo === 1) {
        // a test file: header if its first row equals the train header or is non-numeric where it should not be
        if (expect.header && cells.length === expect.header.length && cells.every((c, j) => c.trim() === expect.header![j].trim())) {
          header = cells;
          resolveLabel(cells);
          firstData = false;
          return;
        }
      }
      if (pendingFirst === null) {
        pendingFirst = cells;
        return;
      }
      // decide whether the first record is a header, using the second
      const a = pendingFirst;
      // NaN, Infinity and 1e39 count as numbers here: a row of them is data (refused cell by cell), not a header
      const looksHeader = a.some((c, j) => !looksNumeric(c) && j < cells.length && looksNumeric(cells[j]));
      firstData = false;
      if (looksHeader) {
        header = a;
        resolveLabel(a);
        addRow(cells, 2);
      } else {
        resolveLabel(a);
        addRow(a, 1);
        addRow(cells, 2);
      }
      return;
    }
    addRow(cells, rowNo);
  };

  await streamRecords(ctx, file, fail, onRecord);
  if (firstData) {
    if (pendingFirst === null) throw fail('the file has no rows.');
    // exactly one record
    throw fail('the file has a single row; a dataset needs many rows of samples (one per line).');
  }
  const rows = labels.length;
  if (rows === 0) throw fail(`no usable rows (${fmtCount(dropped)} dropped for missing, non-numeric or out-of-range cells).`);
  return {
    file,
    header,
    features: features.view(),
    labels,
    rows,
    dropped,
    featureCount: width - 1,
    labelColumn: header ? (header as string[])[labelIdx] : `column ${labelIdx + 1}`,
    labelIdx,
  };
}

/**
 * The class names: integers in numeric order, otherwise text in natural order. Checked before
 * sorting, and in one pass each, so a feature taken for the label (a million different values)
 * is refused quickly.
 */
function classNamesOf(trainFile: string, train: ParsedCsv, test: ParsedCsv | null): string[] {
  const set = new Set(train.labels);
  for (const l of test?.labels ?? []) set.add(l);
  const distinct = [...set];
  if (distinct.length < 2) {
    throw new DatasetImportError(`${trainFile}: every row has the label "${printable(distinct[0] ?? '', 40)}" (column ${printable(train.labelColumn, 40)}); a classifier needs at least two classes. Is the label column right?`);
  }
  if (distinct.length > 1000) {
    throw new DatasetImportError(`${trainFile}: the label column "${printable(train.labelColumn, 40)}" has ${fmtCount(distinct.length)} different values; that looks like a feature, not a class. Choose the label column.`);
  }
  const allInts = distinct.every((l) => /^[+-]?\d+$/.test(l));
  if (allInts) {
    // "1" and "01" are the same class
    const seen = new Map<number, string>();
    for (const l of distinct) {
      const other = seen.get(Number(l));
      if (other !== undefined) {
        const [a, b] = [other, l].sort((x, y) => x.length - y.length);
        throw new DatasetImportError(`${trainFile}: the labels "${printable(a, 40)}" and "${printable(b, 40)}" are the same number written differently; write each class one way.`);
      }
      seen.set(Number(l), l);
    }
  }
  return distinct.sort(allInts ? (a, b) => Number(a) - Number(b) : (a, b) => a.localeCompare(b, undefined, { numeric: true }));
}

export async function importCsv(ctx: ImportContext, files: string[]): Promise<ImportedData> {
  if (files.length > 2) throw new DatasetImportError(`${files[2]}: give one CSV file, or two named train… and test….`);
  let trainFile = files[0];
  let testFile: string | null = null;
  if (files.length === 2) {
    const roles = files.map(roleOf);
    const ti = roles.indexOf('train');
    const si = roles.indexOf('test');
    if (ti < 0 || si < 0) throw new DatasetImportError(`${files.join(' and ')}: two CSV files must be named train… and test… so the studio knows which is which.`);
    trainFile = files[ti];
    testFile = files[si];
  }
  const train = await parseCsvFile(ctx, trainFile, null);
  if (train.rows < 2 && !testFile) throw new DatasetImportError(`${trainFile}: only one usable row; a dataset needs many.`);
  const test = testFile ? await parseCsvFile(ctx, testFile, { header: train.header, width: train.featureCount + 1 }) : null;
  // class names: integers in numeric order, otherwise text in natural order
  const distinct = classNamesOf(trainFile, train, test);
  const index = new Map(distinct.map((l, i) => [l, i]));
  const write = async (p: ParsedCsv, split: 'train' | 'test' | 'all') => {
    const w = await BinaryWriter.create(ctx.file(split, 'x'));
    try {
      await w.write(p.features);
      await w.close();
    } finally {
      await w.abandon();
    }
    await writeInt32File(ctx.file(split, 'y'), Int32Array.from(p.labels, (l) => index.get(l)!));
  };
  await write(train, test ? 'train' : 'all');
  if (test) await write(test, 'test');
  // one pass over the header (an indexOf per column here made wide tables quadratic)
  const featureNames = train.header ? train.header.filter((_, j) => j !== train.labelIdx) : null;
  return {
    format: 'csv',
    kind: 'tabular',
    sampleShape: [train.featureCount],
    classNames: distinct,
    sources: test ? [trainFile, testFile!] : [trainFile],
    hasTest: !!test,
    preprocessing: {
      source: 'csv',
      labelColumn: train.labelColumn,
      header: !!train.header,
      ...(featureNames ? { featureNames } : {}),
      droppedRows: train.dropped + (test?.dropped ?? 0),
      standardise: 'per-feature mean/std of the train split',
    },
  };
}
