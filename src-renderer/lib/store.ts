import { reactive, markRaw, shallowRef, triggerRef } from 'vue';
import type { DatasetMeta } from '../../src-main/datasets/types';
import type { ModelSpec, RunMetrics, TrainConfig, TrainEvent } from '../../src-main/engine/types';
import { canResume, isActive, isEnded, isTraining } from '../../src-main/engine/run-status';
import type { RunStatus, RunSummary, StudioEvent } from '../../src-main/api/contract';
import { studio, messageOf, forPeople } from '../studio';
import { SeriesBuilder, type Series } from './series';
import { defaultConfig, presetList, fitSpecToData } from './engine';
import { BrowserRun } from '../training/browser-run';
import { failedImportText } from './import-status';
import { firstRunSettings } from './first-run';
import { taskOf } from './table-data';
import type { Task } from '../../src-main/engine/table';

export type Screen = 'data' | 'model' | 'train' | 'evaluate' | 'try' | 'export' | 'runs';

export interface ImportState {
  importId: string;
  label: string;
  phase: string;
  done: number;
  total: number | null;
  status: 'running' | 'done' | 'failed';
  message?: string;
}

export interface LiveRun {
  runId: string;
  status: RunStatus;
  device: string;
  params: number;
  stepsPerEpoch: number;
  epochs: number;
  /** steps finished in this run so far */
  steps: number;
  startedAt: number;
  /** time spent paused, excluded from the ETA */
  pausedMs: number;
  pausedAt: number | null;
  /** when the run finished, stopped or failed (the clock stops) */
  endedAt: number | null;
  /** once finished: the test error of the model the run keeps, measured once kept, and that model's epoch (from 1) and validation error */
  testError: number | null;
  checkpointEpoch?: number | null;
  validationError?: number | null;
  /** training seconds of the runs' sessions before this one (a continued run) */
  secondsBefore?: number;
  /** once finished: the training time (pauses left out), as run.json, Runs and the model card say */
  trainingSeconds?: number;
  /** a finished run that stopped early: why; one that learned nothing: what happened and what to try */
  stoppedEarly?: string;
  diagnosis?: string;
  /** once finished: the epochs it trained (fewer than `epochs` after an early stop) */
  epochsTrained?: number;
  reason?: string;
  /** why the run trains where it does: 'auto's timings on each device (from the worker, or the run's record) */
  deviceReason?: string;
  /** what the run predicts: its errors are fractions wrong (a category) or mean absolute errors in the target's units (a number) */
  task: Task;
  /** once finished: the kept model's test metrics (accuracy; or MAE, RMSE and R² for a number) */
  metrics?: RunMetrics;
}

const SAVED = 'mlp-studio.workspace.v1';

interface Saved {
  datasetId: string | null;
  model: ModelSpec | null;
  config: TrainConfig | null;
  limitTrain: number | null;
  theme: 'auto' | 'light' | 'dark';
}

function loadSaved(): Partial<Saved> {
  try {
    return JSON.parse(localStorage.getItem(SAVED) ?? '{}') as Partial<Saved>;
  } catch {
    return {};
  }
}

export const store = reactive({
  screen: 'data' as Screen,
  ready: false,
  fatal: null as string | null,
  datasets: [] as DatasetMeta[],
  datasetId: null as string | null,
  model: null as ModelSpec | null,
  config: defaultConfig(),
  /** quick trials: train on the first N samples only (null = all) */
  limitTrain: null as number | null,
  runs: [] as RunSummary[],
  /** the run shown on Evaluate, Try it and Export */
  runId: null as string | null,
  live: null as LiveRun | null,
  imports: [] as ImportState[],
  theme: 'auto' as 'auto' | 'light' | 'dark',
  /** train in this window on its WebGPU (device 'browser-webgpu') instead of in the studio */
  trainInBrowser: false,
  /** this window's WebGPU adapter, once probed (null: not probed yet) */
  browserGpu: null as { available: boolean; software: boolean; name: string; reason?: string } | null,
});

/** the run this window is training itself, if any, and every run it trained (the host echoes their events: ignored) */
let browserRun: BrowserRun | null = null;
const localRuns = new Set<string>();

