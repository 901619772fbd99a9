/**
 * The Studio API: everything the UI may ask of the host. The renderer sees only this
 * interface (as `window.studio`), whatever carries it: Electron IPC or the web host's
 * WebSocket. Every request is validated on the receiving side (schemas.ts); failures come
 * back as a StudioError with a code, never as an exception across the boundary.
 * Pure types: no node:* or electron imports.
 */
import type { DatasetMeta, PicturePreview } from '../datasets/types';
import type { DeviceChoice, ModelSpec, RunMetrics, Task, TrainConfig, TrainEvent } from '../engine/types';
import type { RawRow, TableChoices, TablePreview } from '../engine/table';
import type { ErrorCode } from '../engine/errors';
import type { ReportedStatus, RunStatus } from '../engine/run-status';
import type { StartTuneRequest, TuneEvent } from './tune-contract';

/** The error codes: one list, in engine/errors.ts (the studio's one error family). */
export type { ErrorCode } from '../engine/errors';
export type { StartTuneRequest, TrialSettings, TuneEvent, TuneOptimizer } from './tune-contract';

export interface StudioErrorShape {
  code: ErrorCode;
  message: string;
}

export interface DatasetPreview {
  /** up to N samples per class: each a PNG as a data: URL, with its label index */
  samples: { label: number; png: string }[];
  /** class histogram of the train and test splits, indexed like classNames */
  histogram: { train: number[]; test: number[] };
}

export interface ImportRequest {
  /** paths the user chose or dropped (files or folders) */
  paths: string[];
  name?: string;
  testFraction?: number;
  /** pictures: the longest side (16–96 px, the aspect kept) or an exact [height, width]; default: the import's choice (photos: 32 px, 28 for greyscale) */
  imageSize?: number | [number, number];
  /** pictures: 1 = greyscale, 3 = colour; default: colour if any picture has colour */
  channels?: 1 | 3;
  /** pictures: keep the aspect by a centre crop instead of padding */
  crop?: boolean;
  /** tables: the column to predict, what to predict, column types, the sheet (the preview shows what they give) */
  table?: TableChoices;
  /** tables: leave out rows with a cell that does not fit its column's type instead of refusing the import */
  dropBadRows?: boolean;
  /**
   * pictures: add them to this picture dataset (an id). The dataset stays as it is; a new
   * dataset, its next version, holds its samples and the new pictures (brought to its size and colour).
   */
  addTo?: string;
}

/** The longest side pictures are brought to by default (colour 3, greyscale 1): the camera takes its pictures at this size. */
export { DEFAULT_LONG_SIDE } from '../datasets/image-settings';

export type ImportEvent =
  | { event: 'progress'; importId: string; phase: string; done: number; total: number | null }
  | { event: 'done'; importId: string; dataset: DatasetMeta }
  | { event: 'failed'; importId: string; message: string };

/**
 * Files dropped or picked in a browser window have no path on the host. The renderer sends
 * their bytes in batches (base64, a few MB per call, the same uploadId for one drop); the
 * host stores them under `<home>/uploads/<uploadId>/<relativePath>` and answers the
 * top-level entries of that folder, ready for importDataset. relativePath keeps the dropped
 * folder's structure (e.g. "digits/3/img01.png"); it must not escape the upload folder.
 */
export interface UploadRequest {
  uploadId?: string;
  /**
   * append: add these bytes to the end of the file already uploaded at relativePath (a file
   * larger than one message goes in chunks: the first without append, the rest with it).
   * One WebSocket message may carry at most 64 MiB (base64 included).
   */
  files: { relativePath: string; base64: string; append?: boolean }[];
}

/** A run's status: the one list and its predicates are engine/run-status.ts. */
export type { RunStatus };

