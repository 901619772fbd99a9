import { describe, expect, it } from 'vitest';
import { countParams, validateConfig, validateSpec } from './spec';
import { SMALL_TABLE_ROWS, tableDefaults, tableModel, tablePreset, type TableSize } from './table-defaults';

const SIZES = [1, 10, 150, 569, 900, 5_000, 30_000, 100_000, 1_000_000];

const hiddenLinear = (t: TableSize) => {
  const spec = tableModel([t.features], t, tableDefaults(t));
  return spec.layers.filter((l) => l.kind === 'linear').slice(0, -1) as { units: number }[];
};

describe('tableDefaults', () => {
  it('gives a valid model and config for every size, a category or a number', () => {
    for (const rows of SIZES) {
      for (const features of [1, 4, 30, 120, 2_000]) {
        for (const t of [{ rows, features, classes: 3 }, { rows, features, task: 'number' as const, classes: 1 }, { rows, features, task: 'category' as const, classes: 2 }]) {
          const d = tableDefaults(t);
          const spec = tableModel([features], t, d);
          expect(() => validateSpec(spec), JSON.stringify(t)).not.toThrow();
          expect(() => validateConfig(d.config), JSON.stringify(t)).not.toThrow();
        }
      }
    }
  });

  it('a number gets one output and task number; a category one output per class', () => {
    const n = tableModel([7], { task: 'number', classes: 1 }, tableDefaults({ rows: 5000, features: 7, task: 'number', classes: 1 }));
    expect(n).toMatchObject({ task: 'number', classes: 1 });
    expect(n.layers.at(-1)).toEqual({ kind: 'linear', units: 1, bias: true });
    const c = tableModel([7], { classes: 4 }, tableDefaults({ rows: 5000, features: 7, classes: 4 }));
    expect(c.task).toBeUndefined();
    expect(c).toMatchObject({ classes: 4 });
    expect(c.layers.at(-1)).toEqual({ kind: 'linear', units: 4, bias: true });
  });

  it('grows the network, the batch and the steps with the rows, and never shrinks them', () => {
    const maxSteps = (rows: number, d: ReturnType<typeof tableDefaults>) => d.config.epochs * Math.ceil((rows * (1 - (d.config.validation ?? 0))) / d.config.batchSize);
    let prevRows = SIZES[0];
    let prev = tableDefaults({ rows: prevRows, features: 10, classes: 2 });
    for (const rows of SIZES.slice(1)) {
      const d = tableDefaults({ rows, features: 10, classes: 2 });
      expect(d.hidden.width, `${rows} rows`).toBeGreaterThanOrEqual(prev.hidden.width);
      expect(d.config.batchSize, `${rows} rows`).toBeGreaterThanOrEqual(prev.config.batchSize);
      expect(d.hidden.dropout, `${rows} rows`).toBeLessThanOrEqual(prev.hidden.dropout);
      // the steps it may take in all (before early stopping): more rows, as many steps or more (up to the rounding of epochs)
      expect(maxSteps(rows, d), `${rows} rows`).toBeGreaterThanOrEqual(0.95 * maxSteps(prevRows, prev));
      prev = d;
      prevRows = rows;
    }
    const small = tableDefaults({ rows: 150, features: 4, classes: 3 });
    const large = tableDefaults({ rows: 30_000, features: 60, classes: 2 });
    expect(small.hidden.width).toBeLessThan(large.hidden.width);
    expect(small.hidden.dropout).toBeGreaterThan(large.hidden.dropout);
    expect(small.config.epochs).toBeGreaterThan(large.config.epochs);
  });

  it('keeps a small table small: far fewer parameters than the lecture, and fewer than the rows times a few hundred', () => {
    for (const rows of [150, 900, 5_000]) {
      const t = { rows, features: 20, classes: 2 };
      expect(countParams(tableModel([20], t, tableDefaults(t)))).toBeLessThan(Math.max(100_000, rows * 20));
    }
  });

  it('hidden layers are at least as wide as a wide input (to 512 units)', () => {
    expect(hiddenLinear({ rows: 5_000, features: 300, classes: 2 }).every((l) => l.units >= 300)).toBe(true);
    expect(hiddenLinear({ rows: 5_000, features: 5_000, classes: 2 }).every((l) => l.units === 512)).toBe(true);
  });

  it('regularises: Adam with weight decay and dropout; from SMALL_TABLE_ROWS a validation part keeps the best epoch and stops early', () => {
    for (const rows of SIZES) {
      const d = tableDefaults({ rows, features: 10, classes: 2 });
      expect(d.config.optimizer).toMatchObject({ kind: 'adam' });
      expect(d.config.optimizer.weightDecay).toBeGreaterThan(0);
      expect(d.hidden.dropout).toBeGreaterThan(0);
      if (rows < SMALL_TABLE_ROWS) {
        expect(d.config).toMatchObject({ validation: 0, patience: 0 });
        expect(d.reason).toMatch(/keeps the last epoch/);
      } else {
        expect(d.config.validation).toBeGreaterThan(0);
        expect(d.config.patience).toBeGreaterThan(0);
        expect(d.config.patience).toBeLessThan(d.config.epochs);
        expect(d.reason).toMatch(/set aside keeps the best epoch/);
      }
    }
  });

  it('a small table gets about as many steps as another small one, whatever its rows', () => {
    const steps = (rows: number) => {
      const c = tableDefaults({ rows, features: 10, classes: 2 }).config;
      return c.epochs * Math.ceil(rows / c.batchSize);
    };
    for (const rows of [150, 500, 1500]) expect(steps(rows), `${rows} rows`).toBeGreaterThanOrEqual(1000);
    for (const rows of [150, 500, 1500]) expect(steps(rows), `${rows} rows`).toBeLessThan(3000);
  });

  it('a batch is never larger than the rows left to train on', () => {
    for (const rows of [1, 2, 5, 20, 40]) {
      const d = tableDefaults({ rows, features: 3, classes: 2 });
      expect(d.config.batchSize).toBeLessThanOrEqual(Math.max(1, Math.floor(rows * (1 - (d.config.validation ?? 0)))));
    }
  });

  it('refuses a table without rows or columns, saying what is missing', () => {
    expect(() => tableDefaults({ rows: 0, features: 3, classes: 2 })).toThrow(/at least one training row/);
    expect(() => tableDefaults({ rows: 10, features: 0, classes: 2 })).toThrow(/at least one input column/);
  });

  it('as a preset: a fresh config each time (a caller changing one leaves the next untouched) and the reason as its description', () => {
    const p = tablePreset({ rows: 900, features: 12, classes: 2 });
    const a = p.config();
    a.optimizer.weightDecay = 5;
    expect(p.config().optimizer.weightDecay).toBe(1e-4);
    expect(p.description).toMatch(/900 training rows: 2 hidden layers of 64/);
    expect(p.model([12], 2)).toEqual(tableModel([12], { classes: 2 }, tableDefaults({ rows: 900, features: 12, classes: 2 })));
  });
});
