/**
 * "Train again with exactly this": a run's replay manifest (everything that determines the
 * result) and a new run made from one.
 */
import type { ModelSpec, TrainConfig } from '../engine/types';
import type { CheckpointPolicy } from './checkpoints';
import type { DatasetRef, RunRecord } from './record';
import type { RunStore } from './store';

/** "Train again with exactly this": everything that determines the result. */
export interface ReplayManifest {
  format: 1;
  kind: 'mlp-studio-replay';
  sourceRun: string;
  studioVersion: string;
  dataset: DatasetRef;
  seed: number;
  model: ModelSpec;
  config: TrainConfig;
  checkpointPolicy: CheckpointPolicy;
}

/** What a run was trained with, to train it again. */
export async function replayManifest(store: RunStore, ref: string): Promise<ReplayManifest> {
  const r = await store.get(ref);
  return {
    format: 1,
    kind: 'mlp-studio-replay',
    sourceRun: r.id,
    studioVersion: r.studioVersion,
    dataset: r.dataset,
    seed: r.config.seed,
    model: r.model,
    config: r.config,
    checkpointPolicy: r.checkpointPolicy,
  };
}

/** A new run with exactly the manifest's settings (the caller trains it). */
export async function createFromReplay(store: RunStore, manifest: ReplayManifest, name?: string): Promise<RunRecord> {
  if (manifest.kind !== 'mlp-studio-replay' || manifest.format !== 1) throw new Error('not an MLP Studio replay manifest (kind "mlp-studio-replay", format 1)');
  return store.create({
    model: manifest.model,
    config: { ...manifest.config, seed: manifest.seed },
    dataset: manifest.dataset,
    checkpointPolicy: manifest.checkpointPolicy,
    name: name ?? `replay of ${manifest.sourceRun}`,
  });
}
