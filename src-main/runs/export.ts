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
import { buildExportModel, evaluate, type EvalResult } from '../engine/index';
import { evalMetrics } from '../engine/evaluate';
import { buildTableExportModel } from '../engine/export-table';
import type { RawRow, TableSchema } from '../engine/table';
import type { RuntimeAdapter } from '../engine/runtime';
import type { RunMetrics, TrainingData } from '../engine/types';
import { tempPathFor } from './atomic';
import { chooseExportFile, exportFiles, placeFile, writeExportFile } from './export-files';
import { CheckpointError } from './checkpoint';
import type { CheckpointChoice } from './checkpoints';
import { modelCard } from './export-card';
import { compareTableWithStudio, runTableModel, VALUE_ABSOLUTE_TOLERANCE, VALUE_RELATIVE_TOLERANCE } from './export-table';
import { STUDIO_VERSION, type RunRecord } from './record';
import type { RunStore } from './store';
import type { ImageSettings } from '../datasets/types';
import { StudioError } from '../engine/errors';

export const PROB_TOLERANCE = 1e-5;
export { modelCard, pct } from './export-card';

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
  /**
   * a table dataset (issue 11): its column schema, and the raw cells of its test rows in the
   * test split's order. The model then takes the original columns, and is verified on these rows.
   */
  table?: { schema: TableSchema; testRows: RawRow[] };
}

