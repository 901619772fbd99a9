/**
 * From a table as read to what will be stored (issue 11): each column's type (detected, or the
 * person's choice), the column to predict and the task, the rows left out, every cell checked
 * against its column's type (a refusal names file, row and column), and the column schema
 * whose statistics (medians, levels, clip ranges, the target's mean and std) come from the
 * training rows only.
 */
import { COLUMN_TYPES, DATE_PARTS, MISSING_LEVEL, OTHER_LEVEL, type ColumnType, type DatePart, type TableChoices, type TableColumn, type TableSchema, type Task } from '../../engine/table';
import { datePart, featureNames, isMissing, parseDate, parseNumber } from '../../engine/table-encode';
import { FLOAT32_MAX } from '../cells';
import { DatasetImportError, fmtCount, printable } from '../errors';
import { stratifiedSplit } from '../finalize';
import { columnFacts, detectType, guessTarget, guessTask, type ColumnFacts, type Detected } from './infer';
import { headerList, type RawTable } from './read';

/** At most this many category levels are kept; rarer ones become OTHER_LEVEL. */
export const MAX_LEVELS = 30;
/** At most this many classes to predict. */
const MAX_CLASSES = 1000;

export interface TablePlan {
  /** the table read (its rows followed by a test file's rows, when there is one) */
  table: RawTable;
  /** rows before this index come from the training file, the rest from the test file (two files); null: one file */
  testFrom: number | null;
  testFile: string | null;
  facts: ColumnFacts[];
  detected: Detected[];
  chosen: ColumnType[];
  target: { index: number; name: string; task: Task; reason: string };
  /** the rows kept, as indices into table.rows */
  keep: Int32Array;
  droppedEmptyTarget: number;
  droppedBad: number;
  /** category: class names, and each kept row's class (like keep); number: each kept row's value */
  classNames: string[];
  labels: Int32Array | null;
  values: Float32Array | null;
}

/** "file: row 12, column 3 ("age")": where a cell is, for messages. */
export function cellPlace(plan: Pick<TablePlan, 'table' | 'testFrom' | 'testFile'>, i: number, j: number): string {
  const t = plan.table;
  const [file, n] = plan.testFrom !== null && i >= plan.testFrom ? [plan.testFile!, i - plan.testFrom + 2] : [t.where, t.firstRow + i];
  return `${file}: ${t.rowWord} ${n}, column ${j + 1} ("${printable(t.header[j], 40)}")`;
}

/** The 0-based index of the chosen column to predict, by name (exact, then any case) or number. */
function targetIndex(table: RawTable, lc: string | number): number {
  const width = table.header.length;
  if (typeof lc === 'number' || /^\d+$/.test(lc)) {
    const n = Number(lc);
    if (typeof lc === 'string' && table.header.includes(lc)) return table.header.indexOf(lc);
    if (!Number.isInteger(n) || n < 0 || n >= width) throw new DatasetImportError(`${table.where}: there is no column ${lc} (columns are numbered 0 to ${width - 1}).`);
    return n;
  }
  const names = new Map<string, number>();
  table.header.forEach((h, j) => names.set(h.trim(), j));
  let i = names.get(lc.trim());
  if (i === undefined) i = table.header.findIndex((h) => h.trim().toLowerCase() === lc.trim().toLowerCase());
  if (i < 0) {
    if (!table.hasHeader) throw new DatasetImportError(`${table.where}: the file has no header row, so the column to predict "${printable(lc)}" cannot be found by name; give its number instead.`);
    throw new DatasetImportError(`${table.where}: no column named "${printable(lc)}" (the header has ${headerList(table.header)}).`);
  }
  return i;
}

