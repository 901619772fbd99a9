/**
 * Importing a table through a preview (issue 11): which dropped files are a table, and the
 * choices a person makes in the preview before anything is stored (the column to predict, a
 * category or a number, each column's type, the sheet of a workbook). The same choices go to
 * previewTable (to show what the import would do) and to importDataset (to do it).
 */
import type { ColumnType, TableChoices } from '../../src-main/engine/table';

/** Files the preview opens for: one table of rows and columns. */
const TABLE_FILE = /\.(csv|tsv|tab|txt|xlsx|json)$/i;

export function isTableFile(name: string): boolean {
  return TABLE_FILE.test(name);
}

/** The choices with a column's type set; choosing the type it was detected with drops the override. */
export function withColumnType(c: TableChoices, name: string, type: ColumnType, detected: ColumnType): TableChoices {
  const columns = { ...(c.columns ?? {}) };
  if (type === detected) delete columns[name];
  else columns[name] = type;
  const { columns: _old, ...rest } = c;
  return Object.keys(columns).length ? { ...rest, columns } : rest;
}

/** The choices with another column to predict: what to predict is guessed again for it, and its own type override goes. */
export function withTarget(c: TableChoices, name: string): TableChoices {
  const { predict: _p, columns, ...rest } = c;
  const left = { ...(columns ?? {}) };
  delete left[name];
  return { ...rest, labelColumn: name, ...(Object.keys(left).length ? { columns: left } : {}) };
}

/** The words of each column type in the preview's menus. */
export const COLUMN_TYPE_WORDS: Record<ColumnType, string> = {
  number: 'number',
  category: 'category',
  yesno: 'yes / no',
  date: 'date',
  ignore: 'leave out',
};
