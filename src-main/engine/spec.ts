/**
 * ModelSpec validation, description (shapes and parameter counts) and presets.
 */
import { StudioError } from './errors';
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

const ACTIVATIONS = new Set(['relu', 'tanh', 'sigmoid', 'leaky_relu', 'gelu']);
export const MAX_UNITS = 65_536;
/** parameters, gradients and up to two optimizer states in float32 must fit in this */
export const MAX_TRAINING_BYTES = 8 * 1024 ** 3;

/** A value as a message shows it: "(got 0)", and "(got nothing)" for an empty, missing or NaN value. */
function got(v: unknown): string {
  const nothing = v === undefined || v === null || (typeof v === 'number' && Number.isNaN(v)) || (typeof v === 'string' && v.trim() === '');
  return nothing ? '(got nothing)' : `(got ${v})`;
}

export const inputSize = (spec: Pick<ModelSpec, 'inputShape'>): number => spec.inputShape.reduce((a, b) => a * b, 1);

export interface ParamInfo {
  name: string;
  shape: number[];
  fanIn: number;
  fanOut: number;
  kind: 'weight' | 'bias';
}

export function layerLabel(l: LayerSpec): string {
  switch (l.kind) {
    case 'linear':
      return `Linear ${l.units}${l.bias ? '' : ' (no bias)'}`;
    case 'relu':
      return 'ReLU';
    case 'tanh':
      return 'Tanh';
    case 'sigmoid':
      return 'Sigmoid';
    case 'leaky_relu':
      return `Leaky ReLU (slope ${l.slope})`;
    case 'gelu':
      return 'GELU';
    case 'dropout':
      return `Dropout (p = ${l.p})`;
  }
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
    switch (l?.kind) {
      case 'linear':
        if (!Number.isInteger(l.units) || l.units < 1) throw new SpecError(`${where}: the number of units must be a whole number of at least 1 ${got(l.units)}.`, i);
        if (l.units > MAX_UNITS) throw new SpecError(`${where}: ${l.units} units is more than the studio supports (${MAX_UNITS}).`, i);
        if (typeof l.bias !== 'boolean') throw new SpecError(`${where}: say whether the layer has a bias (true or false).`, i);
        break;
      case 'dropout':
        if (!(typeof l.p === 'number' && l.p >= 0 && l.p < 1)) throw new SpecError(`${where}: the drop probability must be at least 0 and below 1 ${got(l.p)}.`, i);
        if (prev?.kind === 'dropout') throw new SpecError(`${where}: two dropout layers in a row; merge them into one.`, i);
        break;
      case 'leaky_relu':
        if (!(typeof l.slope === 'number' && Number.isFinite(l.slope) && l.slope >= 0 && l.slope < 1)) {
          throw new SpecError(`${where}: the negative slope must be at least 0 and below 1 ${got(l.slope)}.`, i);
        }
        break;
      case 'relu':
      case 'tanh':
      case 'sigmoid':
      case 'gelu':
        break;
      default:
        throw new SpecError(`Layer ${i + 1}: unknown layer kind "${(l as { kind?: unknown })?.kind}".`, i);
    }
    if (ACTIVATIONS.has(l.kind)) {
      if (!seenLinear) throw new SpecError(`${where}: an activation needs a linear layer before it; it cannot act on the raw input.`, i);
      if (prev && ACTIVATIONS.has(prev.kind)) throw new SpecError(`${where}: two activations in a row (${prev.kind} then ${l.kind}); remove one.`, i);
    }
    if (l.kind === 'linear') seenLinear = true;
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
    if (l.kind !== 'linear') continue;
    k++;
    out.push({ name: `layer${k}.weight`, shape: [width, l.units], fanIn: width, fanOut: l.units, kind: 'weight' });
    if (l.bias) out.push({ name: `layer${k}.bias`, shape: [l.units], fanIn: width, fanOut: l.units, kind: 'bias' });
    width = l.units;
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
    let params = 0;
    if (l.kind === 'linear') {
      params = width * l.units + (l.bias ? l.units : 0);
      width = l.units;
    }
    layers.push({ name: layerLabel(l), outputShape: [width], params });
  }
  return { input: spec.inputShape, layers, totalParams: layers.reduce((s, l) => s + l.params, 0) };
}

