/**
 * The forward graph of a ModelSpec: linear layers (MatMul + optional bias Add) and
 * activations, emitted op by op so autodiff can walk them back.
 */
import type { GraphBuilder } from './onnx/builder';
import { emit } from './ops/table';
import type { ModelSpec } from './types';

export interface DropoutSlot {
  /** graph input holding the mask: 0 or 1/(1-p) per unit, fed by the trainer */
  name: string;
  units: number;
  p: number;
}

export function dropoutSlots(spec: ModelSpec): DropoutSlot[] {
  const slots: DropoutSlot[] = [];
  let width = 0;
  spec.layers.forEach((l) => {
    if (l.kind === 'linear') width = l.units;
    if (l.kind === 'dropout' && l.p > 0) slots.push({ name: `dropout${slots.length + 1}.mask`, units: width, p: l.p });
  });
  return slots;
}

/**
 * Emits the network applied to `x` and returns the name of the class scores.
 * `params` maps parameter names (layerK.weight, layerK.bias) to graph values.
 * With `dropoutMasks` (training), each dropout layer multiplies by its mask input.
 */
export function emitForward(b: GraphBuilder, spec: ModelSpec, x: string, params: Map<string, string>, dropoutMasks?: string[]): string {
  let h = x;
  let k = 0;
  let d = 0;
  for (const l of spec.layers) {
    switch (l.kind) {
      case 'linear': {
        k++;
        const w = params.get(`layer${k}.weight`);
        if (!w) throw new Error(`missing parameter layer${k}.weight`);
        h = emit(b, 'MatMul', [h, w], {}, `h${k}`);
        if (l.bias) {
          const bias = params.get(`layer${k}.bias`);
          if (!bias) throw new Error(`missing parameter layer${k}.bias`);
          h = emit(b, 'Add', [h, bias], {}, `h${k}b`);
        }
        break;
      }
      case 'relu':
        h = emit(b, 'Relu', [h]);
        break;
      case 'tanh':
        h = emit(b, 'Tanh', [h]);
        break;
      case 'sigmoid':
        h = emit(b, 'Sigmoid', [h]);
        break;
      case 'leaky_relu':
        h = emit(b, 'LeakyRelu', [h], { alpha: { float: l.slope } });
        break;
      case 'gelu': {
        // exact GELU: x · ½(1 + erf(x/√2)), from primitives every runtime has
        const e = emit(b, 'Erf', [emit(b, 'Mul', [h, b.constant('float32', Math.SQRT1_2)])]);
        h = emit(b, 'Mul', [emit(b, 'Mul', [h, emit(b, 'Add', [e, b.constant('float32', 1)])]), b.constant('float32', 0.5)], {}, 'gelu');
        break;
      }
      case 'dropout':
        if (l.p > 0 && dropoutMasks) h = emit(b, 'Mul', [h, dropoutMasks[d++]], {}, 'dropout');
        break;
    }
  }
  return h;
}
