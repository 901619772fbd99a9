/**
 * The checks before a run starts or continues, shared by the studio's worker runs and the
 * browser-window runs (service.ts, browser-runs.ts): does the model fit the dataset, and may
 * a stopped or failed run continue (its preconditions in one place), and the worker's job for
 * a run, new or continued.
 */
import type { DatasetMeta } from '../datasets/types';
import { validateAugment } from '../engine/augment';
import { validateSpec, validateConfig } from '../engine/spec';
import type { RunStore } from '../runs/store';
import { trainedElsewhere } from '../runs/run-lock';
import { datasetRefOf, type RunRecord } from '../runs/record';
import { resumeRefusal } from '../runs/status';
import type { StartRunRequest } from './contract';
import { StudioError } from './errors';
import type { DatasetGateway } from './datasets';
import type { DevicePlan } from './device-planner';
import type { TrainJob } from '../worker/protocol';

/** The dataset of a run request, after checking that the model and settings fit it. */
export async function checkRunRequest(datasets: DatasetGateway, req: StartRunRequest): Promise<DatasetMeta> {
  const dataset = await datasets.get(req.datasetId);
  const number = dataset.task === 'number';
  if (number !== (req.model.task === 'number')) {
    throw new StudioError(
      'bad_request',
      number
        ? `"${dataset.name}" predicts a number (${dataset.classNames[0] ?? 'its target'}): the model needs one output that predicts a number (task "number"), not classes.`
        : `"${dataset.name}" predicts a category: the model needs one output per class (${dataset.classNames.length}), not a number.`,
    );
  }
  try {
    validateSpec(req.model);
    validateConfig(req.config);
    validateAugment(req.config.augment, dataset);
  } catch (err) {
    throw new StudioError('bad_request', err instanceof Error ? err.message : String(err));
  }
  const sampleSize = dataset.sampleShape.reduce((a, b) => a * b, 1);
  const inputSize = req.model.inputShape.reduce((a, b) => a * b, 1);
  if (inputSize !== sampleSize) {
    throw new StudioError('bad_request', `The model takes ${inputSize} inputs but samples of "${dataset.name}" have ${sampleSize} values (shape ${dataset.sampleShape.join('×')}); set the input shape to ${dataset.sampleShape.join('×')}.`);
  }
  if (req.model.classes !== dataset.classNames.length) {
    throw new StudioError('bad_request', `The model has ${req.model.classes} outputs but "${dataset.name}" has ${dataset.classNames.length} classes; set classes to ${dataset.classNames.length}.`);
  }
  return dataset;
}

/** The run's folder and run.json, for a checked request. */
export function createRunRecord(runs: RunStore, req: StartRunRequest, dataset: DatasetMeta, device: string): Promise<RunRecord> {
  return runs.create({
    model: req.model,
    config: req.config,
    name: req.name,
    device,
    dataset: datasetRefOf(dataset, req),
    ...(req.group ? { group: req.group } : {}),
  });
}

/**
 * Whether a run that is not training may continue: not finished, not trained by another
 * process, not diverged, its dataset still there and unchanged. Throws a conflict saying why
 * not; else the run's record and dataset.
 */
export async function checkResumable(runs: RunStore, datasets: DatasetGateway, id: string): Promise<{ record: RunRecord; dataset: DatasetMeta }> {
  const record = await runs.get(id);
  const refusal = resumeRefusal(record);
  if (refusal) throw new StudioError('conflict', refusal);
  const elsewhere = await trainedElsewhere(runs, id);
  if (elsewhere) throw new StudioError('conflict', elsewhere);
  const dataset = await datasets.get(record.dataset.id).catch(() => {
    throw new StudioError('conflict', `The run's dataset "${record.dataset.name}" is no longer in the library, so the run cannot continue.`);
  });
  if (dataset.contentHash !== record.dataset.contentHash) throw new StudioError('conflict', `The dataset "${dataset.name}" has changed since the run started; the run cannot continue on other data.`);
  return { record, dataset };
}

/** The worker's job for a run in the store: a new run, or one that continues from its checkpoint, on the planned device. */
export function trainJob(home: string, record: Pick<RunRecord, 'id' | 'dataset'>, plan: DevicePlan, resume: boolean, maxBatchEventsPerSecond: number): TrainJob {
  return {
    runId: record.id,
    home,
    datasetId: record.dataset.id,
    limitTrain: record.dataset.limitTrain,
    limitTest: record.dataset.limitTest,
    device: plan.device,
    ...(plan.devices ? { devices: plan.devices } : {}),
    ...(plan.note ? { deviceNote: plan.note } : {}),
    resume,
    maxBatchEventsPerSecond,
  };
}
