/**
 * Bad tables (issue 11, "Bad input"): every refusal names the file (and the row and column
 * where there is one) and says what to do; nothing is left in the library. Cases that are not
 * refusals (an all-empty column, empty target cells, mixed numbers and text) are read in a
 * stated way.
 */
import fs from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { scratchLibrary } from '../../tests/helpers/scratch-library';
import { DatasetError } from './errors';
import type { DatasetLibrary } from './library';
import { csvOf, penguinsRows, xlsxBytes } from '../../tests/helpers/table-fixtures';
import { previewTable } from './table/import';

const scratch = scratchLibrary('mlps-tables-bad-');
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
  const msg = (err as Error).message;
  expect(msg.length).toBeLessThan(1200);
  return msg;
}

/** A small table of `n` rows: two numbers, a colour, and a class. */
function small(n = 40, edit?: (cells: string[], i: number) => void): string {
  const rows = [['a', 'b', 'colour', 'class']];
  for (let i = 0; i < n; i++) {
    const r = [String(i % 7), (i * 0.5).toFixed(1), ['red', 'green', 'blue'][i % 3], i % 2 ? 'yes' : 'no'];
    edit?.(r, i);
    rows.push(r);
  }
  return csvOf(rows);
}

describe('the header', () => {
  it('duplicate names are refused naming both columns', async () => {
    const f = await file(small().replace('a,b,colour', 'a,a,colour'));
    expect(await refusal([f])).toMatch(new RegExp(`${f}: columns 1 and 2 are both named "a" in the header row; give each column its own name`));
  });

  it('a missing name is refused naming the column', async () => {
    const f = await file(small().replace('a,b,colour', 'a,,colour'));
    expect(await refusal([f])).toMatch(/column 2 has no name in the header row; give every column a name/);
  });

  it('a column to predict that is not in the header is refused, listing the header', async () => {
    const f = await file(small());
    expect(await refusal([f], { table: { labelColumn: 'price' } })).toMatch(/no column named "price" \(the header has "a", "b", "colour", "class"\)/);
  });

  it('a column number past the last is refused', async () => {
    const f = await file(small());
    expect(await refusal([f], { table: { labelColumn: 9 } })).toMatch(/there is no column 9 \(columns are numbered 0 to 3\)/);
  });

  it('a type for a column that does not exist is refused', async () => {
    const f = await file(small());
    expect(await refusal([f], { table: { columns: { colour2: 'number' } } })).toMatch(/no column named "colour2" to set the type of/);
  });
});

describe('rows and cells', () => {
  it('one row is refused', async () => {
    const f = await file('a,b,class\n1,2,x\n');
    expect(await refusal([f])).toMatch(/the table has a single row under its header; a dataset needs many rows/);
  });

  it('ragged rows in a semicolon table are refused naming the row', async () => {
    const f = await file(small(30).replace(/,/g, ';').replace('\n3;1.5;red;yes\n', '\n3;1.5;red;yes;extra\n'));
    expect(await refusal([f])).toMatch(/row 5 has 5 fields but the header has 4; every row needs the same number of fields/);
  });

  it('an unclosed quote is refused naming the row', async () => {
    const f = await file(small(10) + '1,2,"red,yes\n');
    expect(await refusal([f])).toMatch(new RegExp(`${f}: row \\d+: .*close the quote`));
  });

  it('a target with one value is refused', async () => {
    const f = await file(small(40, (r) => (r[3] = 'same')));
    expect(await refusal([f])).toMatch(/every row has the label "same" \(the column to predict, "class"\); a classifier needs at least two classes/);
  });

  it('a number to predict with a text cell is refused naming the row and column', async () => {
    const f = await file(small(40, (r, i) => (r[1] = i === 12 ? 'lots' : String(i * 1.5))));
    expect(await refusal([f], { table: { labelColumn: 'b', predict: 'number' } })).toMatch(/row 14, column 2 \("b"\): "lots" is not a number\. A number to predict needs a number in every row/);
  });

  it('1e39 in a number to predict is refused naming its cell, never stored as Infinity', async () => {
    const f = await file(small(40, (r, i) => (r[1] = i === 3 ? '1e39' : String(i * 1.5))));
    expect(await refusal([f], { table: { labelColumn: 'b', predict: 'number' } })).toMatch(/row 5, column 2 \("b"\): "1e39" is beyond the range of 32-bit floats/);
  });

  it('a 1 MB cell in a column chosen as numbers is refused with a short message', async () => {
    const big = 'x'.repeat(1 << 20);
    const f = await file(small(40, (r, i) => i === 6 && (r[0] = big)));
    const msg = await refusal([f], { table: { columns: { a: 'number' } } });
    expect(msg).toMatch(/row 8, column 1 \("a"\): "x{40}…" is not a number/);
  });

  it('a 1 MB cell elsewhere is read (cut in the preview) and the column is a category', async () => {
    const big = 'y'.repeat(1 << 20);
    const f = await file(small(40, (r, i) => i === 6 && (r[2] = big)));
    const p = await previewTable([f], {});
    expect(p.rows[6][2].length).toBeLessThan(300);
    expect(p.columns[2]).toMatchObject({ detected: 'category' });
    expect(p.problem).toBeUndefined();
  });

  it('every column but the target left out is refused saying why', async () => {
    const f = await file(small(40, (r, i) => {
      r[0] = '';
      r[1] = '5';
      r[2] = `note ${i}`;
    }));
    const msg = await refusal([f]);
    expect(msg).toMatch(/every column besides the one to predict \("class"\) is left out/);
    expect(msg).toMatch(/"a": every cell is empty/);
    expect(msg).toMatch(/"b": every row has the same value/);
    expect(msg).toMatch(/Choose a type for at least one column/);
  });
});

