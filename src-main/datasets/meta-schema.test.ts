/** meta.json's schema for tables (issue 11): a number to predict has one class name; the column schema is checked. */
import { describe, expect, it } from 'vitest';
import { parseMeta } from './meta-schema';

const base = {
  id: 'ds-0123456789abcdef',
  name: 'houses',
  format: 'csv',
  sources: ['/x/houses.csv'],
  kind: 'tabular',
  sampleShape: [2],
  train: { count: 10, perClass: [10] },
  test: { count: 2, perClass: [2] },
  mean: [0, 0],
  std: [1, 1],
  createdAt: '2026-01-01T00:00:00.000Z',
  contentHash: 'a'.repeat(64),
  preprocessing: {},
};
const table = (task: 'number' | 'category') => ({
  columns: [{ name: 'area', type: 'number', missing: 1, median: 50, clip: [0, 200], missingIndicator: true, min: 20, max: 180 }],
  target: task === 'number' ? { name: 'price', task, mean: 1e5, std: 2e4, min: 5e4, max: 3e5 } : { name: 'price', task, levels: ['cheap', 'dear'] },
  features: ['area', 'area was missing'],
  droppedRows: 0,
  source: { format: 'csv', delimiter: ',' },
});

describe('parseMeta of a table', () => {
  it('accepts a number to predict with one class name (the target)', () => {
    const m = parseMeta({ ...base, classNames: ['price'], task: 'number', table: table('number') });
    expect(m.task).toBe('number');
    expect(m.table!.target).toMatchObject({ task: 'number', mean: 1e5 });
  });

  it('refuses one class name for a category, and two for a number', () => {
    expect(() => parseMeta({ ...base, classNames: ['price'], task: 'category', table: table('category') })).toThrow(/at least two class names/);
    expect(() => parseMeta({ ...base, classNames: ['a', 'b'], task: 'number', table: table('number') })).toThrow(/one class name/);
  });

  it('refuses a column schema whose features do not match the sample shape, or an unknown column type', () => {
    expect(() => parseMeta({ ...base, sampleShape: [3], classNames: ['price'], task: 'number', table: table('number') })).toThrow(/features do not match/);
    const t = table('number');
    expect(() => parseMeta({ ...base, classNames: ['price'], task: 'number', table: { ...t, columns: [{ ...t.columns[0], type: 'text' }] } })).toThrow();
  });

  it('a dataset from before tables (no task, no table) still reads', () => {
    expect(parseMeta({ ...base, classNames: ['a', 'b'], train: { count: 10, perClass: [5, 5] }, test: { count: 2, perClass: [1, 1] } }).table).toBeUndefined();
  });
});
