/**
 * The settings search's pure logic ("Find good settings for me"): the search space, seeded
 * sampling, the cost of a trial in work units, and asynchronous successive halving (ASHA,
 * Li et al. 2018) over rungs counted in epochs. No I/O and no clock: given the same seed,
 * the same data sizes, the same budget (in work units) and the same validation errors, it
 * proposes the same trials in the same order and chooses the same settings.
 *
 * The rule, in words:
 * - Rungs are epoch counts: 1, 3, 9 (η = 3), … and the top rung, maxEpochs: 0.6 of the budget
 *   counted in epochs of a reference trial (from 3 to 27), the epochs the chosen trial trains.
 * - When asked what to do next, ASHA looks at the rungs from the top down: a trial that
 *   finished rung k, is among the best ⌊n_k / η⌋ of the n_k trials that finished rung k
 *   (by validation error; ties by trial number) and was not yet promoted, is promoted: it
 *   continues to rung k + 1's epochs. Without one, a new trial is sampled for rung 0.
 * - Every proposal has a cost in work units (epochs × the trial's per-epoch work, from its
 *   layer sizes, batch and optimizer, plus a fixed cost to start or continue its run: a
 *   deterministic model of time, not a measurement). The
 *   search stops at the first proposal that does not fit in the budget beside the work it
 *   would take to finish the best trial so far to maxEpochs (kept for it). A new trial whose
 *   first epoch would take more than 1/10 of the budget is drawn again (up to 50 times): a
 *   short budget tries small networks.
 * - The choice: the trial with the lowest validation error at the highest rung any trial
 *   reached (ties by trial number). Test labels are never an input.
 */
import type { TrialSettings, TuneOptimizer } from '../api/tune-contract';
import { Rng } from '../engine/rng';
import { epochWorkUnits } from '../engine/epoch-work';

export type { TrialSettings, TuneOptimizer } from '../api/tune-contract';

/** The search space. Learning rates are drawn log-uniformly within the optimizer's range. */
export const SEARCH_SPACE = {
  depths: [1, 2],
  widths: [128, 256, 512, 1024],
  optimizers: ['sgd', 'momentum', 'adam'] as TuneOptimizer[],
  lr: { sgd: [0.03, 0.3], momentum: [0.01, 0.1], adam: [0.0005, 0.003] } as Record<TuneOptimizer, [number, number]>,
  batchSizes: [32, 64, 128],
  dropouts: [0, 0.1, 0.2],
  weightDecays: [0, 0.00001, 0.0001, 0.0005],
} as const;

/** η: a rung keeps the best 1/η of its trials, and the next rung trains η times as many epochs */
export const ETA = 3;

/** new trials drawn again when one is too large for the budget */
const MAX_REDRAWS = 50;
/** a new trial's first epoch takes at most this share of the budget */
const MAX_TRIAL_SHARE = 1 / 10;

/** The sizes the cost model needs. */
export interface DataSize {
  /** samples the trials train on (the training part, validation set aside) */
  train: number;
  /** values per sample */
  inputSize: number;
  classes: number;
}

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[rng.below(xs.length)];

/** Draws trial settings from the search space with `rng` (consumes a fixed number of draws). */
export function sampleSettings(rng: Rng): TrialSettings {
  const depth = pick(rng, SEARCH_SPACE.depths);
  const width = pick(rng, SEARCH_SPACE.widths);
  const optimizer = pick(rng, SEARCH_SPACE.optimizers);
  const [lo, hi] = SEARCH_SPACE.lr[optimizer];
  const lr = Number(Math.exp(Math.log(lo) + rng.next() * (Math.log(hi) - Math.log(lo))).toPrecision(2));
  return {
    hidden: Array.from({ length: depth }, () => width),
    optimizer,
    lr,
    batchSize: pick(rng, SEARCH_SPACE.batchSizes),
    dropout: pick(rng, SEARCH_SPACE.dropouts),
    weightDecay: pick(rng, SEARCH_SPACE.weightDecays),
  };
}

/** Work units of one epoch of a trial (engine/epoch-work.ts: the one model of an epoch's work, also the Train screen's first guess). */
export function epochUnits(s: TrialSettings, d: DataSize): number {
  return epochWorkUnits([d.inputSize, ...s.hidden, d.classes], d.train, s.batchSize, s.optimizer);
}

/** each piece of training (a run started or continued) costs this much besides its epochs: building its models, its sessions */
export const SESSION_UNITS = 300;

/**
 * A trial's epoch also validates, writes its checkpoints and reports, and each piece of
 * training starts a run: the timed training steps alone come out about this much quicker
 * (measured on MNIST pictures, BENCHMARKS.md).
 */
export const RUN_OVERHEAD = 1.25;

/** Rungs in epochs: 1, η, η², … while at most half of maxEpochs, then maxEpochs. */
export function rungEpochs(maxEpochs: number): number[] {
  const out = [1];
  while (out[out.length - 1] * ETA <= maxEpochs / 2) out.push(out[out.length - 1] * ETA);
  if (maxEpochs > 1) out.push(maxEpochs);
  return out;
}

/** A reference trial's per-epoch work: the middle of the space (one hidden layer of 256, momentum, batch 64). */
export function referenceSettings(): TrialSettings {
  return { hidden: [256], optimizer: 'momentum', lr: 0.02, batchSize: 64, dropout: 0, weightDecay: 0 };
}

/**
 * The top rung's epochs for a budget: 0.6 of the budget in reference epochs, from 3 to 27
 * (the chosen trial trains that long; the rest of the budget searches).
 */
