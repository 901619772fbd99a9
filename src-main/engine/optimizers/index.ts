/**
 * Optimizers as graph fragments: parameters, gradients and optimizer state in; updated
 * parameters and state out. Each optimizer's update lives in its registry module
 * (engine/registry/optimizers/*.ts, following PyTorch's torch.optim formulas so runs
 * compare); this runs it over every parameter, with weight decay first: g ← g + λW.
 */
import type { GraphBuilder } from '../onnx/builder';
import { emit } from '../ops/table';
import { optimizerModule } from '../registry/kinds';
import type { ParamInfo } from '../registry/layer';
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

function moduleOf(opt: OptimizerConfig) {
  const m = optimizerModule(opt);
  if (!m) throw new Error(`Unknown optimizer "${String((opt as { kind?: unknown })?.kind)}".`);
  return m;
}

export function stateSlots(opt: OptimizerConfig, params: ParamInfo[]): StateSlot[] {
  const suffixes = moduleOf(opt).stateSuffixes;
  return params.flatMap((p) => suffixes.map((s) => ({ name: `${p.name}.${s}`, shape: p.shape, param: p.name })));
}

/** Scalar graph inputs the optimizer needs besides `lr` (Adam's bias corrections). */
export function optimizerScalars(opt: OptimizerConfig): string[] {
  return [...moduleOf(opt).scalars];
}

/** Values of the optimizer scalars before step `t` (t counts from 1). */
export function optimizerScalarValues(opt: OptimizerConfig, t: number): number[] {
  return moduleOf(opt).scalarValues(opt, t);
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
  const m = moduleOf(opt);
  const c = (v: number) => b.constant('float32', v);
  const out: OptimizerFragment = { params: new Map(), state: new Map() };
  for (const p of params) {
    const w = p.name;
    let g = grads.get(w);
    if (!g) throw new Error(`no gradient for ${w}`);
    if (opt.weightDecay) g = emit(b, 'Add', [g, emit(b, 'Mul', [w, c(opt.weightDecay)])], {}, 'gwd');
    const r = m.update(
      {
        b,
        w,
        g,
        lr,
        state: (suffix) => state.get(`${w}.${suffix}`)!,
        setState: (suffix, value) => out.state.set(`${w}.${suffix}`, value),
        scalar: (name) => scalars.get(name)!,
        c,
      },
      opt,
    );
    out.params.set(w, 'weight' in r ? r.weight : emit(b, 'Sub', [w, emit(b, 'Mul', [r.step, lr])], {}, 'wnew'));
  }
  return out;
}
