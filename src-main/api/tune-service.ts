/**
 * "Find good settings for me" in the Studio API: a settings search (runs/tune.ts) whose
 * trials are ordinary runs started, stopped after their rung and continued through the API
 * itself (startRun / stopRun / resumeRun, so they train in the worker queue like any run,
 * and every screen shows them). The budget's minutes become work units with one timing of
 * the reference trial in a worker (the epoch estimate). Events go to the windows on the
 * 'tune' channel.
 */
import { randomBytes } from 'node:crypto';
import type { DatasetMeta } from '../datasets/types';
import type { TrainEvent } from '../engine/types';
import { runTune, trialModel, TUNE_VALIDATION, type TrialRunner, type TrialSession } from '../runs/tune';
import { budgetFor } from '../runs/tune-local';
import { RUN_OVERHEAD, epochUnits, referenceSettings } from '../runs/tune-search';
import type { StudioApi, StudioEvent } from './contract';
import { StudioError } from './errors';
import type { StartTuneRequest } from './tune-contract';

type Api = Pick<StudioApi, 'startRun' | 'resumeRun' | 'stopRun' | 'getRun' | 'onEvent' | 'getDataset' | 'estimateEpochSeconds'>;

const TERMINAL = new Set(['finished', 'stopped', 'failed']);

/** Trials through the API: events of the trial's run are watched until its run ends. */
function apiTrialRunner(api: Api, datasetId: string): TrialRunner {
  const watch = (toEpoch: number, epochs: number, begin: () => Promise<string>): Promise<TrialSession> =>
    new Promise<TrialSession>((resolve, reject) => {
      let runId: string | null = null;
      const validation = new Map<number, number>();
      let done: Extract<TrainEvent, { event: 'done' }> | null = null;
      let stopAsked = false;
      const off = api.onEvent((e: StudioEvent) => {
        if (e.channel !== 'run' || e.runId !== runId) return;
        if (e.event?.event === 'validation') {
          validation.set(e.event.epoch, e.event.error);
          if (e.event.epoch >= toEpoch && toEpoch < epochs && !stopAsked) {
            stopAsked = true;
            // the worker stops before its next step; the epoch's checkpoint is written first
            api.stopRun(e.runId).catch(() => undefined);
          }
        }
        if (e.event?.event === 'done') done = e.event;
        if (!e.event && TERMINAL.has(e.status)) {
          off();
          const d = done as Extract<TrainEvent, { event: 'done' }> | null;
          resolve({
            runId: e.runId,
            status: e.status as TrialSession['status'],
            ...(e.reason ? { reason: e.reason } : {}),
            validation,
            testError: e.status === 'finished' && d ? d.testError : null,
            checkpointEpoch: d?.checkpointEpoch ?? null,
            validationError: d?.validationError ?? null,
          });
        }
      });
      begin().then(
        (id) => (runId = id),
        (err: unknown) => {
          off();
          reject(err instanceof Error ? err : new Error(String(err)));
        },
      );
    });
  return {
    start: (req, toEpoch, created) =>
      watch(toEpoch, req.config.epochs, async () => {
        const s = await api.startRun({ datasetId, model: req.model, config: req.config, name: req.name, group: req.group });
        created(s.id);
        return s.id;
      }),
    resume: async (runId, toEpoch) => {
      const { epochs } = await api.getRun(runId);
      return watch(toEpoch, epochs, async () => {
        await api.resumeRun(runId);
        return runId;
      });
    },
  };
}

/** Seconds per work unit: the reference trial's steps timed in a worker (the epoch estimate). */
async function secondsPerUnit(api: Api, meta: DatasetMeta): Promise<number> {
  const s = referenceSettings();
  const d = { inputShape: meta.sampleShape, classes: meta.classNames.length, task: meta.task };
  const est = await api.estimateEpochSeconds({ datasetId: meta.id, model: trialModel(s, d), batchSize: s.batchSize, device: 'cpu' });
  const train = Math.round(meta.train.count * (1 - TUNE_VALIDATION));
  const inputSize = meta.sampleShape.reduce((a, b) => a * b, 1);
  const unitsPerStep = epochUnits(s, { train, inputSize, classes: meta.classNames.length }) / Math.ceil(train / s.batchSize);
  return RUN_OVERHEAD / (est.stepsPerSecond * unitsPerStep);
}

export class TuneSessions {
  private readonly live = new Map<string, { stop: boolean }>();

  constructor(
    private readonly api: Api,
    private readonly emit: (e: StudioEvent) => void,
  ) {}

  /** Starts a search; its events follow on the 'tune' channel under the returned sweep id. */
  async start(req: StartTuneRequest): Promise<{ sweep: string }> {
    if (this.live.size > 0) throw new StudioError('conflict', 'A settings search is running already; wait for it to end or stop it first.');
    const meta = await this.api.getDataset(req.datasetId);
    const sweep = `sweep-${new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}-${randomBytes(2).toString('hex')}`;
    const state = { stop: false };
    this.live.set(sweep, state);
    const say = (event: Parameters<NonNullable<Parameters<typeof runTune>[0]['onEvent']>>[0]) => this.emit({ channel: 'tune', sweep, event });
    // not one of the service's pending writes: a closing service ends the trial training now, and the search then ends
    void (async () => {
      try {
        const perUnit = await secondsPerUnit(this.api, meta);
        await runTune({
          sweep,
          data: { inputShape: meta.sampleShape, inputSize: meta.sampleShape.reduce((a, b) => a * b, 1), classes: meta.classNames.length, trainSamples: meta.train.count, ...(meta.task ? { task: meta.task } : {}) },
          budget: req.budget ?? budgetFor(req.minutes, perUnit),
          // the window promised about this many minutes: the search stops starting trials then
          ...(req.budget === undefined ? { deadlineSeconds: req.minutes * 60 } : {}),
          seed: req.seed ?? 0,
          secondsPerUnit: perUnit,
          runner: apiTrialRunner(this.api, meta.id),
          stopped: () => state.stop,
          onEvent: say,
        });
      } catch (err) {
        say({ event: 'failed', sweep, reason: `The settings search failed: ${err instanceof Error ? err.message : String(err)}` });
      } finally {
        this.live.delete(sweep);
      }
    })();
    return { sweep };
  }

  /** Ends a search after the trial training now (the best so far is still finished and reported). */
  async stop(sweep: string): Promise<void> {
    const s = this.live.get(sweep);
    if (!s) throw new StudioError('not_found', 'That settings search is not running.');
    s.stop = true;
  }
}
