/**
 * ModelSpec validation, description (shapes and parameter counts) and presets.
 */
import { StudioError } from './errors';
import { layerModule, optimizerModule, scheduleModule, TRAIN_LIMITS, got, rangeWords, within, OPTIMIZERS, type ParamInfo } from './registry/index';
import { TASKS } from './table';
import type { LayerSpec, ModelSpec, Task, TrainConfig, TrainingData } from './types';
import { DEFAULT_PATIENCE, DEFAULT_VALIDATION } from './validation';

/** A network or its settings are not valid: a bad request, with a message for people. */
export class SpecError extends StudioError {
  constructor(
    message: string,
    /** index of the offending layer, when there is one */
    readonly layer?: number,
  ) {
    super('bad_request', message);
    this.name = 'SpecError';
  }
}

export { MAX_UNITS, type ParamInfo } from './registry/index';
const isActivation = (l: { kind: string }): boolean => layerModule(l)?.role === 'activation';
/** parameters, gradients and up to two optimizer states in float32 must fit in this */
export const MAX_TRAINING_BYTES = 8 * 1024 ** 3;


export const inputSize = (spec: Pick<ModelSpec, 'inputShape'>): number => spec.inputShape.reduce((a, b) => a * b, 1);

export function layerLabel(l: LayerSpec): string {
  const m = layerModule(l);
  return m ? m.describe(l) : `Unknown layer "${String((l as { kind?: unknown }).kind)}"`;
}

/** Throws a SpecError with a plain-language message when the spec cannot be trained. */
export function validateSpec(spec: ModelSpec): void {
  if (!Array.isArray(spec.inputShape) || spec.inputShape.length === 0 || spec.inputShape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new SpecError(`The input shape [${spec.inputShape}] is not valid: every dimension must be a whole number of at least 1.`);
  }
  if (spec.task !== undefined && !(TASKS as readonly unknown[]).includes(spec.task)) {
    throw new SpecError(`The model must predict a category or a number (got "${String(spec.task)}").`);
  }
  const number = spec.task === 'number';
  if (number && spec.classes !== 1) {
    throw new SpecError(`A model that predicts a number has one output; this model has ${spec.classes}.`);
  }
  if (!number && (!Number.isInteger(spec.classes) || spec.classes < 2)) {
    throw new SpecError(`A classifier needs at least 2 classes; this model has ${spec.classes}.`);
  }
  if (!Array.isArray(spec.layers) || spec.layers.length === 0) {
    throw new SpecError('The model has no layers. Add at least one linear layer.');
  }
  let prev: LayerSpec | undefined;
  let seenLinear = false;
  spec.layers.forEach((l, i) => {
    const where = `Layer ${i + 1} (${l && typeof l === 'object' && 'kind' in l ? l.kind : '?'})`;
    const m = layerModule(l);
    if (!m) throw new SpecError(`Layer ${i + 1}: unknown layer kind "${(l as { kind?: unknown })?.kind}".`, i);
    const problem = m.problem(l) ?? m.sequenceProblem?.(prev) ?? null;
    if (problem) throw new SpecError(`${where}: ${problem}.`, i);
    if (m.role === 'activation') {
      if (!seenLinear) throw new SpecError(`${where}: an activation needs a linear layer before it; it cannot act on the raw input.`, i);
      if (prev && isActivation(prev)) throw new SpecError(`${where}: two activations in a row (${prev.kind} then ${l.kind}); remove one.`, i);
    }
    if (m.params) seenLinear = true;
    prev = l;
  });
  const last = spec.layers[spec.layers.length - 1];
  if (last.kind !== 'linear' || last.units !== spec.classes) {
    throw new SpecError(
      (number ? 'The last layer must be a linear layer with 1 unit, the predicted number' : `The last layer must be a linear layer with ${spec.classes} units, one score per class`) +
        (last.kind === 'linear' ? ` (it has ${last.units}).` : ` (it is ${last.kind}).`),
      spec.layers.length - 1,
    );
  }
  const total = countParams(spec);
  const bytes = total * 4 * 4;
  if (bytes > MAX_TRAINING_BYTES) {
    throw new SpecError(
      `This model has ${total.toLocaleString('en-US')} parameters; training it would need about ${(bytes / 1024 ** 3).toFixed(1)} GB of memory ` +
        `(more than the ${MAX_TRAINING_BYTES / 1024 ** 3} GB the studio allows). Use fewer or smaller layers.`,
    );
  }
}

/**
 * The spec with the head of `task`: for a number, one output (classes 1, the last linear layer
 * 1 unit) and task 'number'; for a category (or none), `classes` outputs (default: the spec's)
 * and no task. Presets and the layer stack describe the hidden layers; this sets what they predict.
 */
export function withTask(spec: ModelSpec, task: Task | undefined, classes = spec.classes): ModelSpec {
  const number = task === 'number';
  const units = number ? 1 : classes;
  const layers = spec.layers.slice();
  const last = layers[layers.length - 1];
  if (last?.kind === 'linear') layers[layers.length - 1] = { ...last, units };
  const { task: _previous, ...rest } = spec;
  return { ...rest, layers, classes: units, ...(number ? { task: 'number' as const } : {}) };
}

