/**
 * The exported table model rebuilds table-encode.ts's encoding inside ONNX: its encoded
 * features equal `encodeRow` bit for bit on awkward cells (missing words in any case, spaces,
 * unseen levels, text in a number column, 1e39, unreadable dates), and the whole model answers
 * like the plain-feature model fed `encodeRow`'s vectors.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { buildExportModel, emitNetwork } from './export-model';
import { buildTableExportModel, emitTableEncoding, tableFeeds, tableModelInputs, type TableFeeds } from './export-table';
import { GraphBuilder } from './onnx/builder';
import { Rng } from './rng';
import { paramInfos } from './spec';
import type { RawRow, TableSchema } from './table';
import { encodeRow, featureNames } from './table-encode';
import type { ModelSpec, Preprocess } from './types';
import { requireOnnxChecker } from '../../tests/onnx-checker';

export function handSchema(task: 'category' | 'number' = 'category'): TableSchema {
  const columns: TableSchema['columns'] = [
    { name: 'bill length', type: 'number', missing: 2, median: 44.5, clip: [30, 60], missingIndicator: true, min: 32, max: 59 },
    { name: 'island', type: 'category', missing: 1, levels: ['Biscoe', 'Dream', 'Torgersen', '(missing)', '(other)'], counts: [5, 4, 3, 1, 1] },
    { name: 'sex', type: 'category', missing: 0, levels: ['female', 'male'], counts: [7, 7] },
    { name: 'smoker', type: 'yesno', missing: 0, levels: ['no', 'yes'], counts: [8, 6] },
    { name: 'id', type: 'ignore', missing: 0, reason: 'nearly every value is different: left out' },
    { name: 'weight', type: 'number', missing: 0, median: 4.2, clip: [-1e6, 1e6], missingIndicator: false, min: 2, max: 6, decimalComma: true },
    { name: 'seen', type: 'date', missing: 1, parts: ['year', 'month', 'dayOfWeek', 'dayOfYear', 'hour'], medians: [2020, 6, 3, 180, 12], missingIndicator: true, order: 'mdy' },
  ];
  const features = featureNames({ columns });
  const target: TableSchema['target'] =
    task === 'category' ? { name: 'species', task, levels: ['Adelie', 'Chinstrap', 'Gentoo'] } : { name: 'price', task, mean: 250_000, std: 80_000, min: 90_000, max: 600_000 };
  return { columns, target, features, droppedRows: 0, source: { format: 'csv', delimiter: ',' } };
}

/** Rows with every kind of cell the encoding must treat as the importer does. */
export const AWKWARD_ROWS: RawRow[] = [
  { 'bill length': '39.1', island: 'Torgersen', sex: 'male', smoker: 'yes', id: 'a1', weight: '3,75', seen: '03/04/2021 10:30' },
  { 'bill length': ' NA ', island: ' Dream ', sex: 'female', smoker: 'no', id: 'a2', weight: '1.234,5', seen: '2020-02-29' },
  { 'bill length': 'n/A', island: 'na', sex: 'FEMALE', smoker: 'Yes', id: 'a3', weight: 'x', seen: '' },
  { 'bill length': 'abc', island: 'Atlantis', sex: '', smoker: '?', id: 'a4', weight: '-', seen: 'not a date' },
  { 'bill length': '1e39', island: '', sex: 'male', smoker: 'no', weight: '4,2', seen: '12/31/2019 23:59:59Z' },
  { 'bill length': '-1e400', island: 'NULL', sex: 'male', smoker: 'no', weight: '1e3', seen: '2021-13-01' },
  { 'bill length': '75', island: 'biscoe', sex: ' male', smoker: 'no ', weight: '5', seen: '2019-07-04T08:00' },
  { island: 'Biscoe' },
];

async function run(bytes: Uint8Array, feeds: TableFeeds, rows: number): Promise<ort.InferenceSession.OnnxValueMapType> {
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'] });
  try {
    const tensors: Record<string, ort.Tensor> = {};
    for (const [name, v] of Object.entries(feeds)) tensors[name] = Array.isArray(v) ? new ort.Tensor('string', v, [rows, 1]) : new ort.Tensor('float32', v, [rows, 1]);
    return await session.run(tensors);
  } finally {
    await session.release();
  }
}

function randomNetwork(schema: TableSchema, rng: Rng, task: 'category' | 'number'): { spec: ModelSpec; weights: Float32Array[]; preprocess: Preprocess } {
  const F = schema.features.length;
  const classes = task === 'number' ? 1 : schema.target.levels!.length;
  const spec: ModelSpec = { inputShape: [F], classes, layers: [{ kind: 'linear', units: 8, bias: true }, { kind: 'tanh' }, { kind: 'linear', units: classes, bias: true }], ...(task === 'number' ? { task } : {}) };
  const weights = paramInfos(spec).map((p) => Float32Array.from({ length: p.shape.reduce((a, b) => a * b, 1) }, () => rng.normal()));
  const preprocess: Preprocess = { scale: 1, mean: Array.from({ length: F }, () => rng.normal()), std: Array.from({ length: F }, () => 0.5 + rng.next()) };
  return { spec, weights, preprocess };
}

