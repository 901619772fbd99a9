/**
 * Short jobs that need ONNX Runtime and so run in a worker too (its run() blocks the thread):
 * evaluating a run on its test set, exporting it, timing training steps for an estimate, and
 * probing whether a GPU can be used. Each returns plain, structured-cloneable data.
 */
import { z } from 'zod';
import { MAX_MISTAKES, MISTAKES_PER_CELL, type EpochEstimate, type EvaluationResult, type ExportResult } from '../api/contract';
import { DatasetLibrary } from '../datasets/library';
import { chwPng, pngDataUrl } from '../datasets/sample-png';
import { imageSettingsOf } from '../datasets/meta-schema';
import { evaluate } from '../engine/index';
import type { DatasetMeta } from '../datasets/types';
import type { ModelSpec, TrainingData } from '../engine/types';
import { listDevices } from '../runtime/devices';
import { createNodeRuntime } from '../runtime/node';
import { selectRuntime, timeSteps } from '../runtime/select';
import { confusionMatrix, exportRun } from '../runs/export';
import { tableExportInput } from '../runs/export-table';
import { regressionEvaluation } from '../runs/regression-evaluation';
import { RunStore } from '../runs/store';
import { deviceChoiceSchema, deviceInfoSchema, modelSpecSchema, optimizerSchema } from '../api/schemas';

export const taskSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('evaluate'), home: z.string().min(1), runId: z.string().min(1), perCell: z.number().int().min(0).max(MAX_MISTAKES).default(MISTAKES_PER_CELL) }),
  z.strictObject({ kind: z.literal('export'), home: z.string().min(1), runId: z.string().min(1), target: z.string().min(1).optional(), overwrite: z.boolean().optional() }),
  z.strictObject({
    kind: z.literal('estimate'),
    home: z.string().min(1),
    datasetId: z.string().min(1),
    model: modelSpecSchema,
    batchSize: z.number().int().min(1),
    device: deviceChoiceSchema,
    /** the devices 'auto' considers (the service's probe) */
    devices: z.array(deviceInfoSchema).max(16).optional(),
    /** the run's optimizer (default plain SGD): Adam's update does more per step */
    optimizer: optimizerSchema.optional(),
    /** the validation part set aside: an epoch trains on the rest */
    validation: z.number().min(0).max(0.9).optional(),
  }),
  z.strictObject({ kind: z.literal('probe') }),
]);
export type Task = z.input<typeof taskSchema>;

/**
 * The run's test split, as the run was trained (its limitTest); the train split is not needed
 * and only one sample of it is loaded: `trainSamples` says how many the run trained on.
 */
async function runData(store: RunStore, library: DatasetLibrary, runId: string): Promise<{ data: TrainingData; record: Awaited<ReturnType<RunStore['get']>>; meta: DatasetMeta; trainSamples: number }> {
  const record = await store.get(runId);
  const meta = await library.get(record.dataset.id);
  if (meta.contentHash !== record.dataset.contentHash) {
    throw Object.assign(new Error(`The dataset "${meta.name}" has changed since run ${record.id} was trained; its test set is not the run's any more.`), { code: 'conflict' });
  }
  const data = await library.loadTrainingData(record.dataset.id, { limitTrain: 1, limitTest: record.dataset.limitTest });
  return { data, record, meta, trainSamples: Math.min(meta.train.count, record.dataset.limitTrain ?? Infinity) };
}

const isImageShape = (shape: number[]): boolean => shape.length === 3 && (shape[0] === 1 || shape[0] === 3);

/** How many first-layer units evaluateRun draws at most. */
export const FIRST_LAYER_IMAGES = 64;

/**
 * The first linear layer's weights as pictures, one per unit (up to FIRST_LAYER_IMAGES): the
 * weights are stored [inputs, units], so unit j's picture is column j laid out like the input
 * image (channel, row, column), stretched to its own minimum (black) and maximum (white).
 */
