/** The inference model of a number to predict (Try it): one output, `value`, in the target's units. */
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { buildExportModel, type ModelSpec } from './index';
import { paramInfos } from './spec';

describe('export of a number model', () => {
  it('answers score × std + mean, not a softmax over one output', async () => {
    const spec: ModelSpec = { inputShape: [2], classes: 1, task: 'number', layers: [{ kind: 'linear', units: 1, bias: true }] };
    // every weight 1 and the bias 0.5: the score is x0 + x1 + 0.5 on the standardised inputs
    const weights = paramInfos(spec).map((p) => new Float32Array(p.shape.reduce((a, b) => a * b, 1)).fill(p.shape.length === 1 ? 0.5 : 1));
    const preprocess = { scale: 1, mean: [0, 0], std: [1, 1] };
    const bytes = buildExportModel(spec, weights, { preprocess, classNames: ['price'], inputShape: [2], target: { mean: 100, std: 10 } });
    const s = await ort.InferenceSession.create(bytes);
    expect(s.outputNames).toEqual(['value']);
    const out = await s.run({ input: new ort.Tensor('float32', Float32Array.from([1, 2, -1, 0]), [2, 2]) });
    expect(Array.from(out.value.data as Float32Array)).toEqual([135, 95]);
    await s.release();
    expect(() => buildExportModel(spec, weights, { preprocess, classNames: ['price'], inputShape: [2] })).toThrow('target mean and std');
  });
});
