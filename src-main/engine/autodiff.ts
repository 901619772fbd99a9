/**
 * Reverse-mode differentiation over the recorded forward graph. Walks the nodes backwards
 * from the loss, asks each op's local-gradient rule (ops/table.ts) to turn the gradient at
 * its output into gradients at its inputs, and sums the gradients of values that fan out
 * to several consumers. Only nodes on a path from a parameter to the loss are visited, so
 * no gradient is computed for the input batch. There is no network-specific code here.
 */
import type { GraphBuilder } from './onnx/builder';
import { StudioError } from './errors';
import { OPS, emit } from './ops/table';

/** An op without a gradient rule on the path to the loss: a bug in the engine. */
export class MissingGradientError extends StudioError {
  constructor(message: string) {
    super('internal', message);
    this.name = 'MissingGradientError';
  }
}

/**
 * Emits the backward graph of `loss` (a scalar) into `b` and returns d loss / d p for each
 * name in `wrt`. Every node recorded so far is treated as the forward graph.
 */
export function backward(b: GraphBuilder, loss: string, wrt: string[]): Map<string, string> {
  const forward = b.nodes.slice();

  // values that depend on a parameter
  const needs = new Set<string>(wrt);
  for (const n of forward) if (n.inputs.some((i) => needs.has(i))) n.outputs.forEach((o) => needs.add(o));
  if (!needs.has(loss)) throw new Error(`the loss does not depend on any of: ${wrt.join(', ')}`);

  // values the loss depends on
  const reaches = new Set<string>([loss]);
  for (let i = forward.length - 1; i >= 0; i--) {
    const n = forward[i];
    if (n.outputs.some((o) => reaches.has(o))) n.inputs.forEach((x) => reaches.add(x));
  }
  const onPath = (v: string) => needs.has(v) && reaches.has(v);

  const contributions = new Map<string, string[]>();
  const add = (v: string, g: string) => {
    const list = contributions.get(v);
    if (list) list.push(g);
    else contributions.set(v, [g]);
  };
  const total = (v: string): string | undefined => {
    const list = contributions.get(v);
    if (!list || list.length === 0) return undefined;
    // fan-in: the gradients of a value used several times add up
    let acc = list[0];
    for (let i = 1; i < list.length; i++) acc = emit(b, 'Add', [acc, list[i]], {}, 'gsum');
    contributions.set(v, [acc]);
    return acc;
  };

  add(loss, b.constant('float32', 1, b.shapeOf(loss).map(() => 1), 'dloss'));

  for (let i = forward.length - 1; i >= 0; i--) {
    const node = forward[i];
    if (node.outputs.length !== 1) continue;
    const out = node.outputs[0];
    if (!onPath(out)) continue;
    const g = total(out);
    if (g === undefined) continue;
    const entry = OPS[node.op];
    const inputNeeds = node.inputs.map((x) => x !== '' && onPath(x));
    if (!inputNeeds.some(Boolean)) continue;
    if (!entry?.grad) {
      throw new MissingGradientError(
        entry?.nonDifferentiable
          ? `${node.op} is not differentiable, but a parameter's gradient flows through it (value ${out})`
          : `no local-gradient rule for the op ${node.op} (value ${out}); add one to ops/table.ts`,
      );
    }
    const grads = entry.grad({ b, node, g, needs: inputNeeds });
    node.inputs.forEach((x, k) => {
      const gx = grads[k];
      if (inputNeeds[k] && gx) add(x, gx);
    });
  }

  const result = new Map<string, string>();
  for (const p of wrt) {
    const g = total(p);
    if (g === undefined) throw new Error(`parameter ${p} gets no gradient from the loss`);
    result.set(p, g);
  }
  return result;
}
