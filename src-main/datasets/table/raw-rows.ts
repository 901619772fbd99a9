/**
 * The raw cells of a table dataset's test rows (test-raw.csv, written by the importer in test
 * order), so Evaluate can show mistakes as rows, Try it can fill from a test row and the
 * export can verify on raw rows.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import Papa from 'papaparse';
import type { RawRow } from '../../engine/table';
import { BadRequestError, DatasetError, printable } from '../errors';
import type { DatasetMeta } from '../types';
import { TEST_RAW_FILE } from './import';

export async function readTableRows(folder: string, meta: DatasetMeta, split: 'test', indices: number[]): Promise<RawRow[]> {
  if (split !== 'test') throw new BadRequestError(`Raw rows are kept for the test split only; got "${printable(String(split))}".`);
  if (!meta.table) throw new BadRequestError(`"${printable(meta.name)}" is not a table imported with its columns (re-import the table to see its rows).`);
  if (!Array.isArray(indices)) throw new BadRequestError('The row numbers must be a list.');
  const n = meta.test.count;
  const bad = indices.find((i) => !Number.isInteger(i) || i < 0 || i >= n);
  if (bad !== undefined) throw new BadRequestError(`Row ${bad} does not exist: the test split of "${printable(meta.name)}" has rows 0 to ${n - 1}.`);
  let text: string;
  try {
    text = await fs.readFile(path.join(folder, TEST_RAW_FILE), 'utf8');
  } catch (e) {
    throw new DatasetError('internal', `The test rows of "${printable(meta.name)}" cannot be read (${(e as Error).message}); delete and re-import the dataset.`);
  }
  const records = Papa.parse<string[]>(text, { skipEmptyLines: 'greedy' }).data;
  const [header, ...rows] = records;
  if (!header || rows.length !== n) throw new DatasetError('internal', `The test rows of "${printable(meta.name)}" do not match its meta.json (${rows.length} rows, expected ${n}); delete and re-import the dataset.`);
  return indices.map((i) => Object.fromEntries(header.map((h, j) => [h, rows[i][j] ?? ''])));
}
