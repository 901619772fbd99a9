/**
 * Issue 12: a validation split chooses, the test set only reports, a run that learned nothing
 * says so. Tiny nets on small synthetic data, so the whole file runs in seconds.
 */
import { describe as suite, expect, it } from 'vitest';
import { createNodeRuntime } from '../runtime/node';
import { evaluate, Rng, Trainer, defaultTrainConfig, type DataSplit, type ModelSpec, type TrainConfig, type TrainEvent, type TrainingData } from './index';
import { carveValidation, diagnose, majorityClass, majorityError } from './validation';

/** the class is which of 3 blocks of the input has the largest mean, with some label noise */
function blobs(n: number, seed = 1, d = 12, classes = 3, noise = 0.15): TrainingData {
  const rng = new Rng(seed);
  const x = new Uint8Array(n * d);
  const y = new Int32Array(n);
  const per = d / classes;
  for (let i = 0; i < n; i++) {
    const c = rng.below(classes);
    y[i] = rng.next() < noise ? rng.below(classes) : c;
    for (let j = 0; j < d; j++) x[i * d + j] = Math.floor(rng.next() * 160) + (Math.floor(j / per) === c ? 60 : 0);
  }
  const split = (a: number, b: number) => ({ x: x.slice(a * d, b * d), y: y.slice(a, b), n: b - a });
  const nt = Math.floor(n * 0.75);
  return { name: 'blobs', sampleShape: [d], sampleSize: d, classNames: ['a', 'b', 'c'], train: split(0, nt), test: split(nt, n), preprocess: { scale: 1 / 255, mean: [0], std: [1] } };
}

const tiny: ModelSpec = { inputShape: [12], classes: 3, layers: [{ kind: 'linear', units: 8, bias: true }, { kind: 'relu' }, { kind: 'linear', units: 3, bias: true }] };
const cfg = (over: Partial<TrainConfig> = {}): TrainConfig => ({ ...defaultTrainConfig(), batchSize: 16, lr: 0.3, epochs: 12, evalEvery: 1, validation: 0.2, seed: 3, ...over });

async function train(config: TrainConfig, data: TrainingData, spec = tiny) {
  const events: TrainEvent[] = [];
  const kept: { epoch: number; params: Float32Array[] }[] = [];
  const trainer = new Trainer({
    spec,
    config,
    data,
    runtime: createNodeRuntime('cpu'),
    onEvent: (e) => events.push(e),
    onEpochEnd: (c, info) => {
      if (info.kept) kept.push({ epoch: c.epoch, params: c.params.map((p) => p.slice()) });
    },
  });
  const result = await trainer.run();
  const of = <K extends TrainEvent['event']>(k: K) => events.filter((e): e is Extract<TrainEvent, { event: K }> => e.event === k);
  return { events, result, kept, of, split: trainer.validationSplit };
}

function shuffledLabels(split: DataSplit, seed: number): DataSplit {
  const y = split.y.slice();
  const perm = new Rng(seed).permutation(y.length);
  return { ...split, y: Int32Array.from(perm, (i) => y[i]) };
}

suite('validation split', () => {
  it('is stratified, seeded, keeps the original order and leaves the source untouched', () => {
    const y = Int32Array.from({ length: 100 }, (_, i) => (i < 70 ? 0 : 1));
    const x = Uint8Array.from({ length: 200 }, (_, i) => i % 256);
    const split = { x, y, n: 100 };
    const a = carveValidation(split, 0.1, 5);
    expect([a.train.n, a.validation.n]).toEqual([90, 10]);
    expect(Array.from(a.validation.y).filter((l) => l === 0).length).toBe(7);
    expect(Array.from(a.validation.y).filter((l) => l === 1).length).toBe(3);
    const b = carveValidation(split, 0.1, 5);
    expect(b.validation.x).toEqual(a.validation.x);
    expect(carveValidation(split, 0.1, 6).validation.x).not.toEqual(a.validation.x);
    // rows stay whole and in order
    const firsts = Array.from({ length: a.train.n }, (_, i) => a.train.x[i * 2]);
    expect(firsts).toEqual([...firsts].sort((p, q) => p - q));
    expect(x[0]).toBe(0);
    expect(carveValidation(split, 0, 5).validation.n).toBe(0);
    expect(() => carveValidation(split, 0.9, 5)).toThrow(/from 0 to 50 %/);
  });
});

