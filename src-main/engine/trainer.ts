/**
 * The training loop, as the lecture runs it: epochs over a fresh seeded permutation of the
 * training set, mini-batches in that order (the last partial batch is trained too), one
 * run() of train.onnx per step, running loss and error per epoch as the mean of the batch
 * means, test evaluation every N epochs and at the end over the test set in order, a
 * learning-rate schedule, wall time per epoch and the parameter count.
 *
 * On CPU a step allocates nothing: the parameters ping-pong between two pre-allocated sets
 * of tensors (run(feeds, fetches)), and batches are gathered into reused buffers. On WebGPU
 * the parameters and optimizer state stay on the device between steps, and so does the
 * training set where it fits the device-data budget: it is preprocessed once, uploaded once,
 * and train.onnx's gather variant picks each batch's rows there, so only the batch's sample
 * indices and dropout masks (and the scalar learning rate and optimizer scalars) cross per
 * step. Over the budget, or where the adapter refuses the upload, batches are gathered on the
 * host as on the CPU, and the 'start' event's device label says why.
 */
import type { InferenceSession, Tensor } from 'onnxruntime-common';
import { buildArtifacts, buildEvalGraph, DATASET_X, DATASET_Y, INDICES, nextName, SAMPLES, type Artifacts } from './artifacts';
import { initParams } from './init';
import { GraphBuilder } from './onnx/builder';
import { Rng } from './rng';
import type { RuntimeAdapter } from './runtime';
import { countParams, lrAt, paramInfos, validateConfig, validateSpec } from './spec';
import { optimizerScalarValues } from './optimizers';
import { RunWatch } from './kept';
import { carveValidation, diagnose, majorityClass, majorityError, validationFraction, type ValidationSplitInfo } from './validation';
import { DIVERGED, type DataSplit, type ModelSpec, type Preprocess, type TrainConfig, type TrainEvent, type TrainingData } from './types';

export interface TrainerCheckpoint {
  /** epochs completed */
  epoch: number;
  /** optimisation steps done in total */
  step: number;
  params: Float32Array[];
  optimizerState: Float32Array[];
  /** the RNG state after the last completed epoch (or, with `partial`, after the last step done) */
  rngState: number[];
  optimizerStep: number;
  /** present when training stopped inside epoch `epoch` (0-based): where that epoch stood */
  partial?: PartialEpoch;
  /** at an epoch's end: the validation error after it (null without a validation part) */
  validationError?: number | null;
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

const mb = (bytes: number): string => (bytes < 1e6 ? `${(bytes / 1e3).toFixed(1)} kB` : `${(bytes / 1e6).toFixed(bytes < 1e7 ? 1 : 0)} MB`);

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
}

/** What an epoch's end tells the run folder. */
export interface EpochEndInfo {
  /** the periodic test report of this epoch, or null (it chooses nothing) */
  testError: number | null;
  /** the validation error after this epoch, or null without a validation part */
  validationError: number | null;
  /** this epoch is now the one the run keeps (lowest validation error, the earlier on a tie; the last epoch without validation) */
  kept: boolean;
  /** training ends after this epoch (the last one, or an early stop) */
  last: boolean;
}

/** The checkpoint a run keeps: its epoch (from 1), its validation error and its parameters. */
export interface KeptState {
  epoch: number;
  validationError: number | null;
  params: Float32Array[];
}

/** value' = (value · scale − mean[c]) / std[c] as value·a[j] + b[j] per input position. */
export function affineFor(pre: Preprocess, sampleSize: number): { a: Float32Array; b: Float32Array } {
  const a = new Float32Array(sampleSize);
  const b = new Float32Array(sampleSize);
  const channels = pre.mean.length;
  const per = channels > 0 ? sampleSize / channels : sampleSize;
  for (let j = 0; j < sampleSize; j++) {
    const c = channels > 1 ? Math.floor(j / per) : 0;
    const mean = pre.mean[c] ?? 0;
    const std = pre.std[c] ?? 1;
    a[j] = pre.scale / std;
    b[j] = -mean / std;
  }
  return { a, b };
}

