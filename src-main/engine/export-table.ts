/**
 * The exported model of a table dataset (issue 11): it takes the ORIGINAL columns, one named
 * input per column the network reads, and does the whole preprocessing of
 * table-encode.ts's `encodeRow` inside the graph, then the per-feature standardisation and
 * the network:
 *
 * - a number column: a float32 input [batch, 1] (NaN, or ±Infinity, = missing); missing
 *   becomes the training median (IsNaN/IsInf, Where), the value is clipped (Clip), and the
 *   "was missing" 0/1 feature follows when the column has one;
 * - a category or yes/no column: a string input [batch, 1], the cell text trimmed of spaces;
 *   an ai.onnx.ml LabelEncoder maps it to its level's index (missing words → "(missing)",
 *   an unseen text → "(other)", or no level: every feature 0), then Equal against the
 *   level indices + Cast make the one-hot features;
 * - a date column: one float32 input [batch, 1] per part the network reads, named
 *   `<column>_<part>` (year, month, dayOfWeek 0 = Monday, dayOfYear, hour): a date cannot be
 *   parsed with ONNX's operators, so the caller passes its parts (NaN = missing); a missing
 *   part becomes its training median, and the "was missing" feature follows when present.
 *
 * The level lookup is derived from `encodeRow` itself (each key is encoded and the index of
 * its 1 read back), so the graph and the encoder cannot disagree on which text means what.
 * Outputs: a category model gives `label` (the class name, a string [batch]) and
 * `probabilities` (float32 [batch, classes]); a number model gives `value` (float32
 * [batch, 1], in the target's units: the network's output × std + mean).
 */
import { emitNetwork, emitValue } from './export-model';
import { GraphBuilder, ML_DOMAIN, OPSET, ML_OPSET } from './onnx/builder';
import { emit } from './ops/table';
import { inputSize, validateSpec } from './spec';
import { MISSING_TOKENS, type DatePart, type RawRow, type TableColumn, type TableSchema } from './table';
import { datePart, encodeRow, featureCount, isMissing, parseDate, parseNumber } from './table-encode';
import type { ModelSpec, Preprocess, TargetScale } from './types';

/** The outputs of a table model: a category's, and a number's. */
export const TABLE_OUTPUTS = ['label', 'probabilities', 'value'] as const;

/** One input of an exported table model. */
export interface TableModelInput {
  /** the graph input's name: the column's name, or `<column>_<part>` for a date part */
  name: string;
  /** the column of the person's table it comes from */
  column: string;
  type: 'float32' | 'string';
  columnType: 'number' | 'category' | 'yesno' | 'date';
  /** a date column's part */
  part?: DatePart;
}

type UsedColumn = Exclude<TableColumn, { type: 'ignore' }>;

const used = (schema: Pick<TableSchema, 'columns'>): UsedColumn[] => schema.columns.filter((c): c is UsedColumn => c.type !== 'ignore');

/** The inputs of a table's exported model, in schema order. */
export function tableModelInputs(schema: Pick<TableSchema, 'columns'>): TableModelInput[] {
  // a column keeps its name unless it is an output's; a date part is `<column>_<part>`; a name
  // that is taken gets underscores until it is free
  const taken = new Set([...used(schema).map((c) => c.name), ...TABLE_OUTPUTS]);
  const free = (wanted: string): string => {
    let name = wanted;
    while (taken.has(name)) name = `${name}_`;
    taken.add(name);
    return name;
  };
  const own = (c: UsedColumn): string => ((TABLE_OUTPUTS as readonly string[]).includes(c.name) ? free(c.name) : c.name);
  const out: TableModelInput[] = [];
  for (const c of used(schema)) {
    if (c.type === 'number') out.push({ name: own(c), column: c.name, type: 'float32', columnType: 'number' });
    else if (c.type === 'category' || c.type === 'yesno') out.push({ name: own(c), column: c.name, type: 'string', columnType: c.type });
    else if (c.type === 'date') for (const part of c.parts) out.push({ name: free(`${c.name}_${part}`), column: c.name, type: 'float32', columnType: 'date', part });
  }
  return out;
}

/** The largest float32: a finite number beyond it is fed as this, so the model clips it as `encodeRow` does. */
const FLOAT32_MAX = 3.4028234663852886e38;

/** What a table model's inputs are fed for some raw rows: float32 values or strings, one per row. */
export type TableFeeds = Record<string, Float32Array | string[]>;