export interface RunSummary {
  id: string;
  name: string;
  status: RunStatus;
  reason?: string;
  datasetId: string;
  datasetName: string;
  architecture: string;
  params: number;
  /** the device the run trains on ('cpu', 'cuda', ..., 'browser-webgpu'); 'auto' until its worker has chosen */
  device: string;
  /**
   * why that device: 'auto's timings of the run's model on every device ("auto chose cpu:
   * cpu 41.2 steps/s, webgpu not timed (software adapter, ...), cuda unavailable (...)"), or
   * why a resumed run could not continue on its device. Absent for an explicit choice.
   */
  deviceReason?: string;
  /** the sweep this run is a trial of ("Find good settings for me"), shared by all its trials */
  group?: string;
  /** the training samples (the validation part comes out of them) and test samples the run uses; absent in runs of older studios */
  samples?: { train: number; test: number };
  createdAt: string;
  epochsDone: number;
  /** optimisation steps in its newest checkpoint: past epochsDone's steps when it was saved inside an epoch */
  steps: number;
  epochs: number;
  /** run.json's progress.bestTestError: the kept model's test error (runs of older studios: the lowest test error) */
  bestTestError: number | null;
  /** the latest periodic test report ("check on the test set every N epochs"): it chooses nothing */
  lastTestError: number | null;
  /** training seconds, pauses left out */
  seconds: number;
  note?: string;
  /**
   * The one figure the studio quotes for a run: the test error of the model it keeps
   * (best.ckpt: Export, Try it and the pickers use it), measured once it is kept, and the
   * epoch (from 1) whose weights those are; the validation error that chose it.
   */
  testError: number | null;
  checkpointEpoch: number | null;
  validationError: number | null;
  /** the rule that chose the kept model: the lowest validation error; the last epoch (no validation part); the lowest test error (runs of older studios) */
  keptBy: 'validation' | 'last' | 'test';
  /** a finished run stopped before its last epoch: why (early stopping) */
  stoppedEarly?: string;
  /** a finished run that learned nothing: what happened and what to try (shown as a problem) */
  diagnosis?: string;
  /** what the run predicts; absent: a category */
  task?: Task;
  /**
   * the kept model on the test set: { accuracy } for a category, { mae, rmse, r2 } (the
   * target's units) for a number; absent before the run finishes or without a test set. For a
   * number, testError is the test MAE. (RunDetail.metrics is the training curve.)
   */
  testMetrics?: RunMetrics;
}

export interface RunDetail extends RunSummary {
  model: ModelSpec;
  config: TrainConfig;
  /** per-epoch and test metrics (batch events are thinned to at most ~2000 points) */
  metrics: TrainEvent[];
}

export interface StartRunRequest {
  datasetId: string;
  model: ModelSpec;
  config: TrainConfig;
  name?: string;
  /** train on the first N samples only (quick trials) */
  limitTrain?: number;
  limitTest?: number;
  /** the sweep the run is a trial of (a settings search sets it) */
  group?: string;
}

/**
 * A run trained by the engine inside a browser window (onnxruntime-web on the window's
 * WebGPU), for machines where only the browser's WebGPU works. The host still owns the run:
 * beginBrowserRun creates its record (device 'browser-webgpu'); the window reads the
 * training data in chunks (one WebSocket message carries at most 64 MiB), trains, and
 * reports its events and epoch checkpoints with reportBrowserRun, which the host writes to
 * metrics.jsonl and the checkpoint folder exactly as for a worker run (so Evaluate, Export,
 * Runs, compare and resume on the CPU work the same).
 */
export const BROWSER_DEVICE = 'browser-webgpu';

export interface BrowserRunStart {
  run: RunSummary;
  /** what the window needs to rebuild the TrainingData from the chunks */
  data: {
    name: string;
    sampleShape: number[];
    sampleSize: number;
    classNames: string[];
    preprocess: { scale: number; mean: number[]; std: number[] };
    /** 'uint8' for images (raw 0-255), 'float32' for feature tables */
    dtype: 'uint8' | 'float32';
    /** what is predicted (absent: a category); a number's y chunks are float32 in the target's units */
    task?: Task;
    /** a number to predict: the training mean and standard deviation its target is standardised with */
    target?: { mean: number; std: number };
    train: number;
    test: number;
    /** at most this many samples per readBrowserRunData call */
    chunkSamples: number;
  };
}

