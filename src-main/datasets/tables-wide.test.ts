/** Wide tables (issue 15, item 5): CSV import is linear in the number of columns. */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DatasetLibrary } from './library';
import { tempDir } from './test-fixtures';

let root: string;
let lib: DatasetLibrary;
let n = 0;

beforeAll(async () => {
  root = await tempDir('mlps-tables-');
  lib = new DatasetLibrary(path.join(root, 'home'));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

async function file(content: string | Buffer, name = 'data.csv'): Promise<string> {
  const d = path.join(root, 'cases', `c${n++}`);
  await fs.mkdir(d, { recursive: true });
  const f = path.join(d, name);
  await fs.writeFile(f, content);
  return f;
}

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
      meta = await lib.import([f], { name: 'wide 3000' });
    } finally {
      spy.mockRestore();
    }
    expect(bigScans).toBeLessThan(50);
    expect(meta.sampleShape).toEqual([cols]);
    await lib.delete(meta.id);
  });

  it('imports a table of 100,000 columns', async () => {
    const cols = 100_000;
    const f = await file(wide(cols, 4));
    const meta = await lib.import([f], { name: 'wide 100k' });
    expect(meta.sampleShape).toEqual([cols]);
    const names = meta.preprocessing.featureNames as string[];
    expect(names.length).toBe(cols);
    expect(names[cols - 1]).toBe(`f${cols - 1}`);
    await lib.delete(meta.id);
  }, 120_000);
});