export async function firstLayerImages(spec: ModelSpec, weights: Float32Array, sampleShape: number[]): Promise<{ png: string }[]> {
  const inputs = sampleShape.reduce((a, b) => a * b, 1);
  const first = spec.layers.find((l) => l.kind === 'linear');
  if (!first || first.kind !== 'linear' || weights.length !== inputs * first.units) {
    throw new Error(`the first layer's weights (${weights.length} values) do not fit ${inputs} inputs and ${first?.kind === 'linear' ? first.units : '?'} units`);
  }
  const units = first.units;
  const out: { png: string }[] = [];
  const pixels = new Uint8Array(inputs);
  for (let j = 0; j < Math.min(units, FIRST_LAYER_IMAGES); j++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < inputs; i++) {
      const v = weights[i * units + j];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const span = hi - lo;
    for (let i = 0; i < inputs; i++) pixels[i] = span > 0 && Number.isFinite(span) ? Math.round(((weights[i * units + j] - lo) / span) * 255) : 128;
    out.push({ png: pngDataUrl(await chwPng(pixels, sampleShape)) });
  }
  return out;
}

/** pictures of mistakes sent with an evaluation: about 16 MiB of PNGs at most (a 224×224 colour photo is some 100 KB) */
const MISTAKE_PICTURE_BYTES = 16 * 1024 * 1024;

/** How many mistakes an evaluation keeps for samples of `sampleSize` values (MAX_MISTAKES for MNIST or CIFAR). */
export function maxMistakes(sampleSize: number): number {
  return Math.max(1, Math.min(MAX_MISTAKES, Math.floor(MISTAKE_PICTURE_BYTES / (sampleSize * 1.4))));
}

/**
 * A few of every kind of mistake, so each cell of the confusion matrix has pictures: up to
 * `perCell` of each (true, predicted) pair, taken round by round (every cell's first, then
 * every cell's second, ...) until `max`, so that with many classes the cells late in test
 * order are not left without any; returned in test order.
 */
export function pickMistakes(labels: Int32Array, predictions: Int32Array, classes: number, perCell: number, max: number): EvaluationResult['mistakes'] {
  const cells = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    if (predictions[i] === labels[i]) continue;
    const key = labels[i] * classes + predictions[i];
    const list = cells.get(key) ?? [];
    if (list.length < perCell) list.push(i);
    cells.set(key, list);
  }
  const picked: number[] = [];
  for (let round = 0; round < perCell && picked.length < max; round++) {
    for (const list of cells.values()) {
      if (picked.length >= max) break;
      if (round < list.length) picked.push(list[round]);
    }
  }
  return picked.sort((a, b) => a - b).map((i) => ({ index: i, label: labels[i], predicted: predictions[i] }));
}

