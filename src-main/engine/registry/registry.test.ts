/**
 * The registry is the one place a layer, an optimizer and a schedule are defined: its limits
 * are what the API accepts and what the engine accepts (one answer everywhere), every kind
 * has an emitter that runs, and the editors' field descriptors cover every field.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { modelSpecSchema, trainConfigSchema as apiTrainConfigSchema } from '../../api/schemas';
import { trainConfigSchema as recordTrainConfigSchema, modelSpecSchema as recordModelSpecSchema } from '../../runs/record';
import { buildInferGraph } from '../artifacts';
import { emitForward } from '../model';
import { GraphBuilder } from '../onnx/builder';
import { Rng } from '../rng';
import { defaultTrainConfig, paramInfos, validateConfig, validateSpec } from '../spec';
import type { LayerSpec, ModelSpec, TrainConfig } from '../types';
import { fieldProblem, LAYERS, LAYER_KINDS, OPTIMIZERS, OPTIMIZER_KINDS, SCHEDULES, SCHEDULE_KINDS, type FieldDescriptor, type LayerKind } from './index';

const accepts = (f: () => void): boolean => {
  try {
    f();
    return true;
  } catch {
    return false;
  }
};

/** a network with `layer` between two linear layers (an activation needs one before it) */
const around = (layer: LayerSpec): ModelSpec => ({ inputShape: [4], classes: 2, layers: [{ kind: 'linear', units: 3, bias: true }, layer, { kind: 'linear', units: 2, bias: true }] });
const withConfig = (patch: Partial<TrainConfig>): TrainConfig => ({ ...defaultTrainConfig(), ...patch });

/** The API's answer and the engine's answer for a network and for settings. */
const api = {
  model: (m: unknown) => modelSpecSchema.safeParse(m).success,
  config: (c: unknown) => apiTrainConfigSchema.safeParse(c).success,
};
const engine = {
  model: (m: ModelSpec) => accepts(() => validateSpec(m)),
  config: (c: TrainConfig) => accepts(() => validateConfig(c)),
};

/** values around a number field's limits: each bound, just inside and outside, a fraction, nothing */
function probes(f: FieldDescriptor): unknown[] {
  if (f.kind === 'boolean') return [true, false, 1, 'yes', undefined];
  if (f.kind === 'select') return [...f.options.map((o) => o.value), 'other', undefined];
  const { min, max } = f.limit;
  const span = Math.min(1, max - min);
  return [min, max, min - span / 1000, max + span / 1000, min + span / 1e5, max - span / 1e5, min + span / 2, (min + max) / 2 + 0.5, -1, Infinity, NaN, undefined, '1'];
}

