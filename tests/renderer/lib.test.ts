/** The renderer's pure helpers: chart series, training warnings, ETA, messages, presets. */
import { describe, expect, it } from 'vitest';
import { SeriesBuilder, seriesOf } from '../../src-renderer/lib/series';
import { trainingWarnings, eta } from '../../src-renderer/lib/warnings';
import { forPeople } from '../../src-renderer/lib/messages';
import { fitSpecToData, presetList, specProblem, describeSpec, configProblem } from '../../src-renderer/lib/engine';
import type { TrainEvent } from '../../src-main/engine/types';

function run(epochs: { train: number[]; test?: number }[], spe = 4): TrainEvent[] {
  const ev: TrainEvent[] = [{ event: 'start', params: 10, device: 'cpu', stepsPerEpoch: spe, epochs: epochs.length }];
  epochs.forEach((e, i) => {
    const epoch = i + 1; // events count epochs from 1
    e.train.forEach((loss, s) => ev.push({ event: 'batch', epoch, step: s + 1, stepsPerEpoch: spe, loss, error: loss / 4, lr: 0.1 }));
    const mean = e.train.reduce((a, b) => a + b, 0) / e.train.length;
    ev.push({ event: 'epoch', epoch, loss: mean, error: mean / 4, seconds: 1, lr: 0.1 });
    if (e.test !== undefined) ev.push({ event: 'test', epoch, loss: e.test, error: e.test / 4 });
  });
  return ev;
}

describe('SeriesBuilder', () => {
  it('puts batch, epoch and test points on one "epochs completed" axis', () => {
    const s = seriesOf(run([{ train: [2, 1.8, 1.6, 1.4], test: 1.5 }, { train: [1.2, 1.1, 1, 0.9], test: 1.2 }]));
    expect(s.batchLoss.map((p) => p.x)).toEqual([0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2]);
    expect(s.epochLoss).toEqual([{ x: 1, y: 1.7 }, { x: 2, y: 1.05 }].map((p) => ({ x: p.x, y: expect.closeTo(p.y, 10) })));
    expect(s.testError.map((p) => p.x)).toEqual([1, 2]);
    expect(s.rows).toHaveLength(2);
    expect(s.rows[0].epoch).toBe(1);
    expect(s.rows[1].testError).toBeCloseTo(0.3);
    expect(s.batchError[0].y).toBeCloseTo(50); // errors are shown in percent
  });

  it('smooths with a debiased moving average (first point = first value)', () => {
    const b = new SeriesBuilder(0.9);
    b.ingest({ event: 'batch', epoch: 1, step: 1, stepsPerEpoch: 10, loss: 3, error: 0.5, lr: 1 });
    expect(b.s.smoothLoss[0].y).toBeCloseTo(3);
    b.ingest({ event: 'batch', epoch: 1, step: 2, stepsPerEpoch: 10, loss: 1, error: 0.5, lr: 1 });
    const y = b.s.smoothLoss[1].y;
    expect(y).toBeGreaterThan(1);
    expect(y).toBeLessThan(3);
  });

  it('keeps NaN batches in the raw series but out of the smoothed one', () => {
    const b = new SeriesBuilder();
    b.ingest({ event: 'batch', epoch: 1, step: 1, stepsPerEpoch: 2, loss: Number.NaN, error: 1, lr: 1 });
    expect(b.s.batchLoss).toHaveLength(1);
    expect(b.s.smoothLoss).toHaveLength(0);
  });
});

