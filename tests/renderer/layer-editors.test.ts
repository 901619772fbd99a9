/** The Model screen's layer kinds, new layers and row problems come from the registry and agree with the engine. */
import { describe, expect, it } from 'vitest';
import { layerKinds, layerProblem, newLayer } from '../../src-renderer/lib/engine';
import { layerSpecSchema, LAYER_KINDS } from '../../src-main/engine/registry/index';
import { validateSpec } from '../../src-main/engine/spec';
import type { LayerSpec, ModelSpec } from '../../src-main/engine/types';

const around = (l: LayerSpec): ModelSpec => ({ inputShape: [4], classes: 2, layers: [{ kind: 'linear', units: 3, bias: true }, l, { kind: 'linear', units: 2, bias: true }] });
const engineProblem = (l: LayerSpec): string | null => {
  try {
    validateSpec(l.kind === 'linear' ? { inputShape: [4], classes: 2, layers: [l, { kind: 'relu' }, { kind: 'linear', units: 2, bias: true }] } : around(l));
    return null;
  } catch (e) {
    return (e as Error).message;
  }
};

describe('the layer editors', () => {
  it('offer every kind of the registry, in plain words, the rarer ones (Leaky ReLU, GELU) behind Advanced', () => {
    expect(layerKinds.map((k) => k.kind)).toEqual(LAYER_KINDS);
    expect(layerKinds.filter((k) => k.advanced).map((k) => k.kind).sort()).toEqual(['gelu', 'leaky_relu']);
    for (const k of layerKinds) expect(k.label.length * k.help.length, k.kind).toBeGreaterThan(0);
  });

  it('make a new layer of every kind that the API schema and the engine accept', () => {
    for (const kind of LAYER_KINDS) {
      const l = newLayer(kind, 64);
      expect(l.kind).toBe(kind);
      expect(layerSpecSchema.safeParse(l).success, kind).toBe(true);
      expect(engineProblem(l), kind).toBeNull();
    }
    expect(newLayer('linear', 64)).toEqual({ kind: 'linear', units: 64, bias: true });
  });

  it("say a row's problem in the engine's words (100,000 units, slope 1, dropout 1, an empty box)", () => {
    const bad: LayerSpec[] = [
      { kind: 'linear', units: 100_000, bias: true },
      { kind: 'linear', units: '' as unknown as number, bias: true },
      { kind: 'leaky_relu', slope: 1 },
      { kind: 'dropout', p: 1 },
    ];
    for (const l of bad) {
      const row = layerProblem(l);
      expect(row, JSON.stringify(l)).not.toBeNull();
      // the engine's message is "Layer 2 (kind): <the row's words, lower-cased first letter>"
      expect(engineProblem(l)?.toLowerCase(), JSON.stringify(l)).toContain(row!.toLowerCase());
    }
    expect(layerProblem({ kind: 'linear', units: 100_000, bias: true })).toBe('100000 units is more than the studio supports (65536).');
    expect(layerProblem({ kind: 'dropout', p: 0.995 })).toBeNull();
  });
});