/** The class names: integers in numeric order, otherwise text in natural order; refused when one or over 1,000. */
function classNamesOf(file: string, column: string, distinct: string[]): string[] {
  if (distinct.length < 2) {
    throw new DatasetImportError(`${file}: every row has the label "${printable(distinct[0] ?? '', 40)}" (the column to predict, "${printable(column, 40)}"); a classifier needs at least two classes. Choose another column to predict.`);
  }
  if (distinct.length > MAX_CLASSES) {
    throw new DatasetImportError(`${file}: the label column "${printable(column, 40)}" has ${fmtCount(distinct.length)} different values; that looks like a feature, not a class. Choose the label column, or predict it as a number.`);
  }
  const allInts = distinct.every((l) => /^[+-]?\d+$/.test(l));
  if (allInts) {
    const seen = new Map<number, string>();
    for (const l of distinct) {
      const other = seen.get(Number(l));
      if (other !== undefined) {
        const [a, b] = [other, l].sort((x, y) => x.length - y.length);
        throw new DatasetImportError(`${file}: the labels "${printable(a, 40)}" and "${printable(b, 40)}" are the same number written differently; write each class one way.`);
      }
      seen.set(Number(l), l);
    }
  }
  return distinct.sort(allInts ? (a, b) => Number(a) - Number(b) : (a, b) => a.localeCompare(b, undefined, { numeric: true }));
}

/** What is wrong with a cell of a column of this type (null: nothing). */
function cellProblem(type: ColumnType, f: ColumnFacts, cell: string): string | null {
  if (isMissing(cell)) return null;
  const t = cell.trim();
  if (type === 'number') {
    const v = parseNumber(t, f.decimalComma);
    if (Number.isNaN(v)) {
      if (/^[+-]?(inf|infinity)$/i.test(t)) return `"${t}" is not a finite number.`;
      return `"${printable(t, 40)}" is not a number.`;
    }
    if (!(Math.abs(v) <= FLOAT32_MAX)) return `"${printable(t, 40)}" is beyond the range of 32-bit floats (±3.4e38), in which features are stored.`;
    return null;
  }
  if (type === 'date' && !parseDate(t, f.dateOrder ?? 'dmy')) return `"${printable(t, 40)}" is not a date (the studio reads 2020-03-04, 04/03/2020 or 03/04/2020, with an optional time).`;
  return null;
}

const CHOICE_WORDS: Partial<Record<ColumnType, string>> = { number: 'choose "category" for this column', date: 'choose "category" or "leave out" for this column' };

export interface PlanOptions {
  choices: TableChoices;
  dropBadRows?: boolean;
}

/** The table to plan: the training file's rows followed by the test file's (whose header must be the same). */
function joinFiles(table: RawTable, testTable: RawTable | null): Pick<TablePlan, 'table' | 'testFrom' | 'testFile'> {
  if (testTable) {
    if (testTable.header.length !== table.header.length) throw new DatasetImportError(`${testTable.where}: has ${testTable.header.length} columns but the training file has ${table.header.length}; both files need the same columns.`);
    const same = testTable.header.every((h, j) => h === table.header[j]);
    if (!same) throw new DatasetImportError(`${testTable.where}: its columns (${headerList(testTable.header)}) are not the training file's (${headerList(table.header)}); both files need the same header.`);
  } else if (table.rows.length < 2) {
    throw new DatasetImportError(`${table.where}: the table has ${table.rows.length === 1 ? 'a single row' : 'no rows'}${table.hasHeader ? ' under its header' : ''}; a dataset needs many rows of samples (one per line).`);
  }
  return {
    table: testTable ? { ...table, rows: table.rows.concat(testTable.rows) } : table,
    testFrom: testTable ? table.rows.length : null,
    testFile: testTable?.where ?? null,
  };
}

/** Each column's type: the detected one, or the person's choice by column name. */
function chooseTypes(all: RawTable, detected: Detected[], columns: TableChoices['columns']): ColumnType[] {
  const byName = new Map(all.header.map((h, j) => [h, j]));
  const chosen = detected.map((d) => d.type);
  for (const [name, type] of Object.entries(columns ?? {})) {
    const j = byName.get(name) ?? all.header.findIndex((h) => h.toLowerCase() === name.toLowerCase());
    if (j === undefined || j < 0) throw new DatasetImportError(`${all.where}: no column named "${printable(name)}" to set the type of (the header has ${headerList(all.header)}).`);
    if (!(COLUMN_TYPES as readonly string[]).includes(type)) throw new DatasetImportError(`"${printable(String(type))}" is not a column type; choose ${COLUMN_TYPES.join(', ')}.`);
    chosen[j] = type;
  }
  return chosen;
}