/** Copies samples `order[from..from+count)` of `split`, preprocessed, into `x` and `y`. */
export function gather(
  split: DataSplit,
  order: Int32Array | null,
  from: number,
  count: number,
  d: number,
  aff: { a: Float32Array; b: Float32Array },
  x: Float32Array,
  y: Int32Array,
): void {
  const src = split.x;
  const { a, b } = aff;
  for (let r = 0; r < count; r++) {
    const idx = order ? order[from + r] : from + r;
    const off = idx * d;
    const dst = r * d;
    for (let j = 0; j < d; j++) x[dst + j] = src[off + j] * a[j] + b[j];
    y[r] = split.y[idx];
  }
}

/** The periodic test reports of this session: the latest error and the epoch (from 1) it was measured after. */
interface TestReports {
  lastTest: number | null;
  lastTestEpoch: number | null;
}

class Gate {
  private waiting: (() => void) | null = null;
  private closed = false;
  close(): void {
    this.closed = true;
  }
  open(): void {
    this.closed = false;
    const w = this.waiting;
    this.waiting = null;
    w?.();
  }
  get isClosed(): boolean {
    return this.closed;
  }
  async pass(): Promise<void> {
    if (!this.closed) return;
    await new Promise<void>((resolve) => (this.waiting = resolve));
  }
}

interface StepBuffers {
  n: number;
  /** host gathering: the batch and its labels (empty when the set is on the device) */
  x: Float32Array;
  y: Int32Array;
  /** device gathering: the batch's rows in the training set */
  idx: Int32Array;
  masks: Float32Array[];
  feedsFrom: Record<string, Tensor>[];
}

export class Trainer {
  private readonly spec: ModelSpec;
  private readonly config: TrainConfig;
  private readonly data: TrainingData;
  /** the validation part carved out of the training set, or null (fraction 0) */
  private readonly validation: DataSplit | null = null;
  private readonly splitInfo: ValidationSplitInfo | null = null;
  private readonly rt: RuntimeAdapter;
  private readonly opts: TrainerOptions;
  private stopReason: string | null = null;
  private readonly gate = new Gate();
  private artifacts!: Artifacts;
  private trainSession!: InferenceSession;
  private evalSession!: InferenceSession;
  /** WebGPU: copies the device-resident parameters and state to host memory */
  private snapshotSession: InferenceSession | null = null;
  /** WebGPU: the preprocessed training set on the device, and the session that put it there */
  private deviceData: { x: Tensor; y: Tensor; session: InferenceSession } | null = null;
  /** why batches are gathered where they are (appended to the device label), '' on CPU */
  private dataNote = '';
  /** CPU: the two ping-pong sets of parameter+state tensors; WebGPU: sets[0] holds the current ones */
  private sets: Tensor[][] = [[], []];
  private cur = 0;
  private rng!: Rng;
  private epoch = 0;
  private step = 0;
  private optimizerStep = 0;
  private readonly aff: { a: Float32Array; b: Float32Array };
  private readonly d: number;

  constructor(opts: TrainerOptions) {
    validateSpec(opts.spec);
    validateConfig(opts.config);
    this.opts = opts;
    this.spec = opts.spec;
    this.config = opts.config;
    this.data = opts.data;
    this.rt = opts.runtime;
    this.d = opts.data.sampleSize;
    const inSize = opts.spec.inputShape.reduce((a, b) => a * b, 1);
    if (inSize !== this.d) throw new Error(`The model expects ${inSize} input values per sample but the dataset has ${this.d}.`);
    if (opts.data.train.n < 1) throw new Error('The training set is empty.');
    const maxLabel = opts.spec.classes;
    for (const split of [opts.data.train, opts.data.test]) {
      for (let i = 0; i < split.n; i++) {
        const l = split.y[i];
        if (!(l >= 0 && l < maxLabel)) throw new Error(`Sample ${i} has label ${l}, outside the model's ${maxLabel} classes.`);
      }
    }
    this.aff = affineFor(opts.data.preprocess, this.d);
    const fraction = validationFraction(opts.config);
    if (fraction > 0) {
      const carved = carveValidation(opts.data.train, fraction, opts.config.seed);
      this.data = { ...opts.data, train: carved.train };
      this.validation = carved.validation;
      this.splitInfo = { fraction, seed: opts.config.seed, train: carved.train.n, validation: carved.validation.n };
    }
  }

  /** what the run set aside to choose with (null: nothing) */
  get validationSplit(): ValidationSplitInfo | null {
    return this.splitInfo;
  }

