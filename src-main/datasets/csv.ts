/**
 * Text tables: whether a text file not named .csv/.tsv looks like a table (detect.ts), and the
 * entry to the table importer (table/import.ts: CSV/TSV, .xlsx and .json, any column types).
 */
import fs from 'node:fs/promises';
import Papa from 'papaparse';
import type { ImportContext, ImportedData } from './context';
import { fmtCount } from './errors';
import { importTable } from './table/import';
import { DELIMITERS } from './table/read';
import { textEncodingOf } from './text-encoding';

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

/** Imports a table (CSV/TSV, .xlsx or .json; see table/import.ts). */
export function importCsv(ctx: ImportContext, files: string[]): Promise<ImportedData> {
  return importTable(ctx, files);
}