/** Live chart data: not deep-reactive (thousands of points); `liveTick` is bumped at most twice a second. */
export const liveSeries = shallowRef<Series>(new SeriesBuilder().s);
let builder = new SeriesBuilder();
/** batch steps seen, copied into the reactive store with each flush (not per event) */
let stepsSeen = 0;
let dirty = false;
let flushTimer: ReturnType<typeof setInterval> | null = null;

function scheduleFlush(): void {
  dirty = true;
  if (flushTimer) return;
  flushTimer = setInterval(() => {
    if (!dirty) return;
    dirty = false;
    if (store.live) store.live.steps = stepsSeen;
    liveSeries.value = markRaw(builder.s);
    triggerRef(liveSeries);
  }, 250);
}

export function currentDataset(): DatasetMeta | null {
  return store.datasets.find((d) => d.id === store.datasetId) ?? null;
}

export function save(): void {
  const s: Saved = {
    datasetId: store.datasetId, model: store.model, config: store.config, limitTrain: store.limitTrain, theme: store.theme,
  };
  localStorage.setItem(SAVED, JSON.stringify(s));
}

export async function refreshDatasets(): Promise<void> {
  store.datasets = await studio().listDatasets();
}

export async function refreshRuns(): Promise<void> {
  store.runs = await studio().listRuns();
}

/**
 * Select a dataset; keep the layer stack but fit its input and output to the data. Moving
 * between pictures and a table, or between a category and a number to predict, starts from
 * the new data's first preset and its settings instead (a table's: chosen for its size).
 */
export function selectDataset(id: string): void {
  const before = currentDataset();
  store.datasetId = id;
  const d = currentDataset();
  // the first dataset of a first start (nothing chosen before, no runs): the quick first run
  const quick = d && !before && store.runs.length === 0 ? firstRunSettings(d) : null;
  if (quick) {
    store.model = quick.model;
    store.config = quick.config;
    store.limitTrain = quick.limitTrain;
  } else if (d) {
    const sameKind = !!before && before.kind === d.kind && taskOf(before) === taskOf(d);
    if (store.model && sameKind) store.model = fitSpecToData(store.model, d);
    else {
      const first = presetList(d)[0];
      store.model = first.spec;
      if (before || d.kind === 'tabular') store.config = first.config;
    }
  }
  save();
}

/** runs started elsewhere whose record is being fetched to follow them, and whether this window is starting a run itself */
const adopting = new Set<string>();
let starting = false;

/**
 * A run started in another window: this window follows it on its Train screen when it trains
 * nothing itself (issue 16: screens in step), so its Start is off with the reason. The trials
 * of a settings search are left to the search's panel.
 */
async function adopt(runId: string): Promise<void> {
  adopting.add(runId);
  try {
    const detail = await studio().getRun(runId);
    if (detail.group || starting || liveIsTraining() || store.live?.runId === runId) return;
    if (!isActive(detail.status)) return;
    follow(detail, detail.metrics);
    store.runId = runId;
    if (detail.datasetId !== store.datasetId && store.datasets.some((d) => d.id === detail.datasetId)) store.datasetId = detail.datasetId;
    void refreshRuns();
  } catch {
    // gone already (deleted, or ended and cleaned up): the run list says what there is
  } finally {
    adopting.delete(runId);
  }
}

