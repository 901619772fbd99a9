/** The dataset commands, driven through commander as the mlp-studio binary does. */
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { datasetCli } from '../../tests/helpers/dataset-cli';
import { csvOf, housesRows, penguinsRows, xlsxBytes } from '../../tests/helpers/table-fixtures';
import { csvText } from '../../tests/helpers/test-fixtures';

const cli = datasetCli();
const run = cli.run;

describe('mlp-studio dataset commands', () => {
  it('imports, lists, shows, renames and deletes', async () => {
    const file = path.join(cli.root, 'flowers.csv');
    await fs.writeFile(file, csvText(60));
    const imp = await run('import', file, '--test-fraction', '0.25', '--no-progress', '--json');
    expect(imp.error).toBeNull();
    const meta = JSON.parse(imp.out);
    expect(meta.name).toBe('flowers');
    expect(meta.test.count).toBe(15);
    const list = await run('datasets');
    expect(list.out).toMatch(/MNIST\s+bundled-mnist\s+1×28×28\s+10\s+60000\s+10000/);
    expect(list.out).toMatch(/flowers\s+csv\s+4\s+3\s+45\s+15/);
    expect((await run('dataset', 'show', 'flowers')).out).toContain(meta.id);
    expect((await run('dataset', 'rename', meta.id, 'Iris')).out).toContain('"Iris"');
    expect((await run('dataset', 'rename', 'Iris', '../up')).error).toMatch(/path separator/);
    expect((await run('import', file, '--no-progress')).error).toMatch(/already in the library as "Iris"/);
    expect((await run('dataset', 'delete', 'iris')).out).toContain('deleted "Iris"');
    expect((await run('dataset', 'show', 'Iris')).error).toMatch(/No dataset with id or name "Iris"/);
    expect((await run('import', '--test-fraction', '2', file)).error).toMatch(/between 0 and 1/);
  });
});

describe('mlp-studio import of tables (issue 11)', () => {
  it('--label-column, --predict, --column (repeatable) and dataset show printing the columns', async () => {
    const file = path.join(cli.root, 'houses.csv');
    await fs.writeFile(file, csvOf(housesRows(120)));
    const imp = await run('import', file, '--label-column', 'price', '--column', 'rooms=category', '--column', 'sold=ignore', '--no-progress', '--json');
    expect(imp.error).toBeNull();
    const meta = JSON.parse(imp.out);
    expect(meta.task).toBe('number');
    const types = Object.fromEntries(meta.table.columns.map((c: { name: string; type: string }) => [c.name, c.type]));
    expect(types).toMatchObject({ rooms: 'category', sold: 'ignore', area_m2: 'number', neighbourhood: 'category' });
    const show = (await run('dataset', 'show', meta.id)).out;
    expect(show).toMatch(/predicts\s+price: a number/);
    expect(show).toMatch(/area_m2\s+number\s+\d+ to \d+, missing → median/);
    expect(show).toMatch(/neighbourhood\s+category\s+5 levels: Centre, East, North, South, West/);
    expect(show).toMatch(/Id\s+ignore\s+an identifier/);
    // the same table asked as a category: the neighbourhood, by its 0-based number
    const asCategory = await run('import', file, '--label-column', '4', '--predict', 'category', '--name', 'hoods', '--no-progress', '--json');
    expect(asCategory.error).toBeNull();
    expect(JSON.parse(asCategory.out).classNames).toEqual(['Centre', 'East', 'North', 'South', 'West']);
  });

  it('--sheet reads a named sheet of a workbook; an unknown sheet or column type is refused in words', async () => {
    const file = path.join(cli.root, 'book.xlsx');
    await fs.writeFile(file, xlsxBytes([{ name: 'README', rows: [['a', 'b']] }, { name: 'data', rows: penguinsRows(60) }]));
    const imp = await run('import', file, '--sheet', 'data', '--no-progress', '--json');
    expect(imp.error).toBeNull();
    expect(JSON.parse(imp.out).table.source).toMatchObject({ format: 'xlsx', sheet: 'data' });
    expect((await run('import', file, '--sheet', 'Data 2', '--no-progress')).error).toMatch(/no sheet named "Data 2"; its sheets are "README", "data"/);
    expect((await run('import', file, '--column', 'island=text')).error).toMatch(/NAME=TYPE with TYPE one of number, category, yesno, date, ignore/);
    expect((await run('import', file, '--predict', 'colour')).error).toMatch(/Allowed choices are category, number/);
  });
});
