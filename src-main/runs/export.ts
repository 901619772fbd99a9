/**
 * Export: a checkpoint → an inference model any ONNX runtime can load, proven to predict
 * exactly like the studio.
 *
 * The model (engine buildExportModel) takes raw values (pixels 0–255 or raw features) and
 * does the preprocessing itself. It is written to a temporary file, loaded back with
 * onnxruntime-node, and the whole test set goes through it; its labels must agree with the
 * studio's own predictions (engine evaluate) on 100% of samples and its probabilities within
 * 1e-5. Only then is it renamed into place, with the verification report and a model card
 * beside it. A mismatch is an error: no unverified model is left behind.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { buildExportModel, describe as describeSpec, evaluate, type EvalResult } from '../engine/index';
import type { RuntimeAdapter } from '../engine/runtime';
import type { TrainingData } from '../engine/types';
import { tempPathFor } from './atomic';
import { chooseExportFile, exportFiles, placeFile, writeExportFile } from './export-files';
import { CheckpointError } from './checkpoint';
import type { CheckpointChoice } from './checkpoints';
import { STUDIO_VERSION, type RunRecord } from './record';
import type { RunStore } from './store';
import type { ImageSettings } from '../datasets/types';
import { StudioError } from '../engine/errors';

export const PROB_TOLERANCE = 1e-5;

export interface ExportRunOptions {
  store: RunStore;
  runId: string;
  /** the run's dataset (its test split is what the verification runs through) */
  data: TrainingData;
  /** the runtime the studio evaluates with (its predictions are the reference) */
  runtime: RuntimeAdapter;
  /** default 'best' (falls back to 'last' when the test set was never evaluated) */
  checkpoint?: CheckpointChoice;
  /**
   * the .onnx file to write, or an existing folder to write model-epoch-N.onnx into; default
   * <run>/export/. In a folder a free name is chosen (model-epoch-N-2.onnx…); a named file is
   * refused when it, its .md or its .verification.json exists, unless `overwrite`.
   */
  out?: string;
  /** the person agreed to replace existing files of a named `out` */
  overwrite?: boolean;
  /**
   * how the dataset's pictures became samples (size, colour, pad or crop, EXIF, transparency):
   * stored in the model's metadata as `image_preprocessing`, so `predict` prepares a picture
   * exactly as the import prepared the training pictures
   */
  imageSettings?: ImageSettings;
  /** refuse when the data is not the run's dataset */
  datasetHash?: string;
  /**
   * how many training samples the run used, for the model card, when `data` does not hold
   * them all (only the test split matters here, so callers may load a single train sample);
   * default data.train.n
   */
  trainSamples?: number;
}

export interface Verification {
  samples: number;
  /** fraction of test samples whose exported label equals the studio's prediction */
  labelAgreement: number;
  maxProbDiff: number;
  tolerance: number;
  ok: boolean;
  /** the first disagreements, for the report */
  mismatches: { index: number; studio: number; exported: number }[];
}

export interface ExportReport {
  path: string;
  reportPath: string;
  modelCardPath: string;
  /** the Markdown text of the model card */
  modelCard: string;
  runId: string;
  checkpoint: { choice: string; epoch: number; note?: string };
  testError: number;
  verification: Verification;
  /** confusion[true][predicted] on the test set */
  confusion: number[][];
  perClassAccuracy: number[];
  bytes: number;
}

export class ExportVerificationError extends StudioError {
  constructor(
    message: string,
    readonly report: Verification,
    readonly reportPath: string,
  ) {
    super('export_failed', message);
    this.name = 'ExportVerificationError';
  }
}

