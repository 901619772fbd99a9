/**
 * What the Trainer takes and hands back: its options, the checkpoints it hands to the run
 * folder (at an epoch's end and inside a long epoch), what an epoch's end tells, and the result.
 */
import type { Artifacts } from './artifacts';
import type { RuntimeAdapter } from './runtime';
import type { ModelSpec, RunMetrics, TrainConfig, TrainEvent, TrainingData } from './types';

export interface TrainerCheckpoint {
  /** epochs completed (after epoch 3: 3); events count epochs from 1, see TrainEvent */
  epoch: number;
  /** optimisation steps done in total */
  step: number;
  params: Float32Array[];
  optimizerState: Float32Array[];
  /** the RNG state after the last completed epoch (or, with `partial`, after the last step done) */
  rngState: number[];
  optimizerStep: number;
  /** present when training stopped inside the epoch after those completed (epoch `epoch + 1`): where it stood */
  partial?: PartialEpoch;
  /** at an epoch's end: the validation error after it (null without a validation part) */
  validationError?: number | null;
  /** at an epoch's end, a number to predict: the validation loss after it (what chooses) */
  validationLoss?: number;
}

/**
 * An epoch stopped between two steps. Resuming replays the epoch's permutation from the RNG
 * state it was drawn with and continues at step `stepsDone + 1` with the running sums, so the
 * epoch's mean of batch means and every later step equal those of a run never stopped.
 */
export interface PartialEpoch {
  /** steps of the epoch done */
  stepsDone: number;
  /** sums of the batch losses and batch error rates of those steps */
  lossSum: number;
  errorSum: number;
  /** the RNG state the epoch's permutation was drawn from */
  epochRngState: number[];
  /** seconds the epoch had run */
  seconds: number;
}

/**
 * How often the studio has a long epoch save where it stands (mid-epoch.ckpt): a crash, a
 * power cut or a closed window loses at most this much training; the lecture net's snapshot
 * (9 MB) takes some 40 ms.
 */
export const MID_EPOCH_EVERY_SECONDS = 60;

export interface TrainerOptions {
  spec: ModelSpec;
  config: TrainConfig;
  data: TrainingData;
  runtime: RuntimeAdapter;
  onEvent?: (e: TrainEvent) => void;
  /** called after every epoch (after its test and validation evaluations) with a snapshot */
  onEpochEnd?: (c: TrainerCheckpoint, info: EpochEndInfo) => void | Promise<void>;
  /**
   * Called inside an epoch with a snapshot that `resumeFrom` continues exactly: when stop()
   * ends training there (`stopping`), and every `midEpochEverySeconds` of a long epoch, so a
   * crash loses at most that much training.
   */
  onMidEpoch?: (c: TrainerCheckpoint, info: { stopping: boolean }) => void | Promise<void>;
  /** seconds between the periodic snapshots inside an epoch (default: none, only on a stop) */
  midEpochEverySeconds?: number;
  /** receives the generated ONNX models before training starts (to save them in the run folder) */
  onArtifacts?: (a: Artifacts) => void | Promise<void>;
  resumeFrom?: TrainerCheckpoint;
  /** the test error measured at the checkpoint resumed from: the result's when no epoch is left to train and none is kept */
  resumeTestError?: number | null;
  /** resuming: the checkpoint the run keeps so far (best.ckpt), to go on choosing from it */
  resumeKept?: KeptState | null;
  /**
   * WebGPU: the most bytes the preprocessed training set (float32 samples + int32 labels) may
   * take on the device to be kept there (default DEVICE_DATA_BUDGET); 0 gathers batches on the host
   */
  deviceDataBudget?: number;
}

/**
 * 1 GiB: WebGPU guarantees only 256 MiB buffers and 128 MiB bindings, but adapters allow more
 * (SwiftShader and desktop GPUs 1 GiB or more; onnxruntime asks for the adapter's limits).
 * A set over an adapter's limit is caught by the upload check and trained from the host.
 */
export const DEVICE_DATA_BUDGET = 1024 * 1024 * 1024;

export interface TrainResult {
  status: 'finished' | 'stopped' | 'failed';
  reason?: string;
  /** finished: the kept checkpoint's test error, measured once it is kept; otherwise the last test report */
  testError: number | null;
  epochs: number;
  /** the epoch (from 1) whose weights the run keeps, and its validation error (null without a validation part) */
  checkpointEpoch?: number | null;
  validationError?: number | null;
  /** a finished run stopped early: why */
  stoppedEarly?: string;
  /** a finished run that learned nothing: what happened and what to try */
  diagnosis?: string;
  /** a finished run: the kept model on the test set (absent without a test set) */
  metrics?: RunMetrics;
}

/** What an epoch's end tells the run folder. */
export interface EpochEndInfo {
  /** the periodic test report of this epoch, or null (it chooses nothing) */
  testError: number | null;
  /** the validation error after this epoch, or null without a validation part */
  validationError: number | null;
  /** a number to predict: the validation loss after this epoch (what chooses the kept epoch) */
  validationLoss?: number;
  /** this epoch is now the one the run keeps (lowest validation error, the earlier on a tie; the last epoch without validation) */
  kept: boolean;
  /** training ends after this epoch (the last one, or an early stop) */
  last: boolean;
}

/** The checkpoint a run keeps: its epoch (from 1), its validation error and its parameters. */
export interface KeptState {
  epoch: number;
  validationError: number | null;
  /** a number to predict: the validation loss that chose it (absent: chosen by the error) */
  validationLoss?: number;
  params: Float32Array[];
}

/** The periodic test reports of this session: the latest error and the epoch (from 1) it was measured after. */
export interface TestReports {
  lastTest: number | null;
  lastTestEpoch: number | null;
}

/** Where the epoch being trained stands: what a mid-epoch snapshot records. */
export interface EpochPosition {
  /** the epoch's index, from 0 (epoch `epochIndex + 1` to people) */
  epochIndex: number;
  /** sums of the batch losses and batch error rates of the steps done */
  lossSum: number;
  errorSum: number;
  /** the RNG state the epoch's permutation was drawn from */
  epochRngState: number[];
  /** the epoch's clock: when it started, less the time paused and the earlier part of a continued epoch */
  te: number;
  /** when the last mid-epoch snapshot was taken */
  lastSnapshot: number;
}
