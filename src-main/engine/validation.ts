/**
 * The validation split and the honest figures built on it (issue 12, items 1, 2 and 4).
 *
 * A run sets aside part of its training set, stratified by label and seeded, to choose the
 * checkpoint it keeps (and when to stop early); the test set only reports. Nothing here reads
 * test labels, except `majorityError`, which the diagnosis uses on whichever set the kept
 * model's figure was measured on, after it was kept.
 */
import { optimizerModule } from './registry/kinds';
import { Rng } from './rng';
import type { DataSplit, TrainConfig } from './types';

/** Default fraction of the training set set aside to choose the kept checkpoint (presets and the window). */
export const DEFAULT_VALIDATION = 0.1;
/** Default early-stopping patience: epochs without a better validation error before stopping. */
export const DEFAULT_PATIENCE = 5;
/** The largest validation fraction allowed. */
export const MAX_VALIDATION = 0.5;

/** What a run set aside, recorded in run.json. */
export interface ValidationSplitInfo {
  /** the fraction asked for */
  fraction: number;
  /** the seed the split was drawn with (the run's seed) */
  seed: number;
  /** samples left to train on */
  train: number;
  /** samples set aside */
  validation: number;
}

/** The fraction a config sets aside (0 when it says nothing: the lecture's rule and older runs). */
export const validationFraction = (c: Pick<TrainConfig, 'validation'>): number => c.validation ?? 0;

/** A different stream than the training permutation's, drawn from the run's seed. */
const SPLIT_SALT = 0x5a17;

/**
 * Splits `train` into the samples to train on and a validation part of about `fraction` of
 * every class (at least one sample of every class of two or more, at least one left to train
 * on), chosen with a seeded shuffle within each class. A number to predict (float32 targets)
 * has no classes: about `fraction` of all samples, by one seeded shuffle. Both keep the
 * original order of their samples. Deterministic in (labels, fraction, seed): a resume carves
 * the same split.
 */
export function carveValidation(split: DataSplit, fraction: number, seed: number): { train: DataSplit; validation: DataSplit } {
  if (!(fraction >= 0 && fraction <= MAX_VALIDATION)) throw new Error(`The validation part must be from 0 to ${MAX_VALIDATION * 100} % of the training set (got ${fraction}).`);
  const byClass = new Map<number, number[]>();
  const numbers = split.y instanceof Float32Array;
  for (let i = 0; i < split.n; i++) {
    const l = numbers ? 0 : split.y[i];
    let list = byClass.get(l);
    if (!list) byClass.set(l, (list = []));
    list.push(i);
  }
  const held = new Uint8Array(split.n);
  if (fraction > 0) {
    const rng = new Rng((seed ^ SPLIT_SALT) >>> 0);
    for (const label of [...byClass.keys()].sort((a, b) => a - b)) {
      const idx = byClass.get(label)!;
      const want = idx.length < 2 ? 0 : Math.max(1, Math.round(fraction * idx.length));
      const perm = rng.permutation(idx.length);
      for (let k = 0; k < want; k++) held[idx[perm[k]]] = 1;
    }
  }
  let nVal = 0;
  for (let i = 0; i < split.n; i++) nVal += held[i];
  if (nVal === split.n) {
    // never leave nothing to train on
    held[0] = 0;
    nVal--;
  }
  const d = split.n > 0 ? split.x.length / split.n : 0;
  const make = (n: number): DataSplit => ({
    x: split.x instanceof Uint8Array ? new Uint8Array(n * d) : new Float32Array(n * d),
    y: numbers ? new Float32Array(n) : new Int32Array(n),
    n,
  });
  const train = make(split.n - nVal);
  const validation = make(nVal);
  let t = 0;
  let v = 0;
  for (let i = 0; i < split.n; i++) {
    const into = held[i] ? validation : train;
    const k = held[i] ? v++ : t++;
    into.x.set(split.x.subarray(i * d, (i + 1) * d), k * d);
    into.y[k] = split.y[i];
  }
  return { train, validation };
}

/** The most common label of a split (the lowest on a tie). */
export function majorityClass(split: Pick<DataSplit, 'y' | 'n'>): number {
  const counts = new Map<number, number>();
  let best = 0;
  let bestCount = -1;
  for (let i = 0; i < split.n; i++) counts.set(split.y[i], (counts.get(split.y[i]) ?? 0) + 1);
  for (const [label, count] of counts) {
    if (count > bestCount || (count === bestCount && label < best)) {
      best = label;
      bestCount = count;
    }
  }
  return best;
}

