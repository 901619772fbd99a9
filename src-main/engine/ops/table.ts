/**
 * The op table: for every ONNX op the engine emits, how its output shape follows from its
 * inputs and its local-gradient rule. Back-propagation is the lecture's local rule,
 * output gradient = input gradient × local gradient: each rule receives the gradient
 * arriving at the node's output (`g`) and emits the nodes that turn it into the gradient
 * of each input that needs one. autodiff.ts composes them; nothing here knows a network.
 */
import type { AttrValue, DType, GraphBuilder, GraphNode, Shape } from '../onnx/builder';

export interface GradContext {
  b: GraphBuilder;
  node: GraphNode;
  /** gradient of the loss w.r.t. the node's (single) output */
  g: string;
  /** which inputs need a gradient */
  needs: boolean[];
}

/** Gradients for each input (null: none needed, or not differentiable). */
export type GradRule = (ctx: GradContext) => (string | null)[];

export interface OpEntry {
  /** output shape and dtype from the inputs' */
  infer(b: GraphBuilder, inputs: string[], attrs: Record<string, AttrValue>): { shape: Shape; dtype?: DType };
  /** the local-gradient rule; absent for ops that are not differentiable (comparisons, casts) */
  grad?: GradRule;
  /** true when the op has no gradient by nature: an input that needs one is an error */
  nonDifferentiable?: boolean;
}

// ---------------------------------------------------------------- shape helpers

export function broadcastShapes(a: Shape, b: Shape): Shape {
  const n = Math.max(a.length, b.length);
  const out: Shape = [];
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)];
    const db = i < n - b.length ? 1 : b[i - (n - b.length)];
    if (da === 1) out.push(db);
    else if (db === 1 || da === db) out.push(da);
    else throw new Error(`shapes [${a}] and [${b}] do not broadcast`);
  }
  return out;
}

function normAxes(axes: number[], rank: number): number[] {
  return axes.map((a) => (a < 0 ? a + rank : a));
}

function reducedShape(x: Shape, axes: number[], keepdims: boolean): Shape {
  const ax = normAxes(axes, x.length);
  const out: Shape = [];
  x.forEach((d, i) => {
    if (ax.includes(i)) {
      if (keepdims) out.push(1);
    } else out.push(d);
  });
  return out;
}

const sameAsFirst: OpEntry['infer'] = (b, inputs) => ({ shape: b.shapeOf(inputs[0]) });
const broadcastInfer: OpEntry['infer'] = (b, inputs) => ({ shape: broadcastShapes(b.shapeOf(inputs[0]), b.shapeOf(inputs[1])) });

function attrInts(attrs: Record<string, AttrValue>, key: string): number[] {
  const v = attrs[key];
  if (Array.isArray(v)) return v;
  if (v && typeof v === 'object' && 'ints' in v) return v.ints;
  throw new Error(`attribute ${key} missing`);
}

function keep(attrs: Record<string, AttrValue>): boolean {
  return attrs.keepdims === undefined ? true : attrs.keepdims === 1;
}

// ---------------------------------------------------------------- emit helpers used by rules

/** Emits `op` with its shape inferred from the table. */
export function emit(b: GraphBuilder, op: string, inputs: string[], attrs: Record<string, AttrValue> = {}, prefix?: string): string {
  const entry = OPS[op];
  if (!entry) throw new Error(`the op table has no entry for ${op}`);
  const { shape, dtype } = entry.infer(b, inputs, attrs);
  return b.op(op, inputs, { shape, dtype, prefix }, attrs);
}

const f = (b: GraphBuilder, v: number) => b.constant('float32', v, [], 'c');