function onRunEvent(runId: string, status: RunStatus, e: TrainEvent | undefined, reason?: string): void {
  const live = store.live;
  if (!live || live.runId !== runId) {
    // a run started elsewhere (another window): followed when this one trains nothing; the history is refreshed
    if (isTraining(status) && !starting && !liveIsTraining() && !adopting.has(runId)) void adopt(runId);
    if (status !== 'running') void refreshRuns();
    return;
  }
  if (live.status !== status) {
    if (status === 'paused') live.pausedAt = Date.now();
    if (live.status === 'paused' && live.pausedAt !== null) {
      live.pausedMs += Date.now() - live.pausedAt;
      live.pausedAt = null;
    }
    live.status = status;
    if (isEnded(status) && live.endedAt === null) live.endedAt = Date.now();
  }
  if (!e) {
    if (reason && (status === 'failed' || status === 'stopped')) live.reason = reason;
    if (!isActive(status)) void refreshRuns();
    return;
  }
  builder.ingest(e);
  switch (e.event) {
    case 'start':
      live.device = e.device;
      live.params = e.params;
      live.stepsPerEpoch = e.stepsPerEpoch;
      live.epochs = e.epochs;
      break;
    case 'batch':
      // batch events may be thinned on the way: count from the event's own position
      stepsSeen = (e.epoch - 1) * e.stepsPerEpoch + e.step;
      if (live.stepsPerEpoch !== e.stepsPerEpoch) live.stepsPerEpoch = e.stepsPerEpoch;
      break;
    case 'done':
      live.testError = e.testError;
      live.checkpointEpoch = e.checkpointEpoch ?? null;
      live.validationError = e.validationError ?? null;
      live.trainingSeconds = (live.secondsBefore ?? 0) + e.seconds;
      if (e.stoppedEarly) live.stoppedEarly = e.stoppedEarly;
      live.epochsTrained = e.epochs;
      if (e.diagnosis) live.diagnosis = e.diagnosis;
      if (e.metrics) live.metrics = e.metrics;
      live.status = 'finished';
      live.endedAt ??= Date.now();
      store.runId = runId;
      void refreshRuns();
      break;
    case 'stopped':
    case 'failed':
      live.reason = e.reason;
      live.status = e.event === 'stopped' ? 'stopped' : 'failed';
      live.endedAt ??= Date.now();
      void refreshRuns();
      break;
    default:
      break;
  }
  scheduleFlush();
}

/** Pause, resume and stop go to this window's trainer for a run it trains, else to the studio. */
export async function pauseLive(): Promise<void> {
  const id = store.live?.runId;
  if (!id) return;
  if (browserRun?.runId === id) browserRun.pause();
  else await studio().pauseRun(id);
}
export async function resumeLive(): Promise<void> {
  const id = store.live?.runId;
  if (!id) return;
  if (browserRun?.runId === id && browserRun.status === 'paused') browserRun.resume();
  else await studio().resumeRun(id);
}
export async function stopLive(): Promise<void> {
  const id = store.live?.runId;
  if (!id) return;
  if (browserRun?.runId === id && ['queued', 'running', 'paused'].includes(browserRun.status)) browserRun.stop('stopped by the user');
  else await studio().stopRun(id);
}

function onImportEvent(e: StudioEvent & { channel: 'import' }): void {
  const st = store.imports.find((i) => i.importId === e.importId);
  if (!st) {
    // an import this window did not start (the bundled MNIST on first start, another window)
    if (e.event === 'done') {
      void refreshDatasets().then(() => {
        if (!store.datasetId) adoptFirstDataset(e.dataset.id);
      });
    }
    return;
  }
  if (e.event === 'progress') {
    st.phase = e.phase;
    st.done = e.done;
    st.total = e.total;
  } else if (e.event === 'done') {
    st.status = 'done';
    void refreshDatasets().then(() => selectDataset(e.dataset.id));
  } else {
    st.status = 'failed';
    // the callout's heading names the file; the message, which starts with it too, goes on from there
    const shown = failedImportText(st.label, forPeople(e.message));
    st.label = shown.label;
    st.message = shown.message;
  }
}

export async function startRun(): Promise<void> {
  const d = currentDataset();
  if (!d || !store.model) throw new Error('Choose a dataset on the Data screen first.');
  const req = {
    datasetId: d.id,
    model: store.model,
    config: store.config,
    ...(store.limitTrain ? { limitTrain: store.limitTrain } : {}),
  };
  let summary: RunSummary;
  // the studio announces the run before it answers: this window is not to follow it as another's
  starting = true;
  try {
    if (store.trainInBrowser) {
      const gpu = store.browserGpu;
      if (!gpu?.available) throw new Error(`This window has no WebGPU to train on${gpu?.reason ? ` (${gpu.reason})` : ''}. Choose another device.`);
      let id = '';
      const started = await BrowserRun.start(studio(), req, { onRun: (status, e, reason) => onRunEvent(id, status, e, reason) }, { allowSoftware: gpu.software });
      id = started.run.runId;
      localRuns.add(id);
      browserRun = started.run;
      summary = started.start.run;
    } else {
      summary = await studio().startRun(req);
    }
  } finally {
    starting = false;
  }
  builder = new SeriesBuilder(undefined, taskOf(d));
  stepsSeen = 0;
  liveSeries.value = markRaw(builder.s);
  store.live = {
    runId: summary.id, status: summary.status, device: summary.device, params: summary.params,
    stepsPerEpoch: 0, epochs: summary.epochs, steps: 0, startedAt: Date.now(), pausedMs: 0, pausedAt: null, endedAt: null, testError: null,
    task: taskOf(d),
  };
  store.runId = summary.id;
  void refreshRuns();
}

