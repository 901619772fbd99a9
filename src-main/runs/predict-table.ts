/**
 * Scoring a person's table with an exported table model (issue 11): `mlp-studio predict
 * model.onnx table.csv [--out scored.csv]`. The CSV's header names the columns; they are
 * matched with the model's inputs by name, in any order; the column to predict may be there or
 * not, and extra columns are kept. The raw cells go to the model, which does its own
 * preprocessing. With --out the table is written back, every cell as it was, with the
 * prediction columns added: `predicted <target>` and, for a category, `probability` (of the
 * predicted class).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import Papa from 'papaparse';
import { printable } from '../datasets/errors';
import { safeText } from '../datasets/safe-text';
import { decodeText } from '../datasets/text-encoding';
import { tableModelInputs } from '../engine/export-table';
import type { RawRow, TableSchema, Task } from '../engine/table';
import { writeFileAtomic } from './atomic';
import { runTableSession } from './export-table';
import { readOnnxInfo } from './onnxinfo';
import { PredictInputError } from './predict';

/** A column name quoted for a message (control and bidirectional characters escaped, long names cut). */
const quoted = (name: string, max = 80): string => `"${printable(name, max)}"`;

export interface TableModel {
  file: string;
  schema: TableSchema;
  task: Task;
  session: ort.InferenceSession;
}

/** The table model in `file`, or null when the file is an ONNX model of another kind (images, plain features). */
export async function openTableModel(file: string): Promise<TableModel | null> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (err) {
    throw new PredictInputError(`${file}: cannot read the model (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const info = readOnnxInfo(bytes, file);
  if (!info.metadata.table_schema) return null;
  let schema: TableSchema;
  try {
    schema = JSON.parse(info.metadata.table_schema) as TableSchema;
  } catch {
    throw new PredictInputError(`${file}: the model's column schema (metadata table_schema) is not readable JSON; export the model again`);
  }
  const names = new Set(info.inputs.map((i) => i.name));
  const missing = tableModelInputs(schema).filter((i) => !names.has(i.name));
  if (missing.length) throw new PredictInputError(`${file}: the model's inputs do not match its column schema (no input ${missing.map((i) => `"${i.name}"`).join(', ')}); export the model again`);
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'] });
  return { file, schema, task: schema.target.task, session };
}

export interface ReadTable {
  header: string[];
  /** data rows, as read (every cell text) */
  rows: string[][];
  delimiter: string;
}

/** A CSV/TSV table with a header row (delimiter detected; UTF-8 or UTF-16). */
export function parseTableCsv(text: string, file: string): ReadTable {
  const parsed = Papa.parse<string[]>(text.replace(/^\uFEFF/, ''), { skipEmptyLines: 'greedy', dynamicTyping: false, delimiter: '' });
  const [header, ...rows] = parsed.data;
  if (!header) throw new PredictInputError(`${file}: the file has no rows; give a CSV file whose first row names the columns`);
  if (rows.length === 0) throw new PredictInputError(`${file}: only a header row, no rows to score`);
  const names = header.map((h) => h.trim());
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) throw new PredictInputError(`${file}: the column name ${quoted(n)} appears twice in the header; give every column its own name`);
    seen.add(n);
  }
  rows.forEach((r, i) => {
    if (r.length !== names.length) throw new PredictInputError(`${file}, row ${i + 1}: ${r.length} cells, but the header names ${names.length} columns`);
  });
  return { header: names, rows, delimiter: parsed.meta.delimiter || ',' };
}

/** The raw rows the model reads; refuses a table that lacks a column the model needs, naming every one. */
export function tableRowsFor(model: Pick<TableModel, 'schema'>, table: ReadTable, file: string): RawRow[] {
  const needed = model.schema.columns.filter((c) => c.type !== 'ignore').map((c) => c.name);
  const index = new Map(table.header.map((h, i) => [h, i]));
  const absent = needed.filter((n) => !index.has(n));
  if (absent.length) {
    throw new PredictInputError(
      `${file}: the model needs the column${absent.length > 1 ? 's' : ''} ${absent.map((n) => quoted(n)).join(', ')}, which the file does not have ` +
        `(its columns: ${table.header.map((n) => quoted(n, 40)).join(', ')}). Columns are matched by their header names; add ${absent.length > 1 ? 'them' : 'it'} (empty cells count as missing).`,
    );
  }
  return table.rows.map((cells) => Object.fromEntries(needed.map((n) => [n, cells[index.get(n)!]])));
}