  get paramCount(): number {
    return countParams(this.spec);
  }

  stop(reason = 'Stopped by the user.'): void {
    this.stopReason = reason;
    this.gate.open();
  }

  pause(): void {
    this.gate.close();
  }

  resume(): void {
    this.gate.open();
  }

  get paused(): boolean {
    return this.gate.isClosed;
  }

  private emit(e: TrainEvent): void {
    this.opts.onEvent?.(e);
  }

  private get tensorNames(): string[] {
    return [...this.artifacts.params.map((p) => p.name), ...this.artifacts.state.map((s) => s.name)];
  }

  private async setup(): Promise<void> {
    const { spec, config, rt } = this;
    const n = this.data.train.n;
    const dataBytes = n * this.d * 4 + n * 4;
    const budget = this.opts.deviceDataBudget ?? DEVICE_DATA_BUDGET;
    const onDevice = rt.device === 'webgpu' && dataBytes <= budget;
    if (rt.device === 'webgpu' && !onDevice) {
      this.dataNote = budget > 0 ? `batches gathered on the host: the training set takes ${mb(dataBytes)}, over the ${mb(budget)} device-data budget` : 'batches gathered on the host';
    }
    this.artifacts = buildArtifacts(spec, config.optimizer, { gatherTrain: onDevice });
    await this.opts.onArtifacts?.(this.artifacts);
    const gpu = rt.device === 'webgpu';
    const gpuOutputs = gpu ? { gpuOutputs: this.tensorNames.map(nextName) } : undefined;
    if (gpu) await this.uploadTrainingSet();
    this.trainSession = await rt.createSession(this.deviceData ? this.artifacts.trainGather! : this.artifacts.train, gpuOutputs);
    this.evalSession = await rt.createSession(this.artifacts.eval);
    if (gpu) {
      // onnxruntime-node cannot download a gpu-buffer tensor with getData() (it aborts the
      // process); a session of Identity nodes with host outputs copies them instead.
      const b = new GraphBuilder('snapshot');
      const shapes = [...this.artifacts.params.map((p) => p.shape), ...this.artifacts.state.map((s) => s.shape)];
      this.tensorNames.forEach((n, i) => b.outputAs(b.input(n, 'float32', shapes[i]), `${n}.host`));
      this.snapshotSession = await rt.createSession(b.toModel());
    }

    const r = this.opts.resumeFrom;
    const params = r ? r.params.map((p) => p.slice()) : initParams(spec, config.init, config.seed);
    const state = r ? r.optimizerState.map((s) => s.slice()) : this.artifacts.state.map((s) => new Float32Array(s.shape.reduce((a, b) => a * b, 1)));
    if (params.length !== this.artifacts.params.length || state.length !== this.artifacts.state.length) {
      throw new Error('The checkpoint does not match this model (different number of parameters or optimizer state).');
    }
    const shapes = [...this.artifacts.params.map((p) => p.shape), ...this.artifacts.state.map((s) => s.shape)];
    const values = [...params, ...state];
    values.forEach((v, i) => {
      if (v.length !== shapes[i].reduce((a, b) => a * b, 1)) throw new Error(`The checkpoint's ${this.tensorNames[i]} has the wrong size.`);
    });
    this.sets[0] = values.map((v, i) => new rt.Tensor('float32', v, shapes[i]));
    if (!gpu) this.sets[1] = values.map((v, i) => new rt.Tensor('float32', new Float32Array(v.length), shapes[i]));
    if (r?.partial) {
      const p = r.partial;
      const steps = Math.ceil(this.data.train.n / config.batchSize);
      if (!Number.isInteger(p.stepsDone) || p.stepsDone < 1 || p.stepsDone >= steps || !Number.isFinite(p.lossSum) || !Number.isFinite(p.errorSum)) {
        throw new Error(`The checkpoint stopped after step ${p.stepsDone} of an epoch, which does not fit this training (${steps} steps per epoch).`);
      }
      if (r.epoch >= config.epochs) throw new Error(`The checkpoint stopped inside epoch ${r.epoch + 1}, past the ${config.epochs} epochs of this training.`);
    }
    this.rng = new Rng(r ? r.rngState : config.seed);
    this.epoch = r ? r.epoch : 0;
    this.step = r ? r.step : 0;
    this.optimizerStep = r ? r.optimizerStep : 0;
  }

