/**
 * The settings search's orchestration: it asks the pure search (tune-search.ts) what to
 * train next, has a TrialRunner train it as an ordinary run of the sweep's group, reports
 * the validation errors back, and ends by finishing the chosen trial to the top rung's
 * epochs and reporting its test error once. The runner decides where training happens (in
 * this process for the CLI, in the API's worker queue for the window); nothing here runs a
 * training step or touches a file.
 *
 * What chooses: only the validation errors of the trials' `validation` events. A trial's
 * test error (its run's done event) is carried along for the chosen run only.
 */
import type { TrialSettings, TuneEvent } from '../api/tune-contract';
import type { LayerSpec, ModelSpec, Task, TrainConfig } from '../engine/types';
import { OPTIMIZERS } from '../engine/registry/index';
import { Asha, type DataSize, type Trial } from './tune-search';

/** the validation part every trial sets aside (the same seeded split for all: fair ranks) */
export const TUNE_VALIDATION = 0.1;

export interface TrialRequest {
  model: ModelSpec;
  config: TrainConfig;
  name: string;
  group: string;
}

/** One session of a trial's training: it started (or continued) and stopped after an epoch, finished, or failed. */
export interface TrialSession {
  runId: string;
  status: 'finished' | 'stopped' | 'failed';
  reason?: string;
  /** epoch (from 1) → validation error, from this session's validation events */
  validation: Map<number, number>;
  /** the done event's figures, when the run finished */
  testError: number | null;
  checkpointEpoch: number | null;
  validationError: number | null;
}

export interface TrialRunner {
  /** creates the trial's run (in the group) and trains it until epoch `toEpoch` has ended; stops it there unless that is its last epoch */
  start(req: TrialRequest, toEpoch: number, created: (runId: string) => void): Promise<TrialSession>;
  /** continues a stopped trial run until epoch `toEpoch` has ended */
  resume(runId: string, toEpoch: number): Promise<TrialSession>;
}

export interface TuneData extends Omit<DataSize, 'train'> {
  inputShape: number[];
  /** training samples before the validation part is set aside */
  trainSamples: number;
  task?: Task;
}

export interface TuneOptions {
  sweep: string;
  data: TuneData;
  /** work units (tune-search.ts epochUnits); the same budget and seed give the same trials */
  budget: number;
  seed: number;
  runner: TrialRunner;
  /** seconds one work unit takes here (reported, and shown as the time the budget means) */
  secondsPerUnit?: number;
  onEvent?: (e: TuneEvent) => void;
  /** asked before each piece of training: true ends the search (the chosen trial so far is still finished) */
  stopped?: () => boolean;
  /**
   * the person's time, in seconds: no new piece of training starts after it (the best trial so
   * far is still finished). The budget in work units is a model of this machine's speed; a run
   * costs more than modelled on a busy machine or for tiny networks (a run's start, its
   * checkpoints), and the window promised "about N minutes". Absent (the CLI's --budget,
   * tests): the budget alone decides, so a search repeats exactly.
   */
  deadlineSeconds?: number;
  /** tests: the top rung's epochs instead of the budget's */
  maxEpochs?: number;
  /** wall clock for the events' `seconds` (tests may fix it) */
  now?: () => number;
}

export interface TuneResult {
  sweep: string;
  trials: number;
  chosen: { trial: number; runId: string; settings: TrialSettings; model: ModelSpec; config: TrainConfig; validationError: number | null; checkpointEpoch: number | null; testError: number | null } | null;
  /** every piece of training, in order: what the search saw */
  history: { trial: number; rung: number; validationError: number | null }[];
}

const linear = (units: number): LayerSpec => ({ kind: 'linear', units, bias: true });

/** The network a trial trains: its hidden layers (ReLU, dropout after each when set) and the task's output. */
export function trialModel(s: TrialSettings, d: Pick<TuneData, 'inputShape' | 'classes' | 'task'>): ModelSpec {
  const layers: LayerSpec[] = [];
  for (const w of s.hidden) {
    layers.push(linear(w), { kind: 'relu' });
    if (s.dropout > 0) layers.push({ kind: 'dropout', p: s.dropout });
  }
  const number = d.task === 'number';
  layers.push(linear(number ? 1 : d.classes));
  return { inputShape: d.inputShape, classes: number ? 1 : d.classes, layers, ...(number ? { task: 'number' as const } : {}) };
}

/** A trial's training settings: cosine over the top rung's epochs, the sweep's seed (the same validation split for every trial). */
export function trialConfig(s: TrialSettings, epochs: number, seed: number): TrainConfig {
  const wd = s.weightDecay > 0 ? { weightDecay: s.weightDecay } : {};
  // the registry's defaults for the optimizer, the same the CLI's --optimizer and the Train screen start from
  const optimizer: TrainConfig['optimizer'] = { ...OPTIMIZERS[s.optimizer].create(), ...wd };
  return { epochs, batchSize: s.batchSize, lr: s.lr, optimizer, schedule: { kind: 'cosine' }, evalEvery: 0, seed, init: 'he', device: 'cpu', validation: TUNE_VALIDATION, patience: 0 };
}