/** Shows `run` as the live run, its charts drawn from `history`; the events that come next continue them. */
function follow(run: RunSummary, history: TrainEvent[]): void {
  const task = taskOf(store.datasets.find((d) => d.id === run.datasetId));
  builder = new SeriesBuilder(undefined, task);
  for (const e of history) builder.ingest(e);
  const lastBatch = [...history].reverse().find((m) => m.event === 'batch');
  stepsSeen = lastBatch && lastBatch.event === 'batch' ? (lastBatch.epoch - 1) * lastBatch.stepsPerEpoch + lastBatch.step : 0;
  liveSeries.value = markRaw(builder.s);
  store.live = {
    runId: run.id, status: run.status, device: run.device, params: run.params,
    stepsPerEpoch: 0, epochs: run.epochs, steps: stepsSeen, startedAt: Date.now() - run.seconds * 1000,
    pausedMs: 0, pausedAt: null, endedAt: null, testError: null, secondsBefore: run.seconds, task,
    ...(run.deviceReason ? { deviceReason: run.deviceReason } : {}),
  };
}

/** A stopped or failed run can continue, unless it diverged (engine/run-status.ts). */
export const canContinueRun = canResume;

/** The run this window follows is still training (this window shows one run's controls at a time). */
export function liveIsTraining(): boolean {
  return !!store.live && isActive(store.live.status);
}

/**
 * Continues a stopped or failed run on this computer (the studio resumes it from its newest
 * checkpoint) and follows it on the Train screen. The checkpoint may lie inside an epoch (a
 * stop, or the minute-by-minute save of a long epoch): the run's `steps` say where, and the
 * batches after it, which the run trains again, are left out of the curves here so that they
 * are not drawn twice.
 */
export async function continueRun(id: string): Promise<void> {
  if (liveIsTraining()) throw new Error('Another run is training in this window: stop it, or let it finish, before continuing this one.');
  const detail = await studio().getRun(id);
  if (!canResume({ status: detail.status })) throw new Error(`The run “${detail.name}” is ${detail.status}; only a stopped or failed run can continue.`);
  const done = detail.epochsDone;
  const perEpoch = detail.metrics.find((e) => e.event === 'batch')?.stepsPerEpoch ?? Infinity;
  const stepsIn = Math.max(0, detail.steps - done * perEpoch);
  const history = detail.metrics.filter((e) =>
    // epochs count from 1: the epochs done, and the steps of the next one kept by its checkpoint
    e.event === 'batch' ? e.epoch <= done || (e.epoch === done + 1 && e.step <= stepsIn) : !('epoch' in e) || e.epoch <= done,
  );
  // follow it before asking, so that no event of the continued run arrives before the window listens
  const before = { live: store.live, builder, stepsSeen, series: liveSeries.value };
  follow({ ...detail, status: 'queued' }, history);
  // a run this window trained on its WebGPU continues in the studio: its events are no longer echoes
  const wasLocal = localRuns.delete(id);
  try {
    const summary = await studio().resumeRun(id);
    if (store.live?.runId === id && store.live.status === 'queued') store.live.device = summary.device;
  } catch (err) {
    if (wasLocal) localRuns.add(id);
    store.live = before.live;
    builder = before.builder;
    stepsSeen = before.stepsSeen;
    liveSeries.value = before.series;
    throw err;
  }
  if (browserRun?.runId === id) browserRun = null;
  store.runId = id;
  store.screen = 'train';
  void refreshRuns();
}