  /**
   * WebGPU: preprocesses the training set once, uploads it through a session of Identity
   * nodes with device outputs, and checks three rows gathered back against the host's copy.
   * Any refusal (a buffer over the adapter's limits, out of device memory) leaves
   * `deviceData` null: batches are then gathered on the host, and the note says why.
   */
  private async uploadTrainingSet(): Promise<void> {
    if (!this.artifacts.trainGather) return;
    const { rt, d } = this;
    const split = this.data.train;
    const n = split.n;
    const b = new GraphBuilder('upload');
    const hx = b.input(`${DATASET_X}.host`, 'float32', [SAMPLES, d]);
    const hy = b.input(`${DATASET_Y}.host`, 'int32', [SAMPLES]);
    const check = b.input('check', 'int32', [3]);
    b.outputAs(hx, DATASET_X);
    b.outputAs(hy, DATASET_Y);
    b.outputAs(b.op('Gather', [DATASET_X, check], { shape: [3, d] }, { axis: 0 }), 'check.x');
    b.outputAs(b.op('Gather', [DATASET_Y, check], { shape: [3] }, { axis: 0 }), 'check.y');
    let session: InferenceSession | null = null;
    let out: Record<string, Tensor> | null = null;
    try {
      const x = new Float32Array(n * d);
      const y = new Int32Array(n);
      gather(split, null, 0, n, d, this.aff, x, y);
      const rows = [0, n >> 1, n - 1];
      session = await rt.createSession(b.toModel(), { gpuOutputs: [DATASET_X, DATASET_Y] });
      out = await session.run({
        [`${DATASET_X}.host`]: new rt.Tensor('float32', x, [n, d]),
        [`${DATASET_Y}.host`]: new rt.Tensor('int32', y, [n]),
        check: new rt.Tensor('int32', Int32Array.from(rows), [3]),
      });
      const cx = out['check.x'].data as Float32Array;
      const cy = out['check.y'].data as Int32Array;
      rows.forEach((r, k) => {
        if (cy[k] !== y[r] || cx.subarray(k * d, (k + 1) * d).some((v, j) => v !== x[r * d + j])) {
          throw new Error(`sample ${r} read back from the device differs from the host's`);
        }
      });
      this.deviceData = { x: out[DATASET_X], y: out[DATASET_Y], session };
      this.dataNote = `training set on the device (${mb(x.byteLength + y.byteLength)}), batches gathered there`;
    } catch (err) {
      out?.[DATASET_X]?.dispose();
      out?.[DATASET_Y]?.dispose();
      await session?.release().catch(() => undefined);
      const why = (err instanceof Error ? err.message : String(err)).split('\n')[0];
      this.dataNote = `batches gathered on the host: the device did not take the training set (${why})`;
    }
  }

  private makeBuffers(n: number): StepBuffers {
    const { rt } = this;
    const dev = this.deviceData;
    const x = new Float32Array(dev ? 0 : n * this.d);
    const y = new Int32Array(dev ? 0 : n);
    const idx = new Int32Array(dev ? n : 0);
    const masks = this.artifacts.dropout.map((s) => new Float32Array(n * s.units));
    const common: Record<string, Tensor> = dev
      ? { [DATASET_X]: dev.x, [DATASET_Y]: dev.y, [INDICES]: new rt.Tensor('int32', idx, [n]) }
      : { x: new rt.Tensor('float32', x, [n, this.d]), labels: new rt.Tensor('int32', y, [n]) };
    this.artifacts.dropout.forEach((s, i) => (common[s.name] = new rt.Tensor('float32', masks[i], [n, s.units])));
    const feedsFrom = [0, 1].map(() => ({ ...common }));
    return { n, x, y, idx, masks, feedsFrom };
  }

