/**
 * The table importer and its preview (issue 11). One CSV/TSV, .xlsx or .json table (or a
 * train… and a test… file): read, planned (types, target, rows; plan.ts), split (seeded,
 * stratified by class for a category), the schema's statistics taken from the training rows,
 * and every row encoded with the engine's `encodeRow` rules (table-encode.ts), so the stored
 * train-x/test-x are exactly what encoding the raw rows gives. The test rows are also kept
 * raw, in test order, as test-raw.csv (the original header, the target included).
 * The preview runs the same steps without writing anything, so an import with the same
 * choices gives what its preview showed.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import Papa from 'papaparse';
import type { TableChoices, TablePreview, TableSchema } from '../../engine/table';
import { encodeCells } from '../../engine/table-encode';
import { BinaryWriter, type ImportContext, type ImportedData, writeInt32File } from '../context';
import { BadRequestError, DatasetImportError, fmtCount, printable } from '../errors';
import { DEFAULT_TEST_FRACTION } from '../finalize';
import type { ImportOptions } from '../types';
import { columnFacts, detectType } from './infer';
import { buildSchema, planTable, splitPlan, type TablePlan } from './plan';
import { readTable, type RawTable } from './read';

/** The raw test rows of a table dataset, in test order: `<dataset>/test-raw.csv`. */
export const TEST_RAW_FILE = 'test-raw.csv';
/** How many rows a preview shows. */
export const PREVIEW_ROWS = 20;
/** A cell longer than this is cut in the preview. */
const PREVIEW_CELL_CHARS = 200;

function roleOf(file: string): 'train' | 'test' | null {
  const base = path.basename(file).toLowerCase();
  if (/(^|[-_.])test([-_.]|$)/.test(base)) return 'test';
  if (/(^|[-_.])train([-_.]|$)/.test(base)) return 'train';
  return null;
}

/** The person's choices: the table options, with the older labelColumn option as a fallback. */
export function choicesOf(opts: ImportOptions): TableChoices {
  const t = opts.table ?? {};
  return { ...t, labelColumn: t.labelColumn ?? opts.labelColumn };
}

/** Reads one table, or a train… and a test… file. */
async function readInputs(files: string[], choices: TableChoices, signal?: AbortSignal): Promise<{ train: RawTable; test: RawTable | null }> {
  if (files.length > 2) throw new DatasetImportError(`${files[2]}: give one table file, or two named train… and test….`);
  if (files.length === 1) return { train: await readTable(files[0], { sheet: choices.sheet, signal }), test: null };
  const roles = files.map(roleOf);
  const ti = roles.indexOf('train');
  const si = roles.indexOf('test');
  if (ti < 0 || si < 0) throw new DatasetImportError(`${files.join(' and ')}: two table files must be named train… and test… so the studio knows which is which.`);
  const train = await readTable(files[ti], { sheet: choices.sheet, signal });
  const test = await readTable(files[si], { sheet: choices.sheet, signal });
  // a test file without its header row: its first row is data
  if (!test.hasHeader && train.hasHeader && test.header.length === train.header.length) return { train, test: { ...test, header: train.header } };
  return { train, test };
}

interface Planned {
  plan: TablePlan;
  split: { train: Int32Array; test: Int32Array };
  schema: TableSchema;
  fraction: number;
  seed: number;
  sources: string[];
}

async function planned(files: string[], opts: ImportOptions, read?: { train: RawTable; test: RawTable | null }): Promise<Planned> {
  const choices = choicesOf(opts);
  const { train, test } = read ?? (await readInputs(files, choices, opts.signal));
  const plan = planTable(train, test, { choices, dropBadRows: opts.dropBadRows });
  const fraction = opts.testFraction ?? DEFAULT_TEST_FRACTION;
  const seed = opts.seed ?? 0;
  const split = splitPlan(plan, fraction, seed);
  if (split.train.length === 0) throw new DatasetImportError(`${train.where}: no training rows.`);
  if (split.test.length === 0) throw new DatasetImportError(`${train.where}: the test set would be empty (only ${fmtCount(plan.keep.length)} usable rows); add rows or raise the test fraction.`);
  const schema = buildSchema(plan, split.train);
  if (schema.features.length === 0) {
    throw new DatasetImportError(
      `${train.where}: every column besides the one to predict ("${printable(plan.target.name, 40)}") is left out (${schema.columns.map((c) => `"${printable(c.name, 30)}": ${c.reason}`).slice(0, 5).join('; ')}); the network would have nothing to read. Choose a type for at least one column.`,
    );
  }
  return { plan, split, schema, fraction, seed, sources: test ? [train.file, test.file] : [train.file] };
}

