/**
 * The Train screen's estimate says something at once (issue 16 item 2): a modelled first guess
 * is shown before the studio's measurement answers, and the measurement replaces it and
 * teaches the next guess. The measurement is held here; no clock is read.
 */
import { describe, expect, it } from 'vitest';
import type { EpochEstimate, EstimateRequest } from '../../src-main/api/contract';
import type { ModelSpec } from '../../src-main/engine/types';
import { DEFAULT_SECONDS_PER_UNIT, epochUnitsOf, estimateInSteps, firstGuess, type ShownEstimate, type SpeedMemory } from '../../src-renderer/lib/estimate';

const net = (hidden: number[]): ModelSpec => ({
  inputShape: [1, 28, 28],
  classes: 10,
  layers: [...hidden.flatMap((units) => [{ kind: 'linear' as const, units, bias: true }, { kind: 'relu' as const }]), { kind: 'linear', units: 10, bias: true }],
});
const request = (hidden: number[], over: Partial<EstimateRequest> = {}): EstimateRequest => ({
  datasetId: 'ds-1', model: net(hidden), batchSize: 100, device: 'cpu', optimizer: { kind: 'momentum', momentum: 0.9, nesterov: true }, validation: 0.1, ...over,
});
const memory = (): SpeedMemory & { saved: Map<string, number> } => {
  const saved = new Map<string, number>();
  return { saved, get: (d) => saved.get(d) ?? null, set: (d, v) => void saved.set(d, v) };
};

function held(): { promise: Promise<EpochEstimate>; answer(e: EpochEstimate): void } {
  let answer!: (e: EpochEstimate) => void;
  const promise = new Promise<EpochEstimate>((resolve) => (answer = resolve));
  return { promise, answer };
}

describe('the epoch estimate', () => {
  it('shows the modelled first guess before the measurement answers, then the measured figure', async () => {
    const shown: ShownEstimate[] = [];
    const m = memory();
    const measurement = held();
    let asked = 0;
    const done = estimateInSteps(request([128]), 60_000, () => (asked++, measurement.promise), (e) => shown.push(e), m);
    // the measurement was asked for and has not answered: the guess is already there
    expect(asked).toBe(1);
    expect(shown).toHaveLength(1);
    expect(shown[0].firstGuess).toBe(true);
    expect(shown[0].seconds).toBeCloseTo(epochUnitsOf(request([128]), 60_000) * DEFAULT_SECONDS_PER_UNIT, 10);
    expect(shown[0].seconds).toBeGreaterThan(0);
    measurement.answer({ seconds: 3.4, stepsPerSecond: 159, device: 'cpu' });
    await done;
    expect(shown).toHaveLength(2);
    expect(shown[1]).toEqual({ seconds: 3.4, stepsPerSecond: 159, device: 'cpu', firstGuess: false });
    // the next guess on this device starts from the measured speed
    expect(firstGuess(request([128]), 60_000, m).seconds).toBeCloseTo(3.4, 10);
    expect(firstGuess(request([128]), 60_000, m).seconds).not.toBeCloseTo(shown[0].seconds, 3);
  });

  it('guesses longer for more work: a wider network, Adam, small batches, more samples; less for a validation part', () => {
    const m = memory();
    const base = firstGuess(request([128]), 60_000, m).seconds;
    expect(firstGuess(request([1000, 1500]), 60_000, m).seconds).toBeGreaterThan(10 * base);
    expect(firstGuess(request([128], { optimizer: { kind: 'adam', beta1: 0.9, beta2: 0.999, eps: 1e-8 } }), 60_000, m).seconds).toBeGreaterThan(base);
    expect(firstGuess(request([128], { batchSize: 8 }), 60_000, m).seconds).toBeGreaterThan(base);
    expect(firstGuess(request([128]), 6_000, m).seconds).toBeLessThan(base / 5);
    expect(firstGuess(request([128], { validation: 0.5 }), 60_000, m).seconds).toBeLessThan(base);
  });

  it('keeps the first guess on screen when the measurement fails (the caller says why)', async () => {
    const shown: ShownEstimate[] = [];
    await expect(estimateInSteps(request([128]), 60_000, () => Promise.reject(new Error('no worker')), (e) => shown.push(e), memory())).rejects.toThrow('no worker');
    expect(shown.map((e) => e.firstGuess)).toEqual([true]);
  });
});
