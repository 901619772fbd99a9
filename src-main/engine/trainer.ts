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
import type { InferenceSession } from 'onnxruntime-common';
import { buildArtifacts, nextName, type Artifacts } from './artifacts';
import { DEVICE_DATA_BUDGET, deviceDataPlan, releaseDeviceData, uploadTrainingSet, type DeviceData } from './device-data';
import { runEval, targetOf, type EvalResult } from './evaluate';
import { Gate, now } from './gate';
import { initParams } from './init';
import { RunWatch } from './kept';
import { keptFigures } from './kept-figures';
import { affineFor, type Affine } from './preprocess';
import { Rng } from './rng';
import type { RuntimeAdapter } from './runtime';
import { countParams, lrAt, validateConfig, validateDataFits, validateSpec } from './spec';
import { divergedReason, Stepper } from './steps';
import type { EpochPosition, PartialEpoch, TestReports, TrainerCheckpoint, TrainerOptions, TrainResult } from './trainer-types';
import type { DataSplit, ModelSpec, TargetScale, TrainConfig, TrainEvent, TrainingData } from './types';
import { carveValidation, validationFraction, type ValidationSplitInfo } from './validation';
import { Weights } from './weights';

export { MID_EPOCH_EVERY_SECONDS, type EpochEndInfo, type KeptState, type PartialEpoch, type TrainerCheckpoint, type TrainerOptions, type TrainResult } from './trainer-types';
export { DEVICE_DATA_BUDGET } from './device-data';

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
  private weights!: Weights;
  /** WebGPU: the preprocessed training set on the device */
  private deviceData: DeviceData | null = null;
  /** why batches are gathered where they are (appended to the device label), '' on CPU */
  private dataNote = '';
  private rng!: Rng;
  /** the index (from 0) of the epoch being trained: epoch `epochIndex + 1` to people */
  private epochIndex = 0;
  private step = 0;
  private optimizerStep = 0;
  /** milliseconds this session spent paused */
  private pausedMs = 0;
  private readonly aff: Affine;
  private readonly d: number;
  /** a number to predict: how its target is standardised (undefined for a category) */
  private readonly target: TargetScale | undefined;
  constructor(opts: TrainerOptions) {
    validateSpec(opts.spec);
    validateConfig(opts.config);
    this.opts = opts;
    this.spec = opts.spec;
    this.config = opts.config;
    this.data = opts.data;
    this.rt = opts.runtime;
    this.d = opts.data.sampleSize;
    validateDataFits(opts.spec, opts.data);
    this.aff = affineFor(opts.data.preprocess, this.d);
    this.target = targetOf(opts.data);
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

  /** Builds the models and sessions, puts the training set where batches are gathered, and loads the starting point. */
  private async setup(): Promise<void> {
    const { spec, config, rt } = this;
    const plan = deviceDataPlan(rt, this.data.train.n, this.d, this.opts.deviceDataBudget ?? DEVICE_DATA_BUDGET, config.augment);
    this.dataNote = plan.note;
    this.artifacts = buildArtifacts(spec, config.optimizer, { gatherTrain: plan.onDevice, ...(this.target ? { target: this.target } : {}) });
    await this.opts.onArtifacts?.(this.artifacts);
    const gpu = rt.device === 'webgpu';
    this.weights = new Weights(rt, this.artifacts);
    const gpuOutputs = gpu ? { gpuOutputs: this.weights.names.map(nextName) } : undefined;
    if (gpu && this.artifacts.trainGather) {
      const up = await uploadTrainingSet(rt, this.data.train, this.d, this.aff, this.target);
      this.deviceData = up.data;
      this.dataNote = up.note;
    }
    this.trainSession = await rt.createSession(this.deviceData ? this.artifacts.trainGather! : this.artifacts.train, gpuOutputs);
    this.evalSession = await rt.createSession(this.artifacts.eval);
    if (gpu) await this.weights.prepareHostCopy();
    this.restore(gpu);
  }

  /** The starting point: fresh parameters and state, or the checkpoint resumed from (checked to fit). */
  private restore(gpu: boolean): void {
    const { spec, config } = this;
    const r = this.opts.resumeFrom;
    const params = r ? r.params.map((p) => p.slice()) : initParams(spec, config.init, config.seed);
    const state = r ? r.optimizerState.map((s) => s.slice()) : this.artifacts.state.map((s) => new Float32Array(s.shape.reduce((a, b) => a * b, 1)));
    if (params.length !== this.artifacts.params.length || state.length !== this.artifacts.state.length) {
      throw new Error('The checkpoint does not match this model (different number of parameters or optimizer state).');
    }
    this.weights.load([...params, ...state], !gpu);
    if (r?.partial) {
      const p = r.partial;
      const steps = Math.ceil(this.data.train.n / config.batchSize);
      if (!Number.isInteger(p.stepsDone) || p.stepsDone < 1 || p.stepsDone >= steps || !Number.isFinite(p.lossSum) || !Number.isFinite(p.errorSum)) {
        throw new Error(`The checkpoint stopped after step ${p.stepsDone} of an epoch, which does not fit this training (${steps} steps per epoch).`);
      }
      if (r.epoch >= config.epochs) throw new Error(`The checkpoint stopped inside epoch ${r.epoch + 1}, past the ${config.epochs} epochs of this training.`);
    }
    this.rng = new Rng(r ? r.rngState : config.seed);
    this.epochIndex = r ? r.epoch : 0;
    this.step = r ? r.step : 0;
    this.optimizerStep = r ? r.optimizerStep : 0;
  }

  /** Runs the whole training. Never throws: failures come back as status 'failed'. */
  async run(): Promise<TrainResult> {
    const t0 = now();
    const reports: TestReports = { lastTest: this.opts.resumeTestError ?? null, lastTestEpoch: null };
    try {
      await this.setup();
      const stepper = new Stepper(this.rt, this.artifacts, this.trainSession, this.weights, this.deviceData, this.data.train, this.d, this.aff, this.config, this.target, this.data.sampleShape);
      this.emitStart(stepper.stepsPerEpoch);
      const watch = new RunWatch(this.opts.resumeKept ?? null);
      let stoppedEarly: string | null = null;
      // a run stopped inside an epoch continues that epoch where it stood
      let resumeAt = this.opts.resumeFrom?.partial ?? null;
      for (; this.epochIndex < this.config.epochs; this.epochIndex++) {
        const ended = await this.trainEpoch(this.epochIndex, resumeAt, stepper, watch, reports);
        resumeAt = null;
        if (ended) return ended;
        stoppedEarly = await this.endEpoch(this.epochIndex, watch, reports);
        if (stoppedEarly) break;
      }
      const epochs = stoppedEarly ? this.epochIndex + 1 : this.config.epochs;
      return await this.finish(watch, epochs, reports, stoppedEarly, (now() - t0 - this.pausedMs) / 1000);
    } catch (err) {
      const reason = `Training failed: ${err instanceof Error ? err.message : String(err)}`;
      this.emit({ event: 'failed', epoch: this.epochIndex + 1, reason });
      return { status: 'failed', reason, testError: reports.lastTest, epochs: this.epochIndex };
    } finally {
      await this.release();
    }
  }

  private emitStart(stepsPerEpoch: number): void {
    this.emit({
      event: 'start',
      params: this.paramCount,
      device: this.dataNote ? `${this.rt.label}; ${this.dataNote}` : this.rt.label,
      stepsPerEpoch,
      epochs: this.config.epochs,
      ...(this.splitInfo ? { validation: this.splitInfo } : {}),
    });
  }

  /**
   * Trains the epoch of index `epochIndex` (its events say `epochIndex + 1`), or its rest from
   * `resumeAt`: its learning rate, its permutation, then its steps, each after the pause gate
   * and the mid-epoch snapshot. Returns
   * the result when training ends inside it (stopped, or the loss diverged), otherwise null.
   */
  private async trainEpoch(epochIndex: number, resumeAt: PartialEpoch | null, stepper: Stepper, watch: RunWatch, reports: TestReports): Promise<TrainResult | null> {
    // the epoch's clock: time paused is left out, a continued epoch counts its earlier part
    const te = now() - (resumeAt ? resumeAt.seconds * 1000 : 0);
    const lr = lrAt(this.config, epochIndex);
    const epoch = epochIndex + 1;
    stepper.startEpoch(epochIndex, lr);
    const epochRngState = resumeAt ? resumeAt.epochRngState : this.rng.state();
    // a continued epoch draws its permutation again; the run's RNG is already past it
    (resumeAt ? new Rng(resumeAt.epochRngState) : this.rng).permutation(this.data.train.n, stepper.order);
    const pos: EpochPosition = { epochIndex, lossSum: resumeAt?.lossSum ?? 0, errorSum: resumeAt?.errorSum ?? 0, epochRngState, te, lastSnapshot: now() };
    const firstStep = resumeAt?.stepsDone ?? 0;
    let batches = firstStep;
    const { stepsPerEpoch } = stepper;
    for (let s = firstStep; s < stepsPerEpoch; s++) {
      if (await this.stopsBefore(s, pos)) return this.finishStopped(epochIndex, reports.lastTest);
      this.optimizerStep++;
      const { loss, errors, count } = await stepper.step(s, this.rng, this.optimizerStep);
      this.step++;
      if (!Number.isFinite(loss)) return this.diverged(divergedReason(loss, epoch, s + 1, lr), epochIndex, reports);
      const err = errors / count;
      pos.lossSum += loss;
      pos.errorSum += err;
      batches++;
      watch.onStep(epochIndex, s + 1, loss);
      this.emit({ event: 'batch', epoch, step: s + 1, stepsPerEpoch, loss, error: err, lr });
    }
    const seconds = (now() - pos.te) / 1000;
    this.emit({ event: 'epoch', epoch, loss: pos.lossSum / batches, error: pos.errorSum / batches, seconds, lr });
    watch.onEpoch(epochIndex, pos.lossSum / batches);
    return null;
  }

  /**
   * Before step `s`: waits while paused (a paused run is often left so, and the studio closed:
   * it keeps where it stands first), takes the periodic or stopping snapshot, and says whether
   * training stops here.
   */
  private async stopsBefore(s: number, pos: EpochPosition): Promise<boolean> {
    if (this.gate.isClosed) {
      if (s > 0 && this.opts.onMidEpoch && this.stopReason === null) await this.snapshot(s, false, pos);
      const w0 = now();
      await this.gate.pass();
      pos.te += now() - w0;
      this.pausedMs += now() - w0;
    }
    const stopping = this.stopReason !== null;
    const snapshotMs = (this.opts.midEpochEverySeconds ?? Infinity) * 1000;
    if (s > 0 && this.opts.onMidEpoch && (stopping || now() - pos.lastSnapshot >= snapshotMs)) await this.snapshot(s, stopping, pos);
    return stopping;
  }

  /** hands where the epoch stands after `s` steps to onMidEpoch */
  private async snapshot(s: number, stopping: boolean, pos: EpochPosition): Promise<void> {
    const { epochIndex } = pos;
    try {
      const c = await this.checkpoint(epochIndex);
      c.partial = { stepsDone: s, lossSum: pos.lossSum, errorSum: pos.errorSum, epochRngState: pos.epochRngState, seconds: (now() - pos.te) / 1000 };
      await this.opts.onMidEpoch!(c, { stopping });
    } catch (err) {
      // a periodic save is a safety net: training goes on (the epoch end saves anyway);
      // a stop says that its position was not kept
      const why = (err instanceof Error ? err.message : String(err)).split('\n')[0];
      if (stopping) this.stopReason = `${this.stopReason} (where epoch ${epochIndex + 1} stood could not be saved: ${why}; resuming continues from the last point that was saved)`;
    }
    pos.lastSnapshot = now();
  }

  private diverged(reason: string, epochIndex: number, reports: TestReports): TrainResult {
    this.emit({ event: 'failed', epoch: epochIndex + 1, reason });
    return { status: 'failed', reason, testError: reports.lastTest, epochs: epochIndex };
  }

  /**
   * After the epoch of index `epochIndex` (from 0): the periodic test report (it chooses nothing), the validation
   * error, the choice of the kept epoch, the early stop, and onEpochEnd. Returns why training
   * stops early now, or null.
   */
  private async endEpoch(epochIndex: number, watch: RunWatch, reports: TestReports): Promise<string | null> {
    const { config, data } = this;
    const epoch = epochIndex + 1;
    const testEpoch = epoch === config.epochs || (config.evalEvery > 0 && epoch % config.evalEvery === 0);
    if (testEpoch && data.test.n > 0) {
      const t = await this.evaluateOn(data.test);
      reports.lastTest = t.error;
      reports.lastTestEpoch = epoch;
      this.emit({ event: 'test', epoch, loss: t.loss, error: t.error });
    }
    let validationError: number | null = null;
    // a number to predict: the validation loss chooses the kept epoch
    let validationLoss: number | undefined;
    if (this.validation && this.validation.n > 0) {
      const v = await this.evaluateOn(this.validation);
      validationError = v.error;
      if (this.target) validationLoss = v.loss;
      this.emit({ event: 'validation', epoch, loss: v.loss, error: v.error });
    }
    const kept = await watch.choose(epoch, validationError, () => this.currentParams(), validationLoss);
    const stoppedEarly = watch.stopEarly(epoch, config.patience ?? 0, epoch === config.epochs);
    const last = epoch === config.epochs || stoppedEarly !== null;
    if (this.opts.onEpochEnd) {
      const c = await this.checkpoint(epoch);
      if (validationError !== null) c.validationError = validationError;
      if (validationLoss !== undefined) c.validationLoss = validationLoss;
      const byLoss = validationLoss !== undefined ? { validationLoss } : {};
      await this.opts.onEpochEnd(c, { testError: testEpoch ? reports.lastTest : null, validationError, kept, last, ...byLoss });
    }
    return stoppedEarly;
  }

  /** A finished run: the kept model's figures, the done event and the result. */
  private async finish(watch: RunWatch, epochs: number, reports: TestReports, stoppedEarly: string | null, seconds: number): Promise<TrainResult> {
    const end = await keptFigures({
      watch,
      config: this.config,
      data: this.data,
      validation: this.validation,
      epochs,
      lastTest: reports.lastTest,
      lastTestEpoch: reports.lastTestEpoch,
      evaluateOn: (split, params, withScores) => this.evaluateOn(split, params, withScores),
    });
    const extra = { ...(stoppedEarly ? { stoppedEarly } : {}), ...(end.diagnosis ? { diagnosis: end.diagnosis } : {}), ...(end.metrics ? { metrics: end.metrics } : {}) };
    this.emit({ event: 'done', epochs, testError: end.testError, seconds, validationError: end.validationError, checkpointEpoch: end.checkpointEpoch, ...extra });
    return { status: 'finished', testError: end.testError, epochs, validationError: end.validationError, checkpointEpoch: end.checkpointEpoch, ...extra };
  }

  private finishStopped(epochIndex: number, lastTest: number | null): TrainResult {
    const reason = this.stopReason ?? 'Stopped.';
    this.emit({ event: 'stopped', epoch: epochIndex + 1, reason });
    return { status: 'stopped', reason, testError: lastTest, epochs: epochIndex };
  }
  private async checkpoint(epochsDone: number): Promise<TrainerCheckpoint> {
    const values = await this.weights.values();
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
    return (await this.weights.values()).slice(0, this.artifacts.params.length);
  }

  /** loss and error on a split, of the current parameters or of `params` (with every sample's prediction when `withScores`) */
  private async evaluateOn(split: DataSplit, params?: Float32Array[], withScores = false): Promise<EvalResult> {
    const p = params ?? (await this.currentParams());
    return runEval({ rt: this.rt, session: this.evalSession, art: this.artifacts, d: this.d, aff: this.aff }, p, split, {
      batch: this.config.batchSize,
      withScores,
      classes: this.spec.classes,
      target: this.target,
    });
  }

  private async release(): Promise<void> {
    await this.trainSession?.release().catch(() => undefined);
    await this.evalSession?.release().catch(() => undefined);
    await this.weights?.release();
    if (this.deviceData) {
      await releaseDeviceData(this.deviceData);
      this.deviceData = null;
    }
  }
}