export interface BrowserDataChunk {
  /** the samples' values, row after row (uint8 or little-endian float32), base64 */
  x: string;
  /** the labels as little-endian int32 (a number to predict: the target values as little-endian float32), base64 */
  y: string;
  count: number;
}

/** A dropped picture as the network sees it: pixel values 0..255 in the dataset's sample shape (like getSample). */
export interface PreparedImage {
  shape: number[];
  values: number[];
}

/** A float32 tensor as little-endian bytes in base64. */
export type Float32Base64 = string;

export interface BrowserCheckpoint {
  /** epochs completed */
  epoch: number;
  step: number;
  params: Float32Base64[];
  optimizerState: Float32Base64[];
  rngState: number[];
  optimizerStep: number;
  /** the test error measured at this epoch's end, if any (null for a checkpoint inside an epoch) */
  testError: number | null;
  /**
   * a checkpoint taken inside epoch `epoch + 1` (a stop, or the periodic save of a long
   * epoch): where that epoch stood; `epoch` is then the epochs completed so far
   */
  partial?: { stepsDone: number; lossSum: number; errorSum: number; epochRngState: number[]; seconds: number };
  /** at an epoch's end: its validation error (null without a validation part) */
  validationError?: number | null;
  /** at an epoch's end, a number to predict: its validation loss (what chose the kept epoch) */
  validationLoss?: number;
  /** at an epoch's end: it is now the epoch the run keeps (the window's trainer chose it on the validation part) */
  kept?: boolean;
  /** at an epoch's end: training ends after it (the last epoch, or an early stop) */
  last?: boolean;
}

export interface BrowserRunReport {
  /** the run's events since the last report, in order (batch events thinned by the window) */
  events: TrainEvent[];
  /** the epoch just completed (one report per epoch end), or where the current one stands (`partial`) */
  checkpoint?: BrowserCheckpoint;
  /** 'paused' / 'running' when the person pauses or resumes; a terminal status ends the run */
  status?: ReportedStatus;
  reason?: string;
}

export interface BrowserRunReply {
  run: RunSummary;
  /** what another window (or the API) asked of this run since the last report */
  request?: 'pause' | 'resume' | 'stop';
}

/** pictures of mistakes kept per cell of the confusion matrix, and in all (EvaluationResult.mistakes) */
export const MISTAKES_PER_CELL = 12;
export const MAX_MISTAKES = 1000;

/** the worst predictions of a number model kept by evaluateRun (EvaluationResult.regression.worst) */
export const WORST_PREDICTIONS = 20;

/**
 * A number model on the test set, for the predicted-against-actual scatter and the residual
 * histogram (residual = actual − predicted), in the target's units.
 */
export interface RegressionEvaluation {
  /** the target column's name */
  target: string;
  /** every test sample's predicted and actual value, in test order */
  predicted: number[];
  actual: number[];
  /** the test indices of the WORST_PREDICTIONS largest absolute errors, worst first */
  worst: number[];
}

export interface EvaluationResult {
  runId: string;
  /** what the run predicts; absent: a category */
  task?: Task;
  /** { accuracy } for a category, { mae, rmse, r2 } for a number */
  metrics?: RunMetrics;
  /** a number model: predicted and actual values (confusion, perClassAccuracy and mistakes are then empty) */
  regression?: RegressionEvaluation;
  /** the fraction wrong (a number: the mean absolute error in the target's units) */
  testError: number;
  classNames: string[];
  /** confusion[true][predicted] */
  confusion: number[][];
  perClassAccuracy: number[];
  /**
   * misclassified test samples (index into the test split), in test order: up to
   * MISTAKES_PER_CELL of each (true, predicted) cell, taken round by round so that every cell
   * shows some, and MAX_MISTAKES in all (fewer for large samples: ~16 MiB of pictures)
   */
  mistakes: { index: number; label: number; predicted: number; png?: string }[];
  /** the network evaluated: the checkpoint after `epoch` epochs, the run's best (lowest test error) or its last */
  checkpoint: { epoch: number; best: boolean };
  /** first layer weights as images, when the input is an image */
  firstLayer?: { png: string }[];
}

