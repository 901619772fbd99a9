/**
 * The encoding rules of engine/table-encode.ts, one by one (the export rebuilds them inside the
 * ONNX model, so each is pinned here): missing cells, numbers with a decimal comma, dates in
 * either order, clipping, one-hot with (missing) and (other), unseen levels, feature names.
 */
import { describe, expect, it } from 'vitest';
import { MISSING_LEVEL, OTHER_LEVEL, type TableSchema } from './table';
import { datePart, encodeRow, featureNames, isMissing, parseDate, parseNumber } from './table-encode';

describe('cells', () => {
  it('missing: empty, blanks and the missing words in any case', () => {
    for (const t of ['', '  ', 'NA', 'n/a', 'NULL', '?', 'NaN', '-', 'None', '#N/A', ' na ']) expect(isMissing(t), t).toBe(true);
    for (const t of ['0', 'no', 'nan2', '--', 'Namibia']) expect(isMissing(t), t).toBe(false);
  });

  it('numbers: plain decimals only; with a decimal comma "1,5" and "1.234,5"', () => {
    expect(parseNumber(' 2.5 ')).toBe(2.5);
    expect(parseNumber('-1e3')).toBe(-1000);
    expect(parseNumber('.5')).toBe(0.5);
    for (const t of ['1,5', '0x10', 'Infinity', 'NaN', '', '1 000', '12abc']) expect(parseNumber(t), t).toBeNaN();
    expect(parseNumber('1,5', true)).toBe(1.5);
    expect(parseNumber('1.234,5', true)).toBe(1234.5);
    expect(parseNumber('12', true)).toBe(12);
    expect(parseNumber('1.5', true)).toBeNaN();
    expect(parseNumber('1e39')).toBe(1e39);
  });

  it('dates: year first, or day/month in the column order; times; impossible dates refused', () => {
    expect(parseDate('2020-03-04')).toEqual({ year: 2020, month: 3, day: 4, hour: null });
    expect(parseDate('2020/03/04 17:30')).toEqual({ year: 2020, month: 3, day: 4, hour: 17 });
    expect(parseDate('2020-03-04T08:15:00Z')).toEqual({ year: 2020, month: 3, day: 4, hour: 8 });
    expect(parseDate('04/03/2020')).toEqual({ year: 2020, month: 3, day: 4, hour: null });
    expect(parseDate('04/03/2020', 'mdy')).toEqual({ year: 2020, month: 4, day: 3, hour: null });
    expect(parseDate('31.12.1999')).toEqual({ year: 1999, month: 12, day: 31, hour: null });
    for (const t of ['2020-02-30', '2020-13-01', '2020-01-01 25:00', '2020', 'March 4', '04/03/20']) expect(parseDate(t), t).toBeNull();
  });

  it('date parts: day of week 0 = Monday, day of year from 1', () => {
    const d = parseDate('2024-03-04 10:00')!; // a Monday, in a leap year
    expect([datePart(d, 'year'), datePart(d, 'month'), datePart(d, 'dayOfWeek'), datePart(d, 'dayOfYear'), datePart(d, 'hour')]).toEqual([2024, 3, 0, 64, 10]);
    expect(datePart(parseDate('2023-12-31')!, 'dayOfWeek')).toBe(6);
    expect(datePart(parseDate('2023-12-31')!, 'hour')).toBe(0);
  });
});

const schema: Pick<TableSchema, 'columns'> = {
  columns: [
    { name: 'age', type: 'number', missing: 1, median: 30, clip: [0, 100], missingIndicator: true, min: 1, max: 90 },
    { name: 'price', type: 'number', missing: 0, median: 1.5, clip: [-10, 10], missingIndicator: false, min: 0, max: 5, decimalComma: true },
    { name: 'island', type: 'category', missing: 0, levels: ['Biscoe', 'Dream', OTHER_LEVEL, MISSING_LEVEL], counts: [5, 4, 2, 1] },
    { name: 'sex', type: 'category', missing: 0, levels: ['female', 'male'], counts: [3, 3] },
    { name: 'sold', type: 'date', missing: 0, parts: ['year', 'month', 'dayOfWeek', 'dayOfYear'], medians: [2020, 6, 3, 150], missingIndicator: true, order: 'mdy' },
    { name: 'id', type: 'ignore', missing: 0 },
  ],
};

describe('encodeRow', () => {
  it('names its features in order', () => {
    expect(featureNames(schema)).toEqual([
      'age',
      'age was missing',
      'price',
      'island = Biscoe',
      'island = Dream',
      `island = ${OTHER_LEVEL}`,
      `island = ${MISSING_LEVEL}`,
      'sex = female',
      'sex = male',
      'sold · year',
      'sold · month',
      'sold · day of week',
      'sold · day of year',
      'sold was missing',
    ]);
  });

  it('a full row: values, one-hot after trimming, a month-first date', () => {
    const x = encodeRow(schema, { age: '42', price: '2,5', island: ' Dream ', sex: 'male', sold: '03/04/2021', id: '7' });
    expect(Array.from(x)).toEqual([42, 0, 2.5, 0, 1, 0, 0, 0, 1, 2021, 3, 3, 63, 0]);
  });

  it('missing cells: the median and the flag, the (missing) level, the date medians and flag', () => {
    const x = encodeRow(schema, { age: 'NA', price: '', island: '', sex: '', sold: '?' });
    expect(Array.from(x)).toEqual([30, 1, 1.5, 0, 0, 0, 1, 0, 0, 2020, 6, 3, 150, 1]);
  });

  it('unseen levels go to (other) when the column has it, else every level is 0; out-of-range numbers are clipped; text in a number column is missing', () => {
    const x = encodeRow(schema, { age: '1e6', price: 'cheap', island: 'Biscoe2', sex: 'MALE', sold: 'yesterday' });
    expect(Array.from(x)).toEqual([100, 0, 1.5, 0, 0, 1, 0, 0, 0, 2020, 6, 3, 150, 1]);
    expect(encodeRow(schema, { age: '-5' })[0]).toBe(0);
  });

  it('values are stored as float32', () => {
    expect(encodeRow(schema, { age: '0.1' })[0]).toBe(Math.fround(0.1));
  });
});
