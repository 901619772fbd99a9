/**
 * The settings search's part of the Studio API ("Find good settings for me"): its request,
 * the settings a trial varies, and the events a search streams. Re-exported by contract.ts,
 * which the renderer imports. Pure types.
 */
import type { OptimizerKind } from '../engine/registry';
import type { ModelSpec, TrainConfig } from '../engine/types';

/** The optimizers the search tries: kinds of the registry (a renamed or removed one fails to compile here). */
export type TuneOptimizer = Extract<OptimizerKind, 'sgd' | 'momentum' | 'adam'>;

/** One trial's settings: what the search varies (the epochs are the rung it reaches). */
export interface TrialSettings {
  /** hidden layer widths (depth = length) */
  hidden: number[];
  optimizer: TuneOptimizer;
  lr: number;
  batchSize: number;
  dropout: number;
  weightDecay: number;
}

export interface StartTuneRequest {
  datasetId: string;
  /** the time budget in minutes on this machine's processors (about) */
  minutes: number;
  /** the same seed, data and budget choose the same settings (default 0) */
  seed?: number;
  /** the budget in work units instead of the one `minutes` comes to here (the start event says it): repeats a search exactly */
  budget?: number;
}

/**
 * What a search reports, in order: start; trial-start / trial-end for each piece of
 * training (a new trial's first rung, or a promoted trial's next rung); chosen; then done
 * (the chosen trial finished, its test error reported once) or failed. `seconds` is wall
 * time since the search started (for the chart; it chooses nothing).
 */
export type TuneEvent =
  | { event: 'start'; sweep: string; seed: number; budget: number; secondsPerUnit: number; maxEpochs: number; rungs: number[] }
  | { event: 'trial-start'; sweep: string; trial: number; runId: string; settings: TrialSettings; rung: number; fromEpoch: number; toEpoch: number }
  | {
      event: 'trial-end';
      sweep: string;
      trial: number;
      runId: string;
      settings: TrialSettings;
      rung: number;
      epochs: number;
      /** the lowest validation error over the epochs trained: what ranks it */
      validationError: number | null;
      status: 'finished' | 'stopped' | 'failed';
      seconds: number;
    }
  | { event: 'chosen'; sweep: string; trial: number; runId: string; settings: TrialSettings; validationError: number; epochs: number }
  | {
      event: 'done';
      sweep: string;
      trial: number;
      runId: string;
      settings: TrialSettings;
      model: ModelSpec;
      config: TrainConfig;
      validationError: number | null;
      checkpointEpoch: number | null;
      /** the chosen run's test error (its kept checkpoint): reported once, read by nothing that chose */
      testError: number | null;
      trials: number;
      seconds: number;
    }
  | { event: 'failed'; sweep: string; reason: string };
