/** Try it on a dropped table: read by column name, missing columns named, the person's table written back with predictions. */
import { describe, expect, it } from 'vitest';
import Papa from 'papaparse';
import { missingColumns, readCsv, rowOf, scoredCsv } from '../../src-renderer/lib/table-score';
import type { TableSchema } from '../../src-main/engine/table';

const schema: Pick<TableSchema, 'columns'> = {
  columns: [
    { name: 'island', type: 'category', levels: ['Biscoe', 'Dream'], counts: [3, 2], missing: 0 },
    { name: 'bill', type: 'number', median: 40, clip: [30, 60], missingIndicator: true, min: 32, max: 59, missing: 1 },
    { name: 'id', type: 'ignore', missing: 0, reason: 'nearly every value is different' },
  ],
};

describe('scoring a dropped table', () => {
  it('reads semicolon tables with a BOM and names a file without rows', () => {
    const t = readCsv('a.csv', '\uFEFFbill;island\n41,5;Dream\n');
    expect(t.header).toEqual(['bill', 'island']);
    expect(rowOf(t.header, t.rows[0])).toEqual({ bill: '41,5', island: 'Dream' });
    expect(() => readCsv('empty.csv', 'bill,island\n')).toThrow('“empty.csv” has a header but no rows to score.');
  });

  it('names the columns the model needs that the table lacks, not the ones left out', () => {
    expect(missingColumns(schema, ['island', 'extra'])).toEqual(['bill']);
    expect(missingColumns(schema, ['bill', 'island'])).toEqual([]);
  });

  it('writes the person’s columns back, extra ones and quotes kept, with the predictions added', () => {
    const t = readCsv('p.csv', 'island,note,bill\nDream,"a, b",41\nBiscoe,,\n');
    const out = scoredCsv(t, 'species', [{ value: 'Adelie', probability: 0.91234 }, { value: 'Gentoo', probability: 0.5 }]);
    const back = Papa.parse<string[]>(out.trim()).data;
    expect(back[0]).toEqual(['island', 'note', 'bill', 'predicted species', 'probability']);
    expect(back[1]).toEqual(['Dream', 'a, b', '41', 'Adelie', '0.9123']);
    expect(back[2]).toEqual(['Biscoe', '', '', 'Gentoo', '0.5000']);
    const numbers = scoredCsv(t, 'price', [{ value: '120000' }, { value: '95000.5' }]);
    expect(numbers.split(/\r?\n/)[0]).toBe('island,note,bill,predicted price');
  });
});
