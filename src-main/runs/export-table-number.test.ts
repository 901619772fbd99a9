/**
 * A number table model through the command line (issue 11): `export` verifies it on the raw
 * test rows (values within 1e-5 relative or 1e-4 absolute) and writes MAE, RMSE and R² in the
 * model card; `predict --out` writes the person's table back with "predicted <target>" added
 * (columns reordered, an extra one, no target), prints without --out, and refuses a table
 * without a needed column.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { requireOnnxChecker } from '../../tests/onnx-checker';
import { scratchLibrary } from '../../tests/helpers/scratch-library';
import { csvOf, housesRows } from '../../tests/helpers/table-fixtures';
import type { DatasetMeta } from '../datasets/types';
import { withTask } from '../engine/spec';
import { createNodeRuntime } from '../runtime/node';
import { registerRunCommands } from './cli';
import { verificationLine, type ExportReport } from './export';
import { tableExportInput } from './export-table';
import { readOnnxInfo } from './onnxinfo';
import { RunStore } from './store';
import { startTraining } from './training';
import { toyConfig } from '../../tests/helpers/toy';

const runtime = createNodeRuntime('cpu', { threads: 1 });
const scratch = scratchLibrary('mlps-export-number-');

async function trainedRun(meta: DatasetMeta, store: RunStore) {
  const data = await scratch.lib.loadTrainingData(meta.id);
  const F = data.sampleSize;
  const task = meta.task ?? 'category';
  const model = withTask({ inputShape: [F], classes: meta.classNames.length, layers: [{ kind: 'linear', units: 12, bias: true }, { kind: 'relu' }, { kind: 'linear', units: meta.classNames.length, bias: true }] }, task);
  const run = await store.create({ model, config: toyConfig({ epochs: 3, lr: 0.01 }), dataset: { id: meta.id, name: meta.name, contentHash: meta.contentHash } });
  const h = await startTraining({ store, runId: run.id, data, runtime });
  expect((await h.done).status).toBe('finished');
  return { runId: run.id, data, table: (await tableExportInput(scratch.lib, meta, data.test.n))! };
}

/** The table with the columns in another order, an extra column first, and without the target. */
function reordered(rows: string[][], target: string): string[][] {
  const [header, ...body] = rows;
  const order = header.map((_, i) => i).filter((i) => header[i] !== target).reverse();
  return [['note', ...order.map((i) => header[i])], ...body.map((r, k) => [`row ${k}`, ...order.map((i) => r[i])])];
}

/** `mlp-studio ...args` through commander, on the scratch library's home: what it printed, and its error. */
async function cli(...args: string[]): Promise<{ out: string; error: string | null }> {
  let out = '';
  const saved = process.env.MLP_STUDIO_HOME;
  process.env.MLP_STUDIO_HOME = path.dirname(scratch.lib.dir);
  const program = new Command('mlp-studio').exitOverride().configureOutput({ writeOut: (t) => (out += t), writeErr: (t) => (out += t) });
  registerRunCommands(program, () => {});
  try {
    await program.parseAsync(['node', 'mlp-studio', ...args]);
    return { out, error: null };
  } catch (e) {
    return { out, error: (e as Error).message };
  } finally {
    if (saved === undefined) delete process.env.MLP_STUDIO_HOME;
    else process.env.MLP_STUDIO_HOME = saved;
  }
}

const readCsv = (file: string) => Papa.parse<string[]>(fs.readFileSync(file, 'utf8'), { skipEmptyLines: true }).data;

