/**
 * Runs side by side: their settings flattened into dotted paths with the differences marked,
 * and each run's curve per epoch (from its metrics.jsonl).
 */
import type { RunSummary } from '../api/contract';
import type { MetricRecord } from './metrics';
import type { RunStore } from './store';

export interface EpochPoint {
  /** the epoch, counted from 1 (the number of epochs completed at this point) */
  epoch: number;
  trainLoss: number;
  trainError: number;
  lr: number;
  seconds: number;
  testLoss: number | null;
  testError: number | null;
}

export interface ComparisonRow {
  /** a dotted path into the run's settings, e.g. "config.optimizer.kind" or "model.layers[0].units" */
  key: string;
  values: (string | number | boolean | null)[];
  differs: boolean;
}

export interface Comparison {
  runs: RunSummary[];
  rows: ComparisonRow[];
  /** per-run epoch curves, indexed like `runs` */
  curves: EpochPoint[][];
}

/** Flattens settings into dotted paths with primitive values, for side-by-side comparison. */
function flatten(value: unknown, prefix: string, out: Map<string, string | number | boolean | null>): void {
  if (Array.isArray(value)) {
    out.set(`${prefix}.length`, value.length);
    value.forEach((v, i) => flatten(v, `${prefix}[${i}]`, out));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (value === undefined) {
    // absent
  } else {
    out.set(prefix, value as string | number | boolean | null);
  }
}

export function epochCurve(records: MetricRecord[]): EpochPoint[] {
  const byEpoch = new Map<number, EpochPoint>();
  for (const r of records) {
    if (r.event === 'epoch') {
      const prev = byEpoch.get(r.epoch);
      byEpoch.set(r.epoch, { epoch: r.epoch, trainLoss: r.loss, trainError: r.error, lr: r.lr, seconds: r.seconds, testLoss: prev?.testLoss ?? null, testError: prev?.testError ?? null });
    } else if (r.event === 'test') {
      const p = byEpoch.get(r.epoch);
      if (p) {
        p.testLoss = r.loss;
        p.testError = r.error;
      } else {
        byEpoch.set(r.epoch, { epoch: r.epoch, trainLoss: NaN, trainError: NaN, lr: NaN, seconds: 0, testLoss: r.loss, testError: r.error });
      }
    }
  }
  return [...byEpoch.values()].sort((a, b) => a.epoch - b.epoch);
}

/** The settings and curves of two or more runs (`refs`: ids or folders). */
export async function compareRuns(store: RunStore, refs: string[]): Promise<Comparison> {
  if (refs.length < 2) throw new Error('compare needs at least two runs');
  const records = await Promise.all(refs.map((r) => store.get(r)));
  const flats = records.map((r) => {
    const m = new Map<string, string | number | boolean | null>();
    flatten({ dataset: { name: r.dataset.name, contentHash: r.dataset.contentHash, limitTrain: r.dataset.limitTrain, limitTest: r.dataset.limitTest }, model: r.model, config: r.config }, '', m);
    m.set('params', r.params);
    m.set('studioVersion', r.studioVersion);
    return m;
  });
  const keys: string[] = [];
  for (const f of flats) for (const k of f.keys()) if (!keys.includes(k)) keys.push(k);
  const rows = keys.map((key) => {
    const values = flats.map((f) => (f.has(key) ? f.get(key)! : null));
    return { key, values, differs: values.some((v) => v !== values[0]) };
  });
  return { runs: records.map((r) => store.summary(r)), rows, curves: records.map((r) => epochCurve(store.metrics(r.id).records)) };
}
