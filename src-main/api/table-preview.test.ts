/**
 * Issue 11 items 4 and 6: the table import preview through the API (nothing stored; the
 * import with the same choices gives what it promised), request validation of the table
 * choices, and a table dataset's raw test rows (tableRows).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvOf, penguinsRows } from '../../tests/helpers/table-fixtures';
import type { DatasetMeta } from '../datasets/types';
import { DatasetGateway } from './datasets';
import { argumentSchemas } from './schemas';

let home: string;
let gateway: DatasetGateway;
let csv: string;

beforeAll(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-studio-table-preview-'));
  gateway = new DatasetGateway(home, () => undefined);
  fs.mkdirSync(path.join(home, 'src'));
  csv = path.join(home, 'src', 'penguins.csv');
  fs.writeFileSync(csv, csvOf(penguinsRows(150)));
});
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

const datasetsOnDisk = () => (fs.existsSync(path.join(home, 'datasets')) ? fs.readdirSync(path.join(home, 'datasets')) : []);

/** Imports through the gateway and waits for its done or failed event. */
async function importVia(req: Parameters<DatasetGateway['startImport']>[0]): Promise<DatasetMeta> {
  return new Promise((resolve, reject) => {
    const g = new DatasetGateway(home, (e) => {
      if (e.channel !== 'import') return;
      if (e.event === 'done') resolve(e.dataset);
      if (e.event === 'failed') reject(new Error(e.message));
    });
    void g.startImport(req);
  });
}

describe('previewTable', () => {
  it('shows the first rows, each column with its detected type, the target, class balance and feature count; stores nothing', async () => {
    const p = await gateway.previewTable({ paths: [csv] });
    expect(datasetsOnDisk().filter((d) => !d.startsWith('.'))).toEqual([]);
    expect(p.header[0]).toBe('species');
    expect(p.rows).toHaveLength(20);
    expect(p.rowCount).toBe(150);
    expect(p.target).toMatchObject({ name: 'species', task: 'category' });
    const bill = p.columns.find((c) => c.name === 'bill_length_mm')!;
    expect(bill).toMatchObject({ detected: 'number', chosen: 'number', isTarget: false });
    expect(bill.missing).toBeGreaterThan(0);
    expect(typeof bill.min).toBe('number');
    const island = p.columns.find((c) => c.name === 'island')!;
    expect(island.levels!.map((l) => l.level).sort()).toEqual(['Biscoe', 'Dream', 'Torgersen']);
    expect(p.classes).toEqual([
      { name: 'Adelie', count: 50 },
      { name: 'Chinstrap', count: 50 },
      { name: 'Gentoo', count: 50 },
    ]);
    expect(p.featureCount).toBeGreaterThan(6);
  });

  it('a rare class is warned about (under 20 rows)', async () => {
    const rows = penguinsRows(150);
    rows[5][0] = 'Emperor';
    const f = path.join(home, 'src', 'rare.csv');
    fs.writeFileSync(f, csvOf(rows));
    const p = await gateway.previewTable({ paths: [f] });
    expect(p.warnings.join(' ')).toMatch(/The class "Emperor" has only 1 rows/);
  });

  it('the import with the preview\'s choices stores what the preview promised, and its test rows come back raw', async () => {
    const table = { labelColumn: 'island', columns: { year: 'number' as const } };
    const p = await gateway.previewTable({ paths: [csv], table });
    const meta = await importVia({ paths: [csv], table });
    expect(meta.sampleShape).toEqual([p.featureCount]);
    expect(meta.table!.target.name).toBe('island');
    const rows = await gateway.tableRows(meta.id, 'test', [0, 1]);
    expect(Object.keys(rows[0])).toEqual(p.header);
    expect(meta.classNames).toContain(rows[0].island);
    await expect(gateway.tableRows(meta.id, 'test', [meta.test.count])).rejects.toThrow(/Row \d+ does not exist/);
  });

  it('a choice that cannot be imported gives a preview that says why, so another can be made', async () => {
    const p = await gateway.previewTable({ paths: [csv], table: { columns: { island: 'number' } } });
    expect(p.problem).toMatch(/row 2, column 2 \("island"\): "\w+" is not a number/);
    expect(p.columns.map((c) => c.name)).toEqual(p.header);
  });

  it('a path that does not exist is refused by name', async () => {
    await expect(gateway.previewTable({ paths: [path.join(home, 'nowhere.csv')] })).rejects.toThrow(/nowhere\.csv: no such file/);
  });

  it('the request schema takes the table choices and refuses an unknown column type', () => {
    expect(argumentSchemas.previewTable.safeParse([{ paths: ['/x.csv'], table: { labelColumn: 2, predict: 'number', columns: { a: 'date' }, sheet: 'S' } }]).success).toBe(true);
    expect(argumentSchemas.previewTable.safeParse([{ paths: ['/x.csv'], table: { columns: { a: 'text' } } }]).success).toBe(false);
    expect(argumentSchemas.tableRows.safeParse(['ds-0123456789abcdef', 'train', [0]]).success).toBe(false);
  });
});