  /** Runs the whole training. Never throws: failures come back as status 'failed'. */
  async run(): Promise<TrainResult> {
    const t0 = now();
    const reports: TestReports = { lastTest: this.opts.resumeTestError ?? null, lastTestEpoch: null };
    let stoppedEarly: string | null = null;
    try {
      await this.setup();
      const { config, data } = this;
      const bs = config.batchSize;
      const nTrain = data.train.n;
      const stepsPerEpoch = Math.ceil(nTrain / bs);
      this.emit({
        event: 'start',
        params: this.paramCount,
        device: this.dataNote ? `${this.rt.label}; ${this.dataNote}` : this.rt.label,
        stepsPerEpoch,
        epochs: config.epochs,
        ...(this.splitInfo ? { validation: this.splitInfo } : {}),
      });
      const watch = new RunWatch(this.opts.resumeKept ?? null);

      const full = this.makeBuffers(Math.min(bs, nTrain));
      const lastN = nTrain % bs;
      const partial = lastN > 0 && nTrain > bs ? this.makeBuffers(lastN) : null;
      const lrT = new this.rt.Tensor('float32', new Float32Array(1), []);
      const scalarNames = this.artifacts.scalars;
      const scalarT = scalarNames.map(() => new this.rt.Tensor('float32', new Float32Array(1), []));
      const lossT = new this.rt.Tensor('float32', new Float32Array(1), []);
      const errT = new this.rt.Tensor('float32', new Float32Array(1), []);
      for (const buf of partial ? [full, partial] : [full]) {
        for (const f of buf.feedsFrom) {
          f.lr = lrT;
          scalarNames.forEach((n, i) => (f[n] = scalarT[i]));
        }
      }
      const order = new Int32Array(nTrain);
      const names = this.tensorNames;
      const gpu = this.rt.device === 'webgpu';
      // CPU: fetchesInto[k] writes the step's results into parameter set k
      const fetchesInto = gpu
        ? []
        : [0, 1].map((k) => {
            const f: Record<string, Tensor> = { loss: lossT, errors: errT };
            names.forEach((n, i) => (f[nextName(n)] = this.sets[k][i]));
            return f;
          });

      let pausedMs = 0;
      // a run stopped inside an epoch continues that epoch where it stood
      let resumeAt = this.opts.resumeFrom?.partial ?? null;
      for (; this.epoch < config.epochs; this.epoch++) {
        const epoch = this.epoch;
        // the epoch's clock: time paused is left out, a continued epoch counts its earlier part
        let te = now() - (resumeAt ? resumeAt.seconds * 1000 : 0);
        const lr = lrAt(config, epoch);
        (lrT.data as Float32Array)[0] = lr;
        const epochRngState = resumeAt ? resumeAt.epochRngState : this.rng.state();
        // a continued epoch draws its permutation again; the run's RNG is already past it
        (resumeAt ? new Rng(resumeAt.epochRngState) : this.rng).permutation(nTrain, order);
        let runningLoss = resumeAt?.lossSum ?? 0;
        let runningError = resumeAt?.errorSum ?? 0;
        const firstStep = resumeAt?.stepsDone ?? 0;
        let batches = firstStep;
        resumeAt = null;
        let lastSnapshot = now();
        const snapshotMs = (this.opts.midEpochEverySeconds ?? Infinity) * 1000;
        /** hands where the epoch stands after `s` steps to onMidEpoch */
        const snapshot = async (s: number, stopping: boolean): Promise<void> => {
          try {
            const c = await this.checkpoint(epoch);
            c.partial = { stepsDone: s, lossSum: runningLoss, errorSum: runningError, epochRngState, seconds: (now() - te) / 1000 };
            await this.opts.onMidEpoch!(c, { stopping });
          } catch (err) {
            // a periodic save is a safety net: training goes on (the epoch end saves anyway);
            // a stop says that its position was not kept
            const why = (err instanceof Error ? err.message : String(err)).split('\n')[0];
            if (stopping) this.stopReason = `${this.stopReason} (where epoch ${epoch + 1} stood could not be saved: ${why}; resuming continues from the last point that was saved)`;
          }
          lastSnapshot = now();
        };
        for (let s = firstStep; s < stepsPerEpoch; s++) {
          if (this.gate.isClosed) {
            // a paused run is often left so, and the studio closed: keep where it stands
            if (s > 0 && this.opts.onMidEpoch && this.stopReason === null) await snapshot(s, false);
            const w0 = now();
            await this.gate.pass();
            te += now() - w0;
            pausedMs += now() - w0;
          }
          const stopping = this.stopReason !== null;
          if (s > 0 && this.opts.onMidEpoch && (stopping || now() - lastSnapshot >= snapshotMs)) await snapshot(s, stopping);
          if (stopping) return this.finishStopped(epoch, reports.lastTest);
          const from = s * bs;
          const buf = from + bs <= nTrain || !partial ? full : partial;
          const count = Math.min(buf.n, nTrain - from);
          if (this.deviceData) buf.idx.set(order.subarray(from, from + count));
          else gather(data.train, order, from, count, this.d, this.aff, buf.x, buf.y);
          this.artifacts.dropout.forEach((slot, i) => fillMask(this.rng, buf.masks[i], slot.p));
          this.optimizerStep++;
          const sv = optimizerScalarValues(config.optimizer, this.optimizerStep);
          sv.forEach((v, i) => ((scalarT[i].data as Float32Array)[0] = v));

          const feeds = buf.feedsFrom[this.cur];
          const src = this.sets[this.cur];
          names.forEach((n, i) => (feeds[n] = src[i]));
          let loss: number;
          let errors: number;
          if (gpu) {
            const out = await this.trainSession.run(feeds);
            const next = names.map((n) => out[nextName(n)]);
            for (const t of src) t.dispose();
            this.sets[0] = next;
            loss = (out.loss.data as Float32Array)[0];
            errors = (out.errors.data as Float32Array)[0];
          } else {
            await this.trainSession.run(feeds, fetchesInto[1 - this.cur]);
            this.cur = 1 - this.cur;
            loss = (lossT.data as Float32Array)[0];
            errors = (errT.data as Float32Array)[0];
          }
          this.step++;
          if (!Number.isFinite(loss)) {
            const reason =
              `The loss became ${Number.isNaN(loss) ? 'NaN (not a number)' : 'infinite'} at epoch ${epoch}, step ${s + 1}: ` +
              `${DIVERGED}. The learning rate (${lr}) is probably too high; try ${Number((lr / 10).toPrecision(2))} and train again.`;
            this.emit({ event: 'failed', epoch, reason });
            return { status: 'failed', reason, testError: reports.lastTest, epochs: epoch };
          }
          const err = errors / count;
          runningLoss += loss;
          runningError += err;
          batches++;
          watch.onStep(epoch, s + 1, loss);
          this.emit({ event: 'batch', epoch, step: s + 1, stepsPerEpoch, loss, error: err, lr });
        }
        const seconds = (now() - te) / 1000;
        this.emit({ event: 'epoch', epoch, loss: runningLoss / batches, error: runningError / batches, seconds, lr });
        watch.onEpoch(epoch, runningLoss / batches);
        stoppedEarly = await this.endEpoch(epoch, watch, reports);
        if (stoppedEarly) break;
      }
      const epochs = stoppedEarly ? this.epoch + 1 : config.epochs;
      return await this.finish(watch, epochs, reports, stoppedEarly, (now() - t0 - pausedMs) / 1000);
    } catch (err) {
      const reason = `Training failed: ${err instanceof Error ? err.message : String(err)}`;
      this.emit({ event: 'failed', epoch: this.epoch, reason });
      return { status: 'failed', reason, testError: reports.lastTest, epochs: this.epoch };
    } finally {
      await this.release();
    }
  }

