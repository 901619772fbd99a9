/**
 * The export of a table model (issue 11): it is verified on the RAW test rows (the cells as
 * the person's file had them, `<dataset>/test-raw.csv`) against the studio's own evaluation of
 * the encoded test split. A category: every class name the same and probabilities within
 * 1e-5. A number: every value within 1e-5 relative or 1e-4 absolute, in the target's units.
 * And the model card's words about the inputs and outputs of such a model.
 */
import * as ort from 'onnxruntime-node';
import type { DatasetLibrary } from '../datasets/library';
import type { DatasetMeta } from '../datasets/types';
import type { EvalResult } from '../engine/evaluate';
import { tableFeeds, tableModelInputs, type TableFeeds } from '../engine/export-table';
import { OTHER_LEVEL, MISSING_LEVEL, type RawRow, type TableSchema, type Task } from '../engine/table';

/** A number model's values agree when within this relative difference… */
export const VALUE_RELATIVE_TOLERANCE = 1e-5;
/** …or this absolute one, in the target's units. */
export const VALUE_ABSOLUTE_TOLERANCE = 1e-4;

/** What `exportRun` needs of a table dataset (its schema and first `testCount` raw test rows), or undefined for another dataset. */
export async function tableExportInput(library: Pick<DatasetLibrary, 'tableRows'>, meta: Pick<DatasetMeta, 'id' | 'table'>, testCount: number): Promise<{ schema: TableSchema; testRows: RawRow[] } | undefined> {
  if (!meta.table) return undefined;
  const testRows = await library.tableRows(meta.id, 'test', Array.from({ length: testCount }, (_, i) => i));
  return { schema: meta.table, testRows };
}

/** What the exported model says for each row: class names and probabilities, or values. */
export interface TableAnswers {
  labels?: string[];
  probabilities?: Float32Array;
  values?: Float32Array;
}

function tensors(feeds: TableFeeds, from: number, count: number): Record<string, ort.Tensor> {
  const out: Record<string, ort.Tensor> = {};
  for (const [name, v] of Object.entries(feeds)) {
    out[name] = Array.isArray(v) ? new ort.Tensor('string', v.slice(from, from + count), [count, 1]) : new ort.Tensor('float32', v.slice(from, from + count), [count, 1]);
  }
  return out;
}

/** Runs raw rows through a table model's open session, in batches. */
export async function runTableSession(session: ort.InferenceSession, schema: Pick<TableSchema, 'columns'>, rows: RawRow[], task: Task, batch = 1000): Promise<TableAnswers> {
  const feeds = tableFeeds(schema, rows);
  const n = rows.length;
  const answers: TableAnswers = task === 'number' ? { values: new Float32Array(n) } : { labels: [], probabilities: undefined };
  const probs: Float32Array[] = [];
  for (let from = 0; from < n; from += batch) {
    const count = Math.min(batch, n - from);
    const out = await session.run(tensors(feeds, from, count));
    if (answers.values) answers.values.set(out.value.data as Float32Array, from);
    else {
      answers.labels!.push(...(out.label.data as string[]));
      probs.push(out.probabilities.data as Float32Array);
    }
  }
  if (!answers.values) {
    const all = new Float32Array(probs.reduce((s, p) => s + p.length, 0));
    let at = 0;
    for (const p of probs) {
      all.set(p, at);
      at += p.length;
    }
    answers.probabilities = all;
  }
  return answers;
}

/** Runs raw rows through an exported table model file with onnxruntime-node (CPU). */
export async function runTableModel(file: string, schema: Pick<TableSchema, 'columns'>, rows: RawRow[], task: Task): Promise<TableAnswers> {
  const session = await ort.InferenceSession.create(file, { executionProviders: ['cpu'], intraOpNumThreads: 1 });
  try {
    return await runTableSession(session, schema, rows, task);
  } finally {
    await session.release();
  }
}

/** Whether two values of a number model agree (see the tolerances above). */
export const valuesAgree = (studio: number, exported: number): boolean =>
  Math.abs(studio - exported) <= VALUE_ABSOLUTE_TOLERANCE || Math.abs(studio - exported) <= VALUE_RELATIVE_TOLERANCE * Math.abs(studio);

export interface TableComparison {
  samples: number;
  agree: number;
  maxProbDiff: number;
  /** a number: the largest difference, in the target's units */
  maxValueDiff?: number;
  mismatches: { index: number; studio: string; exported: string }[];
}

/** The exported model's answers on the raw rows against the studio's on the encoded split. */
export function compareTableWithStudio(studio: Pick<EvalResult, 'predictions' | 'probabilities' | 'values'>, exported: TableAnswers, classNames: string[]): TableComparison {
  const mismatches: TableComparison['mismatches'] = [];
  let agree = 0;
  if (exported.values) {
    const sv = studio.values;
    if (!sv) throw new Error('the studio evaluation returned no values');
    let maxValueDiff = 0;
    sv.forEach((s, i) => {
      const e = exported.values![i];
      const diff = Math.abs(s - e);
      if (!(diff <= maxValueDiff)) maxValueDiff = Number.isNaN(diff) ? Infinity : diff;
      if (valuesAgree(s, e)) agree++;
      else if (mismatches.length < 20) mismatches.push({ index: i, studio: String(s), exported: String(e) });
    });
    return { samples: sv.length, agree, maxProbDiff: 0, maxValueDiff, mismatches };
  }
  const sp = studio.probabilities;
  if (!sp || !exported.labels || !exported.probabilities) throw new Error('the studio evaluation or the exported model returned no probabilities');
  const classes = classNames.length;
  let maxProbDiff = 0;
  studio.predictions.forEach((p, i) => {
    const name = classNames[p];
    if (exported.labels![i] === name) agree++;
    else if (mismatches.length < 20) mismatches.push({ index: i, studio: name, exported: exported.labels![i] });
    for (let c = 0; c < classes; c++) {
      const diff = Math.abs(sp[i * classes + c] - exported.probabilities![i * classes + c]);
      if (!(diff <= maxProbDiff)) maxProbDiff = Number.isNaN(diff) ? Infinity : diff;
    }
  });
  return { samples: studio.predictions.length, agree, maxProbDiff, mismatches };
}

