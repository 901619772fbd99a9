/** Try it's fields for a table: filled from a raw test row, they encode exactly as the row itself. */
import { describe, expect, it } from 'vitest';
import { fieldsFromRow, fieldsOf } from '../../src-renderer/lib/table-fields';
import { encodeRow } from '../../src-main/engine/table-encode';
import type { TableSchema } from '../../src-main/engine/table';

const schema: Pick<TableSchema, 'columns'> = {
  columns: [
    { name: 'sold', type: 'date', parts: ['year', 'month', 'dayOfWeek', 'dayOfYear'], medians: [2019, 6, 3, 180], missingIndicator: true, order: 'dmy', missing: 1 },
    { name: 'area', type: 'number', median: 80, clip: [20, 300], missingIndicator: true, min: 21, max: 290, decimalComma: true, missing: 2 },
    { name: 'town', type: 'category', levels: ['North', 'South', '(missing)', '(other)'], counts: [5, 4, 1, 1], missing: 1 },
    { name: 'ref', type: 'ignore', missing: 0 },
    { name: 'visit', type: 'date', parts: ['year', 'month', 'dayOfWeek', 'dayOfYear', 'hour'], medians: [2019, 6, 3, 180, 12], missingIndicator: false, missing: 0 },
  ],
};

describe('Try it fields of a table', () => {
  it('one field per column read: levels (not “(other)”) with a missing choice, dates with a time when the column has hours', () => {
    const f = fieldsOf(schema);
    expect(f.map((x) => `${x.name}:${x.kind}`)).toEqual(['sold:date', 'area:number', 'town:choice', 'visit:datetime']);
    const town = f[2];
    expect(town.kind === 'choice' && town.options.map((o) => o.value)).toEqual(['North', 'South', '']);
  });

  it('a test row filled into the fields encodes exactly as the row (dates moved to ISO, missing kept missing)', () => {
    const row = { sold: '31/01/2020', area: '75,5', town: 'NA', ref: 'X-1', visit: '2020-02-03 14:30' };
    const fields = fieldsFromRow(schema, row);
    expect(fields).toEqual({ sold: '2020-01-31', area: '75,5', town: '', visit: '2020-02-03T14:00' });
    expect(Array.from(encodeRow(schema, fields))).toEqual(Array.from(encodeRow(schema, row)));
    const rare = { ...row, town: 'East', sold: '' };
    expect(Array.from(encodeRow(schema, fieldsFromRow(schema, rare)))).toEqual(Array.from(encodeRow(schema, rare)));
  });
});
