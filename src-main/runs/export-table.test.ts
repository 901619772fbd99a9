/**
 * The export of a category table model (issue 11), end to end: a table imported through the
 * real importer, a short run, the export verified on the raw test rows, onnx.checker, a
 * deliberately wrong encoding that the verification refuses, and `predict --out` on a CSV whose
 * columns are reordered, with an extra one and without the target. (A number model:
 * export-table-number.test.ts.)
 */
import fs from 'node:fs';
import path from 'node:path';
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { requireOnnxChecker } from '../../tests/onnx-checker';
import { scratchLibrary } from '../../tests/helpers/scratch-library';
import { csvOf, penguinsRows } from '../../tests/helpers/table-fixtures';
import type { DatasetMeta } from '../datasets/types';
import { withTask } from '../engine/spec';
import type { TableSchema } from '../engine/table';
import { createNodeRuntime } from '../runtime/node';
import { exportRun, ExportVerificationError, verificationLine } from './export';
import { tableExportInput } from './export-table';
import { readOnnxInfo } from './onnxinfo';
import { openTableModel, predictTableCommand } from './predict-table';
import { RunStore } from './store';
import { startTraining } from './training';
import { toyConfig } from '../../tests/helpers/toy';

const runtime = createNodeRuntime('cpu', { threads: 1 });
const scratch = scratchLibrary('mlps-export-table-');

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

const storeIn = (name: string) => new RunStore(path.join(path.dirname(scratch.lib.dir), name));

/** The table with the columns in another order, an extra column first, and without the target. */
function reordered(rows: string[][], target: string): string[][] {
  const [header, ...body] = rows;
  const order = header.map((_, i) => i).filter((i) => header[i] !== target).reverse();
  return [['note', ...order.map((i) => header[i])], ...body.map((r, k) => [`row ${k}`, ...order.map((i) => r[i])])];
}

const readCsv = (file: string) => Papa.parse<string[]>(fs.readFileSync(file, 'utf8'), { skipEmptyLines: true }).data;

describe('a category table model', () => {
  it('takes the raw columns, is verified on the raw test rows, passes onnx.checker, and scores a CSV with --out', async (ctx) => {
    const rows = penguinsRows(240);
    const meta = await scratch.lib.import([await scratch.file(csvOf(rows), 'penguins.csv')]);
    const store = storeIn('runs-category');
    const { runId, data, table } = await trainedRun(meta, store);
    const r = await exportRun({ store, runId, data, runtime, table });
    expect(r.verification).toMatchObject({ ok: true, samples: data.test.n, labelAgreement: 1, rawRows: true });
    expect(r.verification.maxProbDiff).toBeLessThanOrEqual(1e-5);
    expect(verificationLine(r.verification)).toMatch(new RegExp(`^verification: OK: ONNX Runtime on the raw test rows and the studio agree on ${data.test.n}/${data.test.n} test labels`));
    expect(r.metrics).toEqual({ accuracy: 1 - r.testError });

    const info = readOnnxInfo(fs.readFileSync(r.path));
    expect(info.inputs.map((i) => i.name).sort()).toEqual(['bill_depth_mm', 'bill_length_mm', 'body_mass_g', 'flipper_length_mm', 'island', 'sex', 'year'].sort());
    expect(info.inputs.find((i) => i.name === 'island')).toEqual({ name: 'island', elemType: 8, dims: ['batch', 1] });
    expect(info.inputs.find((i) => i.name === 'bill_length_mm')).toEqual({ name: 'bill_length_mm', elemType: 1, dims: ['batch', 1] });
    expect(info.outputs.map((o) => `${o.name}:${o.elemType}`).sort()).toEqual(['label:8', 'probabilities:1']);
    expect(info.opsets).toContainEqual({ domain: 'ai.onnx.ml', version: 3 });
    expect((JSON.parse(info.metadata.table_schema) as TableSchema).target.name).toBe('species');
    expect(JSON.parse(info.metadata.class_names)).toEqual(['Adelie', 'Chinstrap', 'Gentoo']);

    const card = fs.readFileSync(r.modelCardPath, 'utf8');
    for (const s of ['7 table columns', '| `island` | string |', '| `bill_length_mm` | float32 | the number | NaN (becomes the training median', 'Outputs: `label` (string', 'as raw cells from the table', 'Confusion matrix', 'predict model-epoch-'])
      expect(card).toContain(s);
    requireOnnxChecker(ctx).check([r.path]);

    // predict --out: reordered columns, an extra one kept, no target
    const input = await scratch.file(csvOf(reordered(rows.slice(0, 21), 'species')), 'new-penguins.csv');
    const out = path.join(path.dirname(input), 'scored.csv');
    const printed: string[] = [];
    await predictTableCommand((await openTableModel(r.path))!, [input], { out }, (l) => printed.push(l));
    expect(printed).toEqual([`scored 20 rows of ${input}: ${out} (the table with "predicted species" and "probability" added)`]);
    const scored = readCsv(out);
    expect(scored[0]).toEqual([...readCsv(input)[0], 'predicted species', 'probability']);
    expect(scored.slice(1).map((row) => row.slice(0, -2))).toEqual(readCsv(input).slice(1));
    for (const row of scored.slice(1)) {
      expect(['Adelie', 'Chinstrap', 'Gentoo']).toContain(row.at(-2));
      expect(Number(row.at(-1))).toBeGreaterThanOrEqual(1 / 3);
    }
  });

  it('agrees to rounding when a column sits far from zero against its spread (the year read as a number)', async () => {
    // 2007-2009 standardised: a float32 multiply-add in the graph lost 1e-4 of the feature and
    // moved probabilities by up to 1.7e-5; the graph now standardises as the studio does
    const meta = await scratch.lib.import([await scratch.file(csvOf(penguinsRows(240, 7)), 'penguins.csv')], { table: { labelColumn: 'species', columns: { year: 'number' } } });
    expect(meta.table?.columns.find((c) => c.name === 'year')?.type).toBe('number');
    const store = storeIn('runs-year');
    const { runId, data, table } = await trainedRun(meta, store);
    const r = await exportRun({ store, runId, data, runtime, table });
    expect(r.verification).toMatchObject({ ok: true, labelAgreement: 1 });
    expect(r.verification.maxProbDiff).toBeLessThanOrEqual(1e-6);
  });

  it('a wrong encoding in the graph fails the verification, and no model is written', async () => {
    const meta = await scratch.lib.import([await scratch.file(csvOf(penguinsRows(240, 5)), 'penguins.csv')]);
    const store = storeIn('runs-wrong');
    const { runId, data, table } = await trainedRun(meta, store);
    // the island levels in another order: the graph's one-hot puts every island in another's place
    const schema = structuredClone(table.schema);
    const island = schema.columns.find((c) => c.name === 'island') as Extract<TableSchema['columns'][number], { levels: string[] }>;
    island.levels.reverse();
    const err = await exportRun({ store, runId, data, runtime, table: { schema, testRows: table.testRows } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExportVerificationError);
    expect((err as ExportVerificationError).report).toMatchObject({ ok: false, rawRows: true });
    expect((err as ExportVerificationError).report.maxProbDiff).toBeGreaterThan(1e-5);
    expect(fs.readdirSync(store.paths(runId).export).filter((f) => f.endsWith('.onnx'))).toEqual([]);
  });
});