/**
 * The rows kept: an empty target leaves the row out; a cell that does not fit its column's type
 * (or a target that is not a number, for a number) refuses the import, or drops the row when asked.
 */
function keepRows(
  base: Pick<TablePlan, 'table' | 'testFrom' | 'testFile'>,
  facts: ColumnFacts[],
  chosen: ColumnType[],
  target: TablePlan['target'],
  dropBadRows: boolean | undefined,
): { keep: number[]; droppedEmptyTarget: number; droppedBad: number } {
  const rows = base.table.rows;
  const ti = target.index;
  const keep: number[] = [];
  let droppedEmptyTarget = 0;
  let droppedBad = 0;
  const checked = chosen.map((type, j) => (j !== ti && (type === 'number' || type === 'date') ? j : -1)).filter((j) => j >= 0);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (isMissing(r[ti])) {
      droppedEmptyTarget++;
      continue;
    }
    let bad: string | null = null;
    if (target.task === 'number') {
      const p = cellProblem('number', facts[ti], r[ti]);
      if (p) bad = `${cellPlace(base, i, ti)}: ${p} A number to predict needs a number in every row (an empty cell leaves the row out); fix the cell or predict a category.`;
    }
    for (let k = 0; k < checked.length && !bad; k++) {
      const j = checked[k];
      const p = cellProblem(chosen[j], facts[j], r[j]);
      if (p) bad = `${cellPlace(base, i, j)}: ${p} Fix the cell, ${CHOICE_WORDS[chosen[j]]}, or import with "drop rows with bad cells".`;
    }
    if (bad) {
      if (!dropBadRows) throw new DatasetImportError(bad);
      droppedBad++;
      continue;
    }
    keep.push(i);
  }
  return { keep, droppedEmptyTarget, droppedBad };
}

/** The target of the kept rows: class names and each row's class, or each row's value (the names then [target]). */
function targetOfRows(all: RawTable, keep: number[], target: TablePlan['target'], tf: ColumnFacts): Pick<TablePlan, 'classNames' | 'labels' | 'values'> {
  const rows = all.rows;
  const ti = target.index;
  if (target.task === 'category') {
    const distinct = new Set<string>();
    for (const i of keep) distinct.add(rows[i][ti].trim());
    const classNames = classNamesOf(all.where, target.name, [...distinct]);
    const index = new Map(classNames.map((c, k) => [c, k]));
    return { classNames, labels: Int32Array.from(keep, (i) => index.get(rows[i][ti].trim())!), values: null };
  }
  const values = Float32Array.from(keep, (i) => parseNumber(rows[i][ti], tf.decimalComma));
  const first = values[0];
  if (values.every((v) => v === first)) {
    throw new DatasetImportError(`${all.where}: every row has the value ${first} in the column to predict ("${printable(target.name, 40)}"); there is nothing to learn. Choose another column to predict.`);
  }
  return { classNames: [target.name], labels: null, values };
}

