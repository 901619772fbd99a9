/**
 * The first run (issue 16 item 2): on the very first start (no runs, nothing saved) the Train
 * screen offers a small network on part of the pictures that finishes in under a minute on a
 * laptop's processor with a good result, and once it has finished, suggests training on all
 * of them, with how long that would take. The lecture stays a preset on the Model screen.
 * bench/first-run-bench.ts measures these settings (BENCHMARKS.md).
 */
import type { DatasetMeta } from '../../src-main/datasets/types';
import type { ModelSpec, TrainConfig } from '../../src-main/engine/types';
import { presetList } from './engine';
import { count, duration } from './format';

/**
 * The small preset, 4 epochs, on the first 20,000 training pictures, the test set checked once
 * at the end: 96 % right on MNIST's test set in about 30 s on 2 busy cores (BENCHMARKS.md;
 * 10,000 pictures stayed under 95 %).
 */
export const FIRST_RUN = { presetId: 'small', samples: 20_000, epochs: 4, evalEvery: 0 } as const;

export interface FirstRunSettings {
  model: ModelSpec;
  config: TrainConfig;
  /** the quick try's sample count; null: the data is small enough to train on all of it */
  limitTrain: number | null;
}

type Data = Pick<DatasetMeta, 'kind' | 'sampleShape' | 'classNames' | 'train'> & Partial<Pick<DatasetMeta, 'task'>>;

/** The first run's network and settings for a dataset of pictures; null for a table (its own size-chosen preset comes first). */
export function firstRunSettings(d: Data): FirstRunSettings | null {
  if (d.kind === 'tabular') return null;
  const preset = presetList(d).find((p) => p.id === FIRST_RUN.presetId);
  if (!preset) return null;
  return {
    model: preset.spec,
    config: { ...preset.config, epochs: FIRST_RUN.epochs, evalEvery: FIRST_RUN.evalEvery },
    limitTrain: d.train.count > FIRST_RUN.samples ? FIRST_RUN.samples : null,
  };
}

/**
 * After a run on part of the data: "Train on all 60,000 pictures: about 1 min 20 s" (for the
 * same epochs), or null when the run already used everything. `perEpochAll`: an epoch over the
 * whole training set, estimated (a first guess or measured).
 */
export function fullRunSuggestion(d: Data, limitTrain: number | null, epochs: number, perEpochAll: number | null): string | null {
  if (limitTrain === null || limitTrain >= d.train.count) return null;
  const what = d.kind === 'tabular' ? 'rows' : 'pictures';
  const time = perEpochAll !== null && perEpochAll > 0 ? `: about ${duration(perEpochAll * epochs)}` : '';
  return `Train on all ${count(d.train.count)} ${what}${time}.`;
}