export function paramInfos(spec: ModelSpec): ParamInfo[] {
  const out: ParamInfo[] = [];
  let width = inputSize(spec);
  let k = 0;
  for (const l of spec.layers) {
    const m = layerModule(l);
    if (!m) throw new SpecError(`Unknown layer kind "${String((l as { kind?: unknown }).kind)}".`);
    if (m.params) {
      k++;
      for (const p of m.params(l, width)) out.push({ name: `layer${k}.${p.kind}`, ...p });
    }
    width = m.width(l, width);
  }
  return out;
}

export function countParams(spec: ModelSpec): number {
  return paramInfos(spec).reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0);
}

export interface LayerDescription {
  name: string;
  outputShape: number[];
  params: number;
}

export function describe(spec: ModelSpec): { input: number[]; layers: LayerDescription[]; totalParams: number } {
  let width = inputSize(spec);
  const layers: LayerDescription[] = [];
  for (const l of spec.layers) {
    const m = layerModule(l);
    if (!m) throw new SpecError(`Unknown layer kind "${String((l as { kind?: unknown }).kind)}".`);
    const params = (m.params?.(l, width) ?? []).reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0);
    width = m.width(l, width);
    layers.push({ name: layerLabel(l), outputShape: [width], params });
  }
  return { input: spec.inputShape, layers, totalParams: layers.reduce((s, l) => s + l.params, 0) };
}

export function architectureLabel(spec: ModelSpec): string {
  const widths = [inputSize(spec), ...spec.layers.filter((l) => l.kind === 'linear').map((l) => (l as { units: number }).units)];
  const acts = [...new Set(spec.layers.filter(isActivation).map((l) => l.kind))];
  return `${widths.join('-')}${acts.length ? ' ' + acts.join('/') : ''}`;
}

export function defaultTrainConfig(): TrainConfig {
  return {
    epochs: 10,
    batchSize: 200,
    lr: 0.01,
    optimizer: OPTIMIZERS.sgd.create(),
    schedule: { kind: 'constant' },
    evalEvery: 1,
    seed: 0,
    init: 'pytorch',
    device: 'cpu',
  };
}

export interface Preset {
  id: string;
  title: string;
  description: string;
  model(inputShape: number[], classes: number): ModelSpec;
  config(): TrainConfig;
}

const linear = (units: number, bias: boolean): LayerSpec => ({ kind: 'linear', units, bias });

/** the presets other than the lecture: a validation part chooses the kept epoch, and training stops early */
const chooser = (): Pick<TrainConfig, 'validation' | 'patience'> => ({ validation: DEFAULT_VALIDATION, patience: DEFAULT_PATIENCE });

export const presets: Preset[] = [
  {
    id: 'lecture',
    title: "The course's network",
    description: 'The network of the course this studio follows, step for step: two large layers, 2.3 million weights, ten passes over the data. Minutes per pass on a laptop.',
    model: (inputShape, classes) => ({ inputShape, classes, layers: [linear(1000, false), { kind: 'relu' }, linear(1500, false), { kind: 'relu' }, linear(classes, false)] }),
    // the lecture trains on all 60,000 training images and keeps its last epoch: no validation part, no early stop
    config: () => ({ ...defaultTrainConfig(), epochs: 10, batchSize: 200, lr: 0.01, evalEvery: 10, validation: 0, patience: 0 }),
  },
  {
    id: 'small',
    title: 'Small and quick',
    description: 'One hidden layer of 128 units: trains in seconds, good for trying things out.',
    model: (inputShape, classes) => ({ inputShape, classes, layers: [linear(128, true), { kind: 'relu' }, linear(classes, true)] }),
    config: () => ({ ...defaultTrainConfig(), ...chooser(), epochs: 5, batchSize: 100, lr: 0.1, optimizer: OPTIMIZERS.momentum.create(), init: 'he' }),
  },
  {
    id: 'accurate',
    title: 'Accurate (≤ 1.5 % wrong on handwritten digits)',
    description: 'Two large layers that switch off a fifth of their units while learning, so they do not just memorise; takes a while.',
    model: (inputShape, classes) => ({
      inputShape,
      classes,
      layers: [linear(1024, true), { kind: 'relu' }, { kind: 'dropout', p: 0.2 }, linear(1024, true), { kind: 'relu' }, { kind: 'dropout', p: 0.2 }, linear(classes, true)],
    }),
    config: () => ({
      ...defaultTrainConfig(),
      epochs: 20,
      batchSize: 128,
      lr: 0.05,
      optimizer: OPTIMIZERS.momentum.create(),
      schedule: { kind: 'cosine' },
      evalEvery: 5,
      init: 'he',
      ...chooser(),
    }),
  },
  {
    id: 'wide',
    title: 'Wide single layer',
    description: 'One wide layer of 800 units, the size a well-known study of handwritten digits used; learns with Adam.',
    model: (inputShape, classes) => ({ inputShape, classes, layers: [linear(800, true), { kind: 'relu' }, linear(classes, true)] }),
    config: () => ({ ...defaultTrainConfig(), ...chooser(), epochs: 15, batchSize: 100, lr: 0.001, optimizer: OPTIMIZERS.adam.create(), evalEvery: 5 }),
  },
];

