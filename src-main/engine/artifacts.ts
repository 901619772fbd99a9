/**
 * ModelSpec + optimizer → the ONNX models the studio runs:
 *   train.onnx  parameters, optimizer state, batch, labels, lr (+ dropout masks, Adam scalars)
 *               → updated parameters and state, mean loss, error count: one run() per step
 *               (the gather variant takes the whole preprocessed training set and the batch's
 *               sample indices instead of the batch, and gathers the batch inside the graph:
 *               WebGPU keeps the set on the device and only the indices cross per step)
 *   eval.onnx   parameters, batch, labels → loss, error count, scores
 *   infer.onnx  parameters, batch → probabilities (a number: the value in the target's units)
 */
import { backward } from './autodiff';
import { emitTaskLoss, labelDtype } from './loss';
import { dropoutSlots, emitForward, type DropoutSlot } from './model';
import { GraphBuilder } from './onnx/builder';
import { emitOptimizer, optimizerScalars, stateSlots, type StateSlot } from './optimizers';
import { emit } from './ops/table';
import { inputSize, paramInfos, validateSpec, type ParamInfo } from './spec';
import type { ModelSpec, OptimizerConfig, TargetScale } from './types';

export const BATCH = 'batch';
export const nextName = (name: string): string => `${name}.next`;
/** inputs of the gather variant of train.onnx: the preprocessed training set and a batch's rows in it */
export const DATASET_X = 'dataset.x';
export const DATASET_Y = 'dataset.y';
export const INDICES = 'indices';
export const SAMPLES = 'samples';

export interface TrainGraphOptions {
  /** take `dataset.x` [samples, D] float32, `dataset.y` [samples] (labelDtype) and `indices` [batch] int32, and Gather the batch in the graph */
  gather?: boolean;
}

export interface Artifacts {
  train: Uint8Array;
  eval: Uint8Array;
  infer: Uint8Array;
  /** the gather variant of `train` (only when asked for: buildArtifacts(..., { gatherTrain: true })) */
  trainGather: Uint8Array | null;
  params: ParamInfo[];
  state: StateSlot[];
  dropout: DropoutSlot[];
  scalars: string[];
}

function paramInputs(b: GraphBuilder, params: ParamInfo[]): Map<string, string> {
  return new Map(params.map((p) => [p.name, b.input(p.name, 'float32', p.shape)]));
}

export function buildTrainGraph(spec: ModelSpec, opt: OptimizerConfig, o: TrainGraphOptions = {}): GraphBuilder {
  const params = paramInfos(spec);
  const b = new GraphBuilder(o.gather ? 'train_gather' : 'train');
  let x: string;
  let labels: string;
  if (o.gather) {
    const dx = b.input(DATASET_X, 'float32', [SAMPLES, inputSize(spec)]);
    const dy = b.input(DATASET_Y, labelDtype(spec), [SAMPLES]);
    const idx = b.input(INDICES, 'int32', [BATCH]);
    x = emit(b, 'Gather', [dx, idx], { axis: 0 }, 'x');
    labels = emit(b, 'Gather', [dy, idx], { axis: 0 }, 'labels');
  } else {
    x = b.input('x', 'float32', [BATCH, inputSize(spec)]);
    labels = b.input('labels', labelDtype(spec), [BATCH]);
  }
  const lr = b.input('lr', 'float32', []);
  const p = paramInputs(b, params);
  const slots = stateSlots(opt, params);
  const state = new Map(slots.map((s) => [s.name, b.input(s.name, 'float32', s.shape)]));
  const scalars = new Map(optimizerScalars(opt).map((n) => [n, b.input(n, 'float32', [])]));
  const masks = dropoutSlots(spec).map((d) => b.input(d.name, 'float32', [BATCH, d.units]));

  const scores = emitForward(b, spec, x, p, masks);
  const { loss, errors } = emitTaskLoss(b, spec, scores, labels);
  const grads = backward(b, loss, params.map((q) => q.name));
  const upd = emitOptimizer(b, opt, params, grads, lr, state, scalars);

  for (const q of params) b.outputAs(upd.params.get(q.name)!, nextName(q.name));
  for (const s of slots) b.outputAs(upd.state.get(s.name)!, nextName(s.name));
  b.outputAs(loss, 'loss');
  b.outputAs(errors, 'errors');
  return b;
}

export function buildEvalGraph(spec: ModelSpec): GraphBuilder {
  const b = new GraphBuilder('eval');
  const x = b.input('x', 'float32', [BATCH, inputSize(spec)]);
  const labels = b.input('labels', labelDtype(spec), [BATCH]);
  const p = paramInputs(b, paramInfos(spec));
  const scores = emitForward(b, spec, x, p);
  const { loss, errors } = emitTaskLoss(b, spec, scores, labels);
  b.outputAs(loss, 'loss');
  b.outputAs(errors, 'errors');
  b.outputAs(scores, 'scores');
  return b;
}

/** A category: `probabilities`. A number: `value`, the output brought back to the target's units (score · std + mean). */
export function buildInferGraph(spec: ModelSpec, target?: TargetScale): GraphBuilder {
  const b = new GraphBuilder('infer');
  const x = b.input('x', 'float32', [BATCH, inputSize(spec)]);
  const p = paramInputs(b, paramInfos(spec));
  const scores = emitForward(b, spec, x, p);
  if (spec.task === 'number') {
    const t = target ?? { mean: 0, std: 1 };
    b.outputAs(emit(b, 'Add', [emit(b, 'Mul', [scores, b.constant('float32', t.std)]), b.constant('float32', t.mean)]), 'value');
  } else {
    b.outputAs(emit(b, 'Softmax', [scores], { axis: 1 }), 'probabilities');
  }
  return b;
}

export function buildArtifacts(spec: ModelSpec, opt: OptimizerConfig, o: { gatherTrain?: boolean; target?: TargetScale } = {}): Artifacts {
  validateSpec(spec);
  const params = paramInfos(spec);
  return {
    train: buildTrainGraph(spec, opt).toModel({}, 'MLP Studio training step: forward, loss, backward, update'),
    trainGather: o.gatherTrain
      ? buildTrainGraph(spec, opt, { gather: true }).toModel({}, 'MLP Studio training step on a resident training set: gather the batch, forward, loss, backward, update')
      : null,
    eval: buildEvalGraph(spec).toModel({}, 'MLP Studio evaluation: loss, error count, scores'),
    infer: buildInferGraph(spec, o.target).toModel({}, spec.task === 'number' ? 'MLP Studio inference: the predicted value' : 'MLP Studio inference: probabilities'),
    params,
    state: stateSlots(opt, params),
    dropout: dropoutSlots(spec),
    scalars: optimizerScalars(opt),
  };
}