/** Encodes rows (indices into the table) with the schema and writes them as float32 N×F. */
async function writeFeatures(ctx: ImportContext, file: string, plan: TablePlan, schema: TableSchema, rows: Int32Array, done: number, total: number): Promise<void> {
  const f = schema.features.length;
  const nameIndex = new Map(plan.table.header.map((h, j) => [h, j]));
  const cellIndex = schema.columns.map((c) => nameIndex.get(c.name)!);
  const per = Math.max(1, Math.floor((1 << 20) / Math.max(1, f)));
  const chunk = new Float32Array(per * f);
  const w = await BinaryWriter.create(file);
  try {
    for (let s = 0; s < rows.length; s += per) {
      const n = Math.min(per, rows.length - s);
      for (let k = 0; k < n; k++) encodeCells(schema, plan.table.rows[rows[s + k]], cellIndex, chunk.subarray(k * f, (k + 1) * f));
      await w.write(chunk.subarray(0, n * f));
      ctx.checkAbort();
      ctx.progress('encoding', done + s + n, total);
    }
    await w.close();
  } finally {
    await w.abandon();
  }
}

/** The target of rows: class indices (int32) or values in the target's units (float32). */
function targetOf(plan: TablePlan, rows: Int32Array): Int32Array | Float32Array {
  const pos = new Map<number, number>();
  plan.keep.forEach((r, k) => pos.set(r, k));
  return plan.labels ? Int32Array.from(rows, (i) => plan.labels![pos.get(i)!]) : Float32Array.from(rows, (i) => plan.values![pos.get(i)!]);
}

async function writeTarget(file: string, y: Int32Array | Float32Array): Promise<void> {
  if (y instanceof Int32Array) return writeInt32File(file, y);
  const w = await BinaryWriter.create(file);
  try {
    await w.write(y);
    await w.close();
  } finally {
    await w.abandon();
  }
}

/**
 * The raw table and the choices made of it, hashed: the same table imported again with the
 * same choices is the same dataset, whatever the split (a test file's rows count as such).
 */
function contentKeyOf(plan: TablePlan): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ header: plan.table.header, target: plan.target.name, task: plan.target.task, types: plan.chosen, testFrom: plan.testFrom }));
  for (const r of plan.table.rows) h.update(`${r.join('\u0000')}\u0001`);
  return h.digest('hex');
}

export async function importTable(ctx: ImportContext, files: string[]): Promise<ImportedData> {
  ctx.progress('reading', 0, null);
  const { plan, split, schema, fraction, seed, sources } = await planned(files, ctx.opts);
  ctx.checkAbort();
  const total = split.train.length + split.test.length;
  await writeFeatures(ctx, ctx.file('train', 'x'), plan, schema, split.train, 0, total);
  await writeFeatures(ctx, ctx.file('test', 'x'), plan, schema, split.test, split.train.length, total);
  await writeTarget(ctx.file('train', 'y'), targetOf(plan, split.train));
  await writeTarget(ctx.file('test', 'y'), targetOf(plan, split.test));
  const raw = Papa.unparse({ fields: plan.table.header, data: Array.from(split.test, (i) => plan.table.rows[i]) }, { newline: '\n' });
  await fs.writeFile(path.join(ctx.staging, TEST_RAW_FILE), raw + '\n', { flag: 'wx' });
  return {
    format: 'csv',
    kind: 'tabular',
    sampleShape: [schema.features.length],
    classNames: plan.classNames,
    sources,
    hasTest: true,
    contentKey: contentKeyOf(plan),
    task: plan.target.task,
    table: schema,
    ...(plan.testFrom === null ? { split: { fraction, seed, stratified: true as const } } : {}),
    preprocessing: {
      source: schema.source.format,
      labelColumn: plan.target.name,
      header: plan.table.hasHeader,
      featureNames: schema.features,
      droppedRows: schema.droppedRows,
      standardise: 'per-feature mean/std of the train split',
    },
  };
}

/** Files in a dropped folder that may be a table. */
const TABLE_FILE = /\.(csv|tsv|txt|xlsx|xlsm|json)$/i;

/**
 * The preview of dropped paths: one table file, a train… and a test… file, or a folder that
 * holds them. Paths are refused by name when missing or not tables.
 */
export async function previewTableAt(paths: string[], opts: ImportOptions): Promise<TablePreview> {
  if (!Array.isArray(paths) || paths.length === 0) throw new BadRequestError('Nothing to look at: give a table file.');
  let files = paths.map((p) => path.resolve(p));
  const st = await Promise.all(files.map((f) => fs.stat(f).catch(() => null)));
  const missing = files.find((_, i) => !st[i]);
  if (missing) throw new DatasetImportError(`${missing}: no such file or folder.`);
  if (files.length === 1 && st[0]!.isDirectory()) {
    const dir = files[0];
    files = (await fs.readdir(dir)).filter((n) => !n.startsWith('.') && TABLE_FILE.test(n)).map((n) => path.join(dir, n));
    if (files.length === 0) throw new BadRequestError(`${dir}: holds no table (.csv, .tsv, .txt, .xlsx or .json); the table preview is for tables.`);
  } else {
    const dir = files.find((_, i) => st[i]!.isDirectory());
    if (dir) throw new BadRequestError(`${dir}: a folder; drop either one folder or table files.`);
  }
  return previewTable(files, opts);
}

