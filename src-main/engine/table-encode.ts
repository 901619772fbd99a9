/**
 * Tables (issue 11): how one raw row becomes the feature vector the network reads. Pure
 * TypeScript (no node:* imports): the importer encodes every stored row with `encodeRow`,
 * predict and Try it encode a new row with it, and the export rebuilds the same rules inside
 * the ONNX model. The rules, exactly:
 *
 * - Missing: a cell is missing when, trimmed, it is empty or one of MISSING_TOKENS
 *   (case-insensitive).
 * - Number column: the trimmed cell is read by `parseNumber` (with a decimal comma when the
 *   column was written so). A missing cell, or one that is not a number, becomes the column's
 *   training `median`. The value is then clipped to `clip` ([lo, hi]) and stored as float32.
 *   When `missingIndicator` is set, a second feature follows: 1 when the cell was missing (or
 *   not a number), else 0.
 * - Category and yes/no columns: one feature per level, in `levels` order (one-hot). The
 *   trimmed cell is compared exactly (case-sensitive) with the levels. A missing cell is
 *   MISSING_LEVEL; a cell that matches no level is OTHER_LEVEL; when that level is not in
 *   `levels` either, every feature of the column is 0.
 * - Date column: the trimmed cell is read by `parseDate` with the column's `order` ('dmy' when
 *   absent). Each part in `parts` is one feature: year; month 1–12; dayOfWeek 0 (Monday) to
 *   6 (Sunday); dayOfYear 1–366; hour 0–23 (0 when the cell has no time). A time zone written
 *   after the time is ignored (the time is taken as written). A missing or unreadable date
 *   becomes `medians` (one per part) and, when `missingIndicator` is set, a last feature of
 *   the column is 1 (else 0).
 * - 'ignore' columns give no feature.
 * Features follow the schema's columns in order. The per-feature standardisation with the
 * dataset's mean/std comes after, as for every tabular dataset.
 */
import { MISSING_LEVEL, MISSING_TOKENS, OTHER_LEVEL, type DateOrder, type DatePart, type RawRow, type TableColumn, type TableSchema } from './table';

const MISSING = new Set<string>(MISSING_TOKENS);
const LONGEST_TOKEN = Math.max(...MISSING_TOKENS.map((t) => t.length));

/** Whether a cell is missing: empty after trimming, or a MISSING_TOKENS word in any case. */
export function isMissing(text: string | undefined | null): boolean {
  if (text === undefined || text === null) return true;
  const t = text.trim();
  return t === '' || (t.length <= LONGEST_TOKEN && MISSING.has(t.toLowerCase()));
}

const PLAIN_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const COMMA_NUMBER = /^[+-]?(\d+,?\d*|,\d+)([eE][+-]?\d+)?$/;
/** 1.234.567,89 — thousands grouped with dots, a decimal comma */
const COMMA_GROUPED = /^[+-]?\d{1,3}(\.\d{3})+(,\d*)?$/;

/**
 * The number a cell holds, or NaN when it is not written as a decimal number. `decimalComma`:
 * "1,5" is 1.5 and "1.234,5" is 1234.5 (a lone "1.5" is then not a number). Words such as NaN
 * or Infinity, hexadecimal and blanks are not numbers. The value may be beyond float32; the
 * importer refuses such a cell by name.
 */
export function parseNumber(text: string, decimalComma = false): number {
  const t = text.trim();
  if (!decimalComma) return PLAIN_NUMBER.test(t) ? Number(t) : NaN;
  if (COMMA_NUMBER.test(t)) return Number(t.replace(',', '.'));
  if (COMMA_GROUPED.test(t)) return Number(t.replace(/\./g, '').replace(',', '.'));
  return NaN;
}

/** A date (and time) as written in a cell. */
export interface ParsedDate {
  year: number;
  month: number;
  day: number;
  /** null when the cell has no time */
  hour: number | null;
}

const TIME = String.raw`(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:\s*(?:Z|[+-]\d{2}:?\d{2}))?)?`;
const YMD = new RegExp(String.raw`^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})${TIME}$`);
const DMY = new RegExp(String.raw`^(\d{1,2})([-/.])(\d{1,2})\2(\d{4})${TIME}$`);

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * Reads a date: year first (2020-03-04, 2020/03/04, with an optional time "T10:30", " 10:30:15",
 * and an ignored zone), or day and month first (04/03/2020, 04.03.2020, 04-03-2020) in the
 * column's `order`. Returns null for anything else or an impossible date (2020-02-30, 25:00).
 */