export function architectureLabel(spec: ModelSpec): string {
  const widths = [inputSize(spec), ...spec.layers.filter((l) => l.kind === 'linear').map((l) => (l as { units: number }).units)];
  const acts = [...new Set(spec.layers.filter((l) => ACTIVATIONS.has(l.kind)).map((l) => l.kind))];
  return `${widths.join('-')}${acts.length ? ' ' + acts.join('/') : ''}`;
}

export function defaultTrainConfig(): TrainConfig {
  return {
    epochs: 10,
    batchSize: 200,
    lr: 0.01,
    optimizer: { kind: 'sgd' },
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
    config: () => ({ ...defaultTrainConfig(), ...chooser(), epochs: 5, batchSize: 100, lr: 0.1, optimizer: { kind: 'momentum', momentum: 0.9, nesterov: true }, init: 'he' }),
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
      optimizer: { kind: 'momentum', momentum: 0.9, nesterov: true },
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
    config: () => ({ ...defaultTrainConfig(), ...chooser(), epochs: 15, batchSize: 100, lr: 0.001, optimizer: { kind: 'adam', beta1: 0.9, beta2: 0.999, eps: 1e-8 }, evalEvery: 5 }),
  },
];

export function presetById(id: string): Preset {
  const p = presets.find((x) => x.id === id);
  if (!p) throw new SpecError(`Unknown preset "${id}". Presets: ${presets.map((x) => x.id).join(', ')}.`);
  return p;
}

/** Checks a TrainConfig; throws a plain-language error. */
export function validateConfig(c: TrainConfig): void {
  const bad = (m: string) => {
    throw new SpecError(m);
  };
  if (!Number.isInteger(c.epochs) || c.epochs < 1) bad(`The number of epochs must be a whole number of at least 1 ${got(c.epochs)}.`);
  if (!Number.isInteger(c.batchSize) || c.batchSize < 1 || c.batchSize > 65536) bad(`The batch size must be a whole number from 1 to 65536 ${got(c.batchSize)}.`);
  if (!(c.lr > 0 && Number.isFinite(c.lr))) bad(`The learning rate must be a positive number ${got(c.lr)}.`);
  if (!Number.isInteger(c.evalEvery) || c.evalEvery < 0) bad(`"Check on the test set every N epochs" must be a whole number, 0 or more ${got(c.evalEvery)}.`);
  if (!Number.isInteger(c.seed) || c.seed < 0 || c.seed > 2 ** 32 - 1) bad(`The seed must be a whole number from 0 to 4294967295 ${got(c.seed)}.`);
  if (c.validation !== undefined && !(c.validation >= 0 && c.validation <= 0.5)) bad(`The validation part must be from 0 to 50 % of the training set ${got(c.validation)}.`);
  if (c.patience !== undefined && !(Number.isInteger(c.patience) && c.patience >= 0)) bad(`The early-stopping patience must be a whole number of epochs, 0 (off) or more ${got(c.patience)}.`);
  const o = c.optimizer;
  if (o.weightDecay !== undefined && !(o.weightDecay >= 0)) bad('Weight decay must be 0 or more.');
  if (o.kind === 'momentum' && !(o.momentum >= 0 && o.momentum < 1)) bad(`Momentum must be at least 0 and below 1 ${got(o.momentum)}.`);
  if (o.kind === 'adam' && !(o.beta1 >= 0 && o.beta1 < 1 && o.beta2 >= 0 && o.beta2 < 1 && o.eps > 0)) bad('Adam needs 0 ≤ beta1, beta2 < 1 and eps > 0.');
  const s = c.schedule;
  if (s.kind === 'step' && !(Number.isInteger(s.every) && s.every >= 1 && s.factor > 0)) bad('A step schedule needs "every" ≥ 1 epoch and a factor above 0.');
}

export function lrAt(c: TrainConfig, epoch: number): number {
  const s = c.schedule;
  switch (s.kind) {
    case 'constant':
      return c.lr;
    case 'step':
      return c.lr / Math.pow(s.factor, Math.floor(epoch / s.every));
    case 'cosine': {
      const min = s.minLr ?? 0;
      return min + ((c.lr - min) * (1 + Math.cos((Math.PI * epoch) / c.epochs))) / 2;
    }
  }
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