const cut = (c: string) => (c.length > PREVIEW_CELL_CHARS ? `${c.slice(0, PREVIEW_CELL_CHARS)}…` : c);

/** What importing `files` with these options would store, without storing anything. */
/** The preview of a table that cannot be imported with these choices: what was read, each column's detected type, and why. */
function problemPreview(read: { train: RawTable; test: RawTable | null }, problem: string, shownName: string): TablePreview {
  const t = read.train;
  const columns = t.header.map((name, j) => {
    const f = columnFacts(name, j, t.rows, t.source.delimiter);
    const d = detectType(f, t.rows.length, (i) => t.firstRow + i);
    return { name, detected: d.type, chosen: d.type, reason: d.reason, missing: f.missing, distinct: f.counts.size, isTarget: false };
  });
  return {
    file: shownName,
    source: t.source,
    ...(t.sheets ? { sheets: t.sheets } : {}),
    header: t.header,
    rows: t.rows.slice(0, PREVIEW_ROWS).map((r) => r.map(cut)),
    rowCount: t.rows.length,
    columns,
    target: { name: '', task: 'category', reason: '' },
    droppedRows: 0,
    warnings: [],
    featureCount: 0,
    problem,
  };
}

/**
 * What importing `files` with these options would store, without storing anything. A table
 * that cannot be read is refused (the error names the file); one that is read but cannot be
 * imported with these choices gives a preview with `problem` set, so other choices can be made.
 */
export async function previewTable(files: string[], opts: ImportOptions, shownName?: string): Promise<TablePreview> {
  const read = await readInputs(files, choicesOf(opts), opts.signal);
  let p: Planned;
  try {
    p = await planned(files, opts, read);
  } catch (e) {
    if (e instanceof DatasetImportError) return problemPreview(read, e.message, shownName ?? files[0]);
    throw e;
  }
  const { plan, schema } = p;
  const t = plan.table;
  const ti = plan.target.index;
  const byName = new Map(schema.columns.map((c) => [c.name, c]));
  const columns = t.header.map((name, j) => {
    const f = plan.facts[j];
    const col = byName.get(name);
    const isTarget = j === ti;
    const chosen = isTarget ? plan.detected[j].type : plan.chosen[j];
    const top = [...f.counts].sort((a, b) => b[1] - a[1]).slice(0, 30);
    const numeric = chosen === 'number' || (isTarget && plan.target.task === 'number');
    return {
      name,
      detected: plan.detected[j].type,
      chosen,
      reason: isTarget ? `the column to predict (${plan.target.reason})` : col?.reason,
      missing: f.missing,
      distinct: f.counts.size,
      isTarget,
      ...(numeric && !Number.isNaN(f.min) ? { min: f.min, max: f.max } : { levels: top.map(([level, count]) => ({ level: cut(level), count })) }),
    };
  });
  const warnings: string[] = [];
  let classes: TablePreview['classes'];
  if (plan.labels) {
    const counts = new Array<number>(plan.classNames.length).fill(0);
    for (const l of plan.labels) counts[l]++;
    classes = plan.classNames.map((name, k) => ({ name, count: counts[k] }));
    const n = plan.labels.length;
    for (const c of classes) {
      if (c.count < 20 || c.count < 0.02 * n) {
        warnings.push(`The class "${printable(c.name, 40)}" has only ${fmtCount(c.count)} rows (${((100 * c.count) / n).toFixed(1)} %); the network will rarely predict it. Add rows of it, or merge it with another class.`);
      }
    }
  }
  if (plan.keep.length < 100) warnings.push(`Only ${fmtCount(plan.keep.length)} usable rows: the test results will be rough.`);
  if (schema.droppedRows) warnings.push(`${fmtCount(schema.droppedRows)} rows will be left out (${fmtCount(plan.droppedEmptyTarget)} without a value in "${printable(plan.target.name, 40)}"${plan.droppedBad ? `, ${fmtCount(plan.droppedBad)} with bad cells` : ''}).`);
  return {
    file: shownName ?? files[0],
    source: schema.source,
    ...(t.sheets ? { sheets: t.sheets } : {}),
    header: t.header,
    rows: t.rows.slice(0, PREVIEW_ROWS).map((r) => r.map(cut)),
    rowCount: t.rows.length,
    columns,
    target: { name: plan.target.name, task: plan.target.task, reason: plan.target.reason },
    droppedRows: schema.droppedRows,
    ...(classes ? { classes } : {}),
    warnings,
    featureCount: schema.features.length,
  };
}
