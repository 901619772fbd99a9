/**
 * Hostile text tables (issue 15, items 3, 5 and 16): values beyond float32, NaN and Infinity
 * spelled in cells, a table of 100,000 columns, UTF-16 files, a data row of NaN only, and
 * class names with control or bidirectional characters. Each refusal names the file, row and
 * column, and leaves the library as it was.
 */
import fs from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { scratchLibrary } from '../../tests/helpers/scratch-library';
import { DatasetError } from './errors';
import type { DatasetLibrary } from './library';
import { csvText } from '../../tests/helpers/test-fixtures';

const scratch = scratchLibrary();
const file = scratch.file;

async function refusal(paths: string[], opts: Parameters<DatasetLibrary['import']>[1] = {}): Promise<string> {
  const before = (await scratch.lib.list()).map((m) => m.id).sort();
  let err: unknown;
  try {
    await scratch.lib.import(paths, opts);
  } catch (e) {
    err = e;
  }
  expect(err, 'the import should have failed').toBeInstanceOf(DatasetError);
  expect((await scratch.lib.list()).map((m) => m.id).sort()).toEqual(before);
  expect((await fs.readdir(scratch.lib.dir)).filter((e) => e.startsWith('.staging'))).toEqual([]);
  return (err as Error).message;
}

/** a small table with one cell replaced: row `r` (1-based data row), feature column `c` (0-based) */
function tableWith(r: number, c: number, cell: string): string {
  const lines = csvText(30, { features: 3 }).trimEnd().split('\n');
  const cells = lines[r].split(',');
  cells[c] = cell;
  lines[r] = cells.join(',');
  return lines.join('\n') + '\n';
}

describe('values beyond float32 and spelled non-numbers (item 3)', () => {
  it.each(['1e39', '-1e39', '3.5e38', '1e309'])('%s is refused naming the file, row and column, never stored as Infinity', async (cell) => {
    const f = await file(tableWith(5, 1, cell));
    const msg = await refusal([f]);
    expect(msg).toContain(f);
    expect(msg).toMatch(/row 6, column 2 \("feature 1"\)/);
    expect(msg).toContain(cell);
    expect(msg).toMatch(/32-bit|float32/);
  });

  it.each([
    ['a TSV file', 'data.tsv', '\t'],
    ['a .txt table with semicolons', 'data.txt', ';'],
  ])('1e39 in %s is refused the same way', async (_, name, sep) => {
    const f = await file(tableWith(2, 2, '1e39').replace(/,/g, sep), name);
    const msg = await refusal([f]);
    expect(msg).toContain(f);
    expect(msg).toMatch(/row 3, column 3 \("feature 2"\): "1e39" is beyond the range of 32-bit floats/);
  });

  it('the largest float32 value itself is accepted', async () => {
    const f = await file(tableWith(5, 1, '3.4028234e38'));
    const meta = await scratch.lib.import([f], { name: 'largest float32' });
    expect(meta.mean.every(Number.isFinite)).toBe(true);
    await scratch.lib.delete(meta.id);
  });

  it.each(['NaN', 'nan', 'NA', '?', 'null'])('"%s" in a number column is a missing cell: the training median and a "was missing" feature, never stored as NaN', async (cell) => {
    const f = await file(tableWith(7, 0, cell));
    const meta = await scratch.lib.import([f], { name: `missing ${cell}` });
    const col = meta.table!.columns[0];
    expect(col).toMatchObject({ name: 'feature 0', type: 'number', missing: 1 });
    expect(meta.table!.features.slice(0, 2)).toEqual(['feature 0', 'feature 0 was missing']);
    expect([...meta.mean, ...meta.std].every(Number.isFinite)).toBe(true);
    await scratch.lib.delete(meta.id);
  });

  it.each(['Infinity', '-inf', 'Inf'])('"%s" in a number column is refused naming the row and column', async (cell) => {
    const f = await file(tableWith(7, 0, cell));
    const msg = await refusal([f]);
    expect(msg).toContain(f);
    expect(msg).toMatch(/row 8, column 1 \("feature 0"\)/);
    expect(msg).toContain(`"${cell}" is not a finite number`);
    expect(msg).toMatch(/drop rows with bad cells/);
  });

  it('with "drop rows with bad cells", rows with Infinity or 1e39 are dropped and counted, never stored', async () => {
    let text = tableWith(3, 0, 'Infinity');
    const lines = text.trimEnd().split('\n');
    lines[10] = lines[10].replace(/^[^,]+/, '1e39');
    text = lines.join('\n') + '\n';
    const f = await file(text);
    const meta = await scratch.lib.import([f], { name: 'dropped', dropBadRows: true });
    expect(meta.preprocessing.droppedRows).toBe(2);
    expect(meta.table!.droppedRows).toBe(2);
    expect(meta.train.count + meta.test.count).toBe(28);
    expect([...meta.mean, ...meta.std].every(Number.isFinite)).toBe(true);
    await scratch.lib.delete(meta.id);
  });

  it('a header and one data row of NaN only is not taken for "only a header": a single row is refused', async () => {
    const f = await file('a,b,label\nNaN,NaN,NaN\n');
    const msg = await refusal([f]);
    expect(msg).toContain(f);
    expect(msg).toMatch(/a single row under its header/);
  });

  it('a first row of NaN above numbers is data, not a header: its cells are missing values', async () => {
    const rows = ['NaN,NaN,x', ...Array.from({ length: 12 }, (_, i) => `${i},${i % 3},${'xy'[i % 2]}`)];
    const f = await file(rows.join('\n') + '\n');
    const meta = await scratch.lib.import([f], { name: 'nan first' });
    expect(meta.preprocessing.header).toBe(false);
    expect(meta.table!.columns[0]).toMatchObject({ name: 'column 1', missing: 1 });
    expect(meta.train.count + meta.test.count).toBe(13);
    await scratch.lib.delete(meta.id);
  });
});
