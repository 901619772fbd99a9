/**
 * The exported inference model: trained weights as initializers, the input preprocessing
 * inside the graph (a user feeds raw pixel values 0–255 or raw features), outputs
 * `probabilities` (softmax) and `label` (argmax) — for a number to predict (spec.task
 * 'number') the one output `value` in the target's units (score × std + mean) — a dynamic
 * batch dimension, and the class names, input layout and preprocessing in metadata_props.
 */
import { emitForward } from './model';
import { GraphBuilder, OPSET } from './onnx/builder';
import { emit } from './ops/table';
import { inputSize, paramInfos, validateSpec } from './spec';
import { affineFor } from './preprocess';
import type { ModelSpec, Preprocess, TargetScale } from './types';

export interface ExportOptions {
  preprocess: Preprocess;
  classNames: string[];
  /** the sample shape as stored, e.g. [1, 28, 28] */
  inputShape: number[];
  metadata?: Record<string, string>;
  /** a number to predict: the training mean and std its target was standardised with (required then) */
  target?: TargetScale;
}

/**
 * The standardisation of the d input values (`flat`, [batch, d]) and the trained network with
 * its weights as initializers: returns the scores, [batch, classes].
 */
export function emitNetwork(b: GraphBuilder, spec: ModelSpec, weights: Float32Array[], flat: string, preprocess: Preprocess, d: number, exact = false): string {
  const infos = paramInfos(spec);
  if (weights.length !== infos.length) throw new Error(`expected ${infos.length} weight tensors, got ${weights.length}`);
  const { a, b: shift } = affineFor(preprocess, d);
  const x = exact ? exactAffine(b, flat, a, shift, d) : emit(b, 'Add', [emit(b, 'Mul', [flat, b.constant('float32', a, [d], 'scale')]), b.constant('float32', shift, [d], 'shift')], {}, 'normalized');
  const params = new Map<string, string>();
  infos.forEach((p, i) => {
    if (weights[i].length !== p.shape.reduce((m, n) => m * n, 1)) throw new Error(`weights for ${p.name} have the wrong size`);
    params.set(p.name, b.initializer(p.name, weights[i], p.shape));
  });
  return emitForward(b, spec, x, params);
}

/**
 * value·a + b as the studio computes it (preprocess.ts's gather: float32 value, scale and shift,
 * the arithmetic in float64, one rounding to float32): in float64 inside the graph. A feature
 * far from zero against its spread (a year: 2008 ± 0.8) loses 1e-4 in a float32 multiply-add,
 * which moved a table model's probabilities by 1.7e-5, past the export's tolerance.
 */
function exactAffine(b: GraphBuilder, flat: string, a: Float32Array, shift: Float32Array, d: number): string {
  const wide = b.op('Cast', [flat], { dtype: 'float64', shape: b.shapeOf(flat), prefix: 'wide' }, { to: 11 });
  const mul = b.op('Mul', [wide, b.constant('float64', a, [d], 'scale')], { dtype: 'float64', shape: b.shapeOf(flat) });
  const add = b.op('Add', [mul, b.constant('float64', shift, [d], 'shift')], { dtype: 'float64', shape: b.shapeOf(flat) });
  return b.op('Cast', [add], { dtype: 'float32', shape: b.shapeOf(flat), prefix: 'normalized' }, { to: 1 });
}

/** A number model's answer in the target's units: score × std + mean. */
export function emitValue(b: GraphBuilder, scores: string, target: TargetScale): string {
  return emit(b, 'Add', [emit(b, 'Mul', [scores, b.constant('float32', target.std, [], 'target_std')]), b.constant('float32', target.mean, [], 'target_mean')]);
}

export function buildExportModel(spec: ModelSpec, weights: Float32Array[], o: ExportOptions): Uint8Array {
  validateSpec(spec);
  if (o.classNames.length !== spec.classes) throw new Error(`expected ${spec.classes} class names, got ${o.classNames.length}`);
  const d = inputSize(spec);
  const b = new GraphBuilder('mlp_studio_model');
  const input = b.input('input', 'float32', ['batch', ...o.inputShape]);
  const flat = b.op('Reshape', [input, b.constant('int64', [-1, d], [2], 'shape')], { shape: ['batch', d] });
  const scores = emitNetwork(b, spec, weights, flat, o.preprocess, d);
  if (spec.task === 'number') {
    if (!o.target) throw new Error('a model that predicts a number needs its target mean and std to answer in the target units');
    b.outputAs(emitValue(b, scores, o.target), 'value');
  } else {
    b.outputAs(emit(b, 'Softmax', [scores], { axis: 1 }), 'probabilities');
    b.outputAs(emit(b, 'ArgMax', [scores], { axis: 1, keepdims: 0 }), 'label');
  }
  const metadata: Record<string, string> = {
    class_names: JSON.stringify(o.classNames),
    input_layout: o.inputShape.length === 3 ? 'NCHW (batch, channels, height, width), raw values 0-255' : 'batch × features, raw values',
    input_shape: JSON.stringify(o.inputShape),
    preprocessing: JSON.stringify({ scale: o.preprocess.scale, mean: o.preprocess.mean, std: o.preprocess.std, formula: '(x * scale - mean[c]) / std[c]' }),
    opset: String(OPSET),
    ...o.metadata,
  };
  return b.toModel(metadata, 'Exported by MLP Studio');
}
