/**
 * Finite-difference checks: every local-gradient rule in the op table, whole networks with
 * each activation with and without bias, and each optimizer's first step.
 */
import * as ort from 'onnxruntime-node';
import { describe as suite, expect, it } from 'vitest';
import { backward } from './autodiff';
import { buildTrainGraph } from './artifacts';
import { emitTaskLoss, labelDtype } from './loss';
import { emitForward, dropoutSlots } from './model';
import { GraphBuilder, type AttrValue } from './onnx/builder';
import { emit, OPS } from './ops/table';
import { Rng } from './rng';
import { initParams } from './init';
import { paramInfos } from './spec';
import type { LayerSpec, ModelSpec, OptimizerConfig } from './types';

type Feed = { name: string; shape: number[]; data: Float32Array | Int32Array };

async function runModel(bytes: Uint8Array, feeds: Feed[], outputs: string[]): Promise<Float32Array[]> {
  const s = await ort.InferenceSession.create(bytes);
  const f: Record<string, ort.Tensor> = {};
  for (const x of feeds) f[x.name] = new ort.Tensor(x.data instanceof Int32Array ? 'int32' : 'float32', x.data, x.shape);
  const out = await s.run(f, outputs);
  await s.release();
  return outputs.map((o) => out[o].data as Float32Array);
}

function randn(rng: Rng, n: number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal() * scale;
  return a;
}

/**
 * Builds loss = Σ op(inputs) ⊙ R for a random R, differentiates it with the table, and
 * compares the analytic gradient of every differentiable input with central differences.
 */
async function checkOp(
  op: string,
  inputs: { shape: number[]; values?: Float32Array; grad: boolean; positive?: boolean }[],
  attrs: Record<string, AttrValue> = {},
  extraConst?: (b: GraphBuilder) => string[],
) {
  const rng = new Rng(42);
  const values = inputs.map((i) => {
    if (i.values) return i.values;
    const v = randn(rng, i.shape.reduce((a, b) => a * b, 1));
    if (i.positive) for (let k = 0; k < v.length; k++) v[k] = Math.abs(v[k]) + 0.5;
    // keep away from kinks (ReLU at 0, ties in max)
    for (let k = 0; k < v.length; k++) if (Math.abs(v[k]) < 0.05) v[k] += 0.1;
    return v;
  });
  const build = (withGrad: boolean) => {
    const b = new GraphBuilder('check');
    const names = inputs.map((i, k) => b.input(`in${k}`, 'float32', i.shape));
    const extra = extraConst ? extraConst(b) : [];
    const y = emit(b, op, [...names, ...extra], attrs);
    const r = b.input('r', 'float32', b.shapeOf(y) as number[]);
    const loss = emit(b, 'ReduceSum', [emit(b, 'Mul', [y, r])], { keepdims: 0 });
    b.outputAs(loss, 'loss');
    const wrt = names.filter((_, k) => inputs[k].grad);
    if (withGrad) {
      const g = backward(b, loss, wrt);
      wrt.forEach((n) => b.outputAs(g.get(n)!, `grad_${n}`));
    }
    return { bytes: b.toModel(), names, wrt, rShape: b.shapeOf(r) as number[] };
  };
  const withGrad = build(true);
  const plain = build(false);
  const rv = randn(rng, withGrad.rShape.reduce((a, b) => a * b, 1));
  const feeds = (vals: Float32Array[]): Feed[] => [...vals.map((v, k) => ({ name: `in${k}`, shape: inputs[k].shape, data: v })), { name: 'r', shape: withGrad.rShape, data: rv }];
  const analytic = await runModel(withGrad.bytes, feeds(values), withGrad.wrt.map((n) => `grad_${n}`));
  const session = await ort.InferenceSession.create(plain.bytes);
  const lossAt = async (vals: Float32Array[]) => {
    const f: Record<string, ort.Tensor> = {};
    for (const x of feeds(vals)) f[x.name] = new ort.Tensor('float32', x.data as Float32Array, x.shape);
    return ((await session.run(f)).loss.data as Float32Array)[0];
  };
  let gi = 0;
  for (let k = 0; k < inputs.length; k++) {
    if (!inputs[k].grad) continue;
    const a = analytic[gi++];
    const eps = 1e-2;
    for (let j = 0; j < values[k].length; j++) {
      const plus = values.map((v) => v.slice());
      const minus = values.map((v) => v.slice());
      plus[k][j] += eps;
      minus[k][j] -= eps;
      const num = ((await lossAt(plus)) - (await lossAt(minus))) / (2 * eps);
      expect(Math.abs(num - a[j]), `${op} input ${k} element ${j}: numeric ${num} vs analytic ${a[j]}`).toBeLessThan(2e-2 * Math.max(1, Math.abs(num)));
    }
  }
  await session.release();
}

