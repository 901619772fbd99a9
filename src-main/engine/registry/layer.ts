/**
 * What every layer kind's module holds (registry/layers/*.ts): its schema, words, editor
 * fields, validation, parameters and forward graph. registry/index.ts collects them.
 */
import type { z } from 'zod';
import type { GraphBuilder } from '../onnx/builder';
import type { FieldDescriptor } from './fields';

/** One learned tensor of a layer: its shape and what initialisation needs to know. */
export interface ParamInfo {
  name: string;
  shape: number[];
  fanIn: number;
  fanOut: number;
  kind: 'weight' | 'bias';
}

/** What a layer's forward emitter is given besides its input. */
export interface ForwardContext {
  b: GraphBuilder;
  /** the number of this layer among the layers with parameters (layerK.weight), from 1 */
  index: number;
  /** the graph value of one of this layer's parameters */
  param(kind: ParamInfo['kind']): string;
  /** the next dropout mask input while training; undefined in evaluation and inference */
  nextMask(): string | undefined;
}

export interface LayerModule<S extends { kind: string } = { kind: string }> {
  kind: S['kind'];
  /** the zod schema: the limits the API, the run record and the engine share */
  schema: z.ZodType<S>;
  /** 'layer' transforms (linear, dropout); 'activation' acts on a linear layer's output */
  role: 'layer' | 'activation';
  /** the name people see on the Model screen */
  label: string;
  help: string;
  /** offered only once "Advanced" is on (or when a layer already uses it) */
  advanced: boolean;
  fields: readonly FieldDescriptor[];
  /** a new layer of this kind; `units` for a linear one */
  create(units: number): S;
  /** the layer in a few words ("Linear 1000 (no bias)") */
  describe(l: S): string;
  /** the layer's own problem in plain words (no "Layer 1 (kind): ", no full stop); null if fine */
  problem(l: S): string | null;
  /** a problem with this layer following `prev` ("two dropout layers in a row") */
  sequenceProblem?(prev: { kind: string } | undefined): string | null;
  /** the layer's learned tensors, given the width coming in (without names: the model numbers them) */
  params?(l: S, width: number): Omit<ParamInfo, 'name'>[];
  /** the width going out, given the width coming in */
  width(l: S, width: number): number;
  /** the dropout probability this layer's mask applies while training (0 or absent: no mask) */
  maskProbability?(l: S): number;
  /** emits the layer on `h` and returns the output's name */
  emit(ctx: ForwardContext, l: S, h: string): string;
}

/** A module for a kind without settings: an activation applying one ONNX op (or a few). */
export function activation<K extends string>(kind: K, words: { label: string; help: string; advanced?: boolean; describe?: string }, emit: (ctx: ForwardContext, h: string) => string, schema: z.ZodType<{ kind: K }>): LayerModule<{ kind: K }> {
  return {
    kind,
    schema,
    role: 'activation',
    label: words.label,
    help: words.help,
    advanced: words.advanced ?? false,
    fields: [],
    create: () => ({ kind }),
    describe: () => words.describe ?? words.label,
    problem: () => null,
    width: (_l, w) => w,
    emit: (ctx, _l, h) => emit(ctx, h),
  };
}
