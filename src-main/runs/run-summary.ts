/**
 * A run as the lists and the API show it (RunSummary): from its run.json, or, for a folder
 * that cannot be read, a failed entry saying why (listed, not hidden).
 */
import type { RunStatus, RunSummary } from '../api/contract';
import type { RunRecord } from './record';

/** What the lists and the API show of a run (`note`: its note.txt, if any). */
export function summaryOf(r: RunRecord, note: string | undefined): RunSummary {
  return {
    id: r.id,
    name: r.name,
    status: r.status as RunStatus,
    ...(r.reason !== undefined ? { reason: r.reason } : {}),
    datasetId: r.dataset.id,
    datasetName: r.dataset.name,
    architecture: r.architecture,
    params: r.params,
    device: r.device,
    ...(r.deviceReason !== undefined ? { deviceReason: r.deviceReason } : {}),
    ...(r.group !== undefined ? { group: r.group } : {}),
    ...(r.dataset.trainSamples !== undefined && r.dataset.testSamples !== undefined ? { samples: { train: r.dataset.trainSamples, test: r.dataset.testSamples } } : {}),
    createdAt: r.createdAt,
    epochsDone: r.progress.epochsDone,
    steps: r.progress.step,
    epochs: r.config.epochs,
    bestTestError: r.progress.bestTestError,
    lastTestError: r.progress.lastTestError,
    seconds: r.progress.seconds,
    ...(note !== undefined ? { note } : {}),
    ...keptFigures(r),
    ...(r.stoppedEarly !== undefined ? { stoppedEarly: r.stoppedEarly } : {}),
    ...(r.diagnosis !== undefined ? { diagnosis: r.diagnosis } : {}),
    ...(r.model.task !== undefined ? { task: r.model.task } : {}),
    ...(r.testMetrics !== undefined ? { testMetrics: r.testMetrics } : {}),
  };
}

/**
 * The kept model's figures of a run: written by this studio (progress.keptBy), or, for a run
 * of an older studio, its best.ckpt chosen on the lowest test error (or the last report).
 */
export function keptFigures(r: RunRecord): Pick<RunSummary, 'testError' | 'checkpointEpoch' | 'validationError' | 'keptBy'> {
  const p = r.progress;
  if (p.keptBy) return { testError: p.testError ?? null, checkpointEpoch: p.checkpointEpoch ?? null, validationError: p.validationError ?? null, keptBy: p.keptBy };
  return { testError: p.bestTestError ?? p.lastTestError, checkpointEpoch: p.bestTestError !== null ? p.bestEpoch : null, validationError: null, keptBy: 'test' };
}

/** A run folder that cannot be read, listed as failed with the reason. */
export function damagedSummary(id: string, reason: string): RunSummary {
  return {
    id,
    name: id,
    status: 'failed',
    reason,
    datasetId: '',
    datasetName: '?',
    architecture: '?',
    params: 0,
    device: '?',
    createdAt: '',
    epochsDone: 0,
    steps: 0,
    epochs: 0,
    bestTestError: null,
    lastTestError: null,
    testError: null,
    checkpointEpoch: null,
    validationError: null,
    keptBy: 'last',
    seconds: 0,
  };
}