describe('trainingWarnings', () => {
  it('is quiet while the loss falls', () => {
    const falling = Array.from({ length: 40 }, (_, i) => 2 / (1 + i / 10));
    expect(trainingWarnings(seriesOf(run([{ train: falling.slice(0, 20) }, { train: falling.slice(20) }], 20)))).toEqual([]);
  });

  it('says so when the loss blows up to NaN', () => {
    const w = trainingWarnings(seriesOf(run([{ train: [2, 3, Number.NaN, Number.NaN] }])));
    expect(w.join(' ')).toMatch(/not a number.*lower the learning rate/);
  });

  it('says so when the loss climbs (divergence)', () => {
    const rising = Array.from({ length: 40 }, (_, i) => 1 + i * 0.5);
    const w = trainingWarnings(seriesOf(run([{ train: rising.slice(0, 20) }, { train: rising.slice(20) }], 20)));
    expect(w.join(' ')).toMatch(/going up|much higher/);
  });

  it('says so when the test error rises while the training error falls (overfitting)', () => {
    const s = seriesOf(run([{ train: [1, 1, 1, 1], test: 1.0 }, { train: [0.8, 0.8, 0.8, 0.8], test: 1.1 }, { train: [0.6, 0.6, 0.6, 0.6], test: 1.3 }]));
    expect(trainingWarnings(s).join(' ')).toMatch(/overfitting/);
  });

  it('does not call one small rise of the test error overfitting (noise: 5.04 % then 5.18 %)', () => {
    const s = seriesOf(run([{ train: [0.3, 0.3, 0.3, 0.3], test: 0.2016 }, { train: [0.2, 0.2, 0.2, 0.2], test: 0.2072 }]));
    expect(s.testError.map((p) => p.y)).toEqual([expect.closeTo(5.04, 6), expect.closeTo(5.18, 6)]);
    expect(trainingWarnings(s).join(' ')).not.toMatch(/overfitting/);
  });

  it('calls one large jump of the test error overfitting (3 % then 5 %)', () => {
    const s = seriesOf(run([{ train: [0.3, 0.3, 0.3, 0.3], test: 0.12 }, { train: [0.2, 0.2, 0.2, 0.2], test: 0.2 }]));
    expect(trainingWarnings(s).join(' ')).toMatch(/overfitting/);
  });

  it('does not call a falling test error overfitting', () => {
    const s = seriesOf(run([{ train: [1, 1, 1, 1], test: 1.3 }, { train: [0.8, 0.8, 0.8, 0.8], test: 1.1 }]));
    expect(trainingWarnings(s).join(' ')).not.toMatch(/overfitting/);
  });
});

describe('eta', () => {
  it('extrapolates the pace so far', () => {
    expect(eta(30, 0.25)).toBeCloseTo(90);
    expect(eta(30, 0)).toBeNull();
    expect(eta(30, 1)).toBeNull();
  });
});

describe('forPeople', () => {
  it('shows dropped files by the name the person dropped', () => {
    expect(forPeople('/tmp/x/home/uploads/up-6c5b0094b0915ec1/digits/3/a.png: not an image')).toBe('digits/3/a.png: not an image');
    expect(forPeople('C:\\Users\\me\\AppData\\MLP Studio\\uploads\\up-1a2b\\notes.txt is empty')).toMatch(/notes\.txt is empty$/);
    expect(forPeople('/home/me/data/train.csv: line 3 has 4 columns')).toBe('/home/me/data/train.csv: line 3 has 4 columns');
  });
});

describe('engine adapter', () => {
  const mnist = { sampleShape: [1, 28, 28], classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] };

  it('lists the lecture preset first, fitted to the data, with its settings', () => {
    const [lecture] = presetList(mnist);
    expect(lecture.id).toBe('lecture');
    expect(specProblem(lecture.spec)).toBeNull();
    expect(describeSpec(lecture.spec)?.totalParams).toBe(784 * 1000 + 1000 * 1500 + 1500 * 10);
    expect(lecture.config.lr).toBe(0.01);
    expect(lecture.config.batchSize).toBe(200);
    expect(configProblem(lecture.config)).toBeNull();
  });

  it('refits a stack to another dataset: input shape and one output per class', () => {
    const spec = presetList(mnist)[1].spec;
    const cifar = { sampleShape: [3, 32, 32], classNames: Array.from({ length: 100 }, (_, i) => `c${i}`) };
    const fitted = fitSpecToData(spec, cifar);
    expect(fitted.inputShape).toEqual([3, 32, 32]);
    expect(fitted.classes).toBe(100);
    const last = fitted.layers[fitted.layers.length - 1];
    expect(last).toMatchObject({ kind: 'linear', units: 100 });
    expect(specProblem(fitted)).toBeNull();
  });

  it('drops layers after the last linear one and explains invalid stacks', () => {
    const fitted = fitSpecToData({ inputShape: [4], classes: 2, layers: [{ kind: 'linear', units: 8, bias: true }, { kind: 'relu' }] }, { sampleShape: [4], classNames: ['a', 'b'] });
    expect(fitted.layers).toEqual([{ kind: 'linear', units: 2, bias: true }]);
    expect(specProblem({ ...fitted, layers: [{ kind: 'relu' }, { kind: 'linear', units: 2, bias: true }] })).toMatch(/activation/);
  });
});
