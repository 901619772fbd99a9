/**
 * Try it's fields for a table (issue 11): one per column the network reads, under its own
 * name: a menu of its levels for a category or yes/no, a date (and time) field for a date, the
 * number as the person types it. A field's value is a cell text `encodeRow` reads exactly as
 * it read the training rows (dates in ISO form, which every date column reads).
 */
import { MISSING_LEVEL, OTHER_LEVEL, type RawRow, type TableColumn, type TableSchema } from '../../src-main/engine/table';
import { isMissing, parseDate } from '../../src-main/engine/table-encode';

export type Field =
  | { name: string; kind: 'number'; hint: string }
  | { name: string; kind: 'choice'; options: { value: string; label: string }[] }
  | { name: string; kind: 'date' | 'datetime' };

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

export function fieldsOf(schema: Pick<TableSchema, 'columns'>): Field[] {
  const out: Field[] = [];
  for (const c of schema.columns) {
    if (c.type === 'number') out.push({ name: c.name, kind: 'number', hint: `${c.min} to ${c.max}${c.decimalComma ? ', with a decimal comma' : ''}` });
    else if (c.type === 'category' || c.type === 'yesno') {
      const named = c.levels.filter((l) => l !== MISSING_LEVEL && l !== OTHER_LEVEL).map((l) => ({ value: l, label: l }));
      out.push({ name: c.name, kind: 'choice', options: [...named, { value: '', label: '(missing)' }] });
    } else if (c.type === 'date') out.push({ name: c.name, kind: c.parts.includes('hour') ? 'datetime' : 'date' });
  }
  return out;
}

/** A raw cell as its field shows it: a date in the field's ISO form, a missing cell as '' (the "(missing)" choice). */
export function fieldValue(col: TableColumn, cell: string | undefined): string {
  const text = (cell ?? '').trim();
  if (isMissing(text)) return '';
  if (col.type === 'date') {
    const d = parseDate(text, col.order);
    if (!d) return '';
    const day = `${d.year}-${pad(d.month)}-${pad(d.day)}`;
    return col.parts.includes('hour') ? `${day}T${pad(d.hour ?? 0)}:00` : day;
  }
  return text;
}

/** The fields' values of a raw row (the columns the network reads). */
export function fieldsFromRow(schema: Pick<TableSchema, 'columns'>, row: RawRow): RawRow {
  const out: RawRow = {};
  for (const c of schema.columns) if (c.type !== 'ignore') out[c.name] = fieldValue(c, row[c.name]);
  return out;
}
