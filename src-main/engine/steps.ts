/**
 * One optimisation step: the batch gathered into reused buffers (or, with the training set on
 * the device, only its row indices), its pictures varied first when the run augments them
 * (augment-sample.ts; such runs gather on the host), fresh dropout masks, the optimizer's scalars, and one
 * run() of train.onnx. On CPU a step allocates nothing: the results are written into the other
 * set of parameter tensors (run(feeds, fetches)); on WebGPU they stay on the device.
 */
import type { InferenceSession, Tensor } from 'onnxruntime-common';
import { DATASET_X, DATASET_Y, INDICES, nextName, type Artifacts } from './artifacts';
import { validateAugment } from './augment';
import { batchAugment, gatherAugmented, type BatchAugment } from './augment-sample';
import type { DeviceData } from './device-data';
import { optimizerScalarValues } from './optimizers';
import { gather, labelArray, type Affine } from './preprocess';
import type { Rng } from './rng';
import type { RuntimeAdapter } from './runtime';
import { DIVERGED, type DataSplit, type TargetScale, type TrainConfig } from './types';
import type { Weights } from './weights';

interface StepBuffers {
  n: number;
  /** host gathering: the batch and its labels or standardised targets (empty when the set is on the device) */
  x: Float32Array;
  y: Int32Array | Float32Array;
  /** device gathering: the batch's rows in the training set */
  idx: Int32Array;
  masks: Float32Array[];
  feedsFrom: Record<string, Tensor>[];
}

export interface StepResult {
  /** the batch's mean loss, its count of errors (a number: its sum of absolute errors in the target's units), and its size */
  loss: number;
  errors: number;
  count: number;
}

export class Stepper {
  readonly stepsPerEpoch: number;
  /** the epoch's permutation of the training set */
  readonly order: Int32Array;
  private readonly full: StepBuffers;
  private readonly partial: StepBuffers | null;
  private readonly lrT: Tensor;
  private readonly scalarT: Tensor[];
  private readonly lossT: Tensor;
  private readonly errT: Tensor;
  /** CPU: fetchesInto[k] writes the step's results into parameter set k */
  private readonly fetchesInto: Record<string, Tensor>[];
  private readonly gpu: boolean;
  /** the run's augmentation (null: the pictures as they are) */
  private readonly aug: BatchAugment | null;
  /** the epoch being trained (from 0): augmentation varies each epoch differently */
  private epochIndex = 0;

  constructor(
    private readonly rt: RuntimeAdapter,
    private readonly art: Artifacts,
    private readonly session: InferenceSession,
    private readonly weights: Weights,
    private readonly deviceData: DeviceData | null,
    private readonly train: DataSplit,
    private readonly d: number,
    private readonly aff: Affine,
    private readonly config: TrainConfig,
    /** a number to predict: how its target is standardised */
    private readonly target?: TargetScale,
    /** the sample shape ([C, H, W] for pictures), which augmentation needs */
    sampleShape: readonly number[] = [d],
  ) {
    validateAugment(config.augment, { sampleShape });
    this.aug = batchAugment(config.augment, config.seed, sampleShape);
    if (this.aug && deviceData) throw new Error('augmented batches are gathered on the host, not from a training set on the device');
    const bs = config.batchSize;
    const nTrain = train.n;
    this.stepsPerEpoch = Math.ceil(nTrain / bs);
    this.full = this.makeBuffers(Math.min(bs, nTrain));
    const lastN = nTrain % bs;
    this.partial = lastN > 0 && nTrain > bs ? this.makeBuffers(lastN) : null;
    const scalar = (): Tensor => new rt.Tensor('float32', new Float32Array(1), []);
    this.lrT = scalar();
    this.scalarT = art.scalars.map(scalar);
    this.lossT = scalar();
    this.errT = scalar();
    for (const buf of this.partial ? [this.full, this.partial] : [this.full]) {
      for (const f of buf.feedsFrom) {
        f.lr = this.lrT;
        art.scalars.forEach((n, i) => (f[n] = this.scalarT[i]));
      }
    }
    this.order = new Int32Array(nTrain);
    this.gpu = rt.device === 'webgpu';
    this.fetchesInto = this.gpu
      ? []
      : [0, 1].map((k) => {
          const f: Record<string, Tensor> = { loss: this.lossT, errors: this.errT };
          weights.names.forEach((n, i) => (f[nextName(n)] = weights.sets[k][i]));
          return f;
        });
  }

