/**
 * Real tables (issue 11): text, dates and empty cells, any column to predict, a category or a
 * number; the stored features are exactly encodeRow of the raw rows, the statistics come from
 * the training rows, the test rows are kept raw; .xlsx and .json read like the same CSV.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scratchLibrary } from '../../tests/helpers/scratch-library';
import { MISSING_LEVEL, type RawRow, type TableColumn } from '../engine/table';
import { encodeRow, isMissing } from '../engine/table-encode';
import { csvOf, housesRows, penguinsRows, xlsxBytes } from '../../tests/helpers/table-fixtures';
import { previewTable } from './table/import';
import type { DatasetMeta } from './types';

const scratch = scratchLibrary();
const file = scratch.file;

async function floats(meta: DatasetMeta, name: string): Promise<Float32Array> {
  const b = await fs.readFile(path.join(scratch.lib.dir, meta.id, name));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

describe('a penguins-like table: text, NA and a guessed target', () => {
  it('imports with the species guessed as the category to predict, NA as missing, and stores encodeRow of the raw test rows', async () => {
    const rows = penguinsRows(300);
    const f = await file(csvOf(rows), 'penguins.csv');
    const meta = await scratch.lib.import([f]);
    expect(meta.task).toBe('category');
    expect(meta.classNames).toEqual(['Adelie', 'Chinstrap', 'Gentoo']);
    const t = meta.table!;
    expect(t.target.name).toBe('species');
    const byName = Object.fromEntries(t.columns.map((c) => [c.name, c]));
    expect(byName.island.type).toBe('category');
    expect(byName.bill_length_mm.type).toBe('number');
    expect(byName.sex.type).toBe('category');
    expect(byName.year.type).toBe('category');
    const sex = byName.sex as Extract<typeof byName.sex, { levels: string[] }>;
    expect(sex.levels).toContain(MISSING_LEVEL);
    const bill = byName.bill_length_mm as Extract<typeof byName.bill_length_mm, { type: 'number' }>;
    expect(bill.missingIndicator).toBe(true);
    expect(t.features).toContain('bill_length_mm was missing');
    expect(t.features).toContain('island = Biscoe');
    expect(meta.sampleShape).toEqual([t.features.length]);
    expect(meta.train.count + meta.test.count).toBe(300);
    // the test rows, raw and in order, encode to the stored test features
    const idx = Array.from({ length: meta.test.count }, (_, i) => i);
    const raw = await scratch.lib.tableRows(meta.id, 'test', idx);
    const x = await floats(meta, 'test-x.bin');
    const y = new Int32Array((await fs.readFile(path.join(scratch.lib.dir, meta.id, 'test-y.bin'))).buffer.slice(0));
    const F = t.features.length;
    raw.forEach((r, i) => {
      expect(Array.from(encodeRow(t, r))).toEqual(Array.from(x.subarray(i * F, (i + 1) * F)));
      expect(meta.classNames[y[i]]).toBe(r.species);
    });
    // the median is that of the training rows only
    const trainX = await floats(meta, 'train-x.bin');
    const j = t.features.indexOf('bill_length_mm');
    const jm = t.features.indexOf('bill_length_mm was missing');
    const seen: number[] = [];
    for (let i = 0; i < meta.train.count; i++) if (trainX[i * F + jm] === 0) seen.push(trainX[i * F + j]);
    seen.sort((a, b) => a - b);
    const med = (seen[(seen.length - 1) >> 1] + seen[seen.length >> 1]) / 2;
    expect(Math.fround(bill.median)).toBe(Math.fround(med));
    await scratch.lib.delete(meta.id);
  });
});

describe('a house-prices-like table: a date and a number to predict', () => {
  it('predicts the price as a number: float32 values in its units, one class name, the target mean/std of the training rows', async () => {
    const rows = housesRows(240);
    const f = await file(csvOf(rows), 'houses.csv');
    const meta = await scratch.lib.import([f], { table: { labelColumn: 'price' } });
    expect(meta.task).toBe('number');
    expect(meta.classNames).toEqual(['price']);
    expect(meta.train.perClass).toEqual([meta.train.count]);
    const t = meta.table!;
    const byName = Object.fromEntries(t.columns.map((c) => [c.name, c]));
    expect(byName.Id.type).toBe('ignore');
    expect(byName.Id.reason).toMatch(/identifier/);
    expect(byName.sold.type).toBe('date');
    expect(byName.garage.type).toBe('yesno');
    expect(t.features).toContain('sold · month');
    const yTrain = await floats(meta, 'train-y.bin');
    const prices = rows.slice(1).map((r) => Number(r[6]));
    for (const v of yTrain) expect(prices).toContain(v);
    const mean = yTrain.reduce((a, b) => a + b, 0) / yTrain.length;
    expect(t.target.mean).toBeCloseTo(mean, 0);
    expect(t.target.min).toBe(Math.min(...prices));
    await scratch.lib.delete(meta.id);
  });

  it('the guessed task is a number for a numeric target with many values, and a category when asked', async () => {
    const f = await file(csvOf(housesRows(120).map((r) => r.slice(1))), 'houses.csv');
    const preview = await previewTable([f], {});
    expect(preview.target).toMatchObject({ name: 'price', task: 'number' });
    const asked = await previewTable([f], { table: { labelColumn: 'neighbourhood' } });
    expect(asked.target.task).toBe('category');
    expect(asked.classes?.map((c) => c.name)).toEqual(['Centre', 'East', 'North', 'South', 'West']);
  });
});

describe('statistics come from the training rows only', () => {
  it('with a train… and a test… file: the median, clip range and levels of the training file; a test value is clipped, a level seen only in the test file is all zeros', async () => {
    const rows = (n: number, from: number, islands: string[]) =>
      [['size', 'island', 'class'], ...Array.from({ length: n }, (_, i) => [String(from + i), islands[i % islands.length], i % 2 ? 'a' : 'b'])];
    const train = await file(csvOf(rows(30, 0, ['Biscoe', 'Dream'])), 'train.csv');
    const test = path.join(path.dirname(train), 'test.csv');
    await fs.writeFile(test, csvOf(rows(10, 1000, ['Biscoe', 'Torgersen'])));
    const meta = await scratch.lib.import([train, test]);
    const [size, island] = meta.table!.columns as [Extract<TableColumn, { type: 'number' }>, Extract<TableColumn, { levels: string[] }>];
    expect(size.median).toBe(14.5);
    expect(island.levels).toEqual(['Biscoe', 'Dream']);
    expect(meta.split).toBeUndefined();
    const x = await floats(meta, 'test-x.bin');
    // test row 1 is Torgersen: no level, no (other) either
    expect(Array.from(x.subarray(3, 6))).toEqual([1001, 0, 0].map((v, k) => (k === 0 ? Math.min(v, size.clip[1]) : v)));
    await scratch.lib.delete(meta.id);
  });
});

describe('other readers', () => {
  it('a semicolon CSV with decimal commas reads the numbers as numbers', async () => {
    const rows = penguinsRows(90).map((r) => r.map((c) => c.replace('.', ',')));
    const f = await file(csvOf(rows, ';'), 'eu.csv');
    const p = await previewTable([f], {});
    expect(p.source).toMatchObject({ delimiter: ';', decimalComma: true });
    expect(p.columns.find((c) => c.name === 'bill_length_mm')).toMatchObject({ chosen: 'number' });
    const meta = await scratch.lib.import([f]);
    const col = meta.table!.columns.find((c) => c.name === 'bill_length_mm')!;
    expect(col).toMatchObject({ type: 'number', decimalComma: true });
    const raw = (await scratch.lib.tableRows(meta.id, 'test', [0]))[0];
    const v = raw.bill_length_mm;
    if (!isMissing(v)) expect(encodeRow(meta.table!, raw)[meta.table!.features.indexOf('bill_length_mm')]).toBe(Math.fround(Number(v.replace(',', '.'))));
    await scratch.lib.delete(meta.id);
  });

  it('an .xlsx workbook reads like the same CSV, the first sheet unless one is named', async () => {
    const rows = penguinsRows(60);
    const book = xlsxBytes([
      { name: 'notes', rows: [['a', 'b'], ['1', 'x'], ['2', 'y']] },
      { name: 'penguins', rows },
    ]);
    const f = await file(book, 'penguins.xlsx');
    // the first sheet is too small to import: the preview still reads it, names the sheets and says why
    const first = await previewTable([f], {});
    expect(first.sheets).toEqual(['notes', 'penguins']);
    expect(first.source.sheet).toBe('notes');
    expect(first.problem).toMatch(/test set would be empty/);
    await expect(scratch.lib.import([f])).rejects.toThrow(/sheet "notes".*test set would be empty/);
    const meta = await scratch.lib.import([f], { table: { sheet: 'penguins' } });
    expect(meta.table!.source).toMatchObject({ format: 'xlsx', sheet: 'penguins' });
    const x = await floats(meta, 'train-x.bin');
    await scratch.lib.delete(meta.id);
    // the same rows as CSV: the same data (the library even recognises it as a duplicate)
    const csvMeta = await scratch.lib.import([await file(csvOf(rows), 'penguins.csv')]);
    expect(meta.table!.features).toEqual(csvMeta.table!.features);
    expect(x).toEqual(await floats(csvMeta, 'train-x.bin'));
    expect(meta.contentHash).toBe(csvMeta.contentHash);
    await scratch.lib.delete(csvMeta.id);
  });

  it('dates in a workbook (serial numbers styled as dates) are read as a date column', async () => {
    const rows = housesRows(60).map((r, i) => (i === 0 ? r : [r[0], `date:${45000 + i}`, ...r.slice(2)]));
    const p = await previewTable([await file(xlsxBytes([{ name: 'S', rows }]), 'houses.xlsx')], { table: { labelColumn: 'price' } });
    expect(p.columns.find((c) => c.name === 'sold')).toMatchObject({ detected: 'date' });
    // serial 45001 is 2023-03-16 (45000 is 2023-03-15)
    expect(p.rows[0][1]).toBe('2023-03-16');
  });

  it('a dropped folder holding a workbook imports the workbook', async () => {
    const f = await file(xlsxBytes([{ name: 'S', rows: penguinsRows(45) }]), 'birds.xlsx');
    const meta = await scratch.lib.import([path.dirname(f)]);
    expect(meta.table!.source.format).toBe('xlsx');
    expect(meta.sources).toEqual([f]);
    await scratch.lib.delete(meta.id);
  });

  it('a JSON array of records reads like the same CSV', async () => {
    const rows = penguinsRows(60);
    const records = rows.slice(1).map((r) => Object.fromEntries(rows[0].map((h, j) => [h, /^\d/.test(r[j]) ? Number(r[j]) : r[j] === 'NA' ? null : r[j]])));
    const f = await file(JSON.stringify(records), 'penguins.json');
    const meta = await scratch.lib.import([f]);
    expect(meta.table!.source.format).toBe('json');
    expect(meta.classNames).toEqual(['Adelie', 'Chinstrap', 'Gentoo']);
    const raw: RawRow[] = await scratch.lib.tableRows(meta.id, 'test', [0, 1]);
    expect(Object.keys(raw[0])).toEqual(rows[0]);
    await scratch.lib.delete(meta.id);
  });

  it('an import with the preview\'s choices gives what the preview promised', async () => {
    const f = await file(csvOf(penguinsRows(120)), 'p.csv');
    const choices = { labelColumn: 'island', columns: { year: 'number' as const, sex: 'ignore' as const } };
    const p = await previewTable([f], { table: choices });
    const meta = await scratch.lib.import([f], { table: choices });
    expect(meta.sampleShape).toEqual([p.featureCount]);
    expect(meta.classNames).toEqual(p.classes!.map((c) => c.name));
    expect(meta.table!.columns.find((c) => c.name === 'year')!.type).toBe('number');
    expect(meta.table!.columns.find((c) => c.name === 'sex')!.type).toBe('ignore');
    await scratch.lib.delete(meta.id);
  });
});