/** Runs the test split through an exported model with onnxruntime-node (CPU). */
export async function runExportedModel(file: string, data: Pick<TrainingData, 'sampleShape' | 'sampleSize'>, split: TrainingData['test'], classes: number, batch = 1000) {
  const session = await ort.InferenceSession.create(file, { executionProviders: ['cpu'], intraOpNumThreads: 1 });
  try {
    const labels = new Int32Array(split.n);
    const probabilities = new Float32Array(split.n * classes);
    const d = data.sampleSize;
    for (let from = 0; from < split.n; from += batch) {
      const count = Math.min(batch, split.n - from);
      const x = Float32Array.from(split.x.subarray(from * d, (from + count) * d));
      const out = await session.run({ input: new ort.Tensor('float32', x, [count, ...data.sampleShape]) });
      const l = out.label.data as BigInt64Array | Int32Array;
      for (let i = 0; i < count; i++) labels[from + i] = Number(l[i]);
      probabilities.set(out.probabilities.data as Float32Array, from * classes);
    }
    return { labels, probabilities };
  } finally {
    await session.release();
  }
}

export function compareWithStudio(studio: Pick<EvalResult, 'predictions' | 'probabilities'>, exported: { labels: Int32Array; probabilities: Float32Array }, classes: number, tolerance = PROB_TOLERANCE): Verification {
  const n = studio.predictions.length;
  let agree = 0;
  let maxDiff = 0;
  const mismatches: Verification['mismatches'] = [];
  const sp = studio.probabilities;
  if (!sp) throw new Error('the studio evaluation returned no probabilities');
  for (let i = 0; i < n; i++) {
    if (studio.predictions[i] === exported.labels[i]) agree++;
    else if (mismatches.length < 20) mismatches.push({ index: i, studio: studio.predictions[i], exported: exported.labels[i] });
    for (let c = 0; c < classes; c++) {
      const diff = Math.abs(sp[i * classes + c] - exported.probabilities[i * classes + c]);
      if (!(diff <= maxDiff)) maxDiff = Number.isNaN(diff) ? Infinity : diff;
    }
  }
  const labelAgreement = n === 0 ? 1 : agree / n;
  return { samples: n, labelAgreement, maxProbDiff: maxDiff, tolerance, ok: n > 0 && agree === n && maxDiff <= tolerance, mismatches };
}

export function confusionMatrix(labels: Int32Array, predictions: Int32Array, classes: number): { confusion: number[][]; perClassAccuracy: number[] } {
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < labels.length; i++) confusion[labels[i]][predictions[i]]++;
  const perClassAccuracy = confusion.map((row, c) => {
    const total = row.reduce((a, b) => a + b, 0);
    return total === 0 ? NaN : row[c] / total;
  });
  return { confusion, perClassAccuracy };
}

/** A fraction as a percentage for people to read ('—' when unknown). */
export const pct = (v: number | null | undefined, digits = 2): string => (v === null || v === undefined || Number.isNaN(v) ? '—' : `${(v * 100).toFixed(digits)}%`);

function optimizerText(r: RunRecord): string {
  const o = r.config.optimizer;
  const wd = o.weightDecay ? `, weight decay ${o.weightDecay}` : '';
  switch (o.kind) {
    case 'sgd':
      return `SGD${wd}`;
    case 'momentum':
      return `${o.nesterov ? 'Nesterov ' : ''}momentum ${o.momentum}${wd}`;
    case 'adam':
      return `Adam (β1 ${o.beta1}, β2 ${o.beta2}, ε ${o.eps})${wd}`;
  }
}

