/** The preview's choices: a column's type set or dropped again, another column to predict, which files open the preview. */
import { describe, expect, it } from 'vitest';
import { isTableFile, withColumnType, withTarget } from '../../src-renderer/lib/table-import';

describe('table import choices', () => {
  it('keeps a type only where it differs from the detected one', () => {
    const c = withColumnType({ labelColumn: 'species' }, 'year', 'category', 'number');
    expect(c).toEqual({ labelColumn: 'species', columns: { year: 'category' } });
    expect(withColumnType(c, 'year', 'number', 'number')).toEqual({ labelColumn: 'species' });
  });

  it('a new column to predict forgets what to predict (guessed again for it) and its own type', () => {
    const c = withTarget({ labelColumn: 'species', predict: 'category', columns: { price: 'category', year: 'category' } }, 'price');
    expect(c).toEqual({ labelColumn: 'price', columns: { year: 'category' } });
  });

  it('opens the preview for tables only', () => {
    expect(['a.csv', 'b.TSV', 'c.xlsx', 'd.json', 'e.txt'].every(isTableFile)).toBe(true);
    expect(['train-images-idx3-ubyte', 'x.npy', 'p.png', 'cifar.tar.gz'].some(isTableFile)).toBe(false);
  });
});
