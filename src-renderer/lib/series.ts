import type { TrainEvent } from '../../src-main/engine/types';
import type { Task } from '../../src-main/engine/table';

/** A point on an x axis measured in epochs completed (1.5 = half way through the second epoch). */
export interface Pt {
  x: number;
  y: number;
}

export interface EpochRow {
  epoch: number;
  loss: number;
  error: number;
  seconds: number;
  lr: number;
  testLoss?: number;
  testError?: number;
  validationLoss?: number;
  validationError?: number;
}

export interface Series {
  batchLoss: Pt[];
  batchError: Pt[];
  smoothLoss: Pt[];
  smoothError: Pt[];
  epochLoss: Pt[];
  epochError: Pt[];
  testLoss: Pt[];
  testError: Pt[];
  /** the validation part set aside from the training set: it chooses the epoch the run keeps */
  validationLoss: Pt[];
  validationError: Pt[];
  rows: EpochRow[];
}

/**
 * How an event's `error` is drawn: for a category the fraction wrong, drawn in percent; for a
 * number the mean absolute error in the target's units, drawn as it is.
 */
export function errorScaleOf(task: Task | undefined): number {
  return task === 'number' ? 1 : 100;
}

/**
 * Turns the trainer's event stream into chart series. Every x value is "epochs completed"
 * so batch, epoch and test points line up. The error series are in percent for a category
 * and in the target's units for a number (`task`); the epoch rows keep the events' values.
 */
export class SeriesBuilder {
  readonly s: Series = {
    batchLoss: [], batchError: [], smoothLoss: [], smoothError: [],
    epochLoss: [], epochError: [], testLoss: [], testError: [], validationLoss: [], validationError: [], rows: [],
  };
  private emaLoss = 0;
  private emaErr = 0;
  private emaN = 0;
  private readonly scale: number;
  /** smoothing 0.9 like TensorBoard's default: smooth enough to read, quick enough to follow */
  constructor(private readonly smoothing = 0.9, task?: Task) {
    this.scale = errorScaleOf(task);
  }

  ingest(e: TrainEvent): void {
    switch (e.event) {
      case 'batch': {
        // epochs and steps count from 1: step s of epoch e lies at e - 1 + s / steps on the axis of epochs completed
        const x = e.epoch - 1 + e.step / e.stepsPerEpoch;
        this.s.batchLoss.push({ x, y: e.loss });
        this.s.batchError.push({ x, y: e.error * this.scale });
        if (Number.isFinite(e.loss)) {
          const a = this.smoothing;
          this.emaLoss = a * this.emaLoss + (1 - a) * e.loss;
          this.emaErr = a * this.emaErr + (1 - a) * e.error;
          this.emaN++;
          const debias = 1 - Math.pow(a, this.emaN);
          this.s.smoothLoss.push({ x, y: this.emaLoss / debias });
          this.s.smoothError.push({ x, y: (this.emaErr / debias) * this.scale });
        }
        break;
      }
      case 'epoch': {
        const x = e.epoch;
        this.s.epochLoss.push({ x, y: e.loss });
        this.s.epochError.push({ x, y: e.error * this.scale });
        this.s.rows.push({ epoch: x, loss: e.loss, error: e.error, seconds: e.seconds, lr: e.lr });
        break;
      }
      case 'test': {
        const x = e.epoch;
        this.s.testLoss.push({ x, y: e.loss });
        this.s.testError.push({ x, y: e.error * this.scale });
        const row = this.s.rows.find((r) => r.epoch === x);
        if (row) {
          row.testLoss = e.loss;
          row.testError = e.error;
        }
        break;
      }
      case 'validation': {
        const x = e.epoch;
        this.s.validationLoss.push({ x, y: e.loss });
        this.s.validationError.push({ x, y: e.error * this.scale });
        const row = this.s.rows.find((r) => r.epoch === x);
        if (row) {
          row.validationLoss = e.loss;
          row.validationError = e.error;
        }
        break;
      }
      default:
        break;
    }
  }
}

export function seriesOf(events: TrainEvent[], task?: Task): Series {
  const b = new SeriesBuilder(undefined, task);
  for (const e of events) b.ingest(e);
  return b.s;
}