  /**
   * After epoch `epoch` (from 0): the periodic test report (it chooses nothing), the validation
   * error, the choice of the kept epoch, the early stop, and onEpochEnd. Returns why training
   * stops early now, or null.
   */
  private async endEpoch(epoch: number, watch: RunWatch, reports: TestReports): Promise<string | null> {
    const { config, data } = this;
    const testEpoch = epoch === config.epochs - 1 || (config.evalEvery > 0 && (epoch + 1) % config.evalEvery === 0);
    if (testEpoch && data.test.n > 0) {
      const t = await this.evaluateOn(data.test);
      reports.lastTest = t.error;
      reports.lastTestEpoch = epoch + 1;
      this.emit({ event: 'test', epoch, loss: t.loss, error: t.error });
    }
    let validationError: number | null = null;
    if (this.validation && this.validation.n > 0) {
      const v = await this.evaluateOn(this.validation);
      validationError = v.error;
      this.emit({ event: 'validation', epoch: epoch + 1, loss: v.loss, error: v.error });
    }
    const kept = await watch.choose(epoch + 1, validationError, () => this.currentParams());
    const stoppedEarly = watch.stopEarly(epoch + 1, config.patience ?? 0, epoch === config.epochs - 1);
    const last = epoch === config.epochs - 1 || stoppedEarly !== null;
    if (this.opts.onEpochEnd) {
      const c = await this.checkpoint(epoch + 1);
      if (validationError !== null) c.validationError = validationError;
      await this.opts.onEpochEnd(c, { testError: testEpoch ? reports.lastTest : null, validationError, kept, last });
    }
    return stoppedEarly;
  }