/** "784-256-256 adam lr 0.001 batch 64 dropout 0.2 weight decay 0.0001" */
export function settingsLine(s: TrialSettings): string {
  return `${s.hidden.join('-')} ${s.optimizer} lr ${s.lr} batch ${s.batchSize} dropout ${s.dropout} weight decay ${s.weightDecay}`;
}

interface TrialState {
  trial: Trial;
  runId: string | null;
  validation: Map<number, number>;
  last: TrialSession | null;
}

/** Runs the search to the end of its budget, then finishes the chosen trial. */
export async function runTune(o: TuneOptions): Promise<TuneResult> {
  const now = o.now ?? (() => Date.now());
  const t0 = now();
  const seconds = () => (now() - t0) / 1000;
  const emit = (e: TuneEvent) => o.onEvent?.(e);
  const size: DataSize = { train: Math.round(o.data.trainSamples * (1 - TUNE_VALIDATION)), inputSize: o.data.inputSize, classes: o.data.classes };
  const asha = new Asha(o.seed, o.budget, size, o.maxEpochs !== undefined ? { maxEpochs: o.maxEpochs } : {});
  const states = new Map<Trial, TrialState>();
  const history: TuneResult['history'] = [];
  emit({ event: 'start', sweep: o.sweep, seed: o.seed, budget: o.budget, secondsPerUnit: o.secondsPerUnit ?? 0, maxEpochs: asha.maxEpochs, rungs: asha.rungs });

  const train = async (trial: Trial, rung: number, toEpoch: number): Promise<void> => {
    let st = states.get(trial);
    if (!st) states.set(trial, (st = { trial, runId: null, validation: new Map(), last: null }));
    const started = (runId: string) => emit({ event: 'trial-start', sweep: o.sweep, trial: trial.index, runId, settings: trial.settings, rung, fromEpoch: trial.epochs, toEpoch });
    let session: TrialSession;
    if (st.runId) {
      started(st.runId);
      session = await o.runner.resume(st.runId, toEpoch);
    } else {
      const req = { model: trialModel(trial.settings, o.data), config: trialConfig(trial.settings, asha.maxEpochs, o.seed), name: `${o.sweep} · trial ${trial.index}`, group: o.sweep };
      session = await o.runner.start(req, toEpoch, started);
    }
    st.runId = session.runId;
    st.last = session;
    for (const [e, v] of session.validation) st.validation.set(e, v);
    const errors = Array.from({ length: toEpoch }, (_, i) => st.validation.get(i + 1) ?? null);
    const epochs = Math.max(0, ...st.validation.keys());
    asha.report(trial, rung, errors, epochs, session.status === 'failed');
    const score = trial.failed ? null : trial.scores[rung];
    history.push({ trial: trial.index, rung, validationError: score });
    emit({ event: 'trial-end', sweep: o.sweep, trial: trial.index, runId: session.runId, settings: trial.settings, rung, epochs, validationError: score, status: session.status, seconds: seconds() });
  };

  for (;;) {
    if (o.stopped?.()) break;
    if (o.deadlineSeconds !== undefined && seconds() >= o.deadlineSeconds) break;
    const p = asha.next();
    if (!p) break;
    await train(p.trial, p.rung, p.toEpoch);
  }

  const pick = asha.chosen();
  if (!pick) {
    const reason = 'No trial learned anything within the budget (every one failed, or the budget held none): give the search more time.';
    emit({ event: 'failed', sweep: o.sweep, reason });
    return { sweep: o.sweep, trials: asha.trials.length, chosen: null, history };
  }
  const { trial } = pick;
  emit({ event: 'chosen', sweep: o.sweep, trial: trial.index, runId: states.get(trial)!.runId!, settings: trial.settings, validationError: trial.scores[pick.rung], epochs: asha.maxEpochs });
  // the chosen settings train to the top rung's epochs (the last rung, where a trial's run finishes)
  if (trial.epochs < asha.maxEpochs) await train(trial, asha.rungs.length - 1, asha.maxEpochs);
  const st = states.get(trial)!;
  const last = st.last!;
  const chosen = {
    trial: trial.index,
    runId: st.runId!,
    settings: trial.settings,
    model: trialModel(trial.settings, o.data),
    config: trialConfig(trial.settings, asha.maxEpochs, o.seed),
    validationError: last.validationError,
    checkpointEpoch: last.checkpointEpoch,
    testError: last.status === 'finished' ? last.testError : null,
  };
  if (last.status !== 'finished') {
    const reason = `The chosen trial (${chosen.runId}) did not finish: ${last.reason ?? last.status}.`;
    emit({ event: 'failed', sweep: o.sweep, reason });
    return { sweep: o.sweep, trials: asha.trials.length, chosen, history };
  }
  emit({ event: 'done', sweep: o.sweep, ...chosen, trials: asha.trials.length, seconds: seconds() });
  return { sweep: o.sweep, trials: asha.trials.length, chosen, history };
}
