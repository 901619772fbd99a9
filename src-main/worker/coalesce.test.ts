import { describe, expect, it, vi } from 'vitest';
import type { TrainEvent } from '../engine/types';
import { BatchCoalescer } from './coalesce';

const batch = (step: number): TrainEvent => ({ event: 'batch', epoch: 1, step, stepsPerEpoch: 1000, loss: 1, error: 0.5, lr: 0.1 });

describe('BatchCoalescer', () => {
  it('passes at most one batch event per interval, the latest, and never drops the last', () => {
    vi.useFakeTimers();
    let clock = 0;
    const out: TrainEvent[] = [];
    const c = new BatchCoalescer((e) => out.push(e), 50, () => clock);
    for (let step = 1; step <= 1000; step++) {
      clock += 1; // 1000 steps in one second
      c.push(batch(step));
      vi.advanceTimersByTime(1);
    }
    const steps = out.map((e) => (e as { step: number }).step);
    expect(steps.length).toBeGreaterThanOrEqual(19);
    expect(steps.length).toBeLessThanOrEqual(21);
    expect([...steps].sort((a, b) => a - b)).toEqual(steps);
    c.push({ event: 'epoch', epoch: 1, loss: 1, error: 0.5, seconds: 1, lr: 0.1 });
    expect(out.at(-1)).toMatchObject({ event: 'epoch' });
    vi.useRealTimers();
  });

  it('keeps batch events under the rate even when epochs are shorter than the interval', () => {
    vi.useFakeTimers();
    let clock = 0;
    const out: TrainEvent[] = [];
    const c = new BatchCoalescer((e) => out.push(e), 50, () => clock);
    for (let epoch = 1; epoch <= 100; epoch++) {
      for (let step = 1; step <= 5; step++) {
        clock += 2;
        c.push({ ...(batch(step) as Extract<TrainEvent, { event: 'batch' }>), epoch });
        vi.advanceTimersByTime(2);
      }
      c.push({ event: 'epoch', epoch, loss: 1, error: 0.5, seconds: 0.01, lr: 0.1 });
    }
    // 100 epochs in one second: all 100 epoch events, at most ~20 batch events
    expect(out.filter((e) => e.event === 'epoch')).toHaveLength(100);
    const batches = out.filter((e) => e.event === 'batch').length;
    expect(batches).toBeGreaterThanOrEqual(15);
    expect(batches).toBeLessThanOrEqual(21);
    const epochs = out.map((e) => (e as { epoch: number }).epoch);
    expect([...epochs].sort((a, b) => a - b)).toEqual(epochs);
    vi.useRealTimers();
  });
});
