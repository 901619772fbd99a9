/** Wide tables (issue 15, item 5): CSV import is linear in the number of columns. */
import { describe, expect, it, vi } from 'vitest';
import { scratchLibrary } from '../../tests/helpers/scratch-library';
import { previewTable } from './table/import';

const scratch = scratchLibrary();
const file = scratch.file;

describe('wide tables (item 5)', () => {
  function wide(cols: number, rows: number): string {
    const lines = [[...Array.from({ length: cols }, (_, j) => `f${j}`), 'label'].join(',')];
    for (let r = 0; r < rows; r++) lines.push([...Array.from({ length: cols }, (_, j) => String((r + j) % 7)), r % 2 ? 'a' : 'b'].join(','));
    return lines.join('\n') + '\n';
  }

  it('the work of importing does not grow with columns × columns (no scan of the header per column)', async () => {
    const cols = 3000;
    const f = await file(wide(cols, 6));
    // count the scans of arrays at least as long as the header: linear code does a handful, quadratic code one per column
    const indexOf = Array.prototype.indexOf;
    let bigScans = 0;
    const spy = vi.spyOn(Array.prototype, 'indexOf').mockImplementation(function (this: unknown[], ...args: [unknown, number?]) {
      if (this.length >= cols) bigScans++;
      return indexOf.apply(this, args);
    });
    let meta;
    try {
      meta = await scratch.lib.import([f], { name: 'wide 3000' });
    } finally {
      spy.mockRestore();
    }
    expect(bigScans).toBeLessThan(50);
    expect(meta.sampleShape).toEqual([cols]);
    await scratch.lib.delete(meta.id);
  });

  it('the preview of a wide table does not scan the header per column either', async () => {
    const cols = 3000;
    const f = await file(wide(cols, 6));
    const indexOf = Array.prototype.indexOf;
    let bigScans = 0;
    const spy = vi.spyOn(Array.prototype, 'indexOf').mockImplementation(function (this: unknown[], ...args: [unknown, number?]) {
      if (this.length >= cols) bigScans++;
      return indexOf.apply(this, args);
    });
    let p;
    try {
      p = await previewTable([f], { table: { labelColumn: 'label', columns: { f10: 'category' } } });
    } finally {
      spy.mockRestore();
    }
    expect(bigScans).toBeLessThan(50);
    expect(p.columns).toHaveLength(cols + 1);
    expect(p.columns[10]).toMatchObject({ name: 'f10', chosen: 'category' });
  });

  it('imports a table of 100,000 columns', async () => {
    const cols = 100_000;
    const f = await file(wide(cols, 4));
    const meta = await scratch.lib.import([f], { name: 'wide 100k' });
    expect(meta.sampleShape).toEqual([cols]);
    const names = meta.preprocessing.featureNames as string[];
    expect(names.length).toBe(cols);
    expect(names[cols - 1]).toBe(`f${cols - 1}`);
    await scratch.lib.delete(meta.id);
  }, 120_000);
});

describe('many classes and wide headers in messages (item 5)', () => {
  it('thousands of integer labels, two of them the same number ("2999", "02999"), are refused without comparing every label with every other', async () => {
    const k = 3000;
    const lines = ['a,b,label'];
    for (let i = 0; i < k; i++) lines.push(`${i % 5},${i % 3},${i}`);
    lines.push(`1,2,0${k - 1}`); // the last class, written a second way
    const f = await file(lines.join('\n') + '\n');
    const findIndex = Array.prototype.findIndex;
    let bigScans = 0;
    const spy = vi.spyOn(Array.prototype, 'findIndex').mockImplementation(function (this: unknown[], ...args: Parameters<typeof findIndex>) {
      if (this.length >= k) bigScans++;
      return findIndex.apply(this, args);
    });
    let msg = '';
    try {
      await scratch.lib.import([f], { name: 'many ints', table: { predict: 'category' } });
    } catch (e) {
      msg = (e as Error).message;
    } finally {
      spy.mockRestore();
    }
    expect(bigScans).toBeLessThan(50);
    // more than 1,000 classes is refused first, before any sorting or comparing
    expect(msg).toMatch(/the label column "label" has 3,001 different values; that looks like a feature/);
  });

  it('"7" and "007" among integer labels are named together', async () => {
    const lines = ['a,b,label'];
    for (let i = 0; i < 40; i++) lines.push(`${i % 5},${i % 3},${i % 10}`);
    lines.push('1,2,007');
    const msg = await scratch.lib.import([await file(lines.join('\n') + '\n')]).then(
      () => '',
      (e: Error) => e.message,
    );
    expect(msg).toMatch(/the labels "7" and "007" are the same number written differently/);
  });

  it('a label column name not in a header of 5,000 columns: the message lists a few, not all', async () => {
    const cols = 5000;
    const lines = [[...Array.from({ length: cols }, (_, j) => `f${j}`), 'label'].join(',')];
    for (let r = 0; r < 4; r++) lines.push([...Array.from({ length: cols }, (_, j) => String((r + j) % 7)), r % 2 ? 'a' : 'b'].join(','));
    const f = await file(lines.join('\n') + '\n');
    const msg = await scratch.lib.import([f], { labelColumn: 'species' }).then(
      () => '',
      (e: Error) => e.message,
    );
    expect(msg).toMatch(/no column named "species"/);
    expect(msg).toContain('"f0"');
    expect(msg).toMatch(/5,001 columns/);
    expect(msg.length).toBeLessThan(1000);
  });
});
