/**
 * ModelSpec + optimizer → the ONNX models the studio runs:
 *   train.onnx  parameters, optimizer state, batch, labels, lr (+ dropout masks, Adam scalars)
 *               → updated parameters and state, mean loss, error count: one run() per step
 *   eval.onnx   parameters, batch, labels → loss, error count, scores
 *   infer.onnx  parameters, batch → probabilities
 */
import { backward } from './autodiff';
import { emitLoss } from './loss';
import { dropoutSlots, emitForward, type DropoutSlot } from './model';
import { GraphBuilder } from './onnx/builder';
import { emitOptimizer, optimizerScalars, stateSlots, type StateSlot } from './optimizers';
import { emit } from './ops/table';
import { inputSize, paramInfos, validateSpec, type ParamInfo } from './spec';
import type { ModelSpec, OptimizerConfig } from './types';

export const BATCH = 'batch';
export const nextName = (name: string): string => `${name}.next`;

export interface Artifacts {
  train: Uint8Array;
  eval: Uint8Array;
  infer: Uint8Array;
  params: ParamInfo[];
  state: StateSlot[];
  dropout: DropoutSlot[];
  scalars: string[];
}

function paramInputs(b: GraphBuilder, params: ParamInfo[]): Map<string, string> {
  return new Map(params.map((p) => [p.name, b.input(p.name, 'float32', p.shape)]));
}

export function buildTrainGraph(spec: ModelSpec, opt: OptimizerConfig): GraphBuilder {
  const params = paramInfos(spec);
  const b = new GraphBuilder('train');
  const x = b.input('x', 'float32', [BATCH, inputSize(spec)]);
  const labels = b.input('labels', 'int32', [BATCH]);
  const lr = b.input('lr', 'float32', []);
  const p = paramInputs(b, params);
  const slots = stateSlots(opt, params);
  const state = new Map(slots.map((s) => [s.name, b.input(s.name, 'float32', s.shape)]));
  const scalars = new Map(optimizerScalars(opt).map((n) => [n, b.input(n, 'float32', [])]));
  const masks = dropoutSlots(spec).map((d) => b.input(d.name, 'float32', [BATCH, d.units]));

  const scores = emitForward(b, spec, x, p, masks);
  const { loss, errors } = emitLoss(b, scores, labels, spec.classes);
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
  const labels = b.input('labels', 'int32', [BATCH]);
  const p = paramInputs(b, paramInfos(spec));
  const scores = emitForward(b, spec, x, p);
  const { loss, errors } = emitLoss(b, scores, labels, spec.classes);
  b.outputAs(loss, 'loss');
  b.outputAs(errors, 'errors');
  b.outputAs(scores, 'scores');
  return b;
}

export function buildInferGraph(spec: ModelSpec): GraphBuilder {
  const b = new GraphBuilder('infer');
  const x = b.input('x', 'float32', [BATCH, inputSize(spec)]);
  const p = paramInputs(b, paramInfos(spec));
  const scores = emitForward(b, spec, x, p);
  b.outputAs(emit(b, 'Softmax', [scores], { axis: 1 }), 'probabilities');
  return b;
}

export function buildArtifacts(spec: ModelSpec, opt: OptimizerConfig): Artifacts {
  validateSpec(spec);
  const params = paramInfos(spec);
  return {
    train: buildTrainGraph(spec, opt).toModel({}, 'MLP Studio training step: forward, loss, backward, update'),
    eval: buildEvalGraph(spec).toModel({}, 'MLP Studio evaluation: loss, error count, scores'),
    infer: buildInferGraph(spec).toModel({}, 'MLP Studio inference: probabilities'),
    params,
    state: stateSlots(opt, params),
    dropout: dropoutSlots(spec),
    scalars: optimizerScalars(opt),
  };
}