describe('one answer everywhere', () => {
  it('the cases that disagreed before: lr 200, dropout 0.995, slope 1, 100,000 units', () => {
    const cases: [string, boolean, boolean][] = [
      ['lr 200', api.config(withConfig({ lr: 200 })), engine.config(withConfig({ lr: 200 }))],
      ['dropout 0.995', api.model(around({ kind: 'dropout', p: 0.995 })), engine.model(around({ kind: 'dropout', p: 0.995 }))],
      ['slope 1', api.model(around({ kind: 'leaky_relu', slope: 1 })), engine.model(around({ kind: 'leaky_relu', slope: 1 }))],
      ['100,000 units', api.model({ ...around({ kind: 'relu' }), layers: [{ kind: 'linear', units: 100_000, bias: true }, { kind: 'relu' }, { kind: 'linear', units: 2, bias: true }] }), engine.model({ ...around({ kind: 'relu' }), layers: [{ kind: 'linear', units: 100_000, bias: true }, { kind: 'relu' }, { kind: 'linear', units: 2, bias: true }] })],
    ];
    for (const [name, a, e] of cases) expect(a, `${name}: the API says ${a}, the engine ${e}`).toBe(e);
    // and the answers themselves: a positive rate is a rate (a diverging one says so in the run); the others are refused
    expect(cases.map(([name, a]) => [name, a])).toEqual([['lr 200', true], ['dropout 0.995', true], ['slope 1', false], ['100,000 units', false]]);
  });

  it("every layer field's limits: the registry's schema, the API, the engine and the field's own words agree", () => {
    for (const kind of LAYER_KINDS) {
      const m = LAYERS[kind];
      for (const f of m.fields) {
        for (const v of probes(f)) {
          const layer = { ...m.create(3), [f.name]: v } as LayerSpec;
          const spec = kind === 'linear' ? { inputShape: [4], classes: 2, layers: [layer, { kind: 'relu' }, { kind: 'linear', units: 2, bias: true }] } as ModelSpec : around(layer);
          const own = m.schema.safeParse(layer).success;
          const at = `${kind}.${f.name} = ${String(v)}`;
          expect(api.model(spec), `${at}: the API`).toBe(own);
          expect(engine.model(spec), `${at}: the engine`).toBe(own);
          expect(fieldProblem(f, v) === null, `${at}: the field's words`).toBe(own);
        }
      }
    }
  });

  it("every optimizer's and schedule's field: the registry's schema, the API and the engine agree", () => {
    const entries = [
      ...OPTIMIZER_KINDS.map((k) => ({ key: 'optimizer' as const, m: OPTIMIZERS[k] })),
      ...SCHEDULE_KINDS.map((k) => ({ key: 'schedule' as const, m: SCHEDULES[k] })),
    ];
    for (const { key, m } of entries) {
      for (const f of m.fields) {
        for (const v of probes(f)) {
          const value = { ...m.create(), [f.name]: v };
          const config = withConfig({ [key]: value });
          const own = m.schema.safeParse(value).success;
          const at = `${m.kind}.${f.name} = ${String(v)}`;
          expect(api.config(config), `${at}: the API`).toBe(own);
          expect(engine.config(config), `${at}: the engine`).toBe(own);
          expect(fieldProblem(f, v) === null, `${at}: the field's words`).toBe(own);
        }
      }
    }
  });

  it('each default is accepted by the API, the engine and the run record', () => {
    for (const kind of LAYER_KINDS) {
      const spec = kind === 'linear' ? around({ kind: 'relu' }) : around(LAYERS[kind].create(3));
      expect(api.model(spec) && engine.model(spec) && recordModelSpecSchema.safeParse(spec).success, kind).toBe(true);
    }
    for (const kind of OPTIMIZER_KINDS) {
      const c = withConfig({ optimizer: OPTIMIZERS[kind].create() });
      expect(api.config(c) && engine.config(c) && recordTrainConfigSchema.safeParse(c).success, kind).toBe(true);
    }
    for (const kind of SCHEDULE_KINDS) {
      const c = withConfig({ schedule: SCHEDULES[kind].create() });
      expect(api.config(c) && engine.config(c) && recordTrainConfigSchema.safeParse(c).success, kind).toBe(true);
    }
  });

  it('a kind outside the registry is refused by the API, the engine and the run record', () => {
    const odd = { ...around({ kind: 'relu' }), layers: [{ kind: 'linear', units: 3, bias: true }, { kind: 'swish' }, { kind: 'linear', units: 2, bias: true }] } as unknown as ModelSpec;
    expect([api.model(odd), engine.model(odd), recordModelSpecSchema.safeParse(odd).success]).toEqual([false, false, false]);
    const rms = withConfig({ optimizer: { kind: 'rmsprop' } as never });
    expect([api.config(rms), engine.config(rms), recordTrainConfigSchema.safeParse(rms).success]).toEqual([false, false, false]);
  });
});

