/**
 * Try it on a whole table (issue 11): a CSV the person drops is read by column name, each row
 * is scored, and the person's own table comes back with prediction columns added. Pure
 * functions (no DOM): the scoring itself is the screen's (encodeRow + the network).
 */
import Papa from 'papaparse';
import type { RawRow, TableSchema } from '../../src-main/engine/table';

export interface ReadTable {
  header: string[];
  rows: string[][];
}

/** A CSV/TSV text (the delimiter detected) as a header and rows; refuses a file with no header or no rows, naming it. */
export function readCsv(fileName: string, text: string): ReadTable {
  const parsed = Papa.parse<string[]>(text.replace(/^\uFEFF/, ''), { skipEmptyLines: 'greedy' });
  const [header, ...rows] = parsed.data;
  if (!header?.length || header.every((h) => !h.trim())) throw new Error(`“${fileName}” has no header row: its first line must name the columns.`);
  if (!rows.length) throw new Error(`“${fileName}” has a header but no rows to score.`);
  return { header: header.map((h) => h.trim()), rows };
}

/** The columns the model reads that the table lacks (columns left out at import are not needed). */
export function missingColumns(schema: Pick<TableSchema, 'columns'>, header: readonly string[]): string[] {
  const have = new Set(header);
  return schema.columns.filter((c) => c.type !== 'ignore' && !have.has(c.name)).map((c) => c.name);
}

export function rowOf(header: readonly string[], cells: readonly string[]): RawRow {
  const row: RawRow = {};
  header.forEach((h, i) => (row[h] = cells[i] ?? ''));
  return row;
}

export interface Scored {
  /** the class name, or the value in the target's units */
  value: string;
  /** a category: how sure, 0–1 */
  probability?: number;
}

/** The person's table with `predicted <target>` (and, for a category, `probability`) added to every row. */
export function scoredCsv(t: ReadTable, target: string, scored: readonly Scored[]): string {
  const withProb = scored.some((s) => s.probability !== undefined);
  const header = [...t.header, `predicted ${target}`, ...(withProb ? ['probability'] : [])];
  const rows = t.rows.map((cells, i) => {
    const s = scored[i];
    const padded = t.header.map((_, k) => cells[k] ?? '');
    return [...padded, s?.value ?? '', ...(withProb ? [s?.probability === undefined ? '' : s.probability.toFixed(4)] : [])];
  });
  return Papa.unparse({ fields: header, data: rows });
}