suite('local-gradient rules (finite differences)', () => {
  it('MatMul: dA = G·Wᵀ, dW = Aᵀ·G', () => checkOp('MatMul', [{ shape: [3, 4], grad: true }, { shape: [4, 2], grad: true }]));
  it('Add with broadcasting (bias)', () => checkOp('Add', [{ shape: [3, 4], grad: true }, { shape: [4], grad: true }]));
  it('Sub with broadcasting', () => checkOp('Sub', [{ shape: [3, 4], grad: true }, { shape: [3, 1], grad: true }]));
  it('Mul with broadcasting', () => checkOp('Mul', [{ shape: [3, 4], grad: true }, { shape: [1, 4], grad: true }]));
  it('Div', () => checkOp('Div', [{ shape: [3, 4], grad: true }, { shape: [3, 4], grad: true, positive: true }]));
  it('Neg', () => checkOp('Neg', [{ shape: [2, 3], grad: true }]));
  it('Identity', () => checkOp('Identity', [{ shape: [2, 3], grad: true }]));
  it('Relu: step(X)', () => checkOp('Relu', [{ shape: [3, 5], grad: true }]));
  it('LeakyRelu', () => checkOp('LeakyRelu', [{ shape: [3, 5], grad: true }], { alpha: { float: 0.1 } }));
  it('Tanh', () => checkOp('Tanh', [{ shape: [3, 5], grad: true }]));
  it('Sigmoid', () => checkOp('Sigmoid', [{ shape: [3, 5], grad: true }]));
  it('Exp', () => checkOp('Exp', [{ shape: [2, 3], grad: true }]));
  it('Log', () => checkOp('Log', [{ shape: [2, 3], grad: true, positive: true }]));
  it('Erf', () => checkOp('Erf', [{ shape: [2, 3], grad: true }]));
  it('ReduceSum over an axis, keepdims 0 and 1', async () => {
    await checkOp('ReduceSum', [{ shape: [3, 4], grad: true }], { keepdims: 0 }, (b) => [b.constant('int64', [1], [1], 'axes')]);
    await checkOp('ReduceSum', [{ shape: [3, 4], grad: true }], { keepdims: 1 }, (b) => [b.constant('int64', [0], [1], 'axes')]);
  });
  it('ReduceMean', () => checkOp('ReduceMean', [{ shape: [3, 4], grad: true }], { axes: [0], keepdims: 0 }));
  it('ReduceMax', () => checkOp('ReduceMax', [{ shape: [3, 4], grad: true }], { axes: [1], keepdims: 1 }));
  it('Where (the gradient follows the branch each element took)', async () => {
      const rng = new Rng(3);
      const b = new GraphBuilder('where');
      const x = b.input('x', 'float32', [2, 3]);
      const y = b.input('y', 'float32', [2, 3]);
      const c = emit(b, 'Greater', [b.constant('float32', [1, -1, 1, -1, 1, -1], [2, 3]), b.constant('float32', 0)]);
      const w = emit(b, 'Where', [c, x, y]);
      const loss = emit(b, 'ReduceSum', [emit(b, 'Mul', [w, b.constant('float32', [1, 2, 3, 4, 5, 6], [2, 3])])], { keepdims: 0 });
      const g = backward(b, loss, [x, y]);
      b.outputAs(g.get(x)!, 'gx');
      b.outputAs(g.get(y)!, 'gy');
      const [gx, gy] = await runModel(b.toModel(), [{ name: 'x', shape: [2, 3], data: randn(rng, 6) }, { name: 'y', shape: [2, 3], data: randn(rng, 6) }], ['gx', 'gy']);
      expect(Array.from(gx)).toEqual([1, 0, 3, 0, 5, 0]);
      expect(Array.from(gy)).toEqual([0, 2, 0, 4, 0, 6]);
  });

  it('every op with a rule in the table is covered above', () => {
    const covered = ['MatMul', 'Add', 'Sub', 'Mul', 'Div', 'Neg', 'Identity', 'Relu', 'LeakyRelu', 'Tanh', 'Sigmoid', 'Exp', 'Log', 'Erf', 'ReduceSum', 'ReduceMean', 'ReduceMax', 'Where'];
    const withRules = Object.entries(OPS).filter(([, e]) => e.grad).map(([op]) => op);
    expect(withRules.sort()).toEqual(covered.sort());
  });

  it('a missing rule is an error, not a silent zero', () => {
    const b = new GraphBuilder('missing');
    const x = b.input('x', 'float32', [2, 2]);
    const y = emit(b, 'Softmax', [x], { axis: 1 });
    const loss = emit(b, 'ReduceSum', [y], { keepdims: 0 });
    expect(() => backward(b, loss, [x])).toThrow(/no local-gradient rule for the op Softmax/);
  });

  it('fan-in: a value used twice gets the sum of both gradients', async () => {
    const b = new GraphBuilder('fanin');
    const x = b.input('x', 'float32', [3]);
    const loss = emit(b, 'ReduceSum', [emit(b, 'Mul', [x, x])], { keepdims: 0 }); // Σ x², d/dx = 2x
    b.outputAs(backward(b, loss, [x]).get(x)!, 'g');
    const [g] = await runModel(b.toModel(), [{ name: 'x', shape: [3], data: new Float32Array([1, -2, 3]) }], ['g']);
    expect(Array.from(g)).toEqual([2, -4, 6]);
  });
});