/** Reads the facts, picks types and target, checks every cell and the target; throws a DatasetImportError naming what is wrong. */
export function planTable(table: RawTable, testTable: RawTable | null, opts: PlanOptions): TablePlan {
  const { choices } = opts;
  const base = joinFiles(table, testTable);
  const all = base.table;
  const rowNumber = (i: number) => (base.testFrom !== null && i >= base.testFrom ? i - base.testFrom + 2 : all.firstRow + i);
  const facts = all.header.map((name, j) => columnFacts(name, j, all.rows, all.source.delimiter));
  const detected = facts.map((f) => detectType(f, all.rows.length, rowNumber));
  const chosen = chooseTypes(all, detected, choices.columns);
  const guessed = choices.labelColumn === undefined ? guessTarget(facts, detected) : { index: targetIndex(all, choices.labelColumn), reason: 'your choice' };
  const ti = guessed.index;
  const taskGuess = choices.predict ? { task: choices.predict, reason: 'your choice' } : guessTask(facts[ti]);
  const target = { index: ti, name: all.header[ti], task: taskGuess.task, reason: `${guessed.reason}; ${taskGuess.reason}` };
  const { keep, droppedEmptyTarget, droppedBad } = keepRows(base, facts, chosen, target, opts.dropBadRows);
  if (keep.length < 2) {
    throw new DatasetImportError(
      `${all.where}: ${keep.length === 0 ? 'no usable rows' : 'only one usable row'} (${fmtCount(droppedEmptyTarget)} without a value to predict in "${printable(target.name, 40)}", ${fmtCount(droppedBad)} with bad cells); a dataset needs many.`,
    );
  }
  const y = targetOfRows(all, keep, target, facts[ti]);
  chosen[ti] = 'ignore';
  return { ...base, facts, detected, chosen, target, keep: Int32Array.from(keep), droppedEmptyTarget, droppedBad, ...y };
}

/** The training and test rows (indices into table.rows): the test file's rows, or a seeded split (stratified by class for a category). */
export function splitPlan(plan: TablePlan, fraction: number, seed: number): { train: Int32Array; test: Int32Array } {
  const { keep } = plan;
  if (plan.testFrom !== null) {
    const from = plan.testFrom;
    return { train: keep.filter((i) => i < from), test: keep.filter((i) => i >= from) };
  }
  const labels = plan.labels ?? new Int32Array(keep.length);
  const s = stratifiedSplit(labels, plan.labels ? plan.classNames.length : 1, fraction, seed);
  return { train: s.train.map((k) => keep[k]), test: s.test.map((k) => keep[k]) };
}

/** The value at quantile q of sorted values (nearest rank). */
const quantile = (sorted: Float64Array, q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))];

function numberColumn(plan: TablePlan, j: number, train: Int32Array, base: { name: string; missing: number; reason: string }): TableColumn {
  const f = plan.facts[j];
  const rows = plan.table.rows;
  const vals: number[] = [];
  let missingTrain = 0;
  for (const i of train) {
    const v = isMissing(rows[i][j]) ? NaN : parseNumber(rows[i][j], f.decimalComma);
    if (Number.isNaN(v)) missingTrain++;
    else vals.push(v);
  }
  const sorted = Float64Array.from(vals).sort();
  const median = sorted.length ? (sorted[(sorted.length - 1) >> 1] + sorted[sorted.length >> 1]) / 2 : 0;
  let clip: [number, number] = [-FLOAT32_MAX, FLOAT32_MAX];
  if (sorted.length) {
    const lo = quantile(sorted, 0.01);
    const hi = quantile(sorted, 0.99);
    const span = hi - lo;
    // values within the bulk of the training values are never changed: 3 spans of the 1–99 % range either side
    clip = span > 0 ? [Math.max(-FLOAT32_MAX, lo - 3 * span), Math.min(FLOAT32_MAX, hi + 3 * span)] : [sorted[0], sorted[sorted.length - 1]];
  }
  // objects built field by field: a spread per column costs microseconds, and a table may have 100,000 columns
  const col: TableColumn = Object.assign(base, {
    type: 'number' as const,
    median,
    clip,
    missingIndicator: missingTrain > 0,
    min: Number.isNaN(f.min) ? median : f.min,
    max: Number.isNaN(f.max) ? median : f.max,
  });
  if (f.decimalComma) col.decimalComma = true;
  return col;
}