describe('the exported table model', () => {
  const schema = handSchema();

  it('has one input per column the network reads, dates as parts', () => {
    const inputs = tableModelInputs(schema);
    expect(inputs.map((i) => `${i.name}:${i.type}`)).toEqual([
      'bill length:float32',
      'island:string',
      'sex:string',
      'smoker:string',
      'weight:float32',
      'seen_year:float32',
      'seen_month:float32',
      'seen_dayOfWeek:float32',
      'seen_dayOfYear:float32',
      'seen_hour:float32',
    ]);
  });

  it('a column named like an output, or like another column\'s date part, gets an input name of its own', () => {
    const columns: TableSchema['columns'] = [
      { name: 'value', type: 'number', missing: 0, median: 1, clip: [0, 2], missingIndicator: false, min: 0, max: 2 },
      { name: 'value_', type: 'category', missing: 0, levels: ['a', 'b'], counts: [1, 1] },
      { name: 'd_year', type: 'number', missing: 0, median: 1, clip: [0, 2], missingIndicator: false, min: 0, max: 2 },
      { name: 'd', type: 'date', missing: 0, parts: ['year'], medians: [2020], missingIndicator: false },
    ];
    expect(tableModelInputs({ columns }).map((i) => `${i.column}→${i.name}`)).toEqual(['value→value__', 'value_→value_', 'd_year→d_year', 'd→d_year_']);
    // and the model builds: its output `value` does not clash with the column "value"
    const schema: TableSchema = { columns, target: { name: 'y', task: 'number', mean: 0, std: 1 }, features: featureNames({ columns }), droppedRows: 0, source: { format: 'csv' } };
    const { spec, weights, preprocess } = randomNetwork(schema, new Rng(2), 'number');
    expect(buildTableExportModel(spec, weights, { preprocess, schema }).length).toBeGreaterThan(0);
  });

  it('encodes raw rows inside the graph exactly as encodeRow does', async () => {
    const b = new GraphBuilder('encoding');
    b.outputAs(emitTableEncoding(b, schema), 'features');
    const out = await run(b.toModel(), tableFeeds(schema, AWKWARD_ROWS), AWKWARD_ROWS.length);
    const got = out.features.data as Float32Array;
    const F = schema.features.length;
    AWKWARD_ROWS.forEach((row, r) => expect(Array.from(got.subarray(r * F, (r + 1) * F)), `row ${r}`).toEqual(Array.from(encodeRow(schema, row))));
  });

  it('a category model answers like the plain model fed encodeRow: class names and probabilities', async () => {
    const { spec, weights, preprocess } = randomNetwork(schema, new Rng(7), 'category');
    const table = await run(buildTableExportModel(spec, weights, { preprocess, schema }), tableFeeds(schema, AWKWARD_ROWS), AWKWARD_ROWS.length);
    const F = schema.features.length;
    const x = new Float32Array(AWKWARD_ROWS.length * F);
    AWKWARD_ROWS.forEach((row, r) => x.set(encodeRow(schema, row), r * F));
    const plainBytes = buildExportModel(spec, weights, { preprocess, classNames: schema.target.levels!, inputShape: [F] });
    const session = await ort.InferenceSession.create(plainBytes);
    const plain = await session.run({ input: new ort.Tensor('float32', x, [AWKWARD_ROWS.length, F]) });
    await session.release();
    const names = Array.from(plain.label.data as BigInt64Array, (i) => schema.target.levels![Number(i)]);
    expect(table.label.data).toEqual(names);
    expect(table.label.dims).toEqual([AWKWARD_ROWS.length]);
    const tp = table.probabilities.data as Float32Array;
    (plain.probabilities.data as Float32Array).forEach((p, i) => expect(Math.abs(p - tp[i])).toBeLessThanOrEqual(1e-6));
  });

  it('a number model gives value = network output × std + mean, in the target units', async () => {
    const numeric = handSchema('number');
    const { spec, weights, preprocess } = randomNetwork(numeric, new Rng(11), 'number');
    const target = { mean: 250_000, std: 80_000 };
    const table = await run(buildTableExportModel(spec, weights, { preprocess, schema: numeric, target }), tableFeeds(numeric, AWKWARD_ROWS), AWKWARD_ROWS.length);
    expect(table.value.dims).toEqual([AWKWARD_ROWS.length, 1]);
    const F = numeric.features.length;
    const b = new GraphBuilder('scores');
    const x = b.input('x', 'float32', ['batch', F]);
    b.outputAs(emitNetwork(b, spec, weights, x, preprocess, F), 'scores');
    const session = await ort.InferenceSession.create(b.toModel());
    const xs = new Float32Array(AWKWARD_ROWS.length * F);
    AWKWARD_ROWS.forEach((row, r) => xs.set(encodeRow(numeric, row), r * F));
    const scores = (await session.run({ x: new ort.Tensor('float32', xs, [AWKWARD_ROWS.length, F]) })).scores.data as Float32Array;
    await session.release();
    const values = table.value.data as Float32Array;
    scores.forEach((s, r) => expect(Math.abs(values[r] - (s * target.std + target.mean))).toBeLessThanOrEqual(1e-5 * Math.abs(values[r]) + 1e-4));
  });

  it('passes onnx.checker (full check, ai.onnx.ml LabelEncoder included)', (ctx) => {
    const checker = requireOnnxChecker(ctx);
    const { spec, weights, preprocess } = randomNetwork(schema, new Rng(3), 'category');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'table-onnx-'));
    try {
      const file = path.join(dir, 'table.onnx');
      fs.writeFileSync(file, buildTableExportModel(spec, weights, { preprocess, schema }));
      expect(checker.check([file])).toEqual([`ok 17 ${file}`]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a schema whose features do not fit the network', () => {
    const { spec, weights, preprocess } = randomNetwork(schema, new Rng(1), 'category');
    const short = { ...schema, features: schema.features.slice(1) };
    expect(() => buildTableExportModel(spec, weights, { preprocess, schema: short })).toThrow(/lists 17 features, the model reads 18/);
  });
});
