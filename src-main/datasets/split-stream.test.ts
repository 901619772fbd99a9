/**
 * Issue 15, items 3 and 4 at finalize time: a dataset without a test split is split by
 * streaming (never read into one buffer), with the same bytes whatever the memory budget;
 * the split is refused up front when the disk cannot hold the second copy; and a
 * non-finite feature value is named by file, sample and feature instead of a raw zod dump.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { BinaryWriter, ImportContext, type ImportedData, writeInt32File } from './context';
import { finalizeImport } from './finalize';
import { bytes, tempDir } from '../../tests/helpers/test-fixtures';

let root: string;
let n = 0;
beforeAll(async () => {
  root = await tempDir();
});
afterAll(async () => {
  await fsp.rm(root, { recursive: true, force: true });
});
afterEach(() => {
  vi.restoreAllMocks();
});

const SAMPLES = 3000;
const image: ImportedData = { format: 'idx', kind: 'image', sampleShape: [1, 64, 64], classNames: ['a', 'b', 'c'], sources: ['/data/images.idx'], hasTest: false, preprocessing: {} };

async function staged(x: Uint8Array, y: Int32Array, budget?: number): Promise<ImportContext> {
  const dir = path.join(root, `s${n++}`);
  await fsp.mkdir(dir);
  const ctx = new ImportContext(dir, { seed: 5 });
  if (budget !== undefined) ctx.memoryBudget = budget;
  const w = await BinaryWriter.create(ctx.file('all', 'x'));
  await w.write(x);
  await w.close();
  await writeInt32File(ctx.file('all', 'y'), y);
  return ctx;
}

const labels = Int32Array.from({ length: SAMPLES }, (_, i) => (i * 7) % 3);
const pixels = bytes(SAMPLES * 4096, 11);

async function outputs(ctx: ImportContext): Promise<Buffer[]> {
  return Promise.all((['train', 'test'] as const).flatMap((s) => [fsp.readFile(ctx.file(s, 'x')), fsp.readFile(ctx.file(s, 'y'))]));
}

describe('splitting by streaming (issue 15, item 4)', () => {
  it('a budget of a few samples gives bit-identical splits and never allocates the whole file', async () => {
    const whole = await staged(pixels, labels);
    const ref = await finalizeImport(whole, image);
    const refFiles = await outputs(whole);

    const budget = 1 << 20; // 256 samples; the data is 3000 (12 MB)
    const small = await staged(pixels, labels, budget);
    const sizes: number[] = [];
    for (const fn of ['allocUnsafe', 'allocUnsafeSlow', 'alloc'] as const) {
      const orig = Buffer[fn].bind(Buffer);
      vi.spyOn(Buffer, fn).mockImplementation(((size: number, ...rest: unknown[]) => {
        sizes.push(size);
        return (orig as (...a: unknown[]) => Buffer)(size, ...rest);
      }) as never);
    }
    const got = await finalizeImport(small, image);
    vi.restoreAllMocks();
    expect(got).toEqual(ref);
    const files = await outputs(small);
    files.forEach((f, i) => expect(f.equals(refFiles[i])).toBe(true));
    expect(refFiles[0].length + refFiles[2].length).toBe(pixels.length);
    // nothing near the size of the samples was held at once
    expect(Math.max(...sizes.filter((s) => typeof s === 'number'))).toBeLessThan(pixels.length / 2);
    await expect(fsp.access(small.file('all', 'x'))).rejects.toThrow();
  });

  it('refuses the split when the disk cannot hold the second copy, naming the input and both sizes', async () => {
    const ctx = await staged(pixels, labels);
    vi.spyOn(fsp, 'statfs').mockResolvedValue({ bavail: 10, bsize: 1024 } as never);
    await expect(finalizeImport(ctx, image)).rejects.toThrow(/\/data\/images\.idx: splitting off a test set writes a second copy of the samples \(12\.3 MB\) but only 10,240 bytes is free/);
  });
});

describe('non-finite values at finalize time (issue 15, item 3)', () => {
  const table = (values: Float32Array, hasTest = false): ImportedData => ({
    format: 'csv', kind: 'tabular', sampleShape: [3], classNames: ['x', 'y'], sources: ['/data/table.csv'], hasTest, preprocessing: {},
  });
  const rows = 60;
  const ys = Int32Array.from({ length: rows }, (_, i) => i % 2);

  it('an Infinity in the data is named by file, sample (in input order) and feature', async () => {
    const x = new Float32Array(rows * 3).map((_, i) => i % 5);
    x[41 * 3 + 2] = Infinity;
    const ctx = await staged(new Uint8Array(x.buffer), ys);
    const err = await finalizeImport(ctx, table(x)).then(() => null, (e: Error) => e);
    expect(err?.message).toMatch(/^\/data\/table\.csv: sample 41 \(counting from 0, in the order of the input\), feature 2, is Infinity; every value must be a finite number/);
    expect(err?.message).not.toMatch(/received|"path"/);
  });
});
