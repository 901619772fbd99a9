/**
 * Bounds the rate of batch events: at most one per `minIntervalMs`, always the latest one.
 * Any other event first flushes the batch event still held back, so the order is kept and
 * the last batch of an epoch is never lost.
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

  flush(): void {
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