/** The error of always answering `label` on `split`. */
export function majorityError(split: Pick<DataSplit, 'y' | 'n'>, label: number): number {
  if (split.n === 0) return 1;
  let hits = 0;
  for (let i = 0; i < split.n; i++) if (split.y[i] === label) hits++;
  return 1 - hits / split.n;
}

const pctText = (e: number) => `${(e * 100).toFixed(2)} %`;
const lossText = (l: number) => (Math.abs(l) >= 1000 ? Math.round(l).toLocaleString('en-US') : String(Number(l.toPrecision(3))));

/** The learning rate the run's optimizer usually works with (the registry's; 0.01 for a kind it does not have). */
const usualLr = (config: Pick<TrainConfig, 'optimizer'>): number => optimizerModule(config.optimizer)?.usualLr ?? 0.01;

/** A gentler learning rate to suggest after `lr` blew up. */
export function saferLr(config: Pick<TrainConfig, 'lr' | 'optimizer'>): number {
  const usual = usualLr(config);
  return config.lr > usual ? usual : Number((config.lr / 10).toPrecision(2));
}

/** What to try when a run learned nothing, from its learning rate against the usual one for its optimizer. */
function learnAdvice(config: Pick<TrainConfig, 'lr' | 'optimizer'>): string {
  const usual = usualLr(config);
  if (config.lr > 2 * usual) return `Try a lower learning rate, such as ${usual}`;
  if (config.lr < usual / 2) return `Try a higher learning rate, such as ${usual}, or more epochs`;
  return 'Try more epochs or a larger network';
}

/** A number model judged against always answering the training mean, on the set it is judged on. */
export interface RegressionJudgement {
  /** R² against the training mean: 0 or less is no better than always answering it */
  r2: number;
  /** the model's mean absolute error, and that of always answering the training mean */
  mae: number;
  baselineMae: number;
  /** the training mean */
  mean: number;
}

const numText = (v: number) => (Math.abs(v) >= 1000 ? Math.round(v).toLocaleString('en-US') : String(Number(v.toPrecision(3))));

export interface DiagnosisInput {
  config: Pick<TrainConfig, 'lr' | 'optimizer'>;
  /** the loss of the run's first step, and the mean loss of its first epoch (null when not seen, e.g. after a resume) */
  firstStepLoss: number | null;
  firstEpochLoss: number | null;
  /** the largest mean epoch loss seen */
  maxEpochLoss: number | null;
  /** the kept model's error on the set it is judged on, and that of always answering the most common training class there */
  keptError: number | null;
  baselineError: number | null;
  /** which set: 'validation' or 'test' */
  judgedOn: 'validation' | 'test';
  classNames?: string[];
  majority?: number;
  /** a number to predict: the kept model against the training mean (keptError and baselineError are then not used) */
  regression?: RegressionJudgement | null;
}

/**
 * A plain sentence of what went wrong and what to try when a finished run learned nothing:
 * its loss blew up (grew tenfold in the first epoch, or a hundredfold later), or the kept
 * model is no better than always answering the most common class. Null when it learned.
 */
export function diagnose(x: DiagnosisInput): string | null {
  const { firstStepLoss: f, firstEpochLoss: e } = x;
  const safer = saferLr(x.config);
  if (f !== null && f > 0 && e !== null && e >= 10 * f) {
    return `The learning rate is too high: the loss jumped from ${lossText(f)} to ${lossText(e)} in the first epoch. Try ${safer}.`;
  }
  if (f !== null && f > 0 && x.maxEpochLoss !== null && x.maxEpochLoss >= 100 * f) {
    return `The learning rate is too high: the loss grew from ${lossText(f)} to ${lossText(x.maxEpochLoss)} during training. Try ${safer}.`;
  }
  const r = x.regression;
  if (r) {
    if (!(r.r2 > 0)) {
      return (
        `The network learned nothing: on the ${x.judgedOn === 'validation' ? 'validation part' : 'test set'} its predictions are no better than always answering ` +
        `the training mean, ${numText(r.mean)} (R² ${r.r2.toFixed(2)}; mean absolute error ${numText(r.mae)} against ${numText(r.baselineMae)} for the mean). ` +
        `${learnAdvice(x.config)}, and check that the column to predict is the right one.`
      );
    }
    return null;
  }
  if (x.keptError !== null && x.baselineError !== null && x.keptError >= x.baselineError) {
    const cls = x.majority !== undefined ? (x.classNames?.[x.majority] ?? String(x.majority)) : null;
    return (
      `The network learned nothing: its ${x.judgedOn} error (${pctText(x.keptError)}) is no better than always answering ` +
      `${cls !== null ? `the most common class, “${cls}”` : 'the most common class'} (${pctText(x.baselineError)}). ` +
      `${learnAdvice(x.config)}, and check that the labels match the samples.`
    );
  }
  return null;
}
