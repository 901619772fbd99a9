/**
 * How weights are drawn before training, seeded (engine/init.ts runs them over every parameter):
 *   pytorch: nn.Linear's default, uniform ±1/√fan_in for weights and biases (the lecture)
 *   he:      normal(0, √(2/fan_in)) weights, zero biases
 *   xavier:  uniform ±√(6/(fan_in+fan_out)) weights, zero biases
 */
import type { Rng } from '../rng';
import type { ParamInfo } from './layer';

export interface InitModule {
  /** the name people see on the Train screen */
  label: string;
  /** fills `out` (zeros) for the parameter `p` */
  draw(p: ParamInfo, rng: Rng, out: Float32Array): void;
}

const uniform = (rng: Rng, out: Float32Array, bound: number) => {
  for (let i = 0; i < out.length; i++) out[i] = (rng.next() * 2 - 1) * bound;
};

export const INIT_SCHEMES = {
  pytorch: { label: 'PyTorch default', draw: (p, rng, out) => uniform(rng, out, 1 / Math.sqrt(p.fanIn)) },
  he: {
    label: 'He (good with ReLU)',
    draw(p, rng, out) {
      if (p.kind !== 'weight') return;
      const std = Math.sqrt(2 / p.fanIn);
      for (let i = 0; i < out.length; i++) out[i] = rng.normal() * std;
    },
  },
  xavier: { label: 'Xavier (good with tanh)', draw: (p, rng, out) => p.kind === 'weight' && uniform(rng, out, Math.sqrt(6 / (p.fanIn + p.fanOut))) },
} as const satisfies Record<string, InitModule>;

export type InitScheme = keyof typeof INIT_SCHEMES;
export const INIT_SCHEME_NAMES = Object.keys(INIT_SCHEMES) as [InitScheme, ...InitScheme[]];