/** One scored row: the class name and its probability, or the value. */
export interface TableScore {
  /** "table.csv, row 3" */
  source: string;
  predicted: string | number;
  probability?: number;
}

/** Scores a table's rows with the model. */
export async function scoreTable(model: TableModel, table: ReadTable, file: string): Promise<TableScore[]> {
  const rows = tableRowsFor(model, table, file);
  const answers = await runTableSession(model.session, model.schema, rows, model.task);
  const base = path.basename(file);
  const classes = model.schema.target.levels?.length ?? 0;
  return rows.map((_, i) => {
    const source = `${base}, row ${i + 1}`;
    if (answers.values) return { source, predicted: answers.values[i] };
    const probs = answers.probabilities!.subarray(i * classes, (i + 1) * classes);
    return { source, predicted: answers.labels![i], probability: Math.max(...probs) };
  });
}

/** A header name not already in the table ("predicted price", else "predicted price (2)"…). */
function freeName(header: string[], wanted: string): string {
  let name = wanted;
  for (let k = 2; header.includes(name); k++) name = `${wanted} (${k})`;
  return name;
}

/** The person's table with the prediction columns added, as CSV text in the table's own delimiter. */
export function scoredCsv(model: Pick<TableModel, 'schema' | 'task'>, table: ReadTable, scores: TableScore[]): string {
  const predicted = freeName(table.header, `predicted ${model.schema.target.name}`);
  const header = [...table.header, predicted];
  const comma = model.schema.source.decimalComma === true && table.delimiter !== ',';
  const number = (v: number) => (comma ? String(Number(v.toPrecision(7))).replace('.', ',') : String(Number(v.toPrecision(7))));
  if (model.task === 'category') header.push(freeName(header, 'probability'));
  const rows = table.rows.map((cells, i) => {
    const s = scores[i];
    return model.task === 'category' ? [...cells, String(s.predicted), number(Number(s.probability!.toFixed(6)))] : [...cells, number(s.predicted as number)];
  });
  return Papa.unparse({ fields: header, data: rows }, { delimiter: table.delimiter, newline: '\n' }) + '\n';
}

/** Reads a CSV table from a file (UTF-8 or UTF-16). */
export async function readTableFile(file: string): Promise<ReadTable> {
  let text: string;
  try {
    text = decodeText(await fs.readFile(file));
  } catch (err) {
    throw new PredictInputError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return parseTableCsv(text, file);
}

/** Scores `input` and writes the scored table to `out` (replaced atomically); returns the scores. */
export async function scoreTableFile(model: TableModel, input: string, out?: string): Promise<TableScore[]> {
  const table = await readTableFile(input);
  const scores = await scoreTable(model, table, input);
  if (out !== undefined) await writeFileAtomic(out, scoredCsv(model, table, scores));
  return scores;
}

/** The line `predict` prints for a scored row. */
export function tableScoreLine(s: TableScore): string {
  const what = typeof s.predicted === 'number' ? String(Number(s.predicted.toPrecision(7))) : `${safeText(s.predicted)}   (probability ${(s.probability! * 100).toFixed(2)}%)`;
  return `${safeText(s.source)}: ${what}`;
}

/** `predict` with a table model: prints one line (or JSON object) per row, or with `out` writes the scored table. */
export async function predictTableCommand(model: TableModel, inputs: string[], f: { json?: boolean; out?: string }, print: (line: string) => void): Promise<void> {
  try {
    if (f.out !== undefined && inputs.length !== 1) throw new PredictInputError(`--out writes one scored table: give one CSV file (got ${inputs.length})`);
    for (const input of inputs) {
      const scores = await scoreTableFile(model, input, f.out);
      if (f.out !== undefined) print(`scored ${scores.length} rows of ${input}: ${f.out} (the table with "predicted ${model.schema.target.name}"${model.task === 'category' ? ' and "probability"' : ''} added)`);
      else for (const s of scores) print(f.json ? JSON.stringify(s) : tableScoreLine(s));
    }
  } finally {
    await model.session.release();
  }
}