/** Sums a broadcast gradient back down to the shape of the input it flowed from. */
export function unbroadcast(b: GraphBuilder, g: string, target: string): string {
  const gs = b.shapeOf(g);
  const ts = b.shapeOf(target);
  if (gs.length === ts.length && gs.every((d, i) => d === ts[i])) return g;
  const lead = gs.length - ts.length;
  const axes: number[] = [];
  for (let i = 0; i < gs.length; i++) {
    if (i < lead) axes.push(i);
    else if (ts[i - lead] === 1 && gs[i] !== 1) axes.push(i);
  }
  const summed = emit(b, 'ReduceSum', [g, b.constant('int64', axes, [axes.length], 'axes')], { keepdims: 1 });
  if (ts.every((d) => typeof d === 'number')) {
    return b.op('Reshape', [summed, b.constant('int64', ts as number[], [ts.length], 'shape')], { shape: ts });
  }
  return b.op('Reshape', [summed, b.op('Shape', [target], { dtype: 'int64', shape: [ts.length] })], { shape: ts });
}

function expandTo(b: GraphBuilder, g: string, like: string): string {
  return b.op('Expand', [g, b.op('Shape', [like], { dtype: 'int64', shape: [b.shapeOf(like).length] })], { shape: b.shapeOf(like) });
}

/** The gradient of a reduction, reshaped so it broadcasts against the reduced input. */
function keepdimsGrad(b: GraphBuilder, g: string, x: string, axes: number[], keepdims: boolean): string {
  if (keepdims) return g;
  const ax = normAxes(axes, b.shapeOf(x).length);
  return b.op('Unsqueeze', [g, b.constant('int64', ax, [ax.length], 'axes')], { shape: reducedShape(b.shapeOf(x), ax, true) });
}

function reduceSumAxes(b: GraphBuilder, node: GraphNode): number[] {
  const rank = b.shapeOf(node.inputs[0]).length;
  if (node.inputs.length < 2 || node.inputs[1] === '') return [...Array(rank).keys()];
  const v = b.constValues.get(node.inputs[1]);
  if (!v) throw new Error('ReduceSum: axes must be a constant for differentiation');
  return normAxes(v, rank);
}

// ---------------------------------------------------------------- the table

const NON_DIFF: OpEntry['nonDifferentiable'] = true;

