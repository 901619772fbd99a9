/** The words of spec and config validation, and the presets' texts. */
import { describe, expect, it } from 'vitest';
import { defaultTrainConfig, presets, SpecError, validateConfig, validateSpec, type ModelSpec, type TrainConfig } from './index';

const withUnits = (units: unknown): ModelSpec => ({
  inputShape: [4],
  classes: 2,
  layers: [{ kind: 'linear', units: units as number, bias: true }, { kind: 'relu' }, { kind: 'linear', units: 2, bias: true }],
});
const configWith = (patch: Record<string, unknown>): TrainConfig => ({ ...defaultTrainConfig(), ...patch }) as TrainConfig;
const messageOf = (f: () => void): string => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(SpecError);
    return (e as Error).message;
  }
  throw new Error('expected a SpecError');
};

describe('validation messages', () => {
  it('say "(got nothing)" for an empty, missing or NaN value, never "(got )"', () => {
    for (const v of ['', '  ', undefined, null, NaN]) {
      const m = messageOf(() => validateSpec(withUnits(v)));
      expect(m).toBe('Layer 1 (linear): the number of units must be a whole number of at least 1 (got nothing).');
    }
    for (const key of ['epochs', 'batchSize', 'lr', 'evalEvery', 'seed']) {
      for (const v of ['', undefined, NaN]) {
        const m = messageOf(() => validateConfig(configWith({ [key]: v })));
        expect(m).toMatch(/\(got nothing\)\.$/);
        expect(m).not.toMatch(/\(got \)|\(got undefined\)|\(got NaN\)/);
      }
    }
    const dropout = messageOf(() => validateSpec({ ...withUnits(3), layers: [{ kind: 'linear', units: 3, bias: true }, { kind: 'dropout', p: undefined as unknown as number }, { kind: 'linear', units: 2, bias: true }] }));
    expect(dropout).toMatch(/drop probability must be at least 0 and below 1 \(got nothing\)\.$/);
  });

  it('show other values as they are', () => {
    expect(messageOf(() => validateSpec(withUnits(0)))).toMatch(/\(got 0\)\.$/);
    expect(messageOf(() => validateSpec(withUnits(2.5)))).toMatch(/\(got 2\.5\)\.$/);
    expect(messageOf(() => validateConfig(configWith({ lr: -1 })))).toBe('The learning rate must be a positive number (got -1).');
    expect(messageOf(() => validateConfig(configWith({ lr: Infinity })))).toBe('The learning rate must be a positive number (got Infinity).');
    expect(messageOf(() => validateConfig(configWith({ epochs: 'ten' })))).toMatch(/\(got ten\)\.$/);
  });
});

describe('preset texts', () => {
  it('write percentages as the app does: a space before %', () => {
    const texts = presets.flatMap((p) => [p.title, p.description]);
    expect(texts.some((t) => t.includes('%'))).toBe(true);
    for (const t of texts) expect(t).not.toMatch(/\d%/);
    expect(presets.find((p) => p.id === 'accurate')!.title).toBe('Accurate (≤ 1.5 % wrong on handwritten digits)');
    // plain words (issue 16): no course codes, paper citations or layer formulas in what people read first
    for (const t of texts) expect(t).not.toMatch(/CS5242|Simard|\d+-\d+-\d+|Nesterov|SGD/);
  });
});
