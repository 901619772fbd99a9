/**
 * What each column of a table is (issue 11): facts gathered in one pass per column (missing
 * cells, distinct values, whether every cell is a number or a date), the type detected from
 * them with the reason in plain words, the column to predict and whether it is a category or
 * a number. Linear in rows × columns.
 */
import { type ColumnType, type DateOrder, type Task } from '../../engine/table';
import { isMissing, parseDate, parseNumber } from '../../engine/table-encode';
import { fmtCount, printable } from '../errors';

/** More distinct values than this in a text column of mostly different values: an identifier or free text. */
const IDENTIFIER_MIN_DISTINCT = 30;
/** Whole numbers with at most this many different values (and enough rows) are read as categories. */
const FEW_INTEGERS = 10;
const FEW_INTEGERS_MIN_ROWS = 50;
/** A numeric target with more different values than this is a number to predict. */
const NUMBER_TARGET_MIN_DISTINCT = 20;
/** A guessed target (no name like "label"): a category column with at most this many values. */
const GUESSED_TARGET_MAX_CLASSES = 20;
/** The last column is guessed as the target when it is a number, or a category with at most this many values. */
const MAX_CLASSES_GUESS = 1000;
const TARGET_NAME = /^(label|labels|class|classes|target|species|y|outcome)$/i;
const ID_NAME = /^(id|.*[ _-]id|index|row|rownum|row ?number)$/i;
const YES_NO = [
  ['yes', 'no'],
  ['true', 'false'],
  ['y', 'n'],
  ['t', 'f'],
  ['oui', 'non'],
  ['ja', 'nein'],
];
const NUMBER_WORD = /^[+-]?(inf|infinity)$/i;

export interface ColumnFacts {
  name: string;
  index: number;
  missing: number;
  /** distinct trimmed non-missing values, with their counts over the whole table */
  counts: Map<string, number>;
  /** every non-missing cell is a number (plain, or with a decimal comma when `decimalComma`), or ±Infinity */
  numeric: boolean;
  decimalComma: boolean;
  integers: boolean;
  min: number;
  max: number;
  /** every non-missing cell is a date in this order (null: not a date column) */
  dateOrder: DateOrder | null;
  hasTime: boolean;
  /** how many non-missing cells are numbers, and the first that is not (its row index) */
  numberCells: number;
  firstText: { row: number; text: string } | null;
}

