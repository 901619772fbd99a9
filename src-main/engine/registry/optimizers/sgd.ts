/**
 * Plain gradient descent (torch.optim.SGD): W ← W − lr·g. The lecture's optimizer. When a
 * weight's gradient is a single Gemm, dW = Aᵀ·G, the update is fused into it (see fuseUpdateIntoGemm).
 */
import { z } from 'zod';
import { emit } from '../../ops/table';
import type { GraphBuilder } from '../../onnx/builder';
import { numberSchema } from '../limits';
import { fieldsProblem, type FieldDescriptor } from '../fields';
import { WEIGHT_DECAY, weightDecayField, type OptimizerModule } from '../optimizer';

export const sgdSchema = z.strictObject({ kind: z.literal('sgd'), weightDecay: numberSchema(WEIGHT_DECAY).optional() });
export type SgdConfig = z.infer<typeof sgdSchema>;

const fields: FieldDescriptor[] = [weightDecayField];

export const sgd: OptimizerModule<SgdConfig> = {
  kind: 'sgd',
  schema: sgdSchema,
  label: 'Plain gradient descent',
  shortName: 'SGD',
  usualLr: 0.01,
  help: 'Each update steps straight down the gradient, scaled by the learning rate.',
  advanced: false,
  fields,
  create: () => ({ kind: 'sgd' }),
  describe: () => 'SGD',
  problem: (o) => fieldsProblem(fields, o),
  stateSuffixes: [],
  scalars: [],
  scalarValues: () => [],
  update({ b, g, w, lr }) {
    const fused = fuseUpdateIntoGemm(b, g, w, lr);
    return fused ? { weight: fused } : { step: g };
  },
};

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
