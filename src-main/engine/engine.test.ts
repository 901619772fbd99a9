import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe as suite, expect, it } from 'vitest';
import { requireOnnxChecker } from '../../tests/onnx-checker';
import { createNodeRuntime } from '../runtime/node';
import {
  buildArtifacts,
  buildExportModel,
  describe,
  evaluate,
  initParams,
  lrAt,
  presetById,
  Rng,
  SpecError,
  Trainer,
  validateSpec,
  defaultTrainConfig,
  type ModelSpec,
  type TrainConfig,
  type TrainEvent,
  type TrainingData,
} from './index';

const lecture = presetById('lecture').model([784], 10);

/** a small, learnable problem: the class is which of 3 blocks of the input has the largest mean */
function blobs(n: number, seed = 1, d = 12, classes = 3): TrainingData {
  const rng = new Rng(seed);
  const x = new Uint8Array(n * d);
  const y = new Int32Array(n);
  const per = d / classes;
  for (let i = 0; i < n; i++) {
    const c = rng.below(classes);
    y[i] = c;
    for (let j = 0; j < d; j++) x[i * d + j] = Math.floor(rng.next() * 120) + (Math.floor(j / per) === c ? 120 : 0);
  }
  const split = (a: number, b: number) => ({ x: x.subarray(a * d, b * d), y: y.subarray(a, b), n: b - a });
  const nt = Math.floor(n * 0.8);
  return { name: 'blobs', sampleShape: [d], sampleSize: d, classNames: ['a', 'b', 'c'].slice(0, classes), train: split(0, nt), test: split(nt, n), preprocess: { scale: 1 / 255, mean: [0], std: [1] } };
}

const tiny: ModelSpec = { inputShape: [12], classes: 3, layers: [{ kind: 'linear', units: 16, bias: true }, { kind: 'relu' }, { kind: 'linear', units: 3, bias: true }] };
const cfg = (over: Partial<TrainConfig> = {}): TrainConfig => ({ ...defaultTrainConfig(), batchSize: 32, lr: 0.5, epochs: 3, ...over });

async function train(spec: ModelSpec, config: TrainConfig, data: TrainingData, hook?: (e: TrainEvent, t: Trainer) => void) {
  const events: TrainEvent[] = [];
  const trainer: Trainer = new Trainer({ spec, config, data, runtime: createNodeRuntime('cpu'), onEvent: (e) => (events.push(e), hook?.(e, trainer)) });
  const result = await trainer.run();
  return { events, result };
}