export function trackImport(importId: string, label: string): void {
  store.imports.unshift({ importId, label, phase: 'starting', done: 0, total: null, status: 'running' });
}

/**
 * The very first start (no runs, nothing saved): a quick first run (lib/first-run.ts: a small
 * network on part of the pictures, under a minute); later starts: what the person built last
 * time; otherwise the data's first preset.
 */
function adoptFirstDataset(id: string, saved: Partial<Saved> = {}): void {
  const first = store.datasets.find((d) => d.id === id);
  if (!first) return;
  store.datasetId = first.id;
  const quick = !saved.model && !saved.config && store.runs.length === 0 ? firstRunSettings(first) : null;
  if (quick) {
    store.model = quick.model;
    store.config = quick.config;
    store.limitTrain = quick.limitTrain;
    return;
  }
  const preset = presetList(first)[0];
  store.model = saved.model ? fitSpecToData(saved.model, first) : preset.spec;
  if (!saved.config) store.config = preset.config;
}

/** On the very first start the bundled MNIST is still being added: look again for a minute. */
async function waitForFirstDataset(): Promise<void> {
  for (let i = 0; i < 60 && !store.datasetId; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    if (store.datasetId) return;
    try {
      await refreshDatasets();
    } catch {
      continue;
    }
    const d = store.datasets.find((x) => x.format === 'bundled-mnist') ?? store.datasets[0];
    if (d && !store.datasetId) adoptFirstDataset(d.id);
  }
}

/**
 * Another tab or window of this browser chose a dataset or changed the network or settings: this
 * one follows (screens in step). The values are taken as saved, so saving them again writes the
 * same text and raises no event back.
 */
function followOtherWindows(): void {
  window.addEventListener('storage', (ev) => {
    if (ev.key !== SAVED || !ev.newValue) return;
    let s: Partial<Saved>;
    try {
      s = JSON.parse(ev.newValue) as Partial<Saved>;
    } catch {
      return;
    }
    if (s.datasetId && s.datasetId !== store.datasetId && store.datasets.some((d) => d.id === s.datasetId)) store.datasetId = s.datasetId;
    if (s.model) store.model = s.model;
    if (s.config) store.config = s.config;
    if (s.limitTrain !== undefined) store.limitTrain = s.limitTrain;
    if (s.theme) store.theme = s.theme;
  });
}

export async function boot(): Promise<void> {
  const saved = loadSaved();
  store.theme = saved.theme ?? 'auto';
  followOtherWindows();
  const api = studio();
  api.onEvent((e) => {
    if (e.channel === 'import') onImportEvent(e);
    // a settings search's own events: its panel listens (its trials come as runs)
    else if (e.channel === 'tune') return;
    else if (!localRuns.has(e.runId)) {
      // the worker chose the device of an 'auto' run (or of a resume whose device is gone)
      if (e.deviceReason !== undefined && store.live?.runId === e.runId) {
        store.live.deviceReason = e.deviceReason;
        if (e.device) store.live.device = e.device;
      }
      onRunEvent(e.runId, e.status, e.event, e.reason);
    }
  });
  try {
    await Promise.all([refreshDatasets(), refreshRuns()]);
  } catch (err) {
    store.fatal = messageOf(err);
    return;
  }
  if (saved.config) store.config = { ...store.config, ...saved.config };
  if (saved.limitTrain !== undefined) store.limitTrain = saved.limitTrain;
  const first =
    store.datasets.find((d) => d.id === saved.datasetId) ??
    store.datasets.find((d) => d.format === 'bundled-mnist') ??
    store.datasets.find((d) => /mnist/i.test(d.name)) ??
    store.datasets[0];
  if (first) adoptFirstDataset(first.id, saved);
  else void waitForFirstDataset();
  // a run still going (window reloaded while training): follow it
  const running = store.runs.find((r) => r.status === 'running' || r.status === 'paused' || r.status === 'queued');
  if (running) follow(running, (await api.getRun(running.id)).metrics);
  const lastFinished = store.runs.find((r) => r.status === 'finished');
  store.runId = running?.id ?? lastFinished?.id ?? null;
  store.ready = true;
}