export async function runTask(input: Task): Promise<unknown> {
  const task = taskSchema.parse(input);
  switch (task.kind) {
    case 'evaluate': {
      const store = new RunStore(task.home);
      const library = new DatasetLibrary(task.home);
      const { data, record, meta } = await runData(store, library, task.runId);
      const folder = store.checkpoints(record);
      const hasBest = (await folder.list()).some((e) => e.kind === 'best');
      const { checkpoint } = await folder.load(hasBest ? 'best' : 'last');
      const r = await evaluate(createNodeRuntime('cpu'), record.model, checkpoint.state.params, data, data.test);
      if (r.values) {
        // a number to predict: predicted against actual values, no confusion matrix
        const target = data.classNames[0] ?? 'value';
        const result: EvaluationResult = {
          runId: record.id,
          ...regressionEvaluation(r.values, data.test.y.subarray(0, data.test.n), target),
          classNames: data.classNames,
          confusion: [],
          perClassAccuracy: [],
          mistakes: [],
          checkpoint: { epoch: checkpoint.epoch, best: hasBest },
        };
        return result;
      }
      const labels = data.test.y.subarray(0, data.test.n) as Int32Array;
      const { confusion, perClassAccuracy } = confusionMatrix(labels, r.predictions, record.model.classes);
      const mistakes = pickMistakes(labels, r.predictions, record.model.classes, task.perCell, maxMistakes(data.sampleSize));
      const result: EvaluationResult = {
        runId: record.id,
        testError: r.error,
        metrics: { accuracy: 1 - r.error },
        classNames: data.classNames,
        confusion,
        perClassAccuracy,
        mistakes,
        checkpoint: { epoch: checkpoint.epoch, best: hasBest },
      };
      if (meta.kind === 'image') {
        // pictures, drawn as the dataset preview draws its samples
        const pngs = await library.samplePngs(meta.id, 'test', mistakes.map((m) => m.index));
        mistakes.forEach((m, k) => (m.png = pngs[k]));
      }
      if (isImageShape(data.sampleShape)) result.firstLayer = await firstLayerImages(record.model, checkpoint.state.params[0], data.sampleShape);
      return result;
    }
    case 'export': {
      const store = new RunStore(task.home);
      const library = new DatasetLibrary(task.home);
      const { data, record, meta, trainSamples } = await runData(store, library, task.runId);
      const imageSettings = meta.kind === 'image' ? imageSettingsOf(meta) : undefined;
      const table = await tableExportInput(library, meta, data.test.n);
      const report = await exportRun({ store, runId: record.id, data, trainSamples, runtime: createNodeRuntime('cpu'), out: task.target, overwrite: task.overwrite, datasetHash: record.dataset.contentHash, imageSettings, table });
      const v = report.verification;
      const result: ExportResult = {
        path: report.path,
        verification: { samples: v.samples, labelAgreement: v.labelAgreement, maxProbDiff: v.maxProbDiff, ok: v.ok, ...(v.maxValueDiff !== undefined ? { maxValueDiff: v.maxValueDiff } : {}) },
        modelCard: report.modelCard,
      };
      return result;
    }
    case 'estimate': {
      const library = new DatasetLibrary(task.home);
      const meta = await library.get(task.datasetId);
      // A few steps timed right after the worker starts say little: the first ones run cold
      // (JIT, the runtime's allocations) and a GC or another process in a short window is a
      // large share of it. Warm up, then time at least 0.7 s of steps (up to ~3 s), twice.
      const timing = { warmupSteps: 10, warmupMs: 300, steps: 20, minMs: 700, maxMs: 3000 };
      const limitTrain = Math.min(meta.train.count, task.batchSize * (timing.warmupSteps + timing.steps));
      const data = await library.loadTrainingData(task.datasetId, { limitTrain, limitTest: 1 });
      const config = { epochs: 1, batchSize: task.batchSize, lr: 0.01, optimizer: task.optimizer ?? { kind: 'sgd' as const }, schedule: { kind: 'constant' as const }, evalEvery: 0, seed: 0, init: 'pytorch' as const, device: task.device };
      let result: EpochEstimate;
      if (task.device === 'auto') {
        // the device auto would choose, timed as the estimate times (the same numbers decide)
        const given = task.devices;
        const s = await selectRuntime('auto', task.model, config, data, { devices: given ? async () => given : undefined, timing });
        const best = s.timings.find((t) => t.device === s.device)?.stepsPerSecond;
        if (!best) throw new Error(`No device could time the model: ${s.reason}`);
        result = { seconds: 0, stepsPerSecond: best, device: s.device, deviceReason: s.reason };
      } else {
        // two windows, the quicker: a window that another process's burst slowed says little about a whole epoch
        // (bench/estimate-bench.ts: a single window came out up to 2.7 times too slow on a busy machine)
        const runtime = createNodeRuntime(task.device);
        const first = await timeSteps(runtime, task.model, config, data, timing);
        result = { seconds: 0, stepsPerSecond: Math.max(first, await timeSteps(runtime, task.model, config, data, timing)), device: task.device };
      }
      // the steps of an epoch over the training set less its validation part (as the trainer splits it, rounded)
      const trained = meta.train.count - Math.round(meta.train.count * (task.validation ?? 0));
      result.seconds = Math.ceil(trained / task.batchSize) / result.stepsPerSecond;
      return result;
    }
    case 'probe':
      // CPU always; WebGPU when a session runs on it, marked software on SwiftShader/lavapipe;
      // CUDA, TensorRT, DirectML, CoreML when onnxruntime-node has them and they load; each
      // with the measured steps/s of a reference model
      return listDevices({ measure: true });
  }
}