suite('ModelSpec', () => {
  it("the lecture's 784-1000-1500-10 net without biases has 2,299,000 parameters", () => {
    const d = describe(lecture);
    expect(d.totalParams).toBe(2_299_000);
    expect(d.layers.map((l) => [l.name, l.outputShape[0], l.params])).toEqual([
      ['Linear 1000 (no bias)', 1000, 784_000],
      ['ReLU', 1000, 0],
      ['Linear 1500 (no bias)', 1500, 1_500_000],
      ['ReLU', 1500, 0],
      ['Linear 10 (no bias)', 10, 15_000],
    ]);
  });

  const bad: [string, ModelSpec, RegExp][] = [
    ['no layers', { inputShape: [4], classes: 2, layers: [] }, /no layers/],
    ['zero units', { inputShape: [4], classes: 2, layers: [{ kind: 'linear', units: 0, bias: true }, { kind: 'linear', units: 2, bias: true }] }, /Layer 1 \(linear\): the number of units/],
    ['dropout of 1', { inputShape: [4], classes: 2, layers: [{ kind: 'linear', units: 3, bias: true }, { kind: 'dropout', p: 1 }, { kind: 'linear', units: 2, bias: true }] }, /drop probability must be at least 0 and below 1/],
    ['negative dropout', { inputShape: [4], classes: 2, layers: [{ kind: 'linear', units: 3, bias: true }, { kind: 'dropout', p: -0.1 }, { kind: 'linear', units: 2, bias: true }] }, /drop probability/],
    ['two activations in a row', { inputShape: [4], classes: 2, layers: [{ kind: 'linear', units: 3, bias: true }, { kind: 'relu' }, { kind: 'tanh' }, { kind: 'linear', units: 2, bias: true }] }, /two activations in a row \(relu then tanh\)/],
    ['activation on the raw input', { inputShape: [4], classes: 2, layers: [{ kind: 'relu' }, { kind: 'linear', units: 2, bias: true }] }, /needs a linear layer before it/],
    ['last layer not the classes', { inputShape: [4], classes: 3, layers: [{ kind: 'linear', units: 2, bias: true }] }, /last layer must be a linear layer with 3 units/],
    ['ends in an activation', { inputShape: [4], classes: 2, layers: [{ kind: 'linear', units: 2, bias: true }, { kind: 'relu' }] }, /last layer must be a linear layer/],
    ['one class', { inputShape: [4], classes: 1, layers: [{ kind: 'linear', units: 1, bias: true }] }, /at least 2 classes/],
    ['too big for memory', { inputShape: [60000], classes: 10, layers: [{ kind: 'linear', units: 60000, bias: true }, { kind: 'relu' }, { kind: 'linear', units: 10, bias: true }] }, /would need about \d+\.\d GB/],
    ['bad input shape', { inputShape: [0], classes: 2, layers: [{ kind: 'linear', units: 2, bias: true }] }, /input shape/],
  ];
  for (const [name, spec, msg] of bad) {
    it(`rejects ${name} with a clear error`, () => {
      expect(() => validateSpec(spec)).toThrow(SpecError);
      expect(() => validateSpec(spec)).toThrow(msg);
    });
  }

  it('learning-rate schedules: constant, step (the lecture divides), cosine', () => {
    const c = cfg({ lr: 0.1, epochs: 10 });
    expect(lrAt(c, 7)).toBe(0.1);
    const s = { ...c, schedule: { kind: 'step' as const, every: 3, factor: 2 } };
    expect([0, 2, 3, 6, 9].map((e) => lrAt(s, e))).toEqual([0.1, 0.1, 0.05, 0.025, 0.0125]);
    const k = { ...c, schedule: { kind: 'cosine' as const } };
    expect(lrAt(k, 0)).toBeCloseTo(0.1);
    expect(lrAt(k, 5)).toBeCloseTo(0.05);
    expect(lrAt(k, 9)).toBeLessThan(0.01);
  });
});