  /** A finished run: the kept model's figures, the done event and the result. */
  private async finish(watch: RunWatch, epochs: number, reports: TestReports, stoppedEarly: string | null, seconds: number): Promise<TrainResult> {
    const end = await this.keptFigures(watch, epochs, reports.lastTest, reports.lastTestEpoch);
    const extra = { ...(stoppedEarly ? { stoppedEarly } : {}), ...(end.diagnosis ? { diagnosis: end.diagnosis } : {}) };
    this.emit({ event: 'done', epochs, testError: end.testError, seconds, validationError: end.validationError, checkpointEpoch: end.checkpointEpoch, ...extra });
    return { status: 'finished', testError: end.testError, epochs, validationError: end.validationError, checkpointEpoch: end.checkpointEpoch, ...extra };
  }

  private finishStopped(epoch: number, lastTest: number | null): TrainResult {
    const reason = this.stopReason ?? 'Stopped.';
    this.emit({ event: 'stopped', epoch, reason });
    return { status: 'stopped', reason, testError: lastTest, epochs: epoch };
  }

  /** the current parameters and optimizer state, copied to host memory */
  private async currentValues(): Promise<Float32Array[]> {
    const set = this.sets[this.cur];
    if (this.snapshotSession) {
      const feeds: Record<string, Tensor> = {};
      this.tensorNames.forEach((n, i) => (feeds[n] = set[i]));
      const out = await this.snapshotSession.run(feeds);
      return this.tensorNames.map((n) => new Float32Array(out[`${n}.host`].data as Float32Array));
    }
    return set.map((t) => new Float32Array(t.data as Float32Array));
  }

  private async checkpoint(epochsDone: number): Promise<TrainerCheckpoint> {
    const values = await this.currentValues();
    const np = this.artifacts.params.length;
    return {
      epoch: epochsDone,
      step: this.step,
      params: values.slice(0, np),
      optimizerState: values.slice(np),
      rngState: this.rng.state(),
      optimizerStep: this.optimizerStep,
    };
  }

  /** the current parameters (without the optimizer state), copied to host memory */
  private async currentParams(): Promise<Float32Array[]> {
    return (await this.currentValues()).slice(0, this.artifacts.params.length);
  }

  /** loss and error on a split, of the current parameters or of `params` */
  private async evaluateOn(split: DataSplit, params?: Float32Array[]): Promise<{ loss: number; error: number }> {
    const p = params ?? (await this.currentParams());
    const r = await runEval(this.rt, this.evalSession, this.artifacts, p, split, this.d, this.aff, this.config.batchSize, false);
    return { loss: r.loss, error: r.error };
  }

  /**
   * The end of a finished run: the kept checkpoint's test error, measured now that it is kept
   * (the last report when it is of that epoch), and the diagnosis of a run that learned nothing.
   */
  private async keptFigures(
    watch: RunWatch,
    epochs: number,
    lastTest: number | null,
    lastTestEpoch: number | null,
  ): Promise<{ testError: number | null; validationError: number | null; checkpointEpoch: number | null; diagnosis: string | null }> {
    const k = watch.kept;
    const test = this.data.test;
    let testError = lastTest;
    if (k && test.n > 0 && k.epoch !== lastTestEpoch) {
      testError = (await this.evaluateOn(test, k.params.length ? k.params : undefined)).error;
    }
    const majority = majorityClass(this.data.train);
    const onValidation = !!this.validation && this.validation.n > 0 && k?.validationError != null;
    const judged = onValidation ? this.validation! : test.n > 0 ? test : null;
    const diagnosis = diagnose({
      config: this.config,
      firstStepLoss: watch.firstStepLoss,
      firstEpochLoss: watch.firstEpochLoss,
      maxEpochLoss: watch.maxEpochLoss,
      keptError: onValidation ? k!.validationError : testError,
      baselineError: judged ? majorityError(judged, majority) : null,
      judgedOn: onValidation ? 'validation' : 'test',
      classNames: this.data.classNames,
      majority,
    });
    return { testError, validationError: k?.validationError ?? null, checkpointEpoch: k?.epoch ?? (epochs > 0 ? epochs : null), diagnosis };
  }