export interface Verification {
  samples: number;
  /** fraction of test samples whose exported label equals the studio's prediction */
  labelAgreement: number;
  maxProbDiff: number;
  tolerance: number;
  ok: boolean;
  /** the first disagreements, for the report (a table's: class names or values) */
  mismatches: { index: number; studio: number | string; exported: number | string }[];
  /** a table model: verified on the raw test rows */
  rawRows?: boolean;
  /** a number to predict: the largest difference of values in the target's units (labelAgreement is then the share of values that agree) */
  maxValueDiff?: number;
  valueTolerance?: { relative: number; absolute: number };
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
  /** the test figures of the exported network: the accuracy, or MAE, RMSE and R² for a number */
  metrics: RunMetrics;
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


/**
 * Runs the written model through ONNX Runtime and compares it with the studio's evaluation:
 * a table's model on the raw test rows, any other on the test split as stored.
 */
async function verifyExport(file: string, data: TrainingData, studio: EvalResult, classes: number, table: ExportRunOptions['table']): Promise<Verification> {
  if (!table) {
    if (studio.values) throw new Error('a model that predicts a number is exported from its table (the dataset has no column schema)');
    return compareWithStudio(studio, await runExportedModel(file, data, data.test, classes), classes);
  }
  const task = table.schema.target.task;
  const c = compareTableWithStudio(studio, await runTableModel(file, table.schema, table.testRows, task), data.classNames);
  const labelAgreement = c.samples === 0 ? 1 : c.agree / c.samples;
  const ok = c.samples > 0 && c.agree === c.samples && c.maxProbDiff <= PROB_TOLERANCE;
  const base = { samples: c.samples, labelAgreement, maxProbDiff: c.maxProbDiff, tolerance: PROB_TOLERANCE, ok, mismatches: c.mismatches, rawRows: true };
  return c.maxValueDiff === undefined ? base : { ...base, maxValueDiff: c.maxValueDiff, valueTolerance: { relative: VALUE_RELATIVE_TOLERANCE, absolute: VALUE_ABSOLUTE_TOLERANCE } };
}

/** The model's bytes: a table's model takes the raw columns, any other the sample as stored. */
function exportBytes(record: RunRecord, params: Float32Array[], epoch: number, studio: EvalResult, metrics: RunMetrics, opts: ExportRunOptions): Uint8Array {
  const { data } = opts;
  const metadata = {
    dataset: JSON.stringify({ name: record.dataset.name, id: record.dataset.id, contentHash: record.dataset.contentHash }),
    architecture: record.architecture,
    test_error: String(studio.error),
    ...(studio.values ? { test_metrics: JSON.stringify(metrics) } : {}),
    studio_version: STUDIO_VERSION,
    run_id: record.id,
    checkpoint_epoch: String(epoch),
    ...(opts.imageSettings ? { image_preprocessing: JSON.stringify(opts.imageSettings) } : {}),
  };
  return opts.table
    ? buildTableExportModel(record.model, params, { preprocess: data.preprocess, schema: opts.table.schema, metadata, ...(data.target ? { target: data.target } : {}) })
    : buildExportModel(record.model, params, { preprocess: data.preprocess, classNames: data.classNames, inputShape: data.sampleShape, metadata });
}

function verificationFailure(v: Verification, reportPath: string): ExportVerificationError {
  const first = v.mismatches[0];
  return new ExportVerificationError(
    `export verification FAILED: the exported model disagrees with the studio on ${v.samples - Math.round(v.labelAgreement * v.samples)} of ${v.samples} test samples` +
      `${first ? ` (first: sample ${first.index}, studio says ${first.studio}, model says ${first.exported})` : ''}, ${differenceText(v)}. ` +
      `The model was not written; the details are in ${reportPath}. Please report this as a bug.`,
    v,
    reportPath,
  );
}

/** How far the exported model's answers are from the studio's, in words. */
function differenceText(v: Pick<Verification, 'maxProbDiff' | 'tolerance' | 'maxValueDiff' | 'valueTolerance'>): string {
  return v.maxValueDiff !== undefined
    ? `max value difference ${v.maxValueDiff.toExponential(2)} (tolerance ${v.valueTolerance?.relative} relative or ${v.valueTolerance?.absolute} absolute)`
    : `max probability difference ${v.maxProbDiff.toExponential(2)} (tolerance ${v.tolerance})`;
}

/**
 * The checkpoint to export: the one asked for, else 'best' (or 'last' when there is no best,
 * or the best is damaged: the note says so), skipping damaged files.
 */
async function loadExportCheckpoint(store: RunStore, record: RunRecord, asked: CheckpointChoice | undefined) {
  const folder = store.checkpoints(record);
  let choice: CheckpointChoice = asked ?? 'best';
  let note: string | undefined;
  if (asked === undefined && !(await folder.list()).some((e) => e.kind === 'best')) {
    choice = 'last';
    note = 'no best checkpoint (the test set was never evaluated during training): the last checkpoint is exported';
  }
  let loaded;
  try {
    loaded = await folder.load(choice);
  } catch (err) {
    // the default 'best' is damaged: the last good checkpoint is the next best thing, and the person is told
    if (asked !== undefined || choice !== 'best' || !(err instanceof CheckpointError)) throw err;
    loaded = await folder.load('last');
    choice = 'last';
    note = `${err.message.split(';')[0]}: the best checkpoint is unusable, the last good one is exported instead`;
  }
  const { checkpoint, rejected } = loaded;
  if (rejected.length) note = [note, `skipped damaged checkpoints: ${rejected.map((r) => path.basename(r.file)).join(', ')}`].filter(Boolean).join('; ');
  return { checkpoint, choice, note };
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
  if (opts.table && opts.table.testRows.length !== data.test.n) {
    throw new Error(`dataset ${record.dataset.name} holds ${opts.table.testRows.length} raw test rows for ${data.test.n} test samples: the export cannot be verified on the raw rows (import the table again)`);
  }
  const overwrite = opts.overwrite === true;
  // a clash with existing files is said before any work (the epoch is known once the checkpoint is)
  if (opts.out !== undefined) await chooseExportFile(opts.out, store.paths(record.id).export, 'model', overwrite);
  const { checkpoint, choice, note } = await loadExportCheckpoint(store, record, opts.checkpoint);
  const params = checkpoint.state.params;

  // the studio's own predictions are the reference
  const studio = await evaluate(runtime, record.model, params, data, data.test);
  const metrics = evalMetrics(studio, data.test);
  const { confusion, perClassAccuracy } = studio.values
    ? { confusion: [], perClassAccuracy: [] }
    : confusionMatrix(data.test.y.subarray(0, data.test.n) as Int32Array, studio.predictions, record.model.classes);

  await fs.mkdir(opts.out === undefined ? store.paths(record.id).export : path.dirname(path.resolve(opts.out)), { recursive: true });
  const out = await chooseExportFile(opts.out, store.paths(record.id).export, `model-epoch-${checkpoint.epoch}`, overwrite);
  const files = exportFiles(out);
  const bytes = exportBytes(record, params, checkpoint.epoch, studio, metrics, opts);

  const tmp = tempPathFor(out);
  await fs.writeFile(tmp, bytes);
  const reportPath = files.report;
  let verification: Verification;
  try {
    verification = await verifyExport(tmp, data, studio, record.model.classes, opts.table);
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
    throw verificationFailure(verification, reportPath);
  }
  const fh = await fs.open(tmp, 'r+');
  await fh.sync();
  await fh.close();
  await placeFile(tmp, out, overwrite);

  const card = modelCard({ record, data, file: out, epoch: checkpoint.epoch, choice: String(choice), testError: studio.error, confusion, perClassAccuracy, verification, trainSamples: opts.trainSamples ?? data.train.n, metrics, ...(opts.table ? { table: opts.table.schema } : {}) });
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
    metrics,
    bytes: bytes.length,
  };
}

/** The one line the CLI prints about a verification. */
export function verificationLine(v: Pick<Verification, 'samples' | 'labelAgreement' | 'maxProbDiff' | 'tolerance' | 'ok' | 'maxValueDiff' | 'valueTolerance' | 'rawRows'>): string {
  if (v.maxValueDiff !== undefined) {
    return `verification: ${v.ok ? 'OK' : 'FAILED'}: ONNX Runtime on the raw test rows and the studio agree on ${Math.round(v.labelAgreement * v.samples)}/${v.samples} test values (${(v.labelAgreement * 100).toFixed(2)}%), ${differenceText(v)}`;
  }
  return `verification: ${v.ok ? 'OK' : 'FAILED'}: ONNX Runtime${v.rawRows ? ' on the raw test rows' : ''} and the studio agree on ${Math.round(v.labelAgreement * v.samples)}/${v.samples} test labels (${(v.labelAgreement * 100).toFixed(2)}%), max probability difference ${v.maxProbDiff.toExponential(2)} (tolerance ${v.tolerance})`;
}