  /** the learning rate of the steps that follow */
  setLr(lr: number): void {
    (this.lrT.data as Float32Array)[0] = lr;
  }

  /** Epoch `epochIndex` (from 0) begins, or continues, with learning rate `lr`. */
  startEpoch(epochIndex: number, lr: number): void {
    this.epochIndex = epochIndex;
    this.setLr(lr);
  }

  /** Step `s` (from 0) of the epoch in `order`; `optimizerStep` counts this one. */
  async step(s: number, rng: Rng, optimizerStep: number): Promise<StepResult> {
    const bs = this.config.batchSize;
    const nTrain = this.train.n;
    const from = s * bs;
    const buf = from + bs <= nTrain || !this.partial ? this.full : this.partial;
    const count = Math.min(buf.n, nTrain - from);
    if (this.deviceData) buf.idx.set(this.order.subarray(from, from + count));
    else if (this.aug) gatherAugmented(this.aug, this.epochIndex, this.train, this.order, from, count, this.d, this.aff, buf.x, buf.y, this.target);
    else gather(this.train, this.order, from, count, this.d, this.aff, buf.x, buf.y, this.target);
    this.art.dropout.forEach((slot, i) => fillMask(rng, buf.masks[i], slot.p));
    const sv = optimizerScalarValues(this.config.optimizer, optimizerStep);
    sv.forEach((v, i) => ((this.scalarT[i].data as Float32Array)[0] = v));

    const w = this.weights;
    const feeds = buf.feedsFrom[w.cur];
    const src = w.sets[w.cur];
    w.names.forEach((n, i) => (feeds[n] = src[i]));
    if (this.gpu) {
      const out = await this.session.run(feeds);
      const next = w.names.map((n) => out[nextName(n)]);
      for (const t of src) t.dispose();
      w.sets[0] = next;
      return { loss: (out.loss.data as Float32Array)[0], errors: this.inUnits((out.errors.data as Float32Array)[0]), count };
    }
    await this.session.run(feeds, this.fetchesInto[1 - w.cur]);
    w.cur = 1 - w.cur;
    return { loss: (this.lossT.data as Float32Array)[0], errors: this.inUnits((this.errT.data as Float32Array)[0]), count };
  }

  /** a number: the graph's sum of absolute errors on the standardised target, in the target's units */
  private inUnits(errors: number): number {
    return this.target ? errors * this.target.std : errors;
  }

  private makeBuffers(n: number): StepBuffers {
    const { rt, d } = this;
    const dev = this.deviceData;
    const x = new Float32Array(dev ? 0 : n * d);
    const y = labelArray(this.target, dev ? 0 : n);
    const idx = new Int32Array(dev ? n : 0);
    const masks = this.art.dropout.map((s) => new Float32Array(n * s.units));
    const common: Record<string, Tensor> = dev
      ? { [DATASET_X]: dev.x, [DATASET_Y]: dev.y, [INDICES]: new rt.Tensor('int32', idx, [n]) }
      : { x: new rt.Tensor('float32', x, [n, d]), labels: y instanceof Float32Array ? new rt.Tensor('float32', y, [n]) : new rt.Tensor('int32', y, [n]) };
    this.art.dropout.forEach((s, i) => (common[s.name] = new rt.Tensor('float32', masks[i], [n, s.units])));
    const feedsFrom = [0, 1].map(() => ({ ...common }));
    return { n, x, y, idx, masks, feedsFrom };
  }
}

function fillMask(rng: Rng, mask: Float32Array, p: number): void {
  const keep = 1 / (1 - p);
  for (let i = 0; i < mask.length; i++) mask[i] = rng.next() < p ? 0 : keep;
}

/** Why training failed when a step's loss is not finite (epoch and step counted from 1). */
export function divergedReason(loss: number, epoch: number, step: number, lr: number): string {
  return (
    `The loss became ${Number.isNaN(loss) ? 'NaN (not a number)' : 'infinite'} at epoch ${epoch}, step ${step}: ` +
    `${DIVERGED}. The learning rate (${lr}) is probably too high; try ${Number((lr / 10).toPrecision(2))} and train again.`
  );
}