/** A number for people to read: 6 significant digits (no float noise such as 120.99999999999999). */
const short = (v: number | undefined): string => (v === undefined ? '—' : String(Number(v.toPrecision(6))));

const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The model card's "Input and output" lines for a table model. */
export function tableInputOutputLines(schema: TableSchema): string[] {
  const lines: string[] = [];
  const inputs = tableModelInputs(schema);
  lines.push(`The model takes the table's original columns, one input per column, each of shape [batch, 1] (the batch size is free). Feed the values as they are in your table; the model does the rest (missing values, categories, clipping, scaling).`, '');
  lines.push('| input | type | what to feed | missing |', '|---|---|---|---|');
  for (const i of inputs) {
    const col = schema.columns.find((c) => c.name === i.column)!;
    if (col.type === 'number') {
      lines.push(`| \`${esc(i.name)}\` | float32 | the number | NaN (becomes the training median ${short(col.median)}${col.missingIndicator ? ', and a "was missing" flag is set' : ''}); values are clipped to [${short(col.clip[0])}, ${short(col.clip[1])}] |`);
    } else if (col.type === 'category' || col.type === 'yesno') {
      const shown = col.levels.slice(0, 12).map((l) => `\`${esc(l)}\``).join(', ') + (col.levels.length > 12 ? ', …' : '');
      const other = col.levels.includes(OTHER_LEVEL) ? `any other text counts as ${OTHER_LEVEL}` : 'any other text sets none of its levels';
      const missing = col.levels.includes(MISSING_LEVEL) ? MISSING_LEVEL : col.levels.includes(OTHER_LEVEL) ? OTHER_LEVEL : 'no level';
      lines.push(`| \`${esc(i.name)}\` | string | the cell text without leading or trailing spaces, exactly as written (case matters): ${shown}; ${other} | an empty string or NA, N/A, null, ?, NaN, -, none, #N/A (any case) counts as ${missing} |`);
    } else if (col.type === 'date') {
      const what = { year: 'the year', month: 'the month (1–12)', dayOfWeek: 'the day of the week (0 = Monday … 6 = Sunday)', dayOfYear: 'the day of the year (1–366)', hour: 'the hour (0–23; 0 when the cell has no time)' }[i.part!];
      lines.push(`| \`${esc(i.name)}\` | float32 | ${what} of the date in column "${esc(col.name)}" | NaN in every part of the date (each becomes its training median${col.missingIndicator ? ', and a "was missing" flag is set' : ''}) |`);
    }
  }
  const ignored = schema.columns.filter((c) => c.type === 'ignore');
  if (ignored.length) lines.push('', `Columns left out (the model does not read them): ${ignored.map((c) => `"${esc(c.name)}"${c.reason ? ` (${c.reason})` : ''}`).join(', ')}.`);
  lines.push('');
  if (schema.target.task === 'number') {
    lines.push(`Output \`value\`: float32, [batch, 1], the predicted "${esc(schema.target.name)}" in its own units (the network's output × ${short(schema.target.std)} + ${short(schema.target.mean)}).`);
  } else {
    lines.push(`Outputs: \`label\` (string, [batch], the predicted "${esc(schema.target.name)}": the most probable class's name) and \`probabilities\` (float32, [batch, ${schema.target.levels?.length}], in the class order of the metadata's class_names).`);
  }
  lines.push('The column schema (types, levels, medians, clipping), the input names and types and the standardisation are stored in the model\'s metadata_props (table_schema, table_inputs, preprocessing).', '');
  return lines;
}

/** The model card's "Loading the model" lines for a table model. */
export function tableLoadingLines(schema: TableSchema, base: string): string[] {
  const inputs = tableModelInputs(schema);
  const example = (i: (typeof inputs)[number]) => (i.type === 'string' ? `np.array([["${(schema.columns.find((c) => c.name === i.column) as { levels?: string[] }).levels?.[0] ?? ''}"]], dtype=object)` : 'np.array([[float("nan")]], dtype=np.float32)');
  const lines = ['Python (`pip install onnxruntime numpy`):', '', '```python', 'import numpy as np', 'import onnxruntime as ort', '', `session = ort.InferenceSession("${base}")`, 'row = {'];
  for (const i of inputs) lines.push(`    ${JSON.stringify(i.name)}: ${example(i)},`);
  lines.push('}');
  lines.push(schema.target.task === 'number' ? '(value,) = session.run(["value"], row)\nprint(value[0][0])' : 'label, probabilities = session.run(["label", "probabilities"], row)\nprint(label[0], probabilities[0].max())');
  lines.push('```', '', `Or score a whole CSV file with the studio: \`mlp-studio predict ${base} table.csv --out scored.csv\` (columns are matched by name; extra columns are kept).`, '');
  return lines;
}
