/**
 * A number to predict (issue 11 item 3): the metrics, the spec's one output, the squared-error
 * loss on the standardised target with the error reported in the target's units, training to
 * a good R², the validation loss choosing the kept epoch, the diagnosis of a model no better
 * than the training mean, and the done event's metrics (for a category too).
 */
import { describe as suite, expect, it } from 'vitest';
import { createNodeRuntime } from '../runtime/node';
import { defaultTrainConfig, evaluate, initParams, presetById, Rng, SpecError, Trainer, validateSpec, withTask, type ModelSpec, type TrainConfig, type TrainEvent, type TrainingData } from './index';
import { RunWatch } from './kept';
import { regressionMetrics } from './metrics';
import { judgeRegression } from './run-diagnosis';
import { carveValidation, diagnose } from './validation';

type Done = Extract<TrainEvent, { event: 'done' }>;

/** y = 50 + 3·x0 − 0.2·x1 + 4·x2 (+ noise), four features of different scales (x3 is irrelevant); or, `related` false, y is noise alone */
function linearData(nTrain: number, nTest: number, seed = 1, noise = 0.5, related = true): TrainingData {
  const rng = new Rng(seed);
  const d = 4;
  const scales = [1, 10, 0.5, 3];
  const make = (n: number) => {
    const x = new Float32Array(n * d);
    const y = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) x[i * d + j] = rng.normal() * scales[j] + j;
      const [a, b, c] = [x[i * d], x[i * d + 1], x[i * d + 2]];
      y[i] = (related ? 50 + 3 * a - 0.2 * b + 4 * c : 50) + rng.normal() * noise * (related ? 1 : 5);
    }
    return { x, y, n };
  };
  const train = make(nTrain);
  const test = make(nTest);
  const stat = (v: (i: number) => number, n: number) => {
    let m = 0;
    for (let i = 0; i < n; i++) m += v(i);
    m /= n;
    let s = 0;
    for (let i = 0; i < n; i++) s += (v(i) - m) ** 2;
    return { mean: m, std: Math.sqrt(s / n) };
  };
  const feats = scales.map((_, j) => stat((i) => train.x[i * d + j], nTrain));
  return {
    name: 'linear',
    sampleShape: [d],
    sampleSize: d,
    classNames: ['y'],
    train,
    test,
    preprocess: { scale: 1, mean: feats.map((f) => f.mean), std: feats.map((f) => f.std) },
    task: 'number',
    target: stat((i) => train.y[i], nTrain),
  };
}

const net = (hidden = 16): ModelSpec => ({
  inputShape: [4],
  classes: 1,
  task: 'number',
  layers: [{ kind: 'linear', units: hidden, bias: true }, { kind: 'relu' }, { kind: 'linear', units: 1, bias: true }],
});
const adam = (over: Partial<TrainConfig> = {}): TrainConfig => ({
  ...defaultTrainConfig(),
  epochs: 30,
  batchSize: 32,
  lr: 0.01,
  optimizer: { kind: 'adam', beta1: 0.9, beta2: 0.999, eps: 1e-8 },
  init: 'he',
  evalEvery: 0,
  ...over,
});

async function train(spec: ModelSpec, config: TrainConfig, data: TrainingData) {
  const events: TrainEvent[] = [];
  const result = await new Trainer({ spec, config, data, runtime: createNodeRuntime('cpu'), onEvent: (e) => events.push(e) }).run();
  const done = events.find((e): e is Done => e.event === 'done');
  return { events, result, done };
}

suite('regressionMetrics', () => {
  it('MAE, RMSE and R² by hand', () => {
    // errors 0, 1, −1, 2: MAE 1, MSE 6/4; actual mean 3, total sum of squares 4 + 0 + 1 + 9 = 14
    const m = regressionMetrics([1, 2, 3, 4], [1, 3, 2, 6]);
    expect(m.mae).toBeCloseTo(1, 12);
    expect(m.rmse).toBeCloseTo(Math.sqrt(1.5), 12);
    expect(m.r2).toBeCloseTo(1 - 6 / 14, 12);
  });
  it('R² against a reference mean (the training mean): 1 − 6/50 around 0', () => {
    expect(regressionMetrics([1, 2, 3, 4], [1, 3, 2, 6], 0).r2).toBeCloseTo(1 - 6 / 50, 12);
  });
  it('always answering the mean scores R² 0; a constant target is 1 when met exactly', () => {
    expect(regressionMetrics([3, 3, 3, 3], [1, 3, 2, 6]).r2).toBeCloseTo(0, 12);
    expect(regressionMetrics([2, 2], [2, 2]).r2).toBe(1);
    expect(regressionMetrics([2, 3], [2, 2]).r2).toBe(0);
  });
  it('refuses mismatched or empty inputs', () => {
    expect(() => regressionMetrics([1], [1, 2])).toThrow(/1 predictions for 2 values/);
    expect(() => regressionMetrics([], [])).toThrow(/no values/);
  });
});

