/**
 * How CSV import time grows with the number of columns (`npx tsx bench/csv-columns.ts`):
 * imports a table of 20 rows with 1,000, 10,000 and 100,000 feature columns (header row,
 * label in the last column) into a fresh library and prints the time of each and the ratio
 * 100k/10k, which is about 10 when the import is linear in columns. A benchmark, not a test.
 * `--max 1000000` adds a million-column table.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DatasetLibrary } from '../src-main/datasets/library';

const ROWS = 20;

async function writeTable(file: string, cols: number): Promise<void> {
  const header = [...Array.from({ length: cols }, (_, j) => `f${j}`), 'label'].join(',');
  const lines = [header];
  for (let r = 0; r < ROWS; r++) {
    const cells = Array.from({ length: cols }, (_, j) => String(((r * 31 + j * 7) % 100) / 10));
    lines.push([...cells, r % 2 ? 'cat' : 'dog'].join(','));
  }
  await fs.writeFile(file, lines.join('\n') + '\n');
}

const maxArg = process.argv.indexOf('--max');
const sizes = [1_000, 10_000, 100_000];
if (maxArg > 0 && Number(process.argv[maxArg + 1]) > 100_000) sizes.push(Number(process.argv[maxArg + 1]));

const root = await fs.mkdtemp(path.join(os.tmpdir(), 'mlp-csv-cols-'));
try {
  const lib = new DatasetLibrary(path.join(root, 'home'));
  const ms = new Map<number, number>();
  for (const cols of sizes) {
    const file = path.join(root, `wide-${cols}.csv`);
    await writeTable(file, cols);
    const t = performance.now();
    await lib.import([file], { name: `wide ${cols}` });
    const dt = performance.now() - t;
    ms.set(cols, dt);
    console.log(`${cols.toLocaleString('en-US').padStart(9)} columns × ${ROWS} rows: ${dt.toFixed(0).padStart(7)} ms`);
  }
  const ratio = ms.get(100_000)! / ms.get(10_000)!;
  console.log(`ratio 100k/10k: ${ratio.toFixed(1)} (about 10 when linear in columns, about 100 when quadratic)`);
} finally {
  await fs.rm(root, { recursive: true, force: true });
}
