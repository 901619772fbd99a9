/**
 * The model card written beside an exported model: the data, the architecture, the training
 * settings, the test results, the verification, the inputs and outputs and how to load it. A
 * table model (issue 11) gets its columns as inputs and, for a number, MAE, RMSE and R².
 */
import path from 'node:path';
import { describe as describeSpec } from '../engine/index';
import { optimizerModule, scheduleModule } from '../engine/registry/index';
import type { TableSchema } from '../engine/table';
import type { RunMetrics, TrainingData } from '../engine/types';
import type { Verification } from './export';
import { tableInputOutputLines, tableLoadingLines } from './export-table';
import { STUDIO_VERSION, type RunRecord } from './record';

/** A fraction as a percentage for people to read ('—' when unknown). */
export const pct = (v: number | null | undefined, digits = 2): string => (v === null || v === undefined || Number.isNaN(v) ? '—' : `${(v * 100).toFixed(digits)}%`);

/** The optimizer in the registry's words, weight decay added. */
function optimizerText(r: RunRecord): string {
  const o = r.config.optimizer;
  const m = optimizerModule(o);
  if (!m) throw new Error(`Unknown optimizer "${String(o.kind)}" in run.json.`);
  return `${m.describe(o)}${o.weightDecay ? `, weight decay ${o.weightDecay}` : ''}`;
}

/** The learning-rate schedule in the registry's words. */
function scheduleText(r: RunRecord): string {
  const s = r.config.schedule;
  const m = scheduleModule(s);
  if (!m) throw new Error(`Unknown learning-rate schedule "${String(s.kind)}" in run.json.`);
  return m.describe(s);
}