export function parseDate(text: string, order: DateOrder = 'dmy'): ParsedDate | null {
  const t = text.trim();
  let year: number, month: number, day: number, rest: string[];
  let m = YMD.exec(t);
  if (m) {
    year = Number(m[1]);
    month = Number(m[3]);
    day = Number(m[4]);
    rest = m.slice(5);
  } else {
    m = DMY.exec(t);
    if (!m) return null;
    const a = Number(m[1]);
    const b = Number(m[3]);
    [day, month] = order === 'mdy' ? [b, a] : [a, b];
    year = Number(m[4]);
    rest = m.slice(5);
  }
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  let hour: number | null = null;
  if (rest[0] !== undefined) {
    hour = Number(rest[0]);
    if (hour > 23 || Number(rest[1]) > 59 || (rest[2] !== undefined && Number(rest[2]) > 60)) return null;
  }
  return { year, month, day, hour };
}

/** The value of one date part (see the file header for the ranges). */
export function datePart(d: ParsedDate, part: DatePart): number {
  const t = Date.UTC(d.year, d.month - 1, d.day);
  switch (part) {
    case 'year':
      return d.year;
    case 'month':
      return d.month;
    case 'dayOfWeek':
      return (new Date(t).getUTCDay() + 6) % 7;
    case 'dayOfYear':
      return Math.round((t - Date.UTC(d.year, 0, 1)) / 86_400_000) + 1;
    case 'hour':
      return d.hour ?? 0;
  }
}

/** How many features a column gives. */
export function featureCount(col: TableColumn): number {
  switch (col.type) {
    case 'number':
      return col.missingIndicator ? 2 : 1;
    case 'category':
    case 'yesno':
      return col.levels.length;
    case 'date':
      return col.parts.length + (col.missingIndicator ? 1 : 0);
    case 'ignore':
      return 0;
  }
}

const PART_NAMES: Record<DatePart, string> = { year: 'year', month: 'month', dayOfWeek: 'day of week', dayOfYear: 'day of year', hour: 'hour' };

/** The names of the encoded features, in order: "age", "age was missing", "island = Biscoe", "date · month". */
export function featureNames(schema: Pick<TableSchema, 'columns'>): string[] {
  const out: string[] = [];
  for (const col of schema.columns) {
    switch (col.type) {
      case 'number':
        out.push(col.name);
        if (col.missingIndicator) out.push(`${col.name} was missing`);
        break;
      case 'category':
      case 'yesno':
        for (const l of col.levels) out.push(`${col.name} = ${l}`);
        break;
      case 'date':
        for (const p of col.parts) out.push(`${col.name} · ${PART_NAMES[p]}`);
        if (col.missingIndicator) out.push(`${col.name} was missing`);
        break;
      case 'ignore':
        break;
    }
  }
  return out;
}

/** Writes one column's features for a cell at `out[at…]`; returns the next position. */
function encodeCell(col: TableColumn, cell: string | undefined, out: Float32Array, at: number): number {
  const text = cell ?? '';
  switch (col.type) {
    case 'number': {
      const v = isMissing(text) ? NaN : parseNumber(text, col.decimalComma);
      const ok = Number.isFinite(v);
      out[at] = Math.min(Math.max(ok ? v : col.median, col.clip[0]), col.clip[1]);
      if (col.missingIndicator) out[at + 1] = ok ? 0 : 1;
      return at + featureCount(col);
    }
    case 'category':
    case 'yesno': {
      const level = isMissing(text) ? MISSING_LEVEL : text.trim();
      let k = col.levels.indexOf(level);
      if (k < 0) k = col.levels.indexOf(OTHER_LEVEL);
      if (k >= 0) out[at + k] = 1;
      return at + col.levels.length;
    }
    case 'date': {
      const d = isMissing(text) ? null : parseDate(text, col.order);
      col.parts.forEach((p, k) => (out[at + k] = d ? datePart(d, p) : col.medians[k]));
      if (col.missingIndicator) out[at + col.parts.length] = d ? 0 : 1;
      return at + featureCount(col);
    }
    case 'ignore':
      return at;
  }
}

/** The feature vector of a raw row (cells looked up by column name; an absent cell is missing). */
export function encodeRow(schema: Pick<TableSchema, 'columns'>, row: RawRow): Float32Array {
  let n = 0;
  for (const col of schema.columns) n += featureCount(col);
  const out = new Float32Array(n);
  let at = 0;
  for (const col of schema.columns) at = encodeCell(col, row[col.name], out, at);
  return out;
}

/**
 * `encodeRow` for rows held as cell arrays (the importer): `cellIndex[k]` is the position of
 * `schema.columns[k]`'s cell in `cells`. Writes into `out` (zeroed here) and returns it.
 */
export function encodeCells(schema: Pick<TableSchema, 'columns'>, cells: readonly string[], cellIndex: readonly number[], out: Float32Array): Float32Array {
  out.fill(0);
  let at = 0;
  schema.columns.forEach((col, k) => (at = encodeCell(col, cells[cellIndex[k]], out, at)));
  return out;
}
