/**
 * Defaults for a table (issue 11 item 7): the network and the training settings the studio
 * chooses for a table nobody has tuned, by its size. Tables are small and overfit, so the
 * network is narrow for a few hundred rows and wider for tens of thousands, dropout and weight
 * decay regularise it, a validation part keeps the best epoch and stops the run when it stops
 * improving, and the number of epochs gives a small table as many steps as a large one.
 * Measured against scikit-learn in bench/tables-vs-sklearn.ts (BENCHMARKS.md).
 *
 *   const d = tableDefaults({ rows: meta.train.count, features: meta.sampleShape[0], task, classes });
 *   const spec = tableModel([features], d);          // or tablePreset(input) for the CLI's flags on top
 *
 * Pure TypeScript: the CLI, the service and the window use the same choice.
 */
import { OPTIMIZERS } from './registry/kinds';
import { defaultTrainConfig, withTask, type Preset } from './spec';
import type { Task } from './table';
import type { LayerSpec, ModelSpec, TrainConfig } from './types';

/** What the defaults depend on: a table's size and what it predicts. */
export interface TableSize {
  /** training rows (before the validation part is set aside) */
  rows: number;
  /** encoded features: the network's input width */
  features: number;
  /** absent: a category */
  task?: Task;
  /** categories to choose from (1 for a number) */
  classes: number;
}

export interface TableDefaults {
  hidden: {
    /** units of every hidden layer */
    width: number;
    /** hidden layers */
    depth: number;
    /** dropout after every hidden activation (0: none) */
    dropout: number;
    activation: 'relu';
  };
  config: TrainConfig;
  /** the choice in one sentence, for the Model and Train screens and the CLI */
  reason: string;
}

/**
 * Below this many training rows a table trains a fixed number of epochs and keeps its last:
 * a validation part of a few dozen rows judges by a handful of answers, keeps the first epoch
 * that ties the best of them (often an early, undertrained one) and stops the run too soon
 * (Iris: 87 % kept by a fifth set aside, 97 % trained through; BENCHMARKS.md).
 */
export const SMALL_TABLE_ROWS = 2000;
/** Training steps a small table gets in all; a larger one's epochs allow this many, early stopping ends it sooner. */
const SMALL_STEPS = 1500;
const LARGE_STEPS = 6000;

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/** Units per hidden layer: 64 for a few hundred rows, up to 256 from 10,000 rows; never far below the input width. */
function widthFor(rows: number, features: number): number {
  const bySize = rows < 1000 ? 64 : rows < 10_000 ? 128 : 256;
  return clamp(Math.max(bySize, 2 ** Math.ceil(Math.log2(Math.max(1, features)))), 64, 512);
}

/** Samples per step: small batches for small tables (more steps per epoch), larger ones for large tables. */
function batchFor(rows: number): number {
  return rows < SMALL_TABLE_ROWS ? 16 : rows < 10_000 ? 64 : rows < 50_000 ? 128 : 256;
}

export function tableDefaults(t: TableSize): TableDefaults {
  if (!(Number.isInteger(t.rows) && t.rows >= 1)) throw new Error(`A table needs at least one training row (got ${t.rows}).`);
  if (!(Number.isInteger(t.features) && t.features >= 1)) throw new Error(`A table needs at least one input column (got ${t.features}).`);
  const rows = t.rows;
  const small = rows < SMALL_TABLE_ROWS;
  const width = widthFor(rows, t.features);
  const depth = 2;
  const dropout = rows < 1000 ? 0.2 : 0.1;
  const validation = small ? 0 : 0.1;
  const batchSize = Math.min(batchFor(rows), Math.max(1, Math.floor(rows * (1 - validation))));
  const steps = Math.max(1, Math.ceil((rows * (1 - validation)) / batchSize));
  const epochs = small ? clamp(Math.round(SMALL_STEPS / steps), 20, 100) : clamp(Math.round(LARGE_STEPS / steps), 20, 200);
  const patience = small ? 0 : clamp(Math.round(epochs / 5), 8, 20);
  const config: TrainConfig = {
    ...defaultTrainConfig(),
    epochs,
    batchSize,
    lr: 0.001,
    optimizer: { ...OPTIMIZERS.adam.create(), weightDecay: 1e-4 },
    schedule: { kind: 'constant' },
    evalEvery: 0,
    init: 'he',
    validation,
    patience,
  };
  const keeps = small
    ? 'keeps the last epoch (too few rows to set some aside to choose by)'
    : `${validation * 100} % set aside keeps the best epoch and stops after ${patience} without improvement`;
  const reason =
    `${rows.toLocaleString('en-US')} training rows: ${depth} hidden layers of ${width} with dropout ${dropout}, Adam (learning rate 0.001, weight decay 0.0001), ` +
    `batches of ${batchSize}, ${small ? '' : 'up to '}${epochs} epochs; ${keeps}`;
  return { hidden: { width, depth, dropout, activation: 'relu' }, config, reason };
}

/** The network of a table's defaults: the hidden layers, then one output per class (one for a number). */
export function tableModel(inputShape: number[], t: Pick<TableSize, 'task' | 'classes'>, d: TableDefaults): ModelSpec {
  const layers: LayerSpec[] = [];
  for (let i = 0; i < d.hidden.depth; i++) {
    layers.push({ kind: 'linear', units: d.hidden.width, bias: true }, { kind: d.hidden.activation });
    if (d.hidden.dropout > 0) layers.push({ kind: 'dropout', p: d.hidden.dropout });
  }
  layers.push({ kind: 'linear', units: t.classes, bias: true });
  return withTask({ inputShape, classes: t.classes, layers }, t.task);
}

/** The defaults of one table as a preset, so the CLI's flags apply on top of them as on any preset. */
export function tablePreset(t: TableSize): Preset {
  const d = tableDefaults(t);
  return {
    id: 'table',
    title: 'Chosen for this table',
    description: d.reason,
    model: (inputShape) => tableModel(inputShape, t, d),
    config: () => ({ ...d.config, optimizer: { ...d.config.optimizer }, schedule: { ...d.config.schedule } }),
  };
}