suite('a model that predicts a number', () => {
  it('has one output: withTask sets it, and validateSpec says so in plain words', () => {
    const spec = withTask(presetById('small').model([4], 3), 'number');
    expect(spec.classes).toBe(1);
    expect(spec.layers.at(-1)).toEqual({ kind: 'linear', units: 1, bias: true });
    expect(() => validateSpec(spec)).not.toThrow();
    expect(() => validateSpec({ ...spec, classes: 3 })).toThrow(SpecError);
    expect(() => validateSpec({ ...spec, classes: 3 })).toThrow(/predicts a number has one output; this model has 3/);
    const wide = { ...spec, layers: [...spec.layers.slice(0, -1), { kind: 'linear' as const, units: 2, bias: true }] };
    expect(() => validateSpec(wide)).toThrow(/last layer must be a linear layer with 1 unit, the predicted number \(it has 2\)/);
    expect(() => validateSpec({ ...spec, task: 'colour' as never })).toThrow(/a category or a number \(got "colour"\)/);
    // and back to a category with 3 classes
    const back = withTask(spec, 'category', 3);
    expect(back.task).toBeUndefined();
    expect(back.layers.at(-1)).toEqual({ kind: 'linear', units: 3, bias: true });
  });

  it('refuses a category dataset, and a number dataset for a classifier', async () => {
    const data = linearData(40, 10);
    const classifier = withTask(net(), 'category', 2);
    expect(() => new Trainer({ spec: net(), config: adam({ epochs: 1 }), data: { ...data, task: undefined }, runtime: createNodeRuntime('cpu') })).toThrow(
      /predicts a number but the dataset's labels are categories/,
    );
    expect(() => new Trainer({ spec: classifier, config: adam({ epochs: 1 }), data, runtime: createNodeRuntime('cpu') })).toThrow(/predicts a category but the dataset's target is a number/);
  });

  it("loss is the mean squared error on the standardised target; error the mean absolute error in the target's units", async () => {
    const data = linearData(20, 7, 3);
    const spec: ModelSpec = { inputShape: [4], classes: 1, task: 'number', layers: [{ kind: 'linear', units: 1, bias: true }] };
    const params = initParams(spec, 'pytorch', 5);
    const r = await evaluate(createNodeRuntime('cpu'), spec, params, data, data.test, 3);
    const { mean: tm, std: ts } = data.target!;
    let sq = 0;
    let abs = 0;
    for (let i = 0; i < data.test.n; i++) {
      let s = params[1][0];
      for (let j = 0; j < 4; j++) s += ((data.test.x[i * 4 + j] - data.preprocess.mean[j]) / data.preprocess.std[j]) * params[0][j];
      const value = s * ts + tm;
      expect(r.values![i]).toBeCloseTo(value, 3);
      sq += (s - (data.test.y[i] - tm) / ts) ** 2;
      abs += Math.abs(value - data.test.y[i]);
    }
    expect(r.loss).toBeCloseTo(sq / data.test.n, 4);
    expect(r.error).toBeCloseTo(abs / data.test.n, 3);
    expect(r.predictions.length).toBe(0);
  });

  it('trains on a linear function plus noise to R² > 0.9 on the test set; done carries mae, rmse, r2', async () => {
    const data = linearData(600, 200);
    const { events, result, done } = await train(net(), adam({ validation: 0.1, patience: 0 }), data);
    expect(result.status).toBe('finished');
    const m = done!.metrics as { mae: number; rmse: number; r2: number };
    expect(m.r2).toBeGreaterThan(0.9);
    expect(m.rmse).toBeGreaterThanOrEqual(m.mae);
    // the test error of a number is its MAE in the target's units
    expect(done!.testError).toBeCloseTo(m.mae, 3);
    expect(done!.diagnosis).toBeUndefined();
    // epochs report the MAE in the target's units (the target's std is some 7: an MAE of 1 is a good fit)
    const epochs = events.filter((e) => e.event === 'epoch') as Extract<TrainEvent, { event: 'epoch' }>[];
    expect(epochs.at(-1)!.error).toBeLessThan(epochs[0].error);
    expect(epochs.at(-1)!.error).toBeGreaterThan(0.05);
    expect(epochs.at(-1)!.error).toBeLessThan(0.4 * data.target!.std);
  });

  it('the kept epoch is the one with the lowest validation loss', async () => {
    const data = linearData(300, 50, 2, 2);
    const { events, done } = await train(net(8), adam({ epochs: 12, lr: 0.05, validation: 0.2, patience: 0 }), data);
    const vals = events.filter((e) => e.event === 'validation') as Extract<TrainEvent, { event: 'validation' }>[];
    expect(vals).toHaveLength(12);
    const best = vals.reduce((a, b) => (b.loss < a.loss ? b : a));
    expect(done!.checkpointEpoch).toBe(best.epoch);
    expect(done!.validationError).toBe(best.error);
  });

  it('RunWatch chooses by the validation loss when given one (not by the error), and stops early on it', async () => {
    const w = new RunWatch(null);
    const p = async () => [new Float32Array(1)];
    expect(await w.choose(1, 5, p, 1.0)).toBe(true);
    // a lower error with a higher loss is not kept
    expect(await w.choose(2, 4, p, 1.2)).toBe(false);
    expect(await w.choose(3, 6, p, 0.8)).toBe(true);
    expect(w.kept?.epoch).toBe(3);
    expect(await w.choose(4, 3, p, 0.9)).toBe(false);
    expect(w.stopEarly(5, 2, false)).toMatch(/validation loss had not improved for 2 epochs since epoch 3/);
  });

  it('the validation part of a number is a seeded share of all samples (no classes to stratify)', () => {
    const data = linearData(100, 1);
    const a = carveValidation(data.train, 0.2, 7);
    expect(a.validation.n).toBe(20);
    expect(a.train.n).toBe(80);
    expect(a.validation.y).toBeInstanceOf(Float32Array);
    expect(carveValidation(data.train, 0.2, 7).validation.y).toEqual(a.validation.y);
  });

  it('a model no better than the training mean finishes with a problem that says so', async () => {
    // the target is noise around 50, unrelated to the features; a learning rate far too low
    const data = linearData(300, 100, 4, 0.5, false);
    const { result, done } = await train(net(), adam({ epochs: 2, lr: 1e-7, validation: 0.2 }), data);
    expect(result.status).toBe('finished');
    expect(done!.diagnosis).toMatch(/learned nothing: on the validation part its predictions are no better than always answering the training mean, (49|50)\.\d+ \(R² -?\d\.\d\d; mean absolute error /);
    expect(result.diagnosis).toBe(done!.diagnosis);
  });

  it('the diagnosis sentence: R² ≤ 0 against the training mean is a problem, a good fit none', () => {
    const split = { y: Float32Array.from([1, 2, 3, 6]), n: 4 };
    const flat = judgeRegression(new Float32Array(4).fill(3), split, 3);
    expect(flat.r2).toBeCloseTo(0, 12);
    expect(flat.mae).toBeCloseTo(flat.baselineMae, 12);
    const base = { config: { lr: 0.001, optimizer: { kind: 'adam' as const, beta1: 0.9, beta2: 0.999, eps: 1e-8 } }, firstStepLoss: 1, firstEpochLoss: 0.9, maxEpochLoss: 0.9, keptError: null, baselineError: null, judgedOn: 'test' as const };
    expect(diagnose({ ...base, regression: flat })).toMatch(/on the test set its predictions are no better than always answering the training mean, 3 \(R² 0\.00; mean absolute error 1\.5 against 1\.5 for the mean\)/);
    const good = judgeRegression(Float32Array.from([1.1, 2, 3, 5.8]), split, 3);
    expect(diagnose({ ...base, regression: good })).toBeNull();
    // a blown-up loss is said first
    expect(diagnose({ ...base, firstEpochLoss: 50, regression: good })).toMatch(/learning rate is too high: the loss jumped from 1 to 50/);
  });
});

suite('the done event carries metrics', () => {
  it('a category: { accuracy } = 1 − the test error of the kept model', async () => {
    const rng = new Rng(3);
    const n = 200;
    const x = new Float32Array(n * 2);
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      y[i] = i % 2;
      x[i * 2] = rng.normal() + (y[i] ? 2 : -2);
      x[i * 2 + 1] = rng.normal();
    }
    const data: TrainingData = {
      name: 'two',
      sampleShape: [2],
      sampleSize: 2,
      classNames: ['a', 'b'],
      train: { x: x.subarray(0, 300), y: y.subarray(0, 150), n: 150 },
      test: { x: x.subarray(300), y: y.subarray(150), n: 50 },
      preprocess: { scale: 1, mean: [0], std: [1] },
    };
    const spec: ModelSpec = { inputShape: [2], classes: 2, layers: [{ kind: 'linear', units: 2, bias: true }] };
    const { done } = await train(spec, { ...defaultTrainConfig(), epochs: 3, batchSize: 16, lr: 0.1, validation: 0.1 }, data);
    expect(done!.testError).not.toBeNull();
    expect(done!.metrics).toEqual({ accuracy: 1 - done!.testError! });
  });
});
