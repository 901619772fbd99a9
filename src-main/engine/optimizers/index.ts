/**
 * Optimizers as graph fragments: parameters, gradients and optimizer state in; updated
 * parameters and state out. They follow PyTorch's torch.optim formulas so runs compare.
 *   SGD:       W ← W − lr·g
 *   momentum:  v ← μv + g;  W ← W − lr·v        (Nesterov: W ← W − lr·(g + μv))
 *   Adam:      m ← β1 m + (1−β1) g;  v ← β2 v + (1−β2) g²;  W ← W − lr·(m/c1) / (√(v/c2) + ε)
 * with c1 = 1 − β1^t and c2 = 1 − β2^t fed as scalars, and weight decay as g ← g + λW.
 */
import type { GraphBuilder } from '../onnx/builder';
import { emit } from '../ops/table';
import type { ParamInfo } from '../spec';
import type { OptimizerConfig } from '../types';

export interface StateSlot {
  name: string;
  shape: number[];
  /** the parameter this state belongs to */
  param: string;
}

export interface OptimizerFragment {
  /** new value of each parameter, by parameter name */
  params: Map<string, string>;
  /** new value of each state slot, by state name */
  state: Map<string, string>;
}

export function stateSlots(opt: OptimizerConfig, params: ParamInfo[]): StateSlot[] {
  const suffixes = opt.kind === 'momentum' ? ['velocity'] : opt.kind === 'adam' ? ['m', 'v'] : [];
  return params.flatMap((p) => suffixes.map((s) => ({ name: `${p.name}.${s}`, shape: p.shape, param: p.name })));
}

/** Scalar graph inputs the optimizer needs besides `lr` (Adam's bias corrections). */
export function optimizerScalars(opt: OptimizerConfig): string[] {
  return opt.kind === 'adam' ? ['adam.c1', 'adam.c2'] : [];
}

/** Values of the optimizer scalars before step `t` (t counts from 1). */
export function optimizerScalarValues(opt: OptimizerConfig, t: number): number[] {
  return opt.kind === 'adam' ? [1 - Math.pow(opt.beta1, t), 1 - Math.pow(opt.beta2, t)] : [];
}

export function emitOptimizer(
  b: GraphBuilder,
  opt: OptimizerConfig,
  params: ParamInfo[],
  grads: Map<string, string>,
  lr: string,
  state: Map<string, string>,
  scalars: Map<string, string>,
): OptimizerFragment {
  const c = (v: number) => b.constant('float32', v);
  const out: OptimizerFragment = { params: new Map(), state: new Map() };
  for (const p of params) {
    const w = p.name;
    let g = grads.get(w);
    if (!g) throw new Error(`no gradient for ${w}`);
    if (opt.weightDecay) g = emit(b, 'Add', [g, emit(b, 'Mul', [w, c(opt.weightDecay)])], {}, 'gwd');
    let step: string;
    switch (opt.kind) {
      case 'sgd': {
        const fused = fuseUpdateIntoGemm(b, g, w, lr);
        if (fused) {
          out.params.set(w, fused);
          continue;
        }
        step = g;
        break;
      }
      case 'momentum': {
        const vName = `${w}.velocity`;
        const v = emit(b, 'Add', [emit(b, 'Mul', [state.get(vName)!, c(opt.momentum)]), g], {}, 'vel');
        out.state.set(vName, v);
        step = opt.nesterov ? emit(b, 'Add', [g, emit(b, 'Mul', [v, c(opt.momentum)])]) : v;
        break;
      }
      case 'adam': {
        const mName = `${w}.m`;
        const vName = `${w}.v`;
        const m = emit(b, 'Add', [emit(b, 'Mul', [state.get(mName)!, c(opt.beta1)]), emit(b, 'Mul', [g, c(1 - opt.beta1)])], {}, 'm');
        const v = emit(b, 'Add', [emit(b, 'Mul', [state.get(vName)!, c(opt.beta2)]), emit(b, 'Mul', [emit(b, 'Mul', [g, g]), c(1 - opt.beta2)])], {}, 'v');
        out.state.set(mName, m);
        out.state.set(vName, v);
        const mHat = emit(b, 'Div', [m, scalars.get('adam.c1')!]);
        const vHat = emit(b, 'Div', [v, scalars.get('adam.c2')!]);
        step = emit(b, 'Div', [mHat, emit(b, 'Add', [emit(b, 'Sqrt', [vHat]), c(opt.eps)])]);
        break;
      }
    }
    out.params.set(w, emit(b, 'Sub', [w, emit(b, 'Mul', [step, lr])], {}, 'wnew'));
  }
  return out;
}

/**
 * Plain SGD on a weight whose gradient is a single Gemm, dW = Aᵀ·G, used nowhere else:
 * W − lr·(Aᵀ·G) = Gemm(A, lr·G, C = W, transA, alpha = −1, beta = 1). The update then costs
 * nothing beyond the matmul itself, and the learning rate scales the small [batch, units]
 * gradient instead of the whole weight matrix. The same arithmetic, fused; returns the new
 * weight, or null when the pattern does not apply.
 */
function fuseUpdateIntoGemm(b: GraphBuilder, g: string, w: string, lr: string): string | null {
  const node = b.nodes.find((n) => n.outputs[0] === g);
  if (!node || node.op !== 'Gemm' || node.inputs.length !== 2 || node.attrs.transA !== 1 || node.attrs.transB) return null;
  if (b.nodes.some((n) => n !== node && n.inputs.includes(g)) || b.outputs.some((o) => o.name === g)) return null;
  const [a, grad] = node.inputs;
  const scaled = emit(b, 'Mul', [grad, lr], {}, 'lrgrad');
  node.inputs = [a, scaled, w];
  node.attrs = { transA: 1, alpha: { float: -1 }, beta: { float: 1 } };
  return g;
}
