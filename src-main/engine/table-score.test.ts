/**
 * Reading and writing the person's table when a table model scores it (predict --out, Try it):
 * refusals name the file, the row and the column; the scored table keeps every cell and the
 * file's delimiter.
 */
import { describe, expect, it } from 'vitest';
import { StudioError } from './errors';
import type { TableSchema } from './table';
import { readTableText, scoredTableCsv, tableRows } from './table-score';

const schema = (over: Partial<TableSchema> = {}): TableSchema => ({
  columns: [
    { name: 'area', type: 'number', missing: 0, median: 80, clip: [0, 500], missingIndicator: false, min: 20, max: 300, decimalComma: true },
    { name: 'id', type: 'ignore', missing: 0 },
    { name: 'garage', type: 'yesno', missing: 0, levels: ['no', 'yes'], counts: [3, 3] },
  ],
  target: { name: 'price', task: 'number', mean: 100, std: 10 },
  features: ['area', 'garage = no', 'garage = yes'],
  droppedRows: 0,
  source: { format: 'csv', delimiter: ';', decimalComma: true },
  ...over,
});

const refusal = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(StudioError);
    expect((e as StudioError).code).toBe('bad_request');
    return (e as Error).message;
  }
  throw new Error('expected a refusal');
};

describe('scoring a table: reading and writing the person\'s table', () => {
  it('a header naming a column twice, a row with too few cells, and a header alone are refused by name', () => {
    expect(refusal(() => readTableText('area,area\n1,2\n', 't.csv'))).toMatch(/t\.csv: the column name "area" appears twice in the header/);
    expect(refusal(() => readTableText('area,garage\n1,yes\n2\n', 't.csv'))).toMatch(/t\.csv, row 2: 1 cells, but the header names 2 columns/);
    expect(refusal(() => readTableText('area,garage\n', 't.csv'))).toMatch(/t\.csv: only a header row, no rows to score/);
    expect(refusal(() => readTableText('\n\n', 't.csv'))).toMatch(/t\.csv: the file has no header row/);
  });

  it('columns are matched by name; an ignored column and the target need not be there; a missing one is named', () => {
    const t = readTableText('garage;note;area\nyes;x;"1,5"\n', 't.csv');
    expect(t.delimiter).toBe(';');
    expect(tableRows(schema(), t, 't.csv')).toEqual([{ garage: 'yes', note: 'x', area: '1,5' }]);
    const lacking = readTableText('note,id\nx,1\n', 'lacking.csv');
    expect(refusal(() => tableRows(schema(), lacking, 'lacking.csv'))).toMatch(/lacking\.csv: the model needs the columns "area", "garage", which the file does not have \(its columns: "note", "id"\)/);
  });

  it('the scored table keeps every cell and the delimiter, writes a decimal comma when the table had one, and never takes an existing column name', () => {
    const t = readTableText('garage;predicted price;area\nyes;old;"1,5"\n', 't.csv');
    const text = scoredTableCsv(schema(), 'number', t, [{ predicted: 123.25 }]);
    expect(text).toBe('garage;predicted price;area;predicted price (2)\nyes;old;1,5;123,25\n');
    const cat = scoredTableCsv(schema({ target: { name: 'kind', task: 'category', levels: ['a', 'b'] } }), 'category', readTableText('area,garage\n3,no\n', 't.csv'), [{ predicted: 'b', probability: 0.8125 }]);
    expect(cat).toBe('area,garage,predicted kind,probability\n3,no,b,0.8125\n');
  });
});
