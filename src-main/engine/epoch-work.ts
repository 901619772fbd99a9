/**
 * How much work an epoch of training is, in work units: one unit is about a million
 * multiply-adds. A training step costs about three times its forward pass per sample, plus its
 * optimizer's elementwise work over every weight and a fixed launch cost (what makes small
 * batches slow). The constants are relative; seconds come from one timing on the machine
 * (the settings search, runs/tune-local.ts) or from a remembered speed (the Train screen's
 * first guess of an epoch's time, src-renderer/lib/estimate.ts).
 */
import type { ModelSpec, OptimizerConfig } from './types';

/** a step's fixed cost in units, whatever its size */
export const STEP_OVERHEAD = 0.6;
/** an optimizer's elementwise work per weight and step, in multiply-adds */
export const OPTIMIZER_WORK: Record<OptimizerConfig['kind'], number> = { sgd: 2, momentum: 4, adam: 8 };

/** The widths a sample passes through: the input, each linear layer's units (the output last). */
export function layerWidths(spec: Pick<ModelSpec, 'inputShape' | 'layers'>): number[] {
  const widths = [spec.inputShape.reduce((a, b) => a * b, 1)];
  for (const l of spec.layers) if (l.kind === 'linear') widths.push(l.units);
  return widths;
}

/** The work units of one epoch over `train` samples in batches of `batchSize`, for a network of these widths. */
export function epochWorkUnits(widths: number[], train: number, batchSize: number, optimizer: OptimizerConfig['kind']): number {
  let macs = 0;
  for (let i = 1; i < widths.length; i++) macs += widths[i - 1] * widths[i];
  const steps = Math.ceil(train / Math.max(1, batchSize));
  return (3 * macs * train + steps * (macs * OPTIMIZER_WORK[optimizer] + STEP_OVERHEAD * 1e6)) / 1e6;
}