/**
 * The exported model's inputs for raw rows, by the rules of `encodeRow`: a number cell parsed
 * (decimal comma as the column was written; NaN when missing or not a number), a category cell
 * trimmed, a date cell parsed into its parts (NaN when missing or unreadable). An absent cell is missing.
 */
export function tableFeeds(schema: Pick<TableSchema, 'columns'>, rows: RawRow[]): TableFeeds {
  const feeds: TableFeeds = {};
  const inputs = tableModelInputs(schema);
  for (const col of used(schema)) {
    const mine = inputs.filter((i) => i.column === col.name);
    const cells = rows.map((r) => r[col.name] ?? '');
    if (col.type === 'number') {
      feeds[mine[0].name] = Float32Array.from(cells, (t) => {
        const v = isMissing(t) ? NaN : parseNumber(t, col.decimalComma);
        return Number.isFinite(v) ? Math.min(Math.max(v, -FLOAT32_MAX), FLOAT32_MAX) : v;
      });
    } else if (col.type === 'category' || col.type === 'yesno') {
      feeds[mine[0].name] = cells.map((t) => t.trim());
    } else if (col.type === 'date') {
      const dates = cells.map((t) => (isMissing(t) ? null : parseDate(t, col.order)));
      for (const inp of mine) feeds[inp.name] = Float32Array.from(dates, (d) => (d ? datePart(d, inp.part!) : NaN));
    }
  }
  return feeds;
}

/** Every spelling of the missing words in upper and lower case ("na", "NA", "Na", "nA"…), and the empty cell. */
function missingSpellings(): string[] {
  const out = new Set<string>(['']);
  for (const token of MISSING_TOKENS) {
    let forms = [''];
    for (const ch of token) {
      const cases = ch.toLowerCase() === ch.toUpperCase() ? [ch] : [ch.toLowerCase(), ch.toUpperCase()];
      forms = forms.flatMap((f) => cases.map((c) => f + c));
    }
    forms.forEach((f) => out.add(f));
  }
  return [...out];
}

/** The level index `encodeRow` gives a cell of this column (-1: every feature 0). */
function encodedLevel(col: UsedColumn & { levels: string[] }, text: string): number {
  const v = encodeRow({ columns: [col] }, { [col.name]: text });
  return v.indexOf(1);
}

/** A text no table holds: it stands for every unseen level. */
const UNSEEN = '\u0000unseen level\u0000';

/** The string → level index lookup of a category column: its levels, the missing words, and the default for any other text. */
export function levelLookup(col: UsedColumn & { levels: string[] }): { keys: string[]; values: number[]; unseen: number } {
  const keys = [...new Set([...col.levels, ...missingSpellings()])];
  return { keys, values: keys.map((k) => encodedLevel(col, k)), unseen: encodedLevel(col, UNSEEN) };
}

const f32 = (b: GraphBuilder, v: number, prefix: string) => b.constant('float32', v, [], prefix);
const cast = (b: GraphBuilder, x: string, shape: (number | string)[]) => b.op('Cast', [x], { dtype: 'float32', shape }, { to: 1 });

/** A value with missing (NaN or ±Infinity) replaced by `fill`; also returns the missing mask. */
function imputed(b: GraphBuilder, x: string, fill: number): { value: string; missing: string } {
  const shape = ['batch', 1];
  const missing = b.op('Or', [b.op('IsNaN', [x], { dtype: 'bool', shape }), b.op('IsInf', [x], { dtype: 'bool', shape })], { dtype: 'bool', shape, prefix: 'missing' });
  return { value: b.op('Where', [missing, f32(b, fill, 'median'), x], { dtype: 'float32', shape }), missing };
}

/** The encoded features of one column, [batch, featureCount(col)]. */
function emitColumn(b: GraphBuilder, col: UsedColumn, inputs: TableModelInput[]): string[] {
  const mine = inputs.filter((i) => i.column === col.name).map((i) => i.name);
  const shape = ['batch', 1];
  switch (col.type) {
    case 'number': {
      const { value, missing } = imputed(b, mine[0], col.median);
      const clipped = b.op('Clip', [value, f32(b, col.clip[0], 'lo'), f32(b, col.clip[1], 'hi')], { shape });
      return col.missingIndicator ? [clipped, cast(b, missing, shape)] : [clipped];
    }
    case 'category':
    case 'yesno': {
      const { keys, values, unseen } = levelLookup(col);
      const index = b.op('LabelEncoder', [mine[0]], { dtype: 'int64', shape, domain: ML_DOMAIN, prefix: 'level' }, { keys_strings: { strings: keys }, values_int64s: { ints: values }, default_int64: unseen });
      const L = col.levels.length;
      const hot = b.op('Equal', [index, b.constant('int64', Array.from({ length: L }, (_, k) => k), [L], 'levels')], { dtype: 'bool', shape: ['batch', L] });
      return [cast(b, hot, ['batch', L])];
    }
    case 'date': {
      const parts = mine.map((name, k) => imputed(b, name, col.medians[k]));
      const out = parts.map((p) => p.value);
      // encodeRow: a date is missing as a whole (its parts all come from one cell)
      return col.missingIndicator ? [...out, cast(b, parts[0].missing, shape)] : out;
    }
  }
}

