/**
 * Every optimizer × weight decay against PyTorch's torch.optim: ten steps on one fixed batch
 * of a 4-5-3 ReLU MLP with biases, the loss before every step and every parameter after the
 * last one within 1e-5 (tests/fixtures/optim-trajectories.json, written by tests/fixtures/optim-trajectories.py,
 * a copy of shared/reference). Ten steps, not one: a single step from zero state cannot tell
 * momentum from SGD, or a wrong β from the right one.
 *
 * What the engine implements, and so what is checked (optimizers/index.ts): torch.optim.SGD
 * (plain, heavy-ball momentum with dampening 0, Nesterov as PyTorch defines it) and
 * torch.optim.Adam (not AdamW); weight decay is L2 added to the gradient, g ← g + λW, on
 * every parameter, biases included, as torch.optim does with a single parameter group.
 *
 * The step runs the engine's own train graph (both the batch-fed and the gather variants) in
 * onnxruntime-node, feeding parameters and optimizer state back as the trainer does, with
 * Adam's bias corrections from optimizerScalarValues.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { buildTrainGraph, DATASET_X, DATASET_Y, INDICES, nextName } from './artifacts';
import reference from '../../tests/fixtures/optim-trajectories.json';
import { optimizerScalars, optimizerScalarValues, stateSlots } from './optimizers';
import { paramInfos } from './spec';
import type { ModelSpec, OptimizerConfig } from './types';

interface Case {
  optimizer: 'sgd' | 'momentum' | 'nesterov' | 'adam';
  settings: { lr: number; momentum?: number; nesterov?: boolean; weight_decay?: number; betas?: number[]; eps?: number };
  loss_before_each_step: number[];
  after: Record<'W1_in_out' | 'b1' | 'W2_in_out' | 'b2', number[]>;
}

const TOL = 1e-5;
const spec: ModelSpec = {
  inputShape: [4],
  classes: 3,
  layers: [{ kind: 'linear', units: 5, bias: true }, { kind: 'relu' }, { kind: 'linear', units: 3, bias: true }],
};
/** the engine's parameter names, in paramInfos order, and where each lives in the reference (the studio's [in, out] layout) */
const KEYS = [
  ['layer1.weight', 'W1_in_out'],
  ['layer1.bias', 'b1'],
  ['layer2.weight', 'W2_in_out'],
  ['layer2.bias', 'b2'],
] as const;

/** The engine's OptimizerConfig for a torch.optim case. */
function engineOptimizer(c: Case): OptimizerConfig {
  const s = c.settings;
  const weightDecay = s.weight_decay;
  switch (c.optimizer) {
    case 'sgd':
      return { kind: 'sgd', weightDecay };
    case 'momentum':
    case 'nesterov':
      return { kind: 'momentum', momentum: s.momentum!, nesterov: c.optimizer === 'nesterov', weightDecay };
    case 'adam':
      return { kind: 'adam', beta1: s.betas![0], beta2: s.betas![1], eps: s.eps!, weightDecay };
  }
}

function tensor(data: Float32Array | Int32Array, shape: number[]): ort.Tensor {
  return new ort.Tensor(data instanceof Int32Array ? 'int32' : 'float32', data, shape);
}

/** Runs `steps` training steps of the engine's train graph; returns the loss before each and the final parameters. */
async function engineTrajectory(opt: OptimizerConfig, lr: number, gather = false): Promise<{ losses: number[]; params: Map<string, Float32Array> }> {
  const infos = paramInfos(spec);
  expect(infos.map((p) => p.name)).toEqual(KEYS.map(([name]) => name));
  const session = await ort.InferenceSession.create(buildTrainGraph(spec, opt, { gather }).toModel());
  const n = reference.y.length;
  const batch: Record<string, ort.Tensor> = gather
    ? {
        [DATASET_X]: tensor(Float32Array.from(reference.x), reference.x_shape),
        [DATASET_Y]: tensor(Int32Array.from(reference.y), [n]),
        [INDICES]: tensor(Int32Array.from(reference.y.keys()), [n]),
      }
    : { x: tensor(Float32Array.from(reference.x), reference.x_shape), labels: tensor(Int32Array.from(reference.y), [n]) };
  const init = reference.init as Record<string, number[]>;
  const params = new Map<string, Float32Array>(KEYS.map(([name, key]) => [name, Float32Array.from(init[key])]));
  const slots = stateSlots(opt, infos);
  const state = new Map<string, Float32Array>(slots.map((s) => [s.name, new Float32Array(s.shape.reduce((a, b) => a * b, 1))]));
  const shapeOf = new Map([...infos, ...slots].map((p) => [p.name, p.shape]));
  const losses: number[] = [];
  for (let t = 1; t <= reference.steps; t++) {
    const feeds: Record<string, ort.Tensor> = { ...batch, lr: tensor(new Float32Array([lr]), []) };
    for (const [name, v] of [...params, ...state]) feeds[name] = tensor(v, shapeOf.get(name)!);
    const values = optimizerScalarValues(opt, t);
    optimizerScalars(opt).forEach((name, k) => (feeds[name] = tensor(new Float32Array([values[k]]), [])));
    const out = await session.run(feeds);
    losses.push((out.loss.data as Float32Array)[0]);
    for (const name of params.keys()) params.set(name, out[nextName(name)].data as Float32Array);
    for (const name of state.keys()) state.set(name, out[nextName(name)].data as Float32Array);
  }
  await session.release();
  return { losses, params };
}

function expectClose(got: ArrayLike<number>, want: number[], what: string) {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    expect(Math.abs(got[i] - want[i]), `${what}[${i}]: engine ${got[i]}, torch.optim ${want[i]}`).toBeLessThanOrEqual(TOL);
  }
}

function label(c: Case): string {
  const { lr, ...rest } = c.settings;
  return `${c.optimizer} lr=${lr} ${JSON.stringify(rest)}`;
}

describe('optimizers match torch.optim over ten steps (losses and parameters within 1e-5)', () => {
  const cases = reference.cases as Case[];

  it('the fixture covers every optimizer the engine has, each with and without weight decay', () => {
    for (const kind of ['sgd', 'momentum', 'nesterov', 'adam'] as const) {
      const ofKind = cases.filter((c) => c.optimizer === kind);
      expect(
        ofKind.some((c) => !c.settings.weight_decay),
        `${kind} without weight decay`,
      ).toBe(true);
      expect(
        ofKind.some((c) => (c.settings.weight_decay ?? 0) > 0),
        `${kind} with weight decay`,
      ).toBe(true);
    }
  });

  for (const c of cases) {
    for (const gather of [false, true]) {
      it(`${label(c)}${gather ? ' (gather variant)' : ''}`, async () => {
        const { losses, params } = await engineTrajectory(engineOptimizer(c), c.settings.lr, gather);
        expectClose(losses, c.loss_before_each_step, 'loss before step');
        for (const [name, key] of KEYS) expectClose(params.get(name)!, c.after[key], name);
      });
    }
  }
});
