/**
 * The renderer's window on the pure-TypeScript engine: validation, layer shapes and
 * parameter counts, presets and default settings. One place adapts to the engine's API.
 */
import { validateSpec, validateConfig, describe, presets, defaultTrainConfig, architectureLabel as engineArchitectureLabel, DEFAULT_PATIENCE, DEFAULT_VALIDATION } from '../../src-main/engine/index';
import type { ModelSpec, TrainConfig, LayerSpec } from '../../src-main/engine/types';
import type { DatasetMeta } from '../../src-main/datasets/types';
import type { Task } from '../../src-main/engine/table';
import { tablePreset } from '../../src-main/engine/table-defaults';
import { LAYERS, LAYER_KINDS, layerModule, type LayerKind } from '../../src-main/engine/registry/index';
import { taskOf } from './table-data';

/** What the presets and the fitting read of a dataset: its shape, classes, and (tables) what it predicts. */
type DataShape = Pick<DatasetMeta, 'sampleShape' | 'classNames'> & { kind?: DatasetMeta['kind']; task?: Task; train?: { count: number } };

export interface LayerInfo {
  name: string;
  outputShape: number[];
  params: number;
}

export interface Described {
  layers: LayerInfo[];
  totalParams: number;
}

/** null when `check` passes, else the engine's plain-language reason. */
function problemOf(check: () => void): string | null {
  try {
    check();
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** null when the stack is valid, else the engine's plain-language reason. */
export function specProblem(spec: ModelSpec): string | null {
  return problemOf(() => validateSpec(spec));
}

export function describeSpec(spec: ModelSpec): Described | null {
  try {
    return describe(spec) as Described;
  } catch {
    return null;
  }
}

/** The window's settings before any preset: 10 % of the training set chooses the kept epoch, and training stops early. */
export function defaultConfig(): TrainConfig {
  return { ...defaultTrainConfig(), validation: DEFAULT_VALIDATION, patience: DEFAULT_PATIENCE };
}

export interface PresetChoice {
  id: string;
  title: string;
  blurb: string;
  spec: ModelSpec;
  config: TrainConfig;
}

export function inputSizeOf(d: Pick<DatasetMeta, 'sampleShape'>): number {
  return d.sampleShape.reduce((a, b) => a * b, 1);
}

/** Presets made for pictures of digits (MNIST's sizes and figures): not offered for a table of features. */
const PICTURE_PRESETS = new Set(['lecture', 'accurate', 'wide']);

/**
 * The engine's presets, fitted to a dataset; the lecture's net first. A table is offered only
 * those that suit a table, first the one chosen for its size (engine/table-defaults.ts).
 */
export function presetList(d: DataShape): PresetChoice[] {
  const forTable = d.kind === 'tabular';
  const chosen = forTable && d.train && d.train.count >= 1
    ? [tablePreset({ rows: d.train.count, features: inputSizeOf(d), task: taskOf(d), classes: d.classNames.length })]
    : [];
  const list = [...chosen, ...presets.filter((p) => !forTable || !PICTURE_PRESETS.has(p.id))]
    .sort((a, b) => (a.id === 'lecture' ? -1 : b.id === 'lecture' ? 1 : 0));
  return list.map((p) => ({
    id: p.id,
    title: p.title,
    blurb: p.description,
    spec: fitSpecToData(p.model([...d.sampleShape], d.classNames.length), d),
    config: p.config(),
  }));
}

/** null when the settings are valid, else the engine's plain-language reason. */
export function configProblem(c: TrainConfig): string | null {
  return problemOf(() => validateConfig(c));
}

/** The same hidden layers, with the input and the output layer fitted to a dataset. */
export function fitSpecToData(spec: ModelSpec, d: DataShape): ModelSpec {
  const classes = d.classNames.length;
  const layers: LayerSpec[] = spec.layers.map((l) => ({ ...l }));
  let lastLinear = -1;
  layers.forEach((l, i) => { if (l.kind === 'linear') lastLinear = i; });
  if (lastLinear >= 0) {
    // anything after the last linear layer would sit between the scores and the softmax
    layers.splice(lastLinear + 1);
    const out = layers[lastLinear];
    if (out.kind === 'linear') out.units = classes;
  } else {
    layers.push({ kind: 'linear', units: classes, bias: true });
  }
  // a number to predict has one output; absent task = a category (the lecture's spec stays as it was)
  const task = taskOf(d);
  return { inputShape: [...d.sampleShape], layers, classes, ...(task === 'number' ? { task } : {}) };
}

/** The layer kinds, in plain words and the registry's order; `advanced` ones are offered once "Advanced" is on (or already in use). */
export const layerKinds: { kind: LayerKind; label: string; help: string; advanced: boolean }[] = LAYER_KINDS.map((kind) => ({
  kind,
  label: LAYERS[kind].label,
  help: LAYERS[kind].help,
  advanced: LAYERS[kind].advanced,
}));

/** A new layer of a kind with the registry's defaults (`units` for a linear one). */
export function newLayer(kind: LayerKind, units = 128): LayerSpec {
  return LAYERS[kind].create(units);
}

/** A layer's own problem in plain words, as a sentence (its settings against the registry's limits); null if fine. */
export function layerProblem(l: LayerSpec): string | null {
  const m = layerModule(l);
  const p = m ? m.problem(l) : `unknown layer kind "${String((l as { kind?: unknown }).kind)}"`;
  return p === null ? null : `${p.charAt(0).toUpperCase()}${p.slice(1)}.`;
}

export function architectureLabel(spec: ModelSpec): string {
  return engineArchitectureLabel(spec);
}
