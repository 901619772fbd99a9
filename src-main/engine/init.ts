/**
 * Parameter initialisation, seeded: one generator draws every parameter in order, each with
 * its scheme's rule (engine/registry/init-schemes.ts: pytorch, he, xavier).
 */
import { INIT_SCHEMES } from './registry/init-schemes';
import { Rng } from './rng';
import { paramInfos } from './spec';
import type { InitScheme, ModelSpec } from './types';

export function initParams(spec: ModelSpec, scheme: InitScheme, seed: number): Float32Array[] {
  const rng = new Rng(seed ^ 0x5eed1217);
  const draw = INIT_SCHEMES[scheme]?.draw;
  if (!draw) throw new Error(`Unknown initialisation "${String(scheme)}".`);
  return paramInfos(spec).map((p) => {
    const out = new Float32Array(p.shape.reduce((a, b) => a * b, 1));
    draw(p, rng, out);
    return out;
  });
}
