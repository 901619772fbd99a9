/**
 * The forward graph of a ModelSpec: each layer's module (engine/registry) emits its own ops,
 * op by op so autodiff can walk them back.
 */
import type { GraphBuilder } from './onnx/builder';
import { layerModule } from './registry/kinds';
import type { LayerSpec, ModelSpec } from './types';

export interface DropoutSlot {
  /** graph input holding the mask: 0 or 1/(1-p) per unit, fed by the trainer */
  name: string;
  units: number;
  p: number;
}

/** The module of a layer; a kind the registry does not have is an error, never an identity. */
function moduleOf(l: LayerSpec) {
  const m = layerModule(l);
  if (!m) throw new Error(`Unknown layer kind "${String((l as { kind?: unknown })?.kind)}".`);
  return m;
}

export function dropoutSlots(spec: ModelSpec): DropoutSlot[] {
  const slots: DropoutSlot[] = [];
  let width = 0;
  spec.layers.forEach((l) => {
    const m = moduleOf(l);
    width = m.width(l, width);
    const p = m.maskProbability?.(l) ?? 0;
    if (p > 0) slots.push({ name: `dropout${slots.length + 1}.mask`, units: width, p });
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
    const m = moduleOf(l);
    if (m.params) k++;
    const index = k;
    h = m.emit(
      {
        b,
        index,
        param(kind) {
          const v = params.get(`layer${index}.${kind}`);
          if (!v) throw new Error(`missing parameter layer${index}.${kind}`);
          return v;
        },
        nextMask: () => dropoutMasks?.[d++],
      },
      l,
      h,
    );
  }
  return h;
}