export interface ExportOptions {
  /** the person agreed to replace an existing .onnx, .md or .verification.json of that name */
  overwrite?: boolean;
}

export interface ExportResult {
  path: string;
  /**
   * the written files relative to the studio folder ('/'-separated), when they lie in it: the
   * web host serves them at /download/<relative path> (a browser gets the file as a download)
   */
  download?: { model: string; modelCard: string; report: string };
  /**
   * agreement with the studio's own predictions over the whole test set; a model that predicts a
   * number: labelAgreement is the share of values that agree, maxValueDiff the largest difference in the target's units
   */
  verification: { samples: number; labelAgreement: number; maxProbDiff: number; ok: boolean; maxValueDiff?: number };
  modelCard: string;
}

export interface DeviceInfo {
  /** one of NODE_DEVICES (engine/types.ts); the Train screen adds 'browser-webgpu' */
  id: string;
  kind: 'cpu' | 'gpu' | 'software-gpu';
  name: string;
  available: boolean;
  /** measured training steps per second of a reference model, if measured */
  stepsPerSecond?: number;
  note?: string;
}

export type StudioEvent =
  | ({ channel: 'import' } & ImportEvent)
  /** device and deviceReason: the worker has chosen the run's device ('auto', or a resume whose device is gone) */
  | { channel: 'run'; runId: string; status: RunStatus; event?: TrainEvent; reason?: string; device?: string; deviceReason?: string }
  /** a settings search ("Find good settings for me"): its trials are runs, whose own events come on 'run' */
  | { channel: 'tune'; sweep: string; event: TuneEvent };

/**
 * What an epoch's duration depends on: the network, the batch, the optimizer (Adam does more
 * per step than SGD; default plain SGD), the device, and how many samples an epoch trains on
 * (the training set less its validation part, default none).
 */
export interface EstimateRequest {
  datasetId: string;
  model: ModelSpec;
  batchSize: number;
  device: DeviceChoice;
  optimizer?: TrainConfig['optimizer'];
  validation?: number;
}

/** An epoch's estimated duration; for 'auto', on the device auto would choose (device, deviceReason). */
export interface EpochEstimate {
  seconds: number;
  stepsPerSecond: number;
  device: string;
  deviceReason?: string;
}

/** Bytes [from, from + count) of something the host holds. */
export interface ByteRange {
  from: number;
  count: number;
}

/** A run's network for Try it: ONNX bytes as base64 (all of them, or the asked range), and what a window needs to feed it. */
export interface InferenceModel {
  onnxBase64: string;
  /** the whole model's size in bytes */
  size: number;
  /** which checkpoint the bytes come from ("best 3"): parts fetched under different labels do not belong together */
  checkpoint: string;
  inputShape: number[];
  classNames: string[];
}

export interface StudioApi {
  // datasets
  listDatasets(): Promise<DatasetMeta[]>;
  getDataset(id: string): Promise<DatasetMeta>;
  previewDataset(id: string, perClass: number): Promise<DatasetPreview>;
  importDataset(req: ImportRequest): Promise<{ importId: string }>;
  /** what importing these pictures with these options would make, nothing stored (the import preview); pictures only */
  previewPictures(req: ImportRequest): Promise<PicturePreview>;
  /** what importing this table with these choices would store, nothing stored (the table import preview) */
  previewTable(req: ImportRequest): Promise<TablePreview>;
  /** a table dataset's test rows as the person wrote them (by position in the test split), under the original column names */
  tableRows(id: string, split: 'test', indices: number[]): Promise<RawRow[]>;
  cancelImport(importId: string): Promise<void>;
  /** store dropped/picked file bytes on the host (web host; Electron may also use it) */
  uploadFiles(req: UploadRequest): Promise<{ uploadId: string; paths: string[] }>;
  /** Electron only (absent in a browser): real paths of dropped File objects, via webUtils.getPathForFile */
  pathsForFiles?(files: File[]): string[];
  /** Electron only (absent in a browser): the native open dialog for files or folders; [] when cancelled */
  chooseImportPaths?(): Promise<string[]>;
  /**
   * Electron only (absent in a browser): the native save dialog for an export, opened at a file
   * name in the folder used last, or at a path the person typed ("~/Desktop/digits.onnx"); null when cancelled
   */
  chooseSavePath?(defaultName: string): Promise<string | null>;
  /** Electron only (absent in a browser): shows an exported file in the system's file manager; false when it is not there */
  showInFolder?(file: string): Promise<boolean>;

