/**
 * Table readers (issue 11): a CSV/TSV text file (delimiter guessed among , tab ; |, quotes,
 * a byte-order mark, UTF-8 or UTF-16), an Excel workbook (.xlsx, through read-excel-file; the
 * first sheet unless one is named) or a JSON array of records, read into the same shape: a
 * header and rows of cells as text. Every refusal names the file and, where there is one, the
 * row and column. The whole table is held in memory as text; work is linear in rows × columns.
 */
import fs from 'node:fs/promises';
import Papa from 'papaparse';
import readXlsxFile from 'read-excel-file/node';
import type { TableSchema } from '../../engine/table';
import { looksNumeric } from '../cells';
import { DatasetImportError, fmtCount, printable } from '../errors';
import { readHead } from '../sniff';
import { decodeText, textEncodingOf, textStream } from '../text-encoding';

/** the delimiters the importer recognises, in papaparse's order of preference */
export const DELIMITERS = [',', '\t', ';', '|'];

/** A table as read: the header's names and the rows' cells, as text. */
export interface RawTable {
  file: string;
  /** the file for messages: its path, and the sheet of a workbook */
  where: string;
  header: string[];
  /** whether the file had a header row (without one, columns are named "column 1", …) */
  hasHeader: boolean;
  rows: string[][];
  /** the spreadsheet row number of rows[0] (2 below a header row); rows follow one by one */
  firstRow: number;
  /** how rows are called in messages: "row" (CSV, xlsx) or "record" (JSON) */
  rowWord: 'row' | 'record';
  source: TableSchema['source'];
  /** xlsx: every sheet's name */
  sheets?: string[];
}

export interface ReadOptions {
  sheet?: string;
  signal?: AbortSignal;
  onRow?(n: number): void;
}

/** the header's names for a message: all of a short header, the first few and the count of a wide one */
export function headerList(header: string[]): string {
  const shown = header.slice(0, 12).map((h) => `"${printable(h, 30)}"`).join(', ');
  return header.length > 12 ? `${fmtCount(header.length)} columns: ${shown}, …` : shown;
}

/** The kind of table a file is, from its name and first bytes. */
export function tableFormatOf(file: string, head: Uint8Array): 'csv' | 'xlsx' | 'json' {
  if (/\.xlsx$/i.test(file)) return 'xlsx';
  if (/\.json$/i.test(file)) return 'json';
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 3 && head[3] === 4 && /\.xlsm$/i.test(file)) return 'xlsx';
  return 'csv';
}

export async function readTable(file: string, opts: ReadOptions = {}): Promise<RawTable> {
  const head = await readHead(file, 4096).catch((e: Error) => {
    throw new DatasetImportError(`${file}: cannot be read (${e.message}).`);
  });
  const format = tableFormatOf(file, head);
  if (opts.sheet !== undefined && format !== 'xlsx') throw new DatasetImportError(`${file}: a sheet ("${printable(opts.sheet, 40)}") can only be chosen in an Excel workbook (.xlsx).`);
  if (format === 'xlsx') return readXlsx(file, head, opts);
  if (format === 'json') return readJson(file);
  return readCsv(file, opts);
}

/** Names the header's problems: an empty name or a name used twice. */
function checkHeader(file: string, header: string[]): void {
  const seen = new Map<string, number>();
  for (let j = 0; j < header.length; j++) {
    const name = header[j].trim();
    if (name === '') {
      throw new DatasetImportError(`${file}: column ${j + 1} has no name in the header row; give every column a name (or delete the empty column) and import again.`);
    }
    const k = seen.get(name);
    if (k !== undefined) {
      throw new DatasetImportError(`${file}: columns ${k + 1} and ${j + 1} are both named "${printable(name, 40)}" in the header row; give each column its own name and import again.`);
    }
    seen.set(name, j);
  }
}

/** Whether the first record is a header: a name where the next row has a number, or no number at all in it. */
function isHeaderRow(first: string[], second: string[] | undefined): boolean {
  if (!second) return !first.some(looksNumeric);
  // NaN, Infinity and 1e39 count as numbers here: a row of them is data (refused cell by cell), not a header
  if (first.some((c, j) => !looksNumeric(c) && j < second.length && looksNumeric(second[j]))) return true;
  return !first.some(looksNumeric) && first.every((c) => c.trim() !== '') && !second.every((c, j) => c === first[j]);
}

/** A table from records: header detection, names, ragged rows refused. */
function tableOf(file: string, records: string[][], source: TableSchema['source'], rowWord: 'row' | 'record' = 'row', firstRecord = 1): RawTable {
  if (records.length === 0) throw new DatasetImportError(`${file}: the table has no rows.`);
  const hasHeader = isHeaderRow(records[0], records[1]);
  const width = records[0].length;
  const header = hasHeader ? records[0].map((h) => h.trim()) : Array.from({ length: width }, (_, j) => `column ${j + 1}`);
  if (hasHeader) checkHeader(file, header);
  const rows = hasHeader ? records.slice(1) : records;
  const firstRow = firstRecord + (hasHeader ? 1 : 0);
  for (let i = 0; i < rows.length; i++) {
    if (rows[i].length !== width) {
      throw new DatasetImportError(
        `${file}: ${rowWord} ${firstRow + i} has ${fmtCount(rows[i].length)} fields but ${hasHeader ? 'the header has' : 'the first row has'} ${fmtCount(width)}; every row needs the same number of fields. Fix that row (a missing or extra delimiter, or an unclosed quote) and import again.`,
      );
    }
  }
  return { file, where: file, header, hasHeader, rows, firstRow, rowWord, source };
}

