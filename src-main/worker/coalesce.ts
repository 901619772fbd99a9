/**
 * Bounds the rate of batch events: at most one per `minIntervalMs`, the latest one (a held
 * back event goes out when its interval is over). Other events (epoch, test, done...) always
 * pass, in order: a batch event still held back goes out before them if its time has come,
 * otherwise it is dropped (the epoch event that follows carries the epoch's figures). So
 * batch events never exceed the rate, however short the epochs.
 */
import type { TrainEvent } from '../engine/types';

export class BatchCoalescer {
  private pending: TrainEvent | null = null;
  private lastEmit = -Infinity;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly emit: (e: TrainEvent) => void,
    private readonly minIntervalMs = 50,
    private readonly now: () => number = () => performance.now(),
  ) {}

  push(event: TrainEvent): void {
    if (event.event !== 'batch') {
      this.flush();
      this.pending = null;
      this.emit(event);
      return;
    }
    const t = this.now();
    if (t - this.lastEmit >= this.minIntervalMs) {
      this.clearTimer();
      this.pending = null;
      this.lastEmit = t;
      this.emit(event);
      return;
    }
    this.pending = event;
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.flush();
      }, Math.max(0, this.minIntervalMs - (t - this.lastEmit)));
    }
  }

  /** Sends the held-back batch event if its interval is over (it stays held otherwise). */
  flush(): void {
    if (this.pending && this.now() - this.lastEmit < this.minIntervalMs) return;
    this.clearTimer();
    if (this.pending) {
      const e = this.pending;
      this.pending = null;
      this.lastEmit = this.now();
      this.emit(e);
    }
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
