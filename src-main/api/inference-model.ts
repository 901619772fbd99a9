/**
 * The inference model of a run's best (or last) checkpoint, for "Try it" in the renderer.
 * Moved out of service.ts unchanged.
 */
import { buildExportModel } from '../engine/index';
import type { RunStore } from '../runs/store';
import type { DatasetGateway } from './datasets';
import { StudioError } from './errors';

export async function inferenceModel(runs: RunStore, datasets: DatasetGateway, id: string): Promise<{ onnxBase64: string; inputShape: number[]; classNames: string[] }> {
  const record = await runs.get(id);
  const folder = runs.checkpoints(record);
  const entries = await folder.list();
  if (entries.length === 0) throw new StudioError('conflict', 'The run has no checkpoint yet: let it train at least one epoch.');
  const { checkpoint } = await folder.load(entries.some((e) => e.kind === 'best') ? 'best' : 'last');
  const data = await datasets.library.loadTrainingData(record.dataset.id, { limitTrain: 1, limitTest: 1 });
  const bytes = buildExportModel(record.model, checkpoint.state.params, {
    preprocess: data.preprocess,
    classNames: data.classNames,
    inputShape: data.sampleShape,
    // a number model answers its value in the target's units
    ...(data.target ? { target: data.target } : {}),
    metadata: { run_id: record.id, architecture: record.architecture, checkpoint_epoch: String(checkpoint.epoch) },
  });
  return { onnxBase64: Buffer.from(bytes).toString('base64'), inputShape: [...data.sampleShape], classNames: [...data.classNames] };
}
