/** The Runs comparison: the data each run saw and every setting, in the Train screen's words (issue 16 item 8). */
import { describe, expect, it } from 'vitest';
import type { RunDetail } from '../../src-main/api/contract';
import { comparisonRows, keyWords, layersWords } from '../../src-renderer/lib/compare';

const run = (over: { train: number; config?: Record<string, unknown>; device?: string }): RunDetail =>
  ({
    id: `r-${over.train}`, name: 'MNIST · 784-128-10 relu', status: 'finished', datasetId: 'ds-mnist', datasetName: 'MNIST', architecture: '784-128-10 relu', params: 101_770,
    device: over.device ?? 'cpu', samples: { train: over.train, test: 10_000 }, createdAt: '2026-12-05T10:00:00Z', epochsDone: 4, steps: 0, epochs: 4,
    bestTestError: null, lastTestError: null, seconds: 30, testError: 0.04, checkpointEpoch: 4, validationError: 0.05, keptBy: 'validation',
    model: { inputShape: [1, 28, 28], classes: 10, layers: [{ kind: 'linear', units: 128, bias: true }, { kind: 'relu' }, { kind: 'dropout', p: 0.2 }, { kind: 'linear', units: 10, bias: true }] },
    config: {
      epochs: 4, batchSize: 100, lr: 0.1, evalEvery: 0, seed: 1, init: 'he', device: 'cpu', validation: 0.1, patience: 5,
      optimizer: { kind: 'adam', beta1: 0.9, beta2: 0.999, eps: 1e-8 }, schedule: { kind: 'constant' }, ...over.config,
    },
    metrics: [],
  }) as unknown as RunDetail;

const ctx = { datasetTrainCount: (id: string) => (id === 'ds-mnist' ? 60_000 : undefined), deviceName: (id: string) => (id === 'cpu' ? 'This computer’s processor' : id) };
const row = (rows: ReturnType<typeof comparisonRows>, key: string) => rows.find((r) => r.key === key);

describe('the comparison table', () => {
  it('shows the data each run saw: samples used of how many, the part set aside, the rest, the test set', () => {
    const rows = comparisonRows([run({ train: 20_000 }), run({ train: 60_000, config: { validation: 0.2 } })], ctx);
    expect(row(rows, 'Dataset')).toMatchObject({ section: 'Data', values: ['MNIST', 'MNIST'], differs: false });
    expect(row(rows, 'Training samples used')).toMatchObject({ values: ['20,000 of 60,000 (a quick try)', '60,000 (all)'], differs: true });
    expect(row(rows, 'Set aside to choose the epoch kept')).toMatchObject({ values: ['2,000 (10.00 %)', '12,000 (20.00 %)'], differs: true });
    expect(row(rows, 'Trained on (the rest)')?.values).toEqual(['18,000', '48,000']);
    expect(row(rows, 'Test samples')).toMatchObject({ values: ['10,000', '10,000'], differs: false });
    // the part set aside is said once, with the data
    expect(rows.filter((r) => r.key.startsWith('Set aside'))).toHaveLength(1);
  });

  it('names every setting in plain words, with the Train screen’s words for choices', () => {
    const rows = comparisonRows([run({ train: 20_000 }), run({ train: 20_000, config: { optimizer: { kind: 'momentum', momentum: 0.9, nesterov: true } } })], ctx);
    const keys = rows.map((r) => r.key).join(' | ');
    for (const jargon of ['β1', 'β2', 'Nesterov', 'ε', 'optimizer.', 'beta']) expect(keys).not.toContain(jargon);
    expect(row(rows, 'Optimizer')).toMatchObject({ values: ['Adam', 'Gradient descent with momentum'], differs: true });
    // the registry's explanation of each technical setting names the row
    expect(row(rows, "How much of the past gradients Adam's step follows")?.values).toEqual(['0.9', '—']);
    expect(row(rows, 'Looks ahead along the momentum before taking the gradient')?.values).toEqual(['—', 'yes']);
    expect(row(rows, 'How much of the last update carries over into the next')?.values).toEqual(['—', '0.9']);
    expect(row(rows, 'Learning-rate schedule')?.values).toEqual(['Keep it constant', 'Keep it constant']);
    expect(row(rows, 'Starting weights')?.values).toEqual(['He (good with ReLU)', 'He (good with ReLU)']);
    expect(row(rows, 'Device asked for')?.values).toEqual(['This computer’s processor', 'This computer’s processor']);
    expect(row(rows, 'Layers')?.values[0]).toBe('128 units → ReLU → switch off 20.00 % → 10 units');
    expect(row(rows, 'Learning rate')?.differs).toBe(false);
  });

  it('names every layer kind as the Model screen does (the registry’s labels)', () => {
    const model = { inputShape: [784], classes: 10, layers: [{ kind: 'linear', units: 64, bias: true }, { kind: 'leaky_relu', slope: 0.01 }, { kind: 'gelu' }, { kind: 'linear', units: 10, bias: false }] };
    expect(layersWords({ model } as unknown as RunDetail)).toBe('64 units → Leaky ReLU → GELU → 10 units (no bias)');
  });

  it('takes a setting it has no name for (augmentation, added later) and names it from its key', () => {
    const rows = comparisonRows([run({ train: 20_000 }), run({ train: 20_000, config: { augment: { maxShift: 2, flip: false } } })], ctx);
    expect(row(rows, 'Augment: max shift')).toMatchObject({ section: 'Settings', values: ['—', '2'], differs: true });
    expect(row(rows, 'Augment: flip')?.values).toEqual(['—', 'no']);
    expect(keyWords('batchSize')).toBe('Batch size');
  });
});