describe('a number table model, through the command line', () => {
  let modelFile = '';
  let rows: string[][] = [];

  it('export: the value in the target units, verified within 1e-5 relative or 1e-4 absolute; the card gives MAE, RMSE and R²', async (ctx) => {
    rows = housesRows(240);
    const meta = await scratch.lib.import([await scratch.file(csvOf(rows), 'houses.csv')], { table: { labelColumn: 'price', predict: 'number' } });
    expect(meta.task).toBe('number');
    const store = new RunStore(path.dirname(scratch.lib.dir));
    const { runId, data } = await trainedRun(meta, store);
    modelFile = path.join(path.dirname(scratch.lib.dir), 'houses.onnx');
    const r = await cli('export', runId, '--out', modelFile, '--json');
    expect(r.error).toBeNull();
    const report = JSON.parse(r.out) as ExportReport;
    expect(report.verification).toMatchObject({ ok: true, samples: data.test.n, labelAgreement: 1, rawRows: true, valueTolerance: { relative: 1e-5, absolute: 1e-4 } });
    expect(report.metrics).toEqual({ mae: expect.any(Number), rmse: expect.any(Number), r2: expect.any(Number) });
    expect(verificationLine(report.verification)).toMatch(/^verification: OK: ONNX Runtime on the raw test rows and the studio agree on \d+\/\d+ test values/);
    const info = readOnnxInfo(fs.readFileSync(modelFile));
    expect(info.outputs).toEqual([{ name: 'value', elemType: 1, dims: ['batch', 1] }]);
    expect(info.inputs.map((i) => i.name)).toEqual(expect.arrayContaining(['sold_year', 'sold_month', 'sold_dayOfWeek', 'sold_dayOfYear', 'area_m2', 'neighbourhood', 'garage']));
    expect(info.inputs.map((i) => i.name)).not.toContain('Id');
    const text = await cli('export', runId, '--out', path.join(path.dirname(modelFile), 'houses-2.onnx'));
    expect(text.out).toMatch(new RegExp(`^exported run ${runId}, checkpoint best \\(epoch \\d+\\), test MAE [\\d,.]+, RMSE [\\d,.]+, R² -?[\\d.]+$`, 'm'));
    expect(text.out).toMatch(/^verification: OK: ONNX Runtime on the raw test rows and the studio agree on \d+\/\d+ test values/m);
    const card = fs.readFileSync(report.modelCardPath, 'utf8');
    for (const s of ['mean absolute error **', 'root mean squared error **', 'R² **', 'Output `value`: float32, [batch, 1], the predicted "price"', '| `sold_month` | float32 | the month (1–12) of the date in column "sold"'])
      expect(card).toContain(s);
    expect(card).not.toContain('Confusion matrix');
    requireOnnxChecker(ctx).check([modelFile]);
  });

  it('predict --out adds "predicted price" to a reordered table with extra columns; without --out it prints; a table without a needed column is refused', async () => {
    expect(modelFile).not.toBe('');
    const input = await scratch.file(csvOf(reordered(rows.slice(0, 11), 'price')), 'new-houses.csv');
    const out = path.join(path.dirname(input), 'scored.csv');
    expect(await cli('predict', modelFile, input, '--out', out)).toEqual({ out: `scored 10 rows of ${input}: ${out} (the table with "predicted price" added)\n`, error: null });
    const scored = readCsv(out);
    expect(scored[0]).toEqual([...readCsv(input)[0], 'predicted price']);
    expect(scored.slice(1).map((row) => row.slice(0, -1))).toEqual(readCsv(input).slice(1));
    const printed = await cli('predict', modelFile, input);
    expect(printed.error).toBeNull();
    const lines = printed.out.trim().split('\n');
    expect(lines).toHaveLength(10);
    lines.forEach((line, i) => expect(line).toBe(`new-houses.csv, row ${i + 1}: ${scored[i + 1].at(-1)}`));

    const [header, ...body] = rows.slice(0, 6);
    const drop = ['area_m2', 'neighbourhood'].map((n) => header.indexOf(n));
    const lacking = await scratch.file(csvOf([header, ...body].map((r) => r.filter((_, i) => !drop.includes(i)))), 'lacking.csv');
    const never = path.join(path.dirname(lacking), 'never.csv');
    const refused = await cli('predict', modelFile, lacking, '--out', never);
    expect(refused.error).toMatch(/lacking\.csv: the model needs the columns "area_m2", "neighbourhood", which the file does not have/);
    expect(fs.existsSync(never)).toBe(false);
    const sheet = await scratch.file('PK\u0003\u0004 not really a workbook', 'houses.xlsx');
    expect((await cli('predict', modelFile, sheet)).error).toMatch(/houses\.xlsx: a table to score is read as CSV or TSV text; save it as CSV/);
  });
});
