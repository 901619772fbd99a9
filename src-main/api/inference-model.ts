/**
 * The inference model of a run's best (or last) checkpoint, for "Try it" in the renderer.
 * With a byte range it answers that part of the ONNX bytes only, so a window can fetch a large
 * network in parts and show how much has come. The bytes built for a checkpoint are kept (the
 * last few models of each run store) while that checkpoint stays the chosen one, so fetching
 * in parts builds the model once; a newer checkpoint (training went on) builds it afresh, and
 * its `checkpoint` label changes, so a reader that mixed parts can tell.
 */
import { buildExportModel } from '../engine/index';
import type { RunStore } from '../runs/store';
import type { ByteRange, InferenceModel } from './contract';
import type { DatasetGateway } from './datasets';
import { StudioError } from './errors';

interface Built {
  runId: string;
  /** which checkpoint file, epoch, step and write time the bytes came from */
  identity: string;
  checkpoint: string;
  bytes: Uint8Array;
  inputShape: number[];
  classNames: string[];
}

/** How many built models each run store keeps (a Try it window needs one; two windows, two). */
const KEPT = 2;
const builtByStore = new WeakMap<RunStore, Built[]>();

async function build(runs: RunStore, datasets: DatasetGateway, id: string): Promise<Built> {
  const record = await runs.get(id);
  const folder = runs.checkpoints(record);
  const entries = await folder.list();
  if (entries.length === 0) throw new StudioError('conflict', 'The run has no checkpoint yet: let it train at least one epoch.');
  const chosen = entries.find((e) => e.kind === 'best') ?? entries[0];
  const identity = `${chosen.file}|${chosen.epoch}|${chosen.step}|${chosen.createdAt}`;
  const kept = builtByStore.get(runs) ?? [];
  const hit = kept.find((b) => b.runId === id && b.identity === identity);
  if (hit) return hit;
  const { checkpoint } = await folder.load(chosen.kind === 'best' ? 'best' : 'last');
  const data = await datasets.library.loadTrainingData(record.dataset.id, { limitTrain: 1, limitTest: 1 });
  const bytes = buildExportModel(record.model, checkpoint.state.params, {
    preprocess: data.preprocess,
    classNames: data.classNames,
    inputShape: data.sampleShape,
    // a number model answers its value in the target's units
    ...(data.target ? { target: data.target } : {}),
    metadata: { run_id: record.id, architecture: record.architecture, checkpoint_epoch: String(checkpoint.epoch) },
  });
  const built: Built = { runId: id, identity, checkpoint: `${chosen.kind} ${checkpoint.epoch}`, bytes, inputShape: [...data.sampleShape], classNames: [...data.classNames] };
  builtByStore.set(runs, [built, ...kept.filter((b) => b.runId !== id)].slice(0, KEPT));
  return built;
}

export async function inferenceModel(runs: RunStore, datasets: DatasetGateway, id: string, range?: ByteRange): Promise<InferenceModel> {
  const m = await build(runs, datasets, id);
  const size = m.bytes.length;
  if (range && range.from > size) throw new StudioError('bad_request', `The network of run ${id} is ${size} bytes long; a part starting at byte ${range.from} lies past its end.`);
  const part = range ? m.bytes.subarray(range.from, Math.min(size, range.from + range.count)) : m.bytes;
  return { onnxBase64: Buffer.from(part.buffer, part.byteOffset, part.byteLength).toString('base64'), size, checkpoint: m.checkpoint, inputShape: [...m.inputShape], classNames: [...m.classNames] };
}