function levelColumn(plan: TablePlan, j: number, train: Int32Array, type: 'category' | 'yesno', base: { name: string; missing: number; reason: string }): TableColumn {
  const rows = plan.table.rows;
  const counts = new Map<string, number>();
  let missing = 0;
  for (const i of train) {
    const c = rows[i][j];
    if (isMissing(c)) missing++;
    else {
      const t = c.trim();
      counts.set(t, (counts.get(t) ?? 0) + 1);
    }
  }
  const natural = (a: string, b: string) => a.localeCompare(b, undefined, { numeric: true });
  const byCount = [...counts].sort((a, b) => b[1] - a[1] || natural(a[0], b[0]));
  const kept = byCount.slice(0, MAX_LEVELS).sort((a, b) => natural(a[0], b[0]));
  const rare = byCount.slice(MAX_LEVELS).reduce((s, [, n]) => s + n, 0);
  const levels = kept.map(([l]) => l);
  const levelCounts = kept.map(([, n]) => n);
  if (byCount.length > MAX_LEVELS) {
    levels.push(OTHER_LEVEL);
    levelCounts.push(rare);
  }
  if (missing > 0) {
    levels.push(MISSING_LEVEL);
    levelCounts.push(missing);
  }
  return Object.assign(base, { type, levels, counts: levelCounts });
}

function dateColumn(plan: TablePlan, j: number, train: Int32Array, base: { name: string; missing: number; reason: string }): TableColumn {
  const f = plan.facts[j];
  const order = f.dateOrder ?? 'dmy';
  const parts: DatePart[] = DATE_PARTS.filter((p) => p !== 'hour' || f.hasTime);
  const perPart = parts.map(() => [] as number[]);
  let missingTrain = 0;
  for (const i of train) {
    const d = isMissing(plan.table.rows[i][j]) ? null : parseDate(plan.table.rows[i][j], order);
    if (!d) missingTrain++;
    else parts.forEach((p, k) => perPart[k].push(datePart(d, p)));
  }
  const medians = perPart.map((v) => {
    const s = Float64Array.from(v).sort();
    return s.length ? (s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2 : 0;
  });
  return Object.assign(base, { type: 'date' as const, parts, medians, missingIndicator: missingTrain > 0, order });
}

/** The column schema, its statistics from the training rows. */
export function buildSchema(plan: TablePlan, train: Int32Array): TableSchema {
  const ti = plan.target.index;
  const columns: TableColumn[] = [];
  plan.table.header.forEach((name, j) => {
    if (j === ti) return;
    const type = plan.chosen[j];
    const d = plan.detected[j];
    const reason = type === d.type ? d.reason : `your choice (detected: ${d.type}, ${d.reason})`;
    const base = { name, missing: plan.facts[j].missing, reason };
    if (type === 'number') columns.push(numberColumn(plan, j, train, base));
    else if (type === 'category' || type === 'yesno') columns.push(levelColumn(plan, j, train, type, base));
    else if (type === 'date') columns.push(dateColumn(plan, j, train, base));
    else columns.push(Object.assign(base, { type: 'ignore' as const }));
  });
  const target: TableSchema['target'] = { name: plan.target.name, task: plan.target.task };
  if (plan.values) {
    const pos = new Map<number, number>();
    plan.keep.forEach((r, k) => pos.set(r, k));
    let s = 0, s2 = 0;
    for (const i of train) s += plan.values[pos.get(i)!];
    const mean = s / train.length;
    for (const i of train) s2 += (plan.values[pos.get(i)!] - mean) ** 2;
    let min = Infinity, max = -Infinity;
    for (const v of plan.values) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    Object.assign(target, { mean, std: Math.sqrt(s2 / train.length) || 1, min, max });
  } else target.levels = plan.classNames;
  const src = plan.table.source;
  const decimalComma = columns.some((c) => c.type === 'number' && c.decimalComma) || !!plan.facts[ti].decimalComma;
  return {
    columns,
    target,
    features: featureNames({ columns }),
    droppedRows: plan.droppedEmptyTarget + plan.droppedBad,
    source: { ...src, ...(decimalComma ? { decimalComma: true } : {}) },
  };
}