export function presetById(id: string): Preset {
  const p = presets.find((x) => x.id === id);
  if (!p) throw new SpecError(`Unknown preset "${id}". Presets: ${presets.map((x) => x.id).join(', ')}.`);
  return p;
}

/** Checks a TrainConfig against the registry's limits (the API's schema has the same); throws a plain-language error. */
export function validateConfig(c: TrainConfig): void {
  const bad = (m: string) => {
    throw new SpecError(m);
  };
  const L = TRAIN_LIMITS;
  if (!within(L.epochs, c.epochs)) bad(`The number of epochs must be ${rangeWords(L.epochs)} ${got(c.epochs)}.`);
  if (!within(L.batchSize, c.batchSize)) bad(`The batch size must be ${rangeWords(L.batchSize)} ${got(c.batchSize)}.`);
  if (!within(L.lr, c.lr)) bad(`The learning rate must be a positive number ${got(c.lr)}.`);
  if (!within(L.evalEvery, c.evalEvery)) bad(`"Check on the test set every N epochs" must be ${rangeWords(L.evalEvery)} ${got(c.evalEvery)}.`);
  if (!within(L.seed, c.seed)) bad(`The seed must be ${rangeWords(L.seed)} ${got(c.seed)}.`);
  if (c.validation !== undefined && !within(L.validation, c.validation)) bad(`The validation part must be from 0 to ${L.validation.max * 100} % of the training set ${got(c.validation)}.`);
  if (c.patience !== undefined && !within(L.patience, c.patience)) bad(`The early-stopping patience must be a whole number of epochs, 0 (off) to ${L.patience.max} ${got(c.patience)}.`);
  const o = optimizerModule(c.optimizer);
  if (!o) bad(`Unknown optimizer "${String(c.optimizer?.kind)}". Optimizers: ${Object.keys(OPTIMIZERS).join(', ')}.`);
  const op = o!.problem(c.optimizer);
  if (op) bad(`${op}.`);
  const s = scheduleModule(c.schedule);
  if (!s) bad(`Unknown learning-rate schedule "${String(c.schedule?.kind)}".`);
  const sp = s!.problem(c.schedule);
  if (sp) bad(`${sp}.`);
}

export function lrAt(c: TrainConfig, epoch: number): number {
  const s = scheduleModule(c.schedule);
  if (!s) throw new SpecError(`Unknown learning-rate schedule "${String(c.schedule?.kind)}".`);
  return s.lrAt(c.schedule, c, epoch);
}

/** Checks that a dataset fits a model: its input size, a training set, labels within the classes. */
export function validateDataFits(spec: ModelSpec, data: TrainingData): void {
  const d = data.sampleSize;
  const inSize = spec.inputShape.reduce((a, b) => a * b, 1);
  if (inSize !== d) throw new Error(`The model expects ${inSize} input values per sample but the dataset has ${d}.`);
  if (data.train.n < 1) throw new Error('The training set is empty.');
  const wants = spec.task === 'number' ? 'number' : 'category';
  const has = data.task === 'number' ? 'number' : 'category';
  if (wants !== has) {
    throw new Error(`The model predicts a ${wants} but the dataset's ${has === 'number' ? 'target is a number' : 'labels are categories'}; ${has === 'number' ? 'give the model one output (a number to predict)' : 'give the model one output per class'}.`);
  }
  if (has === 'number') {
    const t = data.target;
    if (!t || !Number.isFinite(t.mean) || !(t.std > 0 && Number.isFinite(t.std))) {
      throw new Error(`The dataset's target has no usable scale (mean ${t?.mean}, standard deviation ${t?.std}): the number to predict must vary across the training rows.`);
    }
    for (const [name, split] of [['training', data.train], ['test', data.test]] as const) {
      if (!(split.y instanceof Float32Array)) throw new Error(`The ${name} targets must be numbers (float32) for a number to predict.`);
      for (let i = 0; i < split.n; i++) if (!Number.isFinite(split.y[i])) throw new Error(`${name[0].toUpperCase()}${name.slice(1)} sample ${i} has the target ${split.y[i]}, not a finite number.`);
    }
    return;
  }
  const maxLabel = spec.classes;
  for (const split of [data.train, data.test]) {
    for (let i = 0; i < split.n; i++) {
      const l = split.y[i];
      if (!(l >= 0 && l < maxLabel)) throw new Error(`Sample ${i} has label ${l}, outside the model's ${maxLabel} classes.`);
    }
  }
}
