/**
 * Scoring a person's table with an exported table model (issue 11): `mlp-studio predict
 * model.onnx table.csv [--out scored.csv]`. The CSV's header names the columns; they are
 * matched with the model's inputs by name, in any order; the column to predict may be there or
 * not, and extra columns are kept (the rules: engine/table-score.ts, shared with Try it). The
 * raw cells go to the model, which does its own preprocessing. With --out the table is written back, every cell as it was, with the
 * prediction columns added: `predicted <target>` and, for a category, `probability` (of the
 * predicted class).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { safeText } from '../datasets/safe-text';
import { decodeText } from '../datasets/text-encoding';
import { tableModelInputs } from '../engine/export-table';
import type { TableSchema, Task } from '../engine/table';
import { readTableText, scoredTableCsv, tableRows, type ReadTable, type TableScore } from '../engine/table-score';
import { writeFileAtomic } from './atomic';
import { runTableSession } from './export-table';
import { readOnnxInfo } from './onnxinfo';
import { PredictInputError } from './predict';

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

/** One scored row, and where it came from: "table.csv, row 3". */
export interface SourcedScore extends TableScore {
  source: string;
}

/** Scores a table's rows with the model. */
export async function scoreTable(model: TableModel, table: ReadTable, file: string): Promise<SourcedScore[]> {
  const rows = tableRows(model.schema, table, file);
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

/** Reads a CSV table from a file (UTF-8 or UTF-16). */
export async function readTableFile(file: string): Promise<ReadTable> {
  const ext = path.extname(file).toLowerCase();
  if (!['.csv', '.tsv', '.txt'].includes(ext)) throw new PredictInputError(`${file}: a table to score is read as CSV or TSV text; save it as CSV (from a spreadsheet: File › Save as › CSV) and give that file`);
  let text: string;
  try {
    text = decodeText(await fs.readFile(file));
  } catch (err) {
    throw new PredictInputError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return readTableText(text, file);
}

/** Scores `input` and writes the scored table to `out` (replaced atomically); returns the scores. */
export async function scoreTableFile(model: TableModel, input: string, out?: string): Promise<SourcedScore[]> {
  const table = await readTableFile(input);
  const scores = await scoreTable(model, table, input);
  if (out !== undefined) await writeFileAtomic(out, scoredTableCsv(model.schema, model.task, table, scores));
  return scores;
}

/** The line `predict` prints for a scored row. */
export function tableScoreLine(s: SourcedScore): string {
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