describe('not refusals: stated readings', () => {
  it('an all-empty column is left out, saying so', async () => {
    const f = await file(small(40, (r) => (r[1] = 'NA')));
    const meta = await scratch.lib.import([f], { name: 'empty column' });
    expect(meta.table!.columns[1]).toMatchObject({ name: 'b', type: 'ignore', reason: 'every cell is empty: left out', missing: 40 });
    await scratch.lib.delete(meta.id);
  });

  it('mixed numbers and text are read as categories, saying which cell is text', async () => {
    const f = await file(small(40, (r, i) => i === 9 && (r[0] = 'seven')));
    const p = await previewTable([f], {});
    expect(p.columns[0]).toMatchObject({ detected: 'category' });
    expect(p.columns[0].reason).toMatch(/mixes numbers and text \(e\.g\. "seven" in row 11\): read as categories; to use it as a number, fix the text cells/);
  });

  it('rows with an empty target are left out and counted', async () => {
    const f = await file(small(40, (r, i) => i % 10 === 0 && (r[3] = '')));
    const meta = await scratch.lib.import([f], { name: 'empty targets' });
    expect(meta.table!.droppedRows).toBe(4);
    expect(meta.train.count + meta.test.count).toBe(36);
    await scratch.lib.delete(meta.id);
  });

  it('UTF-16 with a byte-order mark, semicolons and decimal commas reads like the UTF-8 table', async () => {
    const text = csvOf(penguinsRows(60).map((r) => r.map((c) => c.replace('.', ','))), ';');
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const p = await previewTable([await file(utf16, 'eu16.csv')], {});
    expect(p.source).toMatchObject({ delimiter: ';', decimalComma: true, encoding: 'utf-16le' });
    expect(p.columns.find((c) => c.name === 'bill_length_mm')).toMatchObject({ chosen: 'number' });
    const p8 = await previewTable([await file(text, 'eu8.csv')], {});
    expect(p.featureCount).toBe(p8.featureCount);
    expect(p.columns).toEqual(p8.columns);
  });
});

describe('workbooks and JSON', () => {
  it('a sheet that does not exist is refused, naming the sheets there are', async () => {
    const f = await file(xlsxBytes([{ name: 'Sales 2024', rows: penguinsRows(30) }]), 'book.xlsx');
    expect(await refusal([f], { table: { sheet: 'Sales' } })).toMatch(new RegExp(`${f}: the workbook has no sheet named "Sales"; its sheets are "Sales 2024"`));
  });

  it('a password-protected workbook (an encrypted OLE container) is refused by name', async () => {
    const ole = Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(504)]);
    const f = await file(ole, 'secret.xlsx');
    expect(await refusal([f])).toMatch(/secret\.xlsx: this workbook is password-protected \(encrypted\) or saved in the old \.xls format.*remove the password/);
  });

  it('a damaged workbook is refused by name', async () => {
    const good = xlsxBytes([{ name: 'S', rows: penguinsRows(30) }]);
    const f = await file(good.subarray(0, good.length >> 1), 'cut.xlsx');
    expect(await refusal([f])).toMatch(/cut\.xlsx: the Excel workbook is damaged or not a workbook .*save it again as \.xlsx/);
  });

  it('an empty sheet is refused naming the sheet', async () => {
    const f = await file(xlsxBytes([{ name: 'Blank', rows: [] }]), 'blank.xlsx');
    expect(await refusal([f])).toMatch(/blank\.xlsx \(sheet "Blank"\): the sheet is empty/);
  });

  it('an old .xls file is refused saying to save it as .xlsx', async () => {
    const f = await file(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0, 0, 0, 0]), 'old.xls');
    expect(await refusal([f])).toMatch(/old\.xls: an Excel workbook in the old \.xls format.*save it as \.xlsx/);
  });

  it.each([
    ['an object', '{"species": "Adelie"}', /not an array of records/],
    ['an array of numbers', '[1, 2, 3]', /Record 1 is a number/],
    ['an empty array', '[]', /the JSON array is empty/],
    ['not JSON at all', '[{"a": 1,', /not valid JSON/],
    ['a nested record', '[{"a": 1, "b": {"c": 2}}, {"a": 2, "b": 3}]', /record 1, "b": holds an object; the studio reads flat records/],
  ])('a JSON file that is %s is refused', async (_, text, message) => {
    const f = await file(text, 'data.json');
    const msg = await refusal([f]);
    expect(msg).toContain(f);
    expect(msg).toMatch(message);
  });
});
