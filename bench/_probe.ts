import { createNodeRuntime } from '../src-main/runtime/node';
import { buildBareMatmulGraph, lectureSpec } from './engine-bench';
import { initParams } from '../src-main/engine';
const threads = Number(process.env.T ?? 0);
const rt = createNodeRuntime('cpu', { threads });
const spec = lectureSpec();
const widths = [784, 1000, 1500, 10];
const s = await rt.createSession(buildBareMatmulGraph(widths));
const p = initParams(spec, 'pytorch', 0);
const w = p.map((a, i) => new rt.Tensor('float32', a, [widths[i], widths[i + 1]]));
const x = new Float32Array(1024 * 784).map(() => Math.random());
for (const b of (process.env.B ?? '200,256,200,192,208,128,224,240,250,200').split(',').map(Number)) {
  const xt = new rt.Tensor('float32', x.subarray(0, b * 784), [b, 784]);
  const ts: number[] = [];
  for (let i = 0; i < 12; i++) { const t = performance.now(); await s.run({ x: xt, w1: w[0], w2: w[1], w3: w[2] }); ts.push(performance.now() - t); }
  ts.sort((a, b) => a - b);
  console.log(b, ts[6].toFixed(2), 'min', ts[0].toFixed(2));
}
