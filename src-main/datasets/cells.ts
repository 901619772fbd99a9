/**
 * One table cell read as a feature value. Features are stored as 32-bit floats, so a cell is a
 * value when it is a finite number that stays finite in float32: "1e39" would become Infinity
 * and is refused like "NaN", "Infinity" or an empty cell (the CSV importer then fails naming
 * the row and column, or drops the row when asked). Shared by the CSV importer and `predict`.
 */

/** the largest finite float32 */
export const FLOAT32_MAX = 3.4028234663852886e38;

/** NaN and infinities as spreadsheets and NumPy write them */
const NUMBER_WORD = /^[+-]?(nan|inf|infinity)$/i;

const shown = (t: string) => (t.length > 40 ? `${t.slice(0, 40)}…` : t);

/**
 * The float32 value of a cell, or what is wrong with it in words ("the cell is empty.",
 * "\"NaN\" is not a number …", "1e39 is beyond …").
 */
export function cellValue(cell: string): number | string {
  const v = Number(cell);
  if (Number.isFinite(v)) {
    if (v === 0 && cell.trim() === '') return 'the cell is empty.';
    const f = Math.fround(v);
    if (Number.isFinite(f)) return f;
  }
  const t = cell.trim();
  if (t === '') return 'the cell is empty.';
  if (NUMBER_WORD.test(t)) {
    return /nan/i.test(t) ? `"${t}" is not a number (it marks a missing or undefined value).` : `"${t}" is not a finite number.`;
  }
  if (!Number.isNaN(v)) return `"${shown(t)}" is beyond the range of 32-bit floats (±3.4e38), in which features are stored.`;
  return `"${shown(t)}" is not a number.`;
}

/** whether a cell is written as a number, including NaN, infinities and values beyond float32 (to tell a header row from data) */
export function looksNumeric(cell: string): boolean {
  const t = cell.trim();
  return t !== '' && (!Number.isNaN(Number(t)) || NUMBER_WORD.test(t));
}