  private async release(): Promise<void> {
    await this.trainSession?.release().catch(() => undefined);
    await this.evalSession?.release().catch(() => undefined);
    await this.snapshotSession?.release().catch(() => undefined);
    if (this.deviceData) {
      this.deviceData.x.dispose();
      this.deviceData.y.dispose();
      await this.deviceData.session.release().catch(() => undefined);
      this.deviceData = null;
    }
  }
}

function fillMask(rng: Rng, mask: Float32Array, p: number): void {
  const keep = 1 / (1 - p);
  for (let i = 0; i < mask.length; i++) mask[i] = rng.next() < p ? 0 : keep;
}

function now(): number {
  return globalThis.performance ? globalThis.performance.now() : Date.now();
}

export interface EvalResult {
  loss: number;
  error: number;
  predictions: Int32Array;
  /** row-major n × classes, only when asked for */
  probabilities: Float32Array | null;
}

async function runEval(
  rt: RuntimeAdapter,
  session: InferenceSession,
  art: Pick<Artifacts, 'params'>,
  params: Float32Array[],
  split: DataSplit,
  d: number,
  aff: { a: Float32Array; b: Float32Array },
  batch: number,
  withScores: boolean,
  classes = 0,
): Promise<EvalResult> {
  const feeds: Record<string, Tensor> = {};
  art.params.forEach((p, i) => (feeds[p.name] = new rt.Tensor('float32', params[i], p.shape)));
  const predictions = new Int32Array(split.n);
  const probabilities = withScores ? new Float32Array(split.n * classes) : null;
  let lossSum = 0;
  let errSum = 0;
  const x = new Float32Array(Math.min(batch, split.n) * d);
  const y = new Int32Array(Math.min(batch, split.n));
  for (let from = 0; from < split.n; from += batch) {
    const count = Math.min(batch, split.n - from);
    gather(split, null, from, count, d, aff, x, y);
    feeds.x = new rt.Tensor('float32', x.subarray(0, count * d), [count, d]);
    feeds.labels = new rt.Tensor('int32', y.subarray(0, count), [count]);
    const out = await session.run(feeds, withScores ? ['loss', 'errors', 'scores'] : ['loss', 'errors']);
    lossSum += (out.loss.data as Float32Array)[0] * count;
    errSum += (out.errors.data as Float32Array)[0];
    if (withScores && probabilities) {
      const s = out.scores.data as Float32Array;
      for (let r = 0; r < count; r++) {
        let best = 0;
        let max = -Infinity;
        for (let c = 0; c < classes; c++) {
          if (s[r * classes + c] > max) {
            max = s[r * classes + c];
            best = c;
          }
        }
        predictions[from + r] = best;
        let z = 0;
        for (let c = 0; c < classes; c++) z += Math.exp(s[r * classes + c] - max);
        for (let c = 0; c < classes; c++) probabilities[(from + r) * classes + c] = Math.exp(s[r * classes + c] - max) / z;
      }
    }
  }
  return { loss: lossSum / split.n, error: errSum / split.n, predictions, probabilities };
}

/**
 * Evaluates trained parameters on a split: mean loss, error rate, the predicted label of
 * every sample (first maximal score, like argmax) and its class probabilities.
 */
export async function evaluate(
  rt: RuntimeAdapter,
  spec: ModelSpec,
  params: Float32Array[],
  data: Pick<TrainingData, 'sampleShape' | 'sampleSize' | 'preprocess'>,
  split: DataSplit,
  batch = 500,
): Promise<EvalResult> {
  const session = await rt.createSession(buildEvalGraph(spec).toModel());
  try {
    const aff = affineFor(data.preprocess, data.sampleSize);
    return await runEval(rt, session, { params: paramInfos(spec) }, params, split, data.sampleSize, aff, batch, true, spec.classes);
  } finally {
    await session.release();
  }
}