suite('engine purity', () => {
  it('src-main/engine imports nothing from node:* or electron', () => {
    const dir = path.dirname(new URL(import.meta.url).pathname);
    const files = fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
    expect(files.length).toBeGreaterThan(8);
    for (const f of files) {
      const src = fs.readFileSync(path.join(dir, f), 'utf8');
      expect(src, f).not.toMatch(/from\s+['"](node:|fs|path|os|child_process|electron|onnxruntime-node)/);
      expect(src, f).not.toMatch(/require\(/);
    }
  });
});

suite('Trainer', () => {
  it('learns: the error falls and the test error ends low', async () => {
    const { events, result } = await train(tiny, cfg({ epochs: 8, evalEvery: 4 }), blobs(1000));
    const epochs = events.filter((e) => e.event === 'epoch') as Extract<TrainEvent, { event: 'epoch' }>[];
    expect(epochs).toHaveLength(8);
    expect(epochs[7].error).toBeLessThan(epochs[0].error);
    expect(result.status).toBe('finished');
    expect(result.testError).toBeLessThan(0.1);
    // test every 4 epochs: after epochs 4 and 8 (events count epochs from 1)
    expect(events.filter((e) => e.event === 'test').map((e) => e.epoch)).toEqual([4, 8]);
    expect(epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const batches = events.filter((e) => e.event === 'batch') as Extract<TrainEvent, { event: 'batch' }>[];
    expect([batches[0].epoch, batches.at(-1)!.epoch]).toEqual([1, 8]);
    expect(events[0]).toMatchObject({ event: 'start', params: 12 * 16 + 16 + 16 * 3 + 3, stepsPerEpoch: 25 });
  });

  it('the running loss and error are the mean of the batch means, and the last partial batch is trained', async () => {
    const data = blobs(125); // 100 train samples, batch 32: 32+32+32+4
    const { events } = await train(tiny, cfg({ epochs: 1 }), data);
    const batches = events.filter((e) => e.event === 'batch') as Extract<TrainEvent, { event: 'batch' }>[];
    expect(batches).toHaveLength(4);
    // the partial batch's error is a fraction of its 4 samples
    expect([0, 0.25, 0.5, 0.75, 1]).toContain(batches[3].error);
    const epoch = events.find((e) => e.event === 'epoch') as Extract<TrainEvent, { event: 'epoch' }>;
    expect(epoch.loss).toBeCloseTo(batches.reduce((s, b) => s + b.loss, 0) / 4, 10);
    expect(epoch.error).toBeCloseTo(batches.reduce((s, b) => s + b.error, 0) / 4, 10);
  });

  it('the same seed gives the same loss curve; another seed another', async () => {
    const losses = async (seed: number) => (await train(tiny, cfg({ seed }), blobs(300))).events.filter((e) => e.event === 'batch').map((e) => (e as { loss: number }).loss);
    const a = await losses(5);
    expect(await losses(5)).toEqual(a);
    expect(await losses(6)).not.toEqual(a);
  });

  it('a diverging loss stops the run with a plain-language reason', async () => {
    const { result, events } = await train(tiny, cfg({ lr: 1e30 }), blobs(300));
    expect(result.status).toBe('failed');
    expect(result.reason).toMatch(/The loss became (NaN \(not a number\)|infinite) at epoch 1, step \d+: training has diverged\. The learning rate \(1e\+30\) is probably too high; try 1e\+29/);
    // the failed event names the epoch in progress, counted from 1
    expect(events.at(-1)).toMatchObject({ event: 'failed', epoch: 1 });
  });

  it('stop takes effect between steps', async () => {
    const { result, events } = await train(tiny, cfg({ epochs: 5 }), blobs(1000), (e, t) => {
      if (e.event === 'batch' && e.step === 3) t.stop('enough');
    });
    expect(result).toMatchObject({ status: 'stopped', reason: 'enough' });
    expect(events.filter((e) => e.event === 'batch')).toHaveLength(3);
    expect(events.at(-1)).toMatchObject({ event: 'stopped', epoch: 1 });
  });

  it('pause holds the loop until resume', async () => {
    let resumedAt = 0;
    const wall0 = performance.now();
    const { result, events } = await train(tiny, cfg({ epochs: 1 }), blobs(300), (e, t) => {
      if (e.event === 'batch' && e.step === 2 && !resumedAt) {
        t.pause();
        setTimeout(() => ((resumedAt = Date.now()), t.resume()), 600);
      }
    });
    const wall = (performance.now() - wall0) / 1000;
    expect(result.status).toBe('finished');
    expect(resumedAt).toBeGreaterThan(0);
    expect(events.filter((e) => e.event === 'batch')).toHaveLength(8);
    // the 600 ms paused are not training time: neither in the epoch's seconds nor in the run's
    const epoch = events.find((e) => e.event === 'epoch') as { seconds: number };
    const done = events.find((e) => e.event === 'done') as { seconds: number };
    // (how long the 8 steps take is no test's business: wall clock minus the pause bounds both)
    expect(epoch.seconds).toBeLessThanOrEqual(wall - 0.55);
    expect(done.seconds).toBeLessThanOrEqual(wall - 0.55);
  });

  it('refuses labels outside the classes and mismatched input sizes', () => {
    const data = blobs(50);
    data.train.y[3] = 7;
    expect(() => new Trainer({ spec: tiny, config: cfg(), data, runtime: createNodeRuntime('cpu') })).toThrow(/Sample 3 has label 7, outside the model's 3 classes/);
    expect(() => new Trainer({ spec: { ...tiny, inputShape: [13] }, config: cfg(), data: blobs(50), runtime: createNodeRuntime('cpu') })).toThrow(/expects 13 input values per sample but the dataset has 12/);
  });

  it('trains with every optimizer, dropout and schedule', async () => {
    const spec: ModelSpec = { ...tiny, layers: [{ kind: 'linear', units: 16, bias: true }, { kind: 'gelu' }, { kind: 'dropout', p: 0.2 }, { kind: 'linear', units: 3, bias: true }] };
    for (const optimizer of [{ kind: 'momentum', momentum: 0.9, nesterov: true }, { kind: 'adam', beta1: 0.9, beta2: 0.999, eps: 1e-8 }] as TrainConfig['optimizer'][]) {
      const lr = optimizer.kind === 'adam' ? 0.01 : 0.1;
      const { result } = await train(spec, cfg({ optimizer, lr, epochs: 6, schedule: { kind: 'cosine' } }), blobs(800));
      expect(result.status).toBe('finished');
      expect(result.testError).toBeLessThan(0.15);
    }
  });
});

suite('ONNX models', () => {
  it('the exported model takes raw values and predicts exactly like the studio', async () => {
    const data = blobs(400);
    const spec = tiny;
    const params = initParams(spec, 'pytorch', 2);
    const rt = createNodeRuntime('cpu');
    const ours = await evaluate(rt, spec, params, data, data.test);
    const bytes = buildExportModel(spec, params, { preprocess: data.preprocess, classNames: data.classNames, inputShape: [12] });
    const s = await ort.InferenceSession.create(bytes);
    const raw = Float32Array.from(data.test.x);
    const out = await s.run({ input: new ort.Tensor('float32', raw, [data.test.n, 12]) });
    const labels = out.label.data as BigInt64Array;
    const probs = out.probabilities.data as Float32Array;
    for (let i = 0; i < data.test.n; i++) expect(Number(labels[i])).toBe(ours.predictions[i]);
    for (let i = 0; i < probs.length; i++) expect(Math.abs(probs[i] - ours.probabilities![i])).toBeLessThan(1e-5);
  });

  it('every generated model passes onnx.checker (Debian python3-onnx)', (ctx) => {
    const checker = requireOnnxChecker(ctx);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx-check-'));
    const specs: [string, ModelSpec, TrainConfig['optimizer']][] = [
      ['lecture', lecture, { kind: 'sgd' }],
      ['gelu-dropout-adam', { inputShape: [1, 4, 4], classes: 3, layers: [{ kind: 'linear', units: 8, bias: true }, { kind: 'gelu' }, { kind: 'dropout', p: 0.5 }, { kind: 'linear', units: 3, bias: true }] }, { kind: 'adam', beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 }],
      ['tanh-momentum', { inputShape: [6], classes: 2, layers: [{ kind: 'linear', units: 5, bias: false }, { kind: 'tanh' }, { kind: 'linear', units: 4, bias: true }, { kind: 'leaky_relu', slope: 0.1 }, { kind: 'linear', units: 2, bias: true }] }, { kind: 'momentum', momentum: 0.9, nesterov: true }],
    ];
    const files: string[] = [];
    for (const [name, spec, opt] of specs) {
      const a = buildArtifacts(spec, opt);
      for (const [k, bytes] of Object.entries({ train: a.train, eval: a.eval, infer: a.infer })) {
        const f = path.join(dir, `${name}-${k}.onnx`);
        fs.writeFileSync(f, bytes);
        files.push(f);
      }
      const inShape = spec.inputShape;
      const f = path.join(dir, `${name}-export.onnx`);
      fs.writeFileSync(f, buildExportModel(spec, initParams(spec, 'pytorch', 0), { preprocess: { scale: 1 / 255, mean: [0.1], std: [0.3] }, classNames: [...Array(spec.classes).keys()].map(String), inputShape: inShape }));
      files.push(f);
    }
    expect(checker.check(files)).toHaveLength(files.length);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
