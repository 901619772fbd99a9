/** A table in the window (issue 11): a number's curves in its units, the presets a table is offered, a number model's output. */
import { describe, expect, it } from 'vitest';
import { seriesOf } from '../../src-renderer/lib/series';
import { fitSpecToData, presetList, specProblem } from '../../src-renderer/lib/engine';
import { units } from '../../src-renderer/lib/format';
import type { TrainEvent } from '../../src-main/engine/types';

const events: TrainEvent[] = [
  { event: 'batch', epoch: 1, step: 1, stepsPerEpoch: 1, loss: 0.8, error: 12500, lr: 0.01 },
  { event: 'epoch', epoch: 1, loss: 0.8, error: 12500, seconds: 1, lr: 0.01 },
  { event: 'validation', epoch: 1, loss: 0.9, error: 13000 },
];

describe('a table in the window', () => {
  it('draws a number’s error (the MAE) in the target’s units, a category’s in percent', () => {
    const n = seriesOf(events, 'number');
    expect(n.epochError).toEqual([{ x: 1, y: 12500 }]);
    expect(n.validationError).toEqual([{ x: 1, y: 13000 }]);
    expect(n.batchError[0].y).toBe(12500);
    const c = seriesOf([{ event: 'epoch', epoch: 1, loss: 1, error: 0.25, seconds: 1, lr: 0.1 }]);
    expect(c.epochError).toEqual([{ x: 1, y: 25 }]);
  });

  it('offers a table none of the presets made for MNIST’s pictures', () => {
    const table = { kind: 'tabular' as const, sampleShape: [12], classNames: ['Adelie', 'Chinstrap', 'Gentoo'] };
    const ids = presetList(table).map((p) => p.id);
    expect(ids).not.toContain('lecture');
    expect(ids).not.toContain('accurate');
    expect(ids.length).toBeGreaterThan(0);
    expect(presetList({ kind: 'image', sampleShape: [1, 28, 28], classNames: ['0', '1'] })[0].id).toBe('lecture');
  });

  it('fits a network to a number to predict: one output unit and the number task', () => {
    const d = { kind: 'tabular' as const, sampleShape: [7], classNames: ['price'], task: 'number' as const };
    const spec = fitSpecToData(presetList(d)[0].spec, d);
    expect(spec.task).toBe('number');
    expect(spec.classes).toBe(1);
    expect(spec.layers[spec.layers.length - 1]).toMatchObject({ kind: 'linear', units: 1 });
    expect(specProblem(spec)).toBeNull();
    // a category keeps the spec without a task, as every earlier spec
    expect('task' in fitSpecToData(spec, { sampleShape: [7], classNames: ['a', 'b'] })).toBe(false);
  });

  it('writes values in units readably', () => {
    expect(units(184250.4)).toBe('184,250');
    expect(units(12.3456)).toBe('12.35');
    expect(units(2009)).toBe('2009');
    expect(units(0.041271)).toBe('0.04127');
    expect(units(null)).toBe('—');
  });
});

describe('a table’s own preset', () => {
  it('comes first for a table with rows, sized by the engine’s table defaults', () => {
    const d = { kind: 'tabular' as const, sampleShape: [12], classNames: ['a', 'b', 'c'], train: { count: 300 } };
    const [first] = presetList(d);
    expect(first.id).toBe('table');
    expect(first.spec.classes).toBe(3);
    expect(first.config.optimizer.kind).toBe('adam');
    expect(specProblem(first.spec)).toBeNull();
  });
});

describe('a number run quoted', () => {
  it('by its test MAE in the target’s units, not a percentage', async () => {
    const { keptTestErrorText } = await import('../../src-renderer/lib/runs');
    expect(keptTestErrorText({ testError: 12345.6, checkpointEpoch: 3, lastTestError: 13000, task: 'number' })).toBe('MAE 12,346 (epoch 3)');
    expect(keptTestErrorText({ testError: 0.25, checkpointEpoch: 3, lastTestError: 0.3 })).toBe('25.00 % (epoch 3)');
  });
});