/** Facts of column `j` of `rows`, in one pass (two when a decimal comma must be tried). */
export function columnFacts(name: string, j: number, rows: string[][], delimiter: string | undefined): ColumnFacts {
  const counts = new Map<string, number>();
  let missing = 0;
  let plain = 0, comma = 0, commaUsed = 0, infinite = 0;
  let integers = true;
  let min = Infinity, max = -Infinity;
  let firstText: ColumnFacts['firstText'] = null;
  let ymd = 0, dmyCells = 0, firstOver12 = false, secondOver12 = false, hasTime = false;
  const allowComma = delimiter !== undefined && delimiter !== ',';
  for (let i = 0; i < rows.length; i++) {
    const cell = rows[i][j];
    if (isMissing(cell)) {
      missing++;
      continue;
    }
    const t = cell.trim();
    counts.set(t, (counts.get(t) ?? 0) + 1);
    let v = parseNumber(t);
    if (!Number.isNaN(v)) plain++;
    else if (allowComma && !Number.isNaN((v = parseNumber(t, true)))) {
      comma++;
      commaUsed++;
    } else if (NUMBER_WORD.test(t)) {
      infinite++;
      continue;
    } else {
      if (!firstText) firstText = { row: i, text: t };
      const d = parseDate(t) ?? parseDate(t, 'mdy');
      if (d) {
        if (/^\d{4}/.test(t)) ymd++;
        else {
          dmyCells++;
          const [a, b] = t.split(/[-/.]/).map(Number);
          if (a > 12) firstOver12 = true;
          if (b > 12) secondOver12 = true;
        }
        if (d.hour !== null) hasTime = true;
      }
      continue;
    }
    if (!Number.isInteger(v)) integers = false;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const present = rows.length - missing;
  const numbers = plain + comma;
  // a comma cell in a column where plain numbers with a dot also appear: not a decimal-comma column
  const numeric = present > 0 && numbers + infinite === present && (comma === 0 || plain === 0 || allPlainAreIntegers(rows, j));
  let dateOrder: DateOrder | null = null;
  if (present > 0 && ymd + dmyCells === present && !(firstOver12 && secondOver12)) dateOrder = secondOver12 ? 'mdy' : 'dmy';
  return {
    name,
    index: j,
    missing,
    counts,
    numeric,
    decimalComma: numeric && commaUsed > 0,
    integers: integers && numbers > 0,
    min: numbers ? min : NaN,
    max: numbers ? max : NaN,
    dateOrder,
    hasTime,
    numberCells: numbers,
    firstText,
  };
}

/** Whether the plain-number cells of a column with decimal-comma cells are whole numbers ("12" beside "1,5"). */
function allPlainAreIntegers(rows: string[][], j: number): boolean {
  for (const r of rows) {
    const t = r[j].trim();
    if (/^[+-]?\d+$/.test(t) || isMissing(t)) continue;
    if (!Number.isNaN(parseNumber(t))) return false;
  }
  return true;
}

export interface Detected {
  type: ColumnType;
  reason: string;
}

const yesNoPair = (values: string[]) => {
  const v = values.map((s) => s.toLowerCase()).sort();
  return YES_NO.some((p) => [...p].sort().every((x, i) => x === v[i]));
};

/** The type a column is read as, and why, from its facts (`rows`: data rows in the table). */
export function detectType(f: ColumnFacts, rows: number, rowNumber: (i: number) => number): Detected {
  const present = rows - f.missing;
  const distinct = f.counts.size;
  if (present === 0) return { type: 'ignore', reason: 'every cell is empty: left out' };
  if (distinct === 1) return { type: 'ignore', reason: `every row has the same value ("${printable([...f.counts.keys()][0], 40)}"): left out, it cannot tell rows apart` };
  if (f.dateOrder) return { type: 'date', reason: f.dateOrder === 'mdy' ? 'dates, month first (a day above 12 comes second)' : 'dates' };
  if (f.numeric) {
    if (f.integers && distinct === present && present > IDENTIFIER_MIN_DISTINCT && ID_NAME.test(f.name)) {
      return { type: 'ignore', reason: `an identifier (every row has its own number): left out` };
    }
    if (f.integers && distinct > 2 && distinct <= FEW_INTEGERS && present >= FEW_INTEGERS_MIN_ROWS) {
      return { type: 'category', reason: `only ${distinct} different whole numbers: read as categories (choose number if their order matters)` };
    }
    return { type: 'number', reason: f.decimalComma ? 'numbers (written with a decimal comma)' : 'numbers' };
  }
  if (distinct === 2 && yesNoPair([...f.counts.keys()])) return { type: 'yesno', reason: 'two values, yes and no' };
  if (distinct > IDENTIFIER_MIN_DISTINCT && distinct >= present * 0.5) {
    return { type: 'ignore', reason: `nearly every value is different (${fmtCount(distinct)} in ${fmtCount(present)} rows): an identifier or free text, left out` };
  }
  if (f.numberCells > 0 && f.firstText) {
    return {
      type: 'category',
      reason: `mixes numbers and text (e.g. "${printable(f.firstText.text, 30)}" in row ${rowNumber(f.firstText.row)}): read as categories; to use it as a number, fix the text cells`,
    };
  }
  return { type: 'category', reason: 'text' };
}

/** The column to predict: by name or index when given, else guessed; with the reason. */
export function guessTarget(facts: ColumnFacts[], detected: Detected[]): { index: number; reason: string } {
  const named = facts.findIndex((f) => TARGET_NAME.test(f.name.trim()));
  if (named >= 0) return { index: named, reason: `its name ("${printable(facts[named].name, 40)}") says so` };
  const last = facts.length - 1;
  if (detected[last].type === 'number' || ((detected[last].type === 'category' || detected[last].type === 'yesno') && facts[last].counts.size <= MAX_CLASSES_GUESS)) {
    return { index: last, reason: 'the last column' };
  }
  for (let j = facts.length - 1; j >= 0; j--) {
    const d = detected[j].type;
    if ((d === 'category' || d === 'yesno') && facts[j].counts.size <= GUESSED_TARGET_MAX_CLASSES) {
      return { index: j, reason: 'the last column of categories with few values' };
    }
  }
  return { index: facts.length - 1, reason: 'the last column' };
}

/** Whether the target is a category or a number, and why. */
export function guessTask(f: ColumnFacts): { task: Task; reason: string } {
  const distinct = f.counts.size;
  if (!f.numeric || distinct <= NUMBER_TARGET_MIN_DISTINCT) return { task: 'category', reason: f.numeric ? `${distinct} different values: a category` : 'text: a category' };
  if (f.integers && f.min >= 0 && f.max < 100 && distinct <= 100) return { task: 'category', reason: `whole numbers 0–99 (${distinct} different): class numbers` };
  return { task: 'number', reason: `numbers with ${fmtCount(distinct)} different values: a number to predict` };
}