// ------------------------------------------------------------------ whole networks

const acts: LayerSpec[] = [{ kind: 'relu' }, { kind: 'tanh' }, { kind: 'sigmoid' }, { kind: 'leaky_relu', slope: 0.1 }, { kind: 'gelu' }];

function smallNet(act: LayerSpec, bias: boolean, extra: LayerSpec[] = []): ModelSpec {
  return { inputShape: [5], classes: 3, layers: [{ kind: 'linear', units: 4, bias }, act, ...extra, { kind: 'linear', units: 3, bias }] };
}

/** loss and d loss / d params for a network, via the same forward + loss + autodiff the trainer uses */
function gradGraph(spec: ModelSpec) {
  const b = new GraphBuilder('net');
  const x = b.input('x', 'float32', ['batch', 5]);
  const labels = b.input('labels', labelDtype(spec), ['batch']);
  const infos = paramInfos(spec);
  const p = new Map(infos.map((q) => [q.name, b.input(q.name, 'float32', q.shape)]));
  const masks = dropoutSlots(spec).map((d) => b.input(d.name, 'float32', ['batch', d.units]));
  const scores = emitForward(b, spec, x, p, masks);
  const { loss } = emitTaskLoss(b, spec, scores, labels);
  b.outputAs(loss, 'loss_out');
  const g = backward(b, loss, infos.map((q) => q.name));
  infos.forEach((q) => b.outputAs(g.get(q.name)!, `grad_${q.name}`));
  return { bytes: b.toModel(), infos, masks: dropoutSlots(spec) };
}

async function checkNetwork(spec: ModelSpec) {
  const { bytes, infos, masks } = gradGraph(spec);
  const rng = new Rng(7);
  const B = 6;
  const x = randn(rng, B * 5);
  // a number to predict: standardised targets; a category: class indices
  const labels = spec.task === 'number' ? randn(rng, B) : Int32Array.from({ length: B }, (_, i) => i % 3);
  const params = initParams(spec, 'pytorch', 1).map((w) => w.map((v) => v * 3));
  const maskData = masks.map((m) => Float32Array.from({ length: B * m.units }, (_, i) => (i % 3 === 0 ? 0 : 1 / (1 - m.p))));
  const feeds = (ps: Float32Array[]): Feed[] => [
    { name: 'x', shape: [B, 5], data: x },
    { name: 'labels', shape: [B], data: labels },
    ...infos.map((q, i) => ({ name: q.name, shape: q.shape, data: ps[i] })),
    ...masks.map((m, i) => ({ name: m.name, shape: [B, m.units], data: maskData[i] })),
  ];
  const analytic = await runModel(bytes, feeds(params), infos.map((q) => `grad_${q.name}`));
  const session = await ort.InferenceSession.create(bytes);
  const lossAt = async (ps: Float32Array[]) => {
    const f: Record<string, ort.Tensor> = {};
    for (const v of feeds(ps)) f[v.name] = new ort.Tensor(v.data instanceof Int32Array ? 'int32' : 'float32', v.data, v.shape);
    return ((await session.run(f, ['loss_out'])).loss_out.data as Float32Array)[0];
  };
  const eps = 5e-3;
  for (let k = 0; k < infos.length; k++) {
    for (let j = 0; j < params[k].length; j += 3) {
      const plus = params.map((v) => v.slice());
      const minus = params.map((v) => v.slice());
      plus[k][j] += eps;
      minus[k][j] -= eps;
      const num = ((await lossAt(plus)) - (await lossAt(minus))) / (2 * eps);
      expect(Math.abs(num - analytic[k][j]), `${infos[k].name}[${j}]: numeric ${num} vs analytic ${analytic[k][j]}`).toBeLessThan(1e-2 * Math.max(1, Math.abs(num)) + 2e-3);
    }
  }
  await session.release();
}