suite('the validation part chooses, the test set reports', () => {
  it('emits a validation event per epoch (from 1) and keeps the epoch of lowest validation error, the earlier on a tie', async () => {
    const data = blobs(400);
    const { result, of, kept, split } = await train(cfg(), data);
    expect(split).toEqual({ fraction: 0.2, seed: 3, train: 240, validation: 60 });
    const v = of('validation');
    expect(v.map((e) => e.epoch)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    const min = Math.min(...v.map((e) => e.error));
    const want = v.find((e) => e.error === min)!.epoch;
    expect(result.status).toBe('finished');
    expect(result.checkpointEpoch).toBe(want);
    expect(result.validationError).toBe(min);
    expect(kept.at(-1)!.epoch).toBe(want);
    // the run's test error is the kept checkpoint's, measured on the test set
    const ev = await evaluate(createNodeRuntime('cpu'), tiny, kept.at(-1)!.params, data, data.test, 16);
    expect(result.testError).toBeCloseTo(ev.error, 6);
    const done = of('done')[0];
    expect(done).toMatchObject({ validationError: min, checkpointEpoch: want, testError: result.testError });
  });

  it('a copy of the dataset with its test labels shuffled gives the same validation curve, kept epoch and early stop', async () => {
    const data = blobs(400, 7);
    const shuffled: TrainingData = { ...data, test: shuffledLabels(data.test, 99) };
    expect(shuffled.test.y).not.toEqual(data.test.y);
    const config = cfg({ epochs: 30, patience: 3, lr: 0.8 });
    const a = await train(config, data);
    const b = await train(config, shuffled);
    expect(b.of('validation')).toEqual(a.of('validation'));
    expect(b.result.checkpointEpoch).toBe(a.result.checkpointEpoch);
    expect(b.result.epochs).toBe(a.result.epochs);
    expect(b.result.stoppedEarly).toBe(a.result.stoppedEarly);
    // the test reports differ: they were read, and chose nothing
    expect(b.of('test').map((e) => e.error)).not.toEqual(a.of('test').map((e) => e.error));
  });

  it('stops early after `patience` epochs without a better validation error', async () => {
    const { result, of } = await train(cfg({ epochs: 60, patience: 2, lr: 1 }), blobs(300, 4));
    const v = of('validation');
    expect(result.status).toBe('finished');
    expect(result.epochs).toBeLessThan(60);
    expect(v.length).toBe(result.epochs);
    expect(result.epochs - result.checkpointEpoch!).toBe(2);
    expect(result.stoppedEarly).toMatch(/Stopped early after epoch \d+: the validation error had not improved for 2 epochs/);
    expect(of('done')[0]).toMatchObject({ epochs: result.epochs, stoppedEarly: result.stoppedEarly });
  });

  it('without a validation part nothing is chosen: the last epoch is kept and its test error is the run’s', async () => {
    const { result, of } = await train(cfg({ validation: 0, epochs: 3 }), blobs(200));
    expect(of('validation')).toEqual([]);
    expect(result.checkpointEpoch).toBe(3);
    expect(result.validationError).toBeNull();
    expect(result.testError).toBe(of('test').at(-1)!.error);
    expect(of('start')[0].validation).toBeUndefined();
  });
});

suite('a run that learned nothing says so', () => {
  it('a loss that blows up in the first epoch names the learning rate and a gentler one', async () => {
    const { result, of } = await train(cfg({ lr: 100, epochs: 2, validation: 0.1, optimizer: { kind: 'sgd' } }), blobs(400), {
      ...tiny,
      layers: [{ kind: 'linear', units: 64, bias: true }, { kind: 'relu' }, { kind: 'linear', units: 3, bias: true }],
    });
    expect(result.status).toBe('finished');
    expect(result.diagnosis).toMatch(/^The learning rate is too high: the loss (jumped|grew) from [\d.]+ to [\d,.]+ .* Try 0\.01\.$/);
    expect(of('done')[0].diagnosis).toBe(result.diagnosis);
  });

  it('a model no better than always answering the most common class is diagnosed; one that learned is not', async () => {
    const data = blobs(300, 2);
    const noise: TrainingData = { ...data, train: shuffledLabels(data.train, 5) };
    const bad = await train(cfg({ epochs: 2, lr: 0.01, optimizer: { kind: 'sgd' } }), noise);
    const good = await train(cfg({ epochs: 8 }), data);
    expect(good.result.diagnosis).toBeUndefined();
    expect(bad.result.status).toBe('finished');
    expect(bad.result.diagnosis).toMatch(/learned nothing: its validation error .* no better than always answering the most common class/);
  });

  it('diagnose(): the sentences', () => {
    const base = { config: { lr: 100, optimizer: { kind: 'sgd' as const } }, firstStepLoss: 2.3, maxEpochLoss: null, keptError: 0.8895, baselineError: 0.8865, judgedOn: 'test' as const };
    expect(diagnose({ ...base, firstEpochLoss: 2_108_438 })).toBe('The learning rate is too high: the loss jumped from 2.3 to 2,108,438 in the first epoch. Try 0.01.');
    expect(diagnose({ ...base, firstEpochLoss: 1.2, classNames: ['zero', 'one'], majority: 1 })).toMatch(
      /^The network learned nothing: its test error \(88\.95 %\) is no better than always answering the most common class, “one” \(88\.65 %\)\./,
    );
    expect(diagnose({ ...base, firstEpochLoss: 1.2, keptError: 0.1 })).toBeNull();
    const useless = { ...base, firstEpochLoss: 1.2 };
    expect(diagnose(useless)).toMatch(/Try a lower learning rate, such as 0\.01, and check that the labels match the samples\.$/);
    expect(diagnose({ ...useless, config: { lr: 0.01, optimizer: { kind: 'sgd' } } })).toMatch(/Try more epochs or a larger network, and check/);
    expect(diagnose({ ...useless, config: { lr: 1e-5, optimizer: { kind: 'sgd' } } })).toMatch(/Try a higher learning rate, such as 0\.01, or more epochs, and check/);
    expect(diagnose({ ...base, config: { lr: 0.05, optimizer: { kind: 'adam', beta1: 0.9, beta2: 0.999, eps: 1e-8 } }, firstEpochLoss: 50 })).toMatch(/Try 0\.001\.$/);
    const y = Int32Array.from([2, 2, 1, 0]);
    expect(majorityClass({ y, n: 4 })).toBe(2);
    expect(majorityError({ y, n: 4 }, 2)).toBe(0.5);
  });
});