/**
 * The table's inputs (created first, so that no value the graph makes can take a column's
 * name) and its encoding: returns the encoded features, [batch, F], as `encodeRow` gives them.
 */
export function emitTableEncoding(b: GraphBuilder, schema: Pick<TableSchema, 'columns'>): string {
  const inputs = tableModelInputs(schema);
  for (const i of inputs) b.input(i.name, i.type, ['batch', 1]);
  const features = used(schema).reduce((n, c) => n + featureCount(c), 0);
  const pieces = used(schema).flatMap((c) => emitColumn(b, c, inputs));
  if (pieces.length === 0) throw new Error('the table has no column the network reads');
  return pieces.length === 1 ? pieces[0] : b.op('Concat', pieces, { dtype: 'float32', shape: ['batch', features], prefix: 'encoded' }, { axis: 1 });
}

export interface TableExportOptions {
  preprocess: Preprocess;
  schema: TableSchema;
  /** a number to predict: the scale the network's output is brought back with (TrainingData.target; default the schema's target mean/std) */
  target?: TargetScale;
  metadata?: Record<string, string>;
}

/** The exported model of a table dataset: raw columns in, a class name and probabilities (or a value) out. */
export function buildTableExportModel(spec: ModelSpec, weights: Float32Array[], o: TableExportOptions): Uint8Array {
  validateSpec(spec);
  const { schema } = o;
  const task = spec.task ?? 'category';
  if (task !== schema.target.task) throw new Error(`the model predicts a ${task}, the table's target "${schema.target.name}" a ${schema.target.task}`);
  const d = inputSize(spec);
  if (schema.features.length !== d) throw new Error(`the table's schema lists ${schema.features.length} features, the model reads ${d}`);
  const b = new GraphBuilder('mlp_studio_table_model');
  const encoded = emitTableEncoding(b, schema);
  // the standardisation exactly as the studio computes it: table features sit far from zero (years, prices)
  const scores = emitNetwork(b, spec, weights, encoded, o.preprocess, d, true);
  if (task === 'number') {
    const { mean, std } = o.target ?? schema.target;
    if (mean === undefined || std === undefined) throw new Error(`the table's target "${schema.target.name}" has no mean and standard deviation`);
    b.outputAs(emitValue(b, scores, { mean, std }), 'value');
  } else {
    const names = schema.target.levels ?? [];
    if (names.length !== spec.classes) throw new Error(`expected ${spec.classes} class names, the table's target has ${names.length}`);
    b.outputAs(emit(b, 'Softmax', [scores], { axis: 1 }), 'probabilities');
    const index = emit(b, 'ArgMax', [scores], { axis: 1, keepdims: 0 });
    const label = b.op('LabelEncoder', [index], { dtype: 'string', shape: ['batch'], domain: ML_DOMAIN }, {
      keys_int64s: { ints: names.map((_, k) => k) },
      values_strings: { strings: names },
      default_string: '',
    });
    b.outputAs(label, 'label');
  }
  const metadata: Record<string, string> = {
    task,
    target: schema.target.name,
    ...(task === 'category' ? { class_names: JSON.stringify(schema.target.levels) } : { target_scale: JSON.stringify(o.target ?? { mean: schema.target.mean, std: schema.target.std }) }),
    table_inputs: JSON.stringify(tableModelInputs(schema)),
    table_schema: JSON.stringify(schema),
    input_layout: 'one input per table column, shape [batch, 1]: float32 for numbers and date parts (NaN = missing), string for categories and yes/no (the cell text, trimmed)',
    preprocessing: JSON.stringify({ mean: o.preprocess.mean, std: o.preprocess.std, formula: '(feature - mean[j]) / std[j] after the encoding of table_schema' }),
    opset: String(OPSET),
    opset_ai_onnx_ml: String(ML_OPSET),
    ...o.metadata,
  };
  return b.toModel(metadata, 'Exported by MLP Studio (a table model: raw columns in)');
}