export const OPS: Record<string, OpEntry> = {
  MatMul: {
    infer: (b, [a, w]) => {
      const sa = b.shapeOf(a);
      const sw = b.shapeOf(w);
      if (sa.length !== 2 || sw.length !== 2) throw new Error('MatMul: only 2-D operands are supported');
      if (typeof sa[1] === 'number' && typeof sw[0] === 'number' && sa[1] !== sw[0]) throw new Error(`MatMul: [${sa}] × [${sw}] do not fit`);
      return { shape: [sa[0], sw[1]] };
    },
    // Y = A·W  →  dA = G·Wᵀ,  dW = Aᵀ·G  (the lecture's W^T E and E X^T)
    grad: ({ b, node, g, needs }) => {
      const [a, w] = node.inputs;
      return [
        needs[0] ? b.op('Gemm', [g, w], { shape: b.shapeOf(a), prefix: 'dA' }, { transB: 1 }) : null,
        needs[1] ? b.op('Gemm', [a, g], { shape: b.shapeOf(w), prefix: 'dW' }, { transA: 1 }) : null,
      ];
    },
  },
  Gemm: {
    infer: (b, [a, w], attrs) => {
      const sa = b.shapeOf(a);
      const sw = b.shapeOf(w);
      return { shape: [attrs.transA === 1 ? sa[1] : sa[0], attrs.transB === 1 ? sw[0] : sw[1]] };
    },
  },
  Add: {
    infer: broadcastInfer,
    grad: ({ b, node, g, needs }) => node.inputs.map((x, i) => (needs[i] ? unbroadcast(b, g, x) : null)),
  },
  Sub: {
    infer: broadcastInfer,
    grad: ({ b, node, g, needs }) => [
      needs[0] ? unbroadcast(b, g, node.inputs[0]) : null,
      needs[1] ? unbroadcast(b, emit(b, 'Neg', [g]), node.inputs[1]) : null,
    ],
  },
  Mul: {
    infer: broadcastInfer,
    grad: ({ b, node, g, needs }) => {
      const [x, y] = node.inputs;
      return [needs[0] ? unbroadcast(b, emit(b, 'Mul', [g, y]), x) : null, needs[1] ? unbroadcast(b, emit(b, 'Mul', [g, x]), y) : null];
    },
  },
  Div: {
    infer: broadcastInfer,
    // z = x / y: dz/dx = 1/y, dz/dy = -z/y
    grad: ({ b, node, g, needs }) => {
      const [x, y] = node.inputs;
      const z = node.outputs[0];
      return [
        needs[0] ? unbroadcast(b, emit(b, 'Div', [g, y]), x) : null,
        needs[1] ? unbroadcast(b, emit(b, 'Neg', [emit(b, 'Div', [emit(b, 'Mul', [g, z]), y])]), y) : null,
      ];
    },
  },
  Neg: { infer: sameAsFirst, grad: ({ b, g }) => [emit(b, 'Neg', [g])] },
  Identity: { infer: sameAsFirst, grad: ({ g }) => [g] },
  Relu: {
    infer: sameAsFirst,
    // local gradient step(X): pass the gradient where the input was positive
    grad: ({ b, node, g }) => [emit(b, 'Where', [emit(b, 'Greater', [node.inputs[0], f(b, 0)]), g, f(b, 0)])],
  },
  LeakyRelu: {
    infer: sameAsFirst,
    grad: ({ b, node, g }) => {
      const alpha = node.attrs.alpha as { float: number };
      return [emit(b, 'Where', [emit(b, 'Greater', [node.inputs[0], f(b, 0)]), g, emit(b, 'Mul', [g, f(b, alpha.float)])])];
    },
  },
  Tanh: {
    infer: sameAsFirst,
    // 1 - y²
    grad: ({ b, node, g }) => {
      const y = node.outputs[0];
      return [emit(b, 'Mul', [g, emit(b, 'Sub', [f(b, 1), emit(b, 'Mul', [y, y])])])];
    },
  },
  Sigmoid: {
    infer: sameAsFirst,
    // y (1 - y)
    grad: ({ b, node, g }) => {
      const y = node.outputs[0];
      return [emit(b, 'Mul', [g, emit(b, 'Mul', [y, emit(b, 'Sub', [f(b, 1), y])])])];
    },
  },
  Exp: { infer: sameAsFirst, grad: ({ b, node, g }) => [emit(b, 'Mul', [g, node.outputs[0]])] },
  Log: { infer: sameAsFirst, grad: ({ b, node, g }) => [emit(b, 'Div', [g, node.inputs[0]])] },
  Sqrt: { infer: sameAsFirst },
  Erf: {
    infer: sameAsFirst,
    // 2/√π · exp(-x²)
    grad: ({ b, node, g }) => {
      const x = node.inputs[0];
      const e = emit(b, 'Exp', [emit(b, 'Neg', [emit(b, 'Mul', [x, x])])]);
      return [emit(b, 'Mul', [g, emit(b, 'Mul', [e, f(b, 2 / Math.sqrt(Math.PI))])])];
    },
  },
  ReduceSum: {
    infer: (b, [x, axes], attrs) => {
      const rank = b.shapeOf(x).length;
      const ax = axes ? b.constValues.get(axes) : [...Array(rank).keys()];
      if (!ax) throw new Error('ReduceSum: axes must be a constant');
      return { shape: reducedShape(b.shapeOf(x), ax, keep(attrs)) };
    },
    grad: ({ b, node, g }) => {
      const x = node.inputs[0];
      return [expandTo(b, keepdimsGrad(b, g, x, reduceSumAxes(b, node), keep(node.attrs)), x), null];
    },
  },
  ReduceMean: {
    infer: (b, [x], attrs) => ({ shape: reducedShape(b.shapeOf(x), attrInts(attrs, 'axes'), keep(attrs)) }),
    grad: ({ b, node, g }) => {
      const x = node.inputs[0];
      const y = node.outputs[0];
      const count = emit(b, 'Div', [
        b.op('Cast', [b.op('Size', [x], { dtype: 'int64', shape: [] })], { dtype: 'float32', shape: [] }, { to: 1 }),
        b.op('Cast', [b.op('Size', [y], { dtype: 'int64', shape: [] })], { dtype: 'float32', shape: [] }, { to: 1 }),
      ]);
      const gk = keepdimsGrad(b, g, x, attrInts(node.attrs, 'axes'), keep(node.attrs));
      return [expandTo(b, emit(b, 'Div', [gk, count]), x)];
    },
  },
  ReduceMax: {
    infer: (b, [x], attrs) => ({ shape: reducedShape(b.shapeOf(x), attrInts(attrs, 'axes'), keep(attrs)) }),
    // the gradient goes to the maximal entries, shared equally among ties
    grad: ({ b, node, g }) => {
      const x = node.inputs[0];
      const axes = attrInts(node.attrs, 'axes');
      const yk = keepdimsGrad(b, node.outputs[0], x, axes, keep(node.attrs));
      const mask = b.op('Cast', [emit(b, 'Equal', [x, yk])], { dtype: 'float32', shape: b.shapeOf(x) }, { to: 1 });
      const count = emit(b, 'ReduceSum', [mask, b.constant('int64', axes, [axes.length], 'axes')], { keepdims: 1 });
      const gk = keepdimsGrad(b, g, x, axes, keep(node.attrs));
      return [emit(b, 'Mul', [emit(b, 'Div', [mask, count]), gk])];
    },
  },
  Where: {
    infer: (b, [c, x, y]) => ({ shape: broadcastShapes(b.shapeOf(c), broadcastShapes(b.shapeOf(x), b.shapeOf(y))), dtype: b.dtypeOf(x) }),
    grad: ({ b, node, g, needs }) => {
      const [c, x, y] = node.inputs;
      const zero = f(b, 0);
      return [
        null,
        needs[1] ? unbroadcast(b, emit(b, 'Where', [c, g, zero]), x) : null,
        needs[2] ? unbroadcast(b, emit(b, 'Where', [c, zero, g]), y) : null,
      ];
    },
  },
  Softmax: { infer: sameAsFirst },
  // rows (axis 0) or slices of `data` picked by integer `indices`: the trainer's batch
  // gathered from the resident training set. The data is an input that needs no gradient;
  // the indices have none.
  Gather: {
    infer: (b, [data, indices], attrs) => {
      const sd = b.shapeOf(data);
      const axis = typeof attrs.axis === 'number' ? (attrs.axis < 0 ? attrs.axis + sd.length : attrs.axis) : 0;
      if (axis < 0 || axis >= sd.length) throw new Error(`Gather: axis ${String(attrs.axis)} is outside the data's ${sd.length} dimensions`);
      return { shape: [...sd.slice(0, axis), ...b.shapeOf(indices), ...sd.slice(axis + 1)], dtype: b.dtypeOf(data) };
    },
    nonDifferentiable: NON_DIFF,
  },
  ArgMax: {
    infer: (b, [x], attrs) => ({ shape: reducedShape(b.shapeOf(x), [attrs.axis as number], keep(attrs)), dtype: 'int64' }),
    nonDifferentiable: NON_DIFF,
  },
  Equal: { infer: (b, [x, y]) => ({ shape: broadcastShapes(b.shapeOf(x), b.shapeOf(y)), dtype: 'bool' }), nonDifferentiable: NON_DIFF },
  Greater: { infer: (b, [x, y]) => ({ shape: broadcastShapes(b.shapeOf(x), b.shapeOf(y)), dtype: 'bool' }), nonDifferentiable: NON_DIFF },
  GreaterOrEqual: {
    infer: (b, [x, y]) => ({ shape: broadcastShapes(b.shapeOf(x), b.shapeOf(y)), dtype: 'bool' }),
    nonDifferentiable: NON_DIFF,
  },
};