async function readCsv(file: string, opts: ReadOptions): Promise<RawTable> {
  const encoding = textEncodingOf(await readHead(file, 4096).catch(() => Buffer.alloc(0)));
  const records: string[][] = [];
  let delimiter = ',';
  const fail = (msg: string) => new DatasetImportError(`${file}: ${msg}`);
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
          if (opts.signal?.aborted) throw fail('the import was cancelled.');
          const err = res.errors.find((e) => e.type === 'Quotes');
          if (err) throw fail(`row ${records.length + 1}: ${err.message}; close the quote (") or remove it, and import again.`);
          if (records.length === 0) {
            delimiter = res.meta.delimiter;
            if (res.data.length) res.data[0] = res.data[0].replace(/^\uFEFF/, '');
          }
          records.push(res.data);
          if ((records.length & 1023) === 0) opts.onRow?.(records.length);
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
  if (records.length === 0) throw fail('the file has no rows.');
  if (records[0].length < 2) throw fail('each row needs at least two columns (what the network reads, and the column to predict); the studio found one. Are the values separated by commas, tabs, semicolons or |?');
  return tableOf(file, records, { format: 'csv', delimiter, encoding });
}

/** A cell of a workbook as text: numbers as written, dates as ISO text, true/false. */
function xlsxCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) {
    const iso = v.toISOString();
    return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso.slice(0, 19);
  }
  return String(v);
}

async function readXlsx(file: string, head: Uint8Array, opts: ReadOptions): Promise<RawTable> {
  if (head.length >= 4 && head[0] === 0xd0 && head[1] === 0xcf && head[2] === 0x11 && head[3] === 0xe0) {
    throw new DatasetImportError(
      `${file}: this workbook is password-protected (encrypted) or saved in the old .xls format, which the studio cannot open. In Excel, remove the password (File › Info › Protect Workbook) or save it as .xlsx, and import again.`,
    );
  }
  let sheets: { sheet: string; data: unknown[][] }[];
  try {
    sheets = (await readXlsxFile(await fs.readFile(file), { parseNumber: (s: string) => s })) as unknown as { sheet: string; data: unknown[][] }[];
  } catch (e) {
    throw new DatasetImportError(`${file}: the Excel workbook is damaged or not a workbook (${printable((e as Error).message, 120)}). Open it in Excel and save it again as .xlsx, or export the sheet as CSV.`);
  }
  const names = sheets.map((s) => s.sheet);
  if (sheets.length === 0) throw new DatasetImportError(`${file}: the workbook has no sheets.`);
  const chosen = opts.sheet === undefined ? sheets[0] : (sheets.find((s) => s.sheet === opts.sheet) ?? sheets.find((s) => s.sheet.toLowerCase() === opts.sheet!.toLowerCase()));
  if (!chosen) {
    throw new DatasetImportError(`${file}: the workbook has no sheet named "${printable(opts.sheet!, 40)}"; its sheets are ${names.map((n) => `"${printable(n, 40)}"`).join(', ')}. Choose one of them.`);
  }
  const where = `${file} (sheet "${printable(chosen.sheet, 40)}")`;
  // rows as text; rows with no cell are left out, as blank lines of a CSV are
  const width = chosen.data.reduce((w, r) => Math.max(w, r.length), 0);
  const records = chosen.data.filter((r) => r.some((c) => xlsxCell(c).trim() !== '')).map((r) => Array.from({ length: width }, (_, j) => xlsxCell(r[j])));
  if (records.length === 0) throw new DatasetImportError(`${where}: the sheet is empty.`);
  if (width < 2) throw new DatasetImportError(`${where}: the sheet has one column; it needs at least two (what the network reads, and the column to predict).`);
  const t = tableOf(where, records, { format: 'xlsx', sheet: chosen.sheet });
  return { ...t, file, where, sheets: names };
}

async function readJson(file: string): Promise<RawTable> {
  let value: unknown;
  try {
    value = JSON.parse(decodeText(await fs.readFile(file)).replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new DatasetImportError(`${file}: not valid JSON (${printable((e as Error).message, 120)}). The studio reads a JSON array of records: [{"column": value, …}, …].`);
  }
  const notRecords = `${file}: the JSON is not an array of records; the studio reads [{"column": value, …}, …] (one object per row).`;
  if (!Array.isArray(value)) throw new DatasetImportError(notRecords);
  const index = new Map<string, number>();
  const header: string[] = [];
  value.forEach((rec, i) => {
    if (rec === null || typeof rec !== 'object' || Array.isArray(rec)) throw new DatasetImportError(`${notRecords} Record ${i + 1} is ${Array.isArray(rec) ? 'an array' : rec === null ? 'null' : `a ${typeof rec}`}.`);
    for (const k of Object.keys(rec)) {
      if (!index.has(k)) {
        index.set(k, header.length);
        header.push(k);
      }
    }
  });
  const rows = value.map((rec: Record<string, unknown>, i) => {
    const cells = new Array<string>(header.length).fill('');
    for (const [k, v] of Object.entries(rec)) {
      if (v !== null && typeof v === 'object') {
        throw new DatasetImportError(`${file}: record ${i + 1}, "${printable(k, 40)}": holds ${Array.isArray(v) ? 'a list' : 'an object'}; the studio reads flat records (one value per column).`);
      }
      cells[index.get(k)!] = v === null || v === undefined ? '' : String(v);
    }
    return cells;
  });
  if (rows.length === 0) throw new DatasetImportError(`${file}: the JSON array is empty; it needs one record per row.`);
  if (header.length < 2) throw new DatasetImportError(`${file}: the records have ${header.length} field; they need at least two (what the network reads, and the column to predict).`);
  checkHeader(file, header);
  return { file, where: file, header, hasHeader: true, rows, firstRow: 1, rowWord: 'record', source: { format: 'json' } };
}