describe('the editors’ descriptors', () => {
  const keysOf = (schema: unknown): string[] => Object.keys((schema as z.ZodObject).shape).filter((k) => k !== 'kind').sort();
  it('cover every field of each schema, once, with words and a step for numbers', () => {
    const all = [...LAYER_KINDS.map((k) => LAYERS[k]), ...OPTIMIZER_KINDS.map((k) => OPTIMIZERS[k]), ...SCHEDULE_KINDS.map((k) => SCHEDULES[k])];
    for (const m of all) {
      expect(m.fields.map((f) => f.name).sort(), m.kind).toEqual(keysOf(m.schema));
      expect(m.label.length, m.kind).toBeGreaterThan(0);
      if ('usualLr' in m) expect(m.usualLr > 0 && m.shortName.length > 0, m.kind).toBe(true);
      for (const f of m.fields) {
        expect(f.label && f.help && f.subject, `${m.kind}.${f.name}`).toBeTruthy();
        if (f.kind === 'number') expect(f.step, `${m.kind}.${f.name}`).toBeGreaterThan(0);
        // an optional field is optional in the schema, and the other way round
        expect(m.schema.safeParse({ ...m.create(3 as never), [f.name]: undefined }).success, `${m.kind}.${f.name} optional`).toBe(!!f.optional);
      }
    }
  });
});

/** What each layer kind does to a number, for checking the graph it emits (GELU through erf: checked against its tanh form). */
const reference: Record<LayerKind, ((v: number) => number) | 'linear'> = {
  linear: 'linear',
  relu: (v) => Math.max(0, v),
  leaky_relu: (v) => (v >= 0 ? v : 0.01 * v),
  tanh: Math.tanh,
  sigmoid: (v) => 1 / (1 + Math.exp(-v)),
  gelu: (v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3))),
  dropout: (v) => v, // outside training, dropout passes values through
};

describe('every layer kind has an emitter', () => {
  it('a forward pass of each kind builds and runs in onnxruntime-node, giving what the kind does', async () => {
    for (const kind of LAYER_KINDS) {
      const spec: ModelSpec = kind === 'linear' ? { inputShape: [3], classes: 2, layers: [{ kind: 'linear', units: 2, bias: true }] } : { inputShape: [3], classes: 3, layers: [{ kind: 'linear', units: 3, bias: true }, LAYERS[kind].create(3), { kind: 'linear', units: 3, bias: false }] };
      // the probe: x·W1 + b1 then the layer, read through a last identity layer (W2 = I)
      const rng = new Rng(7);
      const infos = paramInfos(spec);
      const values = infos.map((p) => Float32Array.from({ length: p.shape.reduce((a, b) => a * b, 1) }, (_, i) => (p.name === 'layer2.weight' ? (i % 4 === 0 ? 1 : 0) : rng.normal())));
      const x = Float32Array.from([0.7, -1.3, 0.4, -0.2, 2.1, -0.9]);
      const b = new GraphBuilder('probe');
      const xin = b.input('x', 'float32', ['batch', 3]);
      const p = new Map(infos.map((i) => [i.name, b.input(i.name, 'float32', i.shape)]));
      b.outputAs(emitForward(b, spec, xin, p), 'y');
      const session = await ort.InferenceSession.create(b.toModel());
      const feeds: Record<string, ort.Tensor> = { x: new ort.Tensor('float32', x, [2, 3]) };
      infos.forEach((info, i) => (feeds[info.name] = new ort.Tensor('float32', values[i], info.shape)));
      const y = (await session.run(feeds)).y.data as Float32Array;
      await session.release();
      const units = kind === 'linear' ? 2 : 3;
      const [w1, b1] = values;
      const f = reference[kind];
      for (let r = 0; r < 2; r++) {
        for (let u = 0; u < units; u++) {
          let h = b1[u];
          for (let k = 0; k < 3; k++) h += x[r * 3 + k] * w1[k * units + u];
          expect(y[r * units + u], `${kind}, row ${r}, unit ${u}`).toBeCloseTo(f === 'linear' ? h : f(h), kind === 'gelu' ? 3 : 5);
        }
      }
      // and the inference graph (softmax on top) builds and validates
      expect(buildInferGraph(spec).toModel().length).toBeGreaterThan(0);
    }
  });

  it('a kind the registry does not have is an error, never a silent identity', () => {
    const b = new GraphBuilder('odd');
    const x = b.input('x', 'float32', ['batch', 3]);
    expect(() => emitForward(b, { inputShape: [3], classes: 3, layers: [{ kind: 'swish' } as unknown as LayerSpec] }, x, new Map())).toThrow(/Unknown layer kind "swish"/);
  });
});
