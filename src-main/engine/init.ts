/**
 * Parameter initialisation, seeded.
 *   pytorch: nn.Linear's default, uniform ±1/√fan_in for weights and biases (the lecture)
 *   he:      normal(0, √(2/fan_in)) weights, zero biases
 *   xavier:  uniform ±√(6/(fan_in+fan_out)) weights, zero biases
 */
import { Rng } from './rng';
import { paramInfos } from './spec';
import type { InitScheme, ModelSpec } from './types';

export function initParams(spec: ModelSpec, scheme: InitScheme, seed: number): Float32Array[] {
  const rng = new Rng(seed ^ 0x5eed1217);
  return paramInfos(spec).map((p) => {
    const n = p.shape.reduce((a, b) => a * b, 1);
    const out = new Float32Array(n);
    if (scheme === 'pytorch') {
      const bound = 1 / Math.sqrt(p.fanIn);
      for (let i = 0; i < n; i++) out[i] = (rng.next() * 2 - 1) * bound;
    } else if (p.kind === 'weight') {
      if (scheme === 'he') {
        const std = Math.sqrt(2 / p.fanIn);
        for (let i = 0; i < n; i++) out[i] = rng.normal() * std;
      } else {
        const bound = Math.sqrt(6 / (p.fanIn + p.fanOut));
        for (let i = 0; i < n; i++) out[i] = (rng.next() * 2 - 1) * bound;
      }
    }
    return out;
  });
}
