/**
 * Scoring a person's table with a table model (issue 11), the parts that need no runtime: read
 * a CSV/TSV text by its header, find the columns the model needs (by name, in any order; the
 * target and columns left out at import are not needed), and write the person's table back,
 * every cell as it was and in the file's own delimiter, with `predicted <target>` and, for a
 * category, `probability` added. Pure TypeScript: `predict --out` (runs/predict-table.ts) and
 * Try it in the window use the same rules.
 */
import Papa from 'papaparse';
import { StudioError } from './errors';
import type { RawRow, TableSchema, Task } from './table';

export interface ReadTable {
  /** the header's names, trimmed */
  header: string[];
  /** data rows, every cell as text */
  rows: string[][];
  /** the delimiter the file uses (detected) */
  delimiter: string;
}

/** A name for a message: quoted, control characters escaped, long names cut. */
const quoted = (name: string, max = 80): string => {
  const t = JSON.stringify(name).slice(1, -1);
  return `"${t.length > max ? `${t.slice(0, max)}…` : t}"`;
};

/** A CSV/TSV text with a header row (delimiter detected, BOM dropped); refusals name the file and the row. */
export function readTableText(text: string, file: string): ReadTable {
  const parsed = Papa.parse<string[]>(text.replace(/^\uFEFF/, ''), { skipEmptyLines: 'greedy', dynamicTyping: false, delimiter: '' });
  const [first, ...rows] = parsed.data;
  if (!first || first.every((h) => !h.trim())) throw new StudioError('bad_request', `${file}: the file has no header row; its first row must name the columns`);
  if (rows.length === 0) throw new StudioError('bad_request', `${file}: only a header row, no rows to score`);
  const header = first.map((h) => h.trim());
  const seen = new Set<string>();
  for (const n of header) {
    if (seen.has(n)) throw new StudioError('bad_request', `${file}: the column name ${quoted(n)} appears twice in the header; give every column its own name`);
    seen.add(n);
  }
  rows.forEach((r, i) => {
    if (r.length !== header.length) throw new StudioError('bad_request', `${file}, row ${i + 1}: ${r.length} cells, but the header names ${header.length} columns`);
  });
  return { header, rows, delimiter: parsed.meta.delimiter || ',' };
}

/** The columns the model reads that the header lacks (the target and columns left out at import are not needed). */
export function missingColumns(schema: Pick<TableSchema, 'columns'>, header: readonly string[]): string[] {
  const have = new Set(header);
  return schema.columns.filter((c) => c.type !== 'ignore' && !have.has(c.name)).map((c) => c.name);
}

/** The table's rows by column name; refuses a table that lacks a column the model needs, naming every one. */
export function tableRows(schema: Pick<TableSchema, 'columns'>, table: ReadTable, file: string): RawRow[] {
  const absent = missingColumns(schema, table.header);
  if (absent.length) {
    throw new StudioError(
      'bad_request',
      `${file}: the model needs the column${absent.length > 1 ? 's' : ''} ${absent.map((n) => quoted(n)).join(', ')}, which the file does not have ` +
        `(its columns: ${table.header.map((n) => quoted(n, 40)).join(', ')}). Columns are matched by their header names; add ${absent.length > 1 ? 'them' : 'it'} (empty cells count as missing).`,
    );
  }
  return table.rows.map((cells) => Object.fromEntries(table.header.map((h, i) => [h, cells[i]])));
}

/** One scored row: the class name and its probability, or the value in the target's units. */
export interface TableScore {
  predicted: string | number;
  probability?: number;
}

/** A header name not already in the table ("predicted price", else "predicted price (2)"…). */
function freeName(header: readonly string[], wanted: string): string {
  let name = wanted;
  for (let k = 2; header.includes(name); k++) name = `${wanted} (${k})`;
  return name;
}

/**
 * The person's table with the prediction columns added, in the table's own delimiter; numbers
 * with 7 significant digits, with a decimal comma when the training table was written so and
 * the delimiter is not a comma.
 */
export function scoredTableCsv(schema: Pick<TableSchema, 'target' | 'source'>, task: Task, table: ReadTable, scores: readonly TableScore[]): string {
  const header = [...table.header, freeName(table.header, `predicted ${schema.target.name}`)];
  if (task === 'category') header.push(freeName(header, 'probability'));
  const comma = schema.source.decimalComma === true && table.delimiter !== ',';
  const number = (v: number) => {
    const t = String(Number(v.toPrecision(7)));
    return comma ? t.replace('.', ',') : t;
  };
  const rows = table.rows.map((cells, i) => {
    const s = scores[i];
    if (task === 'category') return [...cells, String(s.predicted), number(Number((s.probability ?? NaN).toFixed(6)))];
    return [...cells, typeof s.predicted === 'number' ? number(s.predicted) : s.predicted];
  });
  return Papa.unparse({ fields: header, data: rows }, { delimiter: table.delimiter, newline: '\n' }) + '\n';
}