  renameDataset(id: string, name: string): Promise<DatasetMeta>;
  deleteDataset(id: string): Promise<void>;
  /** a dataset sample as raw values (for "Try it" and the mistakes gallery) */
  getSample(id: string, split: 'train' | 'test', index: number): Promise<{ shape: number[]; values: number[]; label: number }>;
  /**
   * a picture file (its bytes, base64) brought to the dataset's sample the way its import
   * brought its own pictures (size, pad or crop, colour): "Try it" for a dropped picture
   */
  prepareImage(id: string, picture: { name: string; base64: string }): Promise<PreparedImage>;

  // runs
  /**
   * Queues a run in a worker. An explicit device that cannot be used here is refused before
   * anything is created (the message names the device, the reason and what to install); with
   * 'auto' the worker times the run's model on each available hardware device and records
   * the choice (RunSummary.deviceReason).
   */
  startRun(req: StartRunRequest): Promise<RunSummary>;
  pauseRun(id: string): Promise<RunSummary>;
  resumeRun(id: string): Promise<RunSummary>;
  stopRun(id: string): Promise<RunSummary>;
  /** "Find good settings for me": a settings search within about `minutes`; its events come on the 'tune' channel */
  startTune(req: StartTuneRequest): Promise<{ sweep: string }>;
  /** ends a search after the trial training now; the best trial so far is still finished and reported */
  stopTune(sweep: string): Promise<void>;
  listRuns(): Promise<RunSummary[]>;
  getRun(id: string): Promise<RunDetail>;
  compareRuns(ids: string[]): Promise<RunDetail[]>;
  deleteRun(id: string): Promise<void>;
  setRunNote(id: string, note: string): Promise<RunSummary>;
  /** renames a run (one line, at most 120 characters; an empty name is refused) */
  renameRun(id: string, name: string): Promise<RunSummary>;
  evaluateRun(id: string): Promise<EvaluationResult>;
  /** the run's inference model (ONNX bytes, base64) for in-renderer inference; with `range`, only those bytes (a large network comes in parts) */
  getInferenceModel(id: string, range?: ByteRange): Promise<InferenceModel>;
  /**
   * target: absent (or null) for the run's own export folder; a file name ("digits.onnx") for
   * the studio's exports folder; an absolute path only inside that folder, or (Electron) one
   * picked in the save dialog. Existing files are refused ('conflict') unless options.overwrite.
   */
  exportRun(id: string, target?: string | null, options?: ExportOptions): Promise<ExportResult>;

  // runs trained in a browser window (see BrowserRunStart)
  beginBrowserRun(req: StartRunRequest): Promise<BrowserRunStart>;
  readBrowserRunData(id: string, split: 'train' | 'test', from: number, count: number): Promise<BrowserDataChunk>;
  reportBrowserRun(id: string, report: BrowserRunReport): Promise<BrowserRunReply>;

  // system
  listDevices(): Promise<DeviceInfo[]>;
  /** an unavailable device is refused with the reason; 'auto' times every available hardware device */
  estimateEpochSeconds(req: EstimateRequest): Promise<EpochEstimate>;

  // events
  onEvent(listener: (e: StudioEvent) => void): () => void;
}