export function maxEpochsFor(budget: number, d: DataSize): number {
  const ref = epochUnits(referenceSettings(), d);
  return Math.max(3, Math.min(27, Math.floor((0.6 * budget) / ref)));
}

/** Rounds a budget to the nearest (in ratio) of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 × a power of ten, so timing noise rarely changes it. */
export function roundBudget(units: number): number {
  if (!(units > 0)) return 0;
  const p = 10 ** Math.floor(Math.log10(units));
  const steps = [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10];
  let best = steps[0];
  for (const s of steps) if (Math.abs(Math.log((s * p) / units)) < Math.abs(Math.log((best * p) / units))) best = s;
  return Number((best * p).toPrecision(2));
}

export interface Trial {
  /** 1, 2, … in the order trials were sampled */
  index: number;
  settings: TrialSettings;
  /** the best validation error over the epochs trained by each rung reached (index = rung) */
  scores: number[];
  /** rungs from which this trial has been promoted */
  promotedFrom: Set<number>;
  /** epochs trained so far */
  epochs: number;
  /** its run failed (the loss diverged): never promoted nor chosen */
  failed?: boolean;
}

export type Proposal =
  | { kind: 'new'; trial: Trial; rung: 0; fromEpoch: 0; toEpoch: number; cost: number }
  | { kind: 'promote'; trial: Trial; rung: number; fromEpoch: number; toEpoch: number; cost: number };

/** ASHA over the rungs, with a work budget. */
export class Asha {
  readonly trials: Trial[] = [];
  readonly rungs: number[];
  readonly maxEpochs: number;
  spent = 0;
  private readonly rng: Rng;

  constructor(
    readonly seed: number,
    readonly budget: number,
    readonly data: DataSize,
    opts: { maxEpochs?: number } = {},
  ) {
    this.maxEpochs = opts.maxEpochs ?? maxEpochsFor(budget, data);
    this.rungs = rungEpochs(this.maxEpochs);
    // its own stream, apart from the trials' training RNG (seeded with the same seed)
    this.rng = new Rng(seed * 7919 + 0x7a5e);
  }

  /** The trials that finished rung k, best first (validation error, then trial number). */
  ranked(k: number): Trial[] {
    return this.trials.filter((t) => t.scores.length > k && !t.failed).sort((a, b) => a.scores[k] - b.scores[k] || a.index - b.index);
  }

  /**
   * What to train next, or null when it does not fit in the budget beside the work kept to
   * finish the best trial so far. A new trial too large for the budget is drawn again (up to
   * MAX_REDRAWS times).
   */
  next(): Proposal | null {
    const tooLarge = (q: Proposal) => q.kind === 'new' && epochUnits(q.trial.settings, this.data) > this.budget * MAX_TRIAL_SHARE;
    let p = this.propose();
    for (let i = 0; tooLarge(p) && i < MAX_REDRAWS; i++) p = this.propose();
    const best = this.chosen();
    // a promotion of the best trial itself is part of finishing it
    const kept = best && !(p.kind === 'promote' && p.trial === best.trial) ? this.finishCost(best.trial) : 0;
    if (tooLarge(p) || this.spent + p.cost + kept > this.budget) return null;
    if (p.kind === 'new') this.trials.push(p.trial);
    else p.trial.promotedFrom.add(p.rung - 1);
    this.spent += p.cost;
    return p;
  }

  private propose(): Proposal {
    for (let k = this.rungs.length - 2; k >= 0; k--) {
      const done = this.ranked(k);
      const top = done.slice(0, Math.floor(done.length / ETA));
      const t = top.find((x) => !x.promotedFrom.has(k));
      if (t) {
        const fromEpoch = this.rungs[k];
        const toEpoch = this.rungs[k + 1];
        return { kind: 'promote', trial: t, rung: k + 1, fromEpoch, toEpoch, cost: SESSION_UNITS + (toEpoch - fromEpoch) * epochUnits(t.settings, this.data) };
      }
    }
    const settings = sampleSettings(this.rng);
    const trial: Trial = { index: this.trials.length + 1, settings, scores: [], promotedFrom: new Set(), epochs: 0 };
    return { kind: 'new', trial, rung: 0, fromEpoch: 0, toEpoch: this.rungs[0], cost: SESSION_UNITS + this.rungs[0] * epochUnits(settings, this.data) };
  }

  /**
   * Records a trial's result at a rung: `validationErrors[e]` is the validation error after
   * epoch e + 1. The rung's score is the lowest up to the rung's epoch (the checkpoint the
   * run keeps). A trial whose run failed (the loss diverged) or has no validation error
   * drops out of the search.
   */
  report(trial: Trial, rung: number, validationErrors: (number | null)[], epochs: number, failed = false): void {
    const upTo = validationErrors.slice(0, this.rungs[rung]).filter((e): e is number => e !== null && Number.isFinite(e));
    trial.epochs = epochs;
    if (failed || upTo.length === 0) {
      trial.failed = true;
      return;
    }
    trial.scores[rung] = Math.min(...upTo);
  }

  /** The chosen trial: the lowest validation error at the highest rung reached; null before any result. */
  chosen(): { trial: Trial; rung: number } | null {
    for (let k = this.rungs.length - 1; k >= 0; k--) {
      const r = this.ranked(k);
      if (r.length) return { trial: r[0], rung: k };
    }
    return null;
  }

  /** The work to finish the chosen trial to maxEpochs (0 when it is there). */
  finishCost(trial: Trial): number {
    return trial.epochs >= this.maxEpochs ? 0 : SESSION_UNITS + (this.maxEpochs - trial.epochs) * epochUnits(trial.settings, this.data);
  }
}
