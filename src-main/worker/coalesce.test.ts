import { describe, expect, it, vi } from 'vitest';
import type { TrainEvent } from '../engine/types';
import { BatchCoalescer } from './coalesce';

const batch = (step: number): TrainEvent => ({ event: 'batch', epoch: 0, step, stepsPerEpoch: 1000, loss: 1, error: 0.5, lr: 0.1 });

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
    c.push({ event: 'epoch', epoch: 0, loss: 1, error: 0.5, seconds: 1, lr: 0.1 });
    expect(out.at(-2)).toMatchObject({ event: 'batch', step: 1000 });
    expect(out.at(-1)).toMatchObject({ event: 'epoch' });
    vi.useRealTimers();
  });
});