export function modelCard(args: {
  record: RunRecord;
  data: TrainingData;
  file: string;
  epoch: number;
  choice: string;
  testError: number;
  confusion: number[][];
  perClassAccuracy: number[];
  verification: Verification;
  trainSamples: number;
  /** a table model: its column schema (the inputs) */
  table?: TableSchema;
  /** the test figures of the exported network (MAE, RMSE and R² for a number) */
  metrics?: RunMetrics;
}): string {
  const { record: r, data, file, epoch, testError, confusion, perClassAccuracy, verification: v } = args;
  const base = path.basename(file);
  const names = data.classNames;
  const image = data.sampleShape.length === 3;
  const shape = `[batch, ${data.sampleShape.join(', ')}]`;
  const d = describeSpec(r.model);
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const lines: string[] = [];
  lines.push(`# ${r.name}`, '');
  lines.push(`Exported by MLP Studio ${STUDIO_VERSION} on ${new Date().toISOString().slice(0, 10)} from run \`${r.id}\`, checkpoint after epoch ${epoch} (${args.choice}).`, '');
  lines.push('## Data', '');
  lines.push(`- Dataset: **${r.dataset.name}** (id \`${r.dataset.id}\`, content hash \`${r.dataset.contentHash.slice(0, 16)}\`)`);
  // a limit above the dataset's size limited nothing
  const limited = r.dataset.limitTrain !== undefined && r.dataset.limitTrain <= args.trainSamples;
  lines.push(`- Training samples used: ${args.trainSamples}${limited ? ` (limited to the first ${r.dataset.limitTrain})` : ''}; test samples: ${data.test.n}`);
  const input = image ? `${data.sampleShape[0]}-channel ${data.sampleShape[1]}×${data.sampleShape[2]} images` : args.table ? `${args.table.columns.filter((c) => c.type !== 'ignore').length} table columns (${data.sampleSize} features once encoded)` : `${data.sampleSize} features`;
  const target = args.table?.target;
  lines.push(`- Input: ${input}; ${target?.task === 'number' ? `predicts the number "${target.name}"` : `${names.length} classes${target ? ` of "${target.name}"` : ''}: ${names.map((n) => `\`${n}\``).join(', ')}`}`, '');
  lines.push('## Architecture', '', `${r.architecture}, ${d.totalParams.toLocaleString('en-US')} parameters.`, '');
  lines.push('| layer | output | parameters |', '|---|---|---|', `| input | ${d.input.join('×')} | 0 |`);
  for (const l of d.layers) lines.push(`| ${esc(l.name)} | ${l.outputShape.join('×')} | ${l.params} |`);
  lines.push('');
  lines.push('## Training', '');
  lines.push('| setting | value |', '|---|---|');
  lines.push(`| epochs | ${r.progress.epochsDone} of ${r.config.epochs} |`, `| batch size | ${r.config.batchSize} |`, `| learning rate | ${r.config.lr} |`);
  lines.push(`| optimizer | ${optimizerText(r)} |`, `| schedule | ${scheduleText(r)} |`, `| initialisation | ${r.config.init} |`, `| seed | ${r.config.seed} |`, `| device | ${r.device} |`);
  if (r.validation) lines.push(`| validation part | ${(r.validation.fraction * 100).toFixed(0)} % of the training set (${r.validation.validation} samples, stratified, seed ${r.validation.seed}): it chose the epoch kept |`);
  if (r.config.patience) lines.push(`| early stopping | after ${r.config.patience} epochs without a better validation error${r.stoppedEarly ? ` (${r.stoppedEarly})` : ''} |`);
  lines.push(`| training time | ${r.progress.seconds.toFixed(1)} s (pauses left out) |`, '');
  lines.push('## Results on the test set', '');
  const m = args.metrics;
  if (m && 'mae' in m) {
    lines.push(`Over ${data.test.n} test rows, of the network after epoch ${epoch}: mean absolute error **${num(m.mae)}**, root mean squared error **${num(m.rmse)}** (in the units of "${target?.name ?? 'the target'}"), R² **${m.r2.toFixed(4)}** (1 is perfect, 0 is no better than always answering the mean).`, '');
    if (r.diagnosis) lines.push(`**A problem:** ${r.diagnosis}`, '');
    lines.push(...verificationLines(v), ...tableSections(args.table!, base));
    return lines.join('\n');
  }
  lines.push(`Test error **${pct(testError)}** (accuracy ${pct(1 - testError)}) over ${data.test.n} samples, of the network after epoch ${epoch}.`, '');
  if (r.diagnosis) lines.push(`**A problem:** ${r.diagnosis}`, '');
  lines.push('| class | accuracy | samples |', '|---|---|---|');
  perClassAccuracy.forEach((a, c) => lines.push(`| ${esc(names[c])} | ${pct(a, 1)} | ${confusion[c].reduce((x, y) => x + y, 0)} |`));
  lines.push('', 'Confusion matrix (rows: true class, columns: predicted class):', '');
  lines.push(`| true \\ predicted | ${names.map(esc).join(' | ')} |`, `|---|${names.map(() => '---|').join('')}`);
  confusion.forEach((row, c) => lines.push(`| **${esc(names[c])}** | ${row.join(' | ')} |`));
  lines.push('');
  lines.push(...verificationLines(v));
  if (args.table) {
    lines.push(...tableSections(args.table, base));
    return lines.join('\n');
  }
  lines.push('## Input and output', '');
  lines.push(`- Input \`input\`: float32, shape ${shape}, the batch size is free.`);
  lines.push(image ? '- Feed raw pixel values 0–255 in channel, row, column order (NCHW); do **not** scale or normalize them.' : '- Feed the raw feature values, in the column order of the training file; do **not** normalize them.');
  lines.push(`- Inside the model: value′ = (value × ${Math.abs(data.preprocess.scale * 255 - 1) < 1e-12 ? '1/255' : data.preprocess.scale} − mean[c]) / std[c], mean ${JSON.stringify(data.preprocess.mean.slice(0, 8))}${data.preprocess.mean.length > 8 ? '…' : ''}, std ${JSON.stringify(data.preprocess.std.slice(0, 8))}${data.preprocess.std.length > 8 ? '…' : ''}.`);
  lines.push(`- Outputs: \`probabilities\` (float32, [batch, ${names.length}], softmax) and \`label\` (int64, [batch], the index of the most probable class).`);
  lines.push('- Class names, input layout, preprocessing, dataset, architecture and test error are stored in the model\'s metadata_props.', '');
  lines.push('## Loading the model', '', 'Python (`pip install onnxruntime numpy pillow`):', '', '```python');
  lines.push('import json', 'import numpy as np', 'import onnxruntime as ort');
  if (image) lines.push('from PIL import Image');
  lines.push('', `session = ort.InferenceSession("${base}")`, 'classes = json.loads(session.get_modelmeta().custom_metadata_map["class_names"])');
  if (image) {
    const [c, h, w] = data.sampleShape;
    lines.push(`image = Image.open("sample.png").convert("${c === 1 ? 'L' : 'RGB'}").resize((${w}, ${h}))`);
    lines.push(c === 1 ? `x = np.asarray(image, dtype=np.float32).reshape(1, 1, ${h}, ${w})` : `x = np.asarray(image, dtype=np.float32).transpose(2, 0, 1).reshape(1, 3, ${h}, ${w})`);
  } else {
    lines.push(`x = np.array([[${new Array(Math.min(data.sampleSize, 4)).fill('0.0').join(', ')}${data.sampleSize > 4 ? ', ...' : ''}]], dtype=np.float32)  # ${data.sampleSize} raw features per row`);
  }
  lines.push('probabilities, label = session.run(["probabilities", "label"], {"input": x})', 'print(classes[label[0]], probabilities[0].max())', '```', '');
  lines.push('JavaScript (`npm install onnxruntime-node`; onnxruntime-web works the same in a browser):', '', '```js');
  lines.push("import * as ort from 'onnxruntime-node';", '', `const session = await ort.InferenceSession.create('${base}');`);
  lines.push(`const pixels = new Float32Array(${data.sampleSize}); // ${image ? 'raw 0-255 values, NCHW order' : 'raw feature values'}`);
  lines.push(`const input = new ort.Tensor('float32', pixels, [1, ${data.sampleShape.join(', ')}]);`);
  lines.push('const { probabilities, label } = await session.run({ input });', `const classes = ${JSON.stringify(names.length <= 20 ? names : names.slice(0, 3).concat(['…']))};`);
  lines.push('console.log(classes[Number(label.data[0])], Math.max(...probabilities.data));', '```', '');
  return lines.join('\n');
}

const num = (v: number): string => (Math.abs(v) >= 1000 ? v.toFixed(1) : v.toPrecision(4));

function verificationLines(v: Verification): string[] {
  const what = v.rawRows ? `all ${v.samples} test rows, as raw cells from the table,` : `all ${v.samples} test samples`;
  const agreement =
    v.maxValueDiff !== undefined
      ? `values agree on ${pct(v.labelAgreement)} of rows, differing by at most ${v.maxValueDiff.toExponential(2)} (tolerance ${v.valueTolerance?.relative} relative or ${v.valueTolerance?.absolute} absolute)`
      : `labels agree on ${pct(v.labelAgreement)}, probabilities differ by at most ${v.maxProbDiff.toExponential(2)} (tolerance ${v.tolerance})`;
  return ['## Verification', '', `After writing, the studio loaded this file in ONNX Runtime (onnxruntime-node), ran ${what} through it and compared with its own predictions: ${agreement}.`, ''];
}

function tableSections(table: TableSchema, base: string): string[] {
  return ['## Input and output', '', ...tableInputOutputLines(table), '## Loading the model', '', ...tableLoadingLines(table, base)];
}