suite('whole networks (finite differences)', () => {
  for (const act of acts) {
    for (const bias of [true, false]) {
      it(`${act.kind}, ${bias ? 'with' : 'without'} bias`, () => checkNetwork(smallNet(act, bias)));
    }
  }
  it('with dropout (fixed mask)', () => checkNetwork(smallNet({ kind: 'relu' }, true, [{ kind: 'dropout', p: 0.5 }])));
  it("the lecture's 3-layer shape, scaled down", () =>
    checkNetwork({
      inputShape: [5],
      classes: 3,
      layers: [{ kind: 'linear', units: 6, bias: false }, { kind: 'relu' }, { kind: 'linear', units: 4, bias: false }, { kind: 'relu' }, { kind: 'linear', units: 3, bias: false }],
    }));
  for (const act of [acts[0], acts[1]]) {
    it(`mean squared error (a number to predict), ${act.kind}`, () =>
      checkNetwork({ inputShape: [5], classes: 1, task: 'number', layers: [{ kind: 'linear', units: 4, bias: true }, act, { kind: 'linear', units: 1, bias: true }] }));
  }
});

// ------------------------------------------------------------------ optimizers' first step

suite("each optimizer's first step", () => {
  const spec = smallNet({ kind: 'tanh' }, true);
  const optimizers: [string, OptimizerConfig, (w: number, g: number, lr: number) => number][] = [
    ['sgd', { kind: 'sgd' }, (w, g, lr) => w - lr * g],
    ['sgd + weight decay', { kind: 'sgd', weightDecay: 0.1 }, (w, g, lr) => w - lr * (g + 0.1 * w)],
    ['momentum', { kind: 'momentum', momentum: 0.9, nesterov: false }, (w, g, lr) => w - lr * g],
    ['nesterov', { kind: 'momentum', momentum: 0.9, nesterov: true }, (w, g, lr) => w - lr * (g + 0.9 * g)],
    ['adam', { kind: 'adam', beta1: 0.9, beta2: 0.999, eps: 1e-8 }, (w, g, lr) => w - (lr * g) / (Math.abs(g) + 1e-8)],
  ];
  for (const [name, opt, expected] of optimizers) {
    it(name, async () => {
      const rng = new Rng(11);
      const B = 4;
      const x = randn(rng, B * 5);
      const labels = Int32Array.from([0, 1, 2, 1]);
      const params = initParams(spec, 'pytorch', 3);
      const infos = paramInfos(spec);
      // the gradient, from the checked gradient graph
      const grads = await runModel(gradGraph(spec).bytes, [
        { name: 'x', shape: [B, 5], data: x },
        { name: 'labels', shape: [B], data: labels },
        ...infos.map((q, i) => ({ name: q.name, shape: q.shape, data: params[i] })),
      ], infos.map((q) => `grad_${q.name}`));
      const train = buildTrainGraph(spec, opt);
      const lr = 0.05;
      const stateFeeds: Feed[] = train.inputs
        .filter((i) => i.name.endsWith('.velocity') || i.name.endsWith('.m') || i.name.endsWith('.v'))
        .map((i) => ({ name: i.name, shape: i.shape as number[], data: new Float32Array((i.shape as number[]).reduce((a, b) => a * b, 1)) }));
      const scalarFeeds: Feed[] = opt.kind === 'adam' ? [{ name: 'adam.c1', shape: [], data: new Float32Array([1 - 0.9]) }, { name: 'adam.c2', shape: [], data: new Float32Array([1 - 0.999]) }] : [];
      const next = await runModel(train.toModel(), [
        { name: 'x', shape: [B, 5], data: x },
        { name: 'labels', shape: [B], data: labels },
        { name: 'lr', shape: [], data: new Float32Array([lr]) },
        ...infos.map((q, i) => ({ name: q.name, shape: q.shape, data: params[i] })),
        ...stateFeeds,
        ...scalarFeeds,
      ], infos.map((q) => `${q.name}.next`));
      infos.forEach((q, k) => {
        for (let j = 0; j < params[k].length; j++) {
          const want = expected(params[k][j], grads[k][j], lr);
          expect(Math.abs(next[k][j] - want), `${q.name}[${j}]`).toBeLessThan(1e-5 + 1e-4 * Math.abs(want));
        }
      });
    });
  }
});