function scheduleText(r: RunRecord): string {
  const s = r.config.schedule;
  switch (s.kind) {
    case 'constant':
      return 'constant';
    case 'step':
      return `divide by ${s.factor} every ${s.every} epochs`;
    case 'cosine':
      return `cosine down to ${s.minLr ?? 0}`;
  }
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
  lines.push(`- Input: ${image ? `${data.sampleShape[0]}-channel ${data.sampleShape[1]}×${data.sampleShape[2]} images` : `${data.sampleSize} features`}; ${names.length} classes: ${names.map((n) => `\`${n}\``).join(', ')}`, '');
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
  lines.push(`Test error **${pct(testError)}** (accuracy ${pct(1 - testError)}) over ${data.test.n} samples, of the network after epoch ${epoch}.`, '');
  if (r.diagnosis) lines.push(`**A problem:** ${r.diagnosis}`, '');
  lines.push('| class | accuracy | samples |', '|---|---|---|');
  perClassAccuracy.forEach((a, c) => lines.push(`| ${esc(names[c])} | ${pct(a, 1)} | ${confusion[c].reduce((x, y) => x + y, 0)} |`));
  lines.push('', 'Confusion matrix (rows: true class, columns: predicted class):', '');
  lines.push(`| true \\ predicted | ${names.map(esc).join(' | ')} |`, `|---|${names.map(() => '---|').join('')}`);
  confusion.forEach((row, c) => lines.push(`| **${esc(names[c])}** | ${row.join(' | ')} |`));
  lines.push('');
  lines.push('## Verification', '');
  lines.push(
    `After writing, the studio loaded this file in ONNX Runtime (onnxruntime-node), ran all ${v.samples} test samples through it and compared with its own predictions: ` +
      `labels agree on ${pct(v.labelAgreement)}, probabilities differ by at most ${v.maxProbDiff.toExponential(2)} (tolerance ${v.tolerance}).`,
    '',
  );
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

/** Exports a run's checkpoint, verifies it against the studio, writes report and model card. */
export async function exportRun(opts: ExportRunOptions): Promise<ExportReport> {
  const { store, data, runtime } = opts;
  const record = await store.get(opts.runId);
  if (opts.datasetHash !== undefined && opts.datasetHash !== record.dataset.contentHash) {
    throw new Error(`the dataset given is not the one run ${record.id} was trained on (${record.dataset.name}); the verification needs the run's own test set`);
  }
  if (data.sampleSize !== record.model.inputShape.reduce((a, b) => a * b, 1) || data.classNames.length !== record.model.classes) {
    throw new Error(`the data given (${data.sampleSize} values, ${data.classNames.length} classes) does not fit run ${record.id}'s model (${record.architecture})`);
  }
  if (data.test.n === 0) throw new Error(`dataset ${record.dataset.name} has no test samples: the export cannot be verified`);
  const overwrite = opts.overwrite === true;
  // a clash with existing files is said before any work (the epoch is known once the checkpoint is)
  if (opts.out !== undefined) await chooseExportFile(opts.out, store.paths(record.id).export, 'model', overwrite);
  const folder = store.checkpoints(record);
  let choice: CheckpointChoice = opts.checkpoint ?? 'best';
  let note: string | undefined;
  if (opts.checkpoint === undefined && !(await folder.list()).some((e) => e.kind === 'best')) {
    choice = 'last';
    note = 'no best checkpoint (the test set was never evaluated during training): the last checkpoint is exported';
  }
  let loaded;
  try {
    loaded = await folder.load(choice);
  } catch (err) {
    // the default 'best' is damaged: the last good checkpoint is the next best thing, and the person is told
    if (opts.checkpoint !== undefined || choice !== 'best' || !(err instanceof CheckpointError)) throw err;
    loaded = await folder.load('last');
    choice = 'last';
    note = `${err.message.split(';')[0]}: the best checkpoint is unusable, the last good one is exported instead`;
  }
  const { checkpoint, rejected } = loaded;
  if (rejected.length) note = [note, `skipped damaged checkpoints: ${rejected.map((r) => path.basename(r.file)).join(', ')}`].filter(Boolean).join('; ');
  const params = checkpoint.state.params;

  // the studio's own predictions are the reference
  const studio = await evaluate(runtime, record.model, params, data, data.test);
  const { confusion, perClassAccuracy } = confusionMatrix(data.test.y.subarray(0, data.test.n) as Int32Array, studio.predictions, record.model.classes);

  await fs.mkdir(opts.out === undefined ? store.paths(record.id).export : path.dirname(path.resolve(opts.out)), { recursive: true });
  const out = await chooseExportFile(opts.out, store.paths(record.id).export, `model-epoch-${checkpoint.epoch}`, overwrite);
  const files = exportFiles(out);
  const bytes = buildExportModel(record.model, params, {
    preprocess: data.preprocess,
    classNames: data.classNames,
    inputShape: data.sampleShape,
    metadata: {
      dataset: JSON.stringify({ name: record.dataset.name, id: record.dataset.id, contentHash: record.dataset.contentHash }),
      architecture: record.architecture,
      test_error: String(studio.error),
      studio_version: STUDIO_VERSION,
      run_id: record.id,
      checkpoint_epoch: String(checkpoint.epoch),
      ...(opts.imageSettings ? { image_preprocessing: JSON.stringify(opts.imageSettings) } : {}),
    },
  });

  const tmp = tempPathFor(out);
  await fs.writeFile(tmp, bytes);
  const reportPath = files.report;
  let verification: Verification;
  try {
    const exported = await runExportedModel(tmp, data, data.test, record.model.classes);
    verification = compareWithStudio(studio, exported, record.model.classes);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw new Error(`the exported model could not be run by ONNX Runtime (${(err as Error).message}); nothing was written`);
  }
  const report = { runId: record.id, checkpointEpoch: checkpoint.epoch, model: path.basename(out), testError: studio.error, ...verification, at: new Date().toISOString() };
  try {
    await writeExportFile(reportPath, JSON.stringify(report, null, 2) + '\n', overwrite);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  if (!verification.ok) {
    await fs.rm(tmp, { force: true });
    const first = verification.mismatches[0];
    throw new ExportVerificationError(
      `export verification FAILED: the exported model disagrees with the studio on ${verification.samples - Math.round(verification.labelAgreement * verification.samples)} of ${verification.samples} test samples` +
        `${first ? ` (first: sample ${first.index}, studio says ${first.studio}, model says ${first.exported})` : ''}, max probability difference ${verification.maxProbDiff.toExponential(2)} (tolerance ${verification.tolerance}). ` +
        `The model was not written; the details are in ${reportPath}. Please report this as a bug.`,
      verification,
      reportPath,
    );
  }
  const fh = await fs.open(tmp, 'r+');
  await fh.sync();
  await fh.close();
  await placeFile(tmp, out, overwrite);

  const card = modelCard({ record, data, file: out, epoch: checkpoint.epoch, choice: String(choice), testError: studio.error, confusion, perClassAccuracy, verification, trainSamples: opts.trainSamples ?? data.train.n });
  const modelCardPath = files.card;
  await writeExportFile(modelCardPath, card, overwrite);
  await store.update(record.id, (r) => {
    r.exports.push({ at: new Date().toISOString(), path: out, checkpointEpoch: checkpoint.epoch, testError: studio.error, verification: { samples: verification.samples, labelAgreement: verification.labelAgreement, maxProbDiff: verification.maxProbDiff, ok: verification.ok } });
  });
  return {
    path: out,
    reportPath,
    modelCardPath,
    modelCard: card,
    runId: record.id,
    checkpoint: { choice: String(choice), epoch: checkpoint.epoch, ...(note ? { note } : {}) },
    testError: studio.error,
    verification,
    confusion,
    perClassAccuracy,
    bytes: bytes.length,
  };
}

/** The one line the CLI prints about a verification. */
export function verificationLine(v: Pick<Verification, 'samples' | 'labelAgreement' | 'maxProbDiff' | 'tolerance' | 'ok'>): string {
  return `verification: ${v.ok ? 'OK' : 'FAILED'}: ONNX Runtime and the studio agree on ${Math.round(v.labelAgreement * v.samples)}/${v.samples} test labels (${(v.labelAgreement * 100).toFixed(2)}%), max probability difference ${v.maxProbDiff.toExponential(2)} (tolerance ${v.tolerance})`;
}
