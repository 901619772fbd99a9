/**
 * Where the time of one lecture training step goes: runs train.onnx (and the bare 8-matmul
 * graph) with ONNX Runtime's profiler on, with the same session options as
 * src-main/runtime/node.ts, and sums the kernel times per op type and per node.
 *
 *   npx tsx bench/profile-step.ts [--steps N] [--batch B] [--top K]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { buildArtifacts, initParams } from '../src-main/engine';
import { nextName } from '../src-main/engine/artifacts';
import { buildBareMatmulGraph, lectureSpec } from './engine-bench';

interface ProfileEvent {
  cat: string;
  name: string;
  dur: number;
  args?: { op_name?: string };
}

function sessionOptions(prefix: string): ort.InferenceSession.SessionOptions {
  // the same as createNodeRuntime('cpu'), plus the profiler
  return {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: 0,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    enableProfiling: true,
    profileFilePrefix: prefix,
  };
}

async function profile(
  label: string,
  model: Uint8Array,
  feeds: Record<string, ort.Tensor>,
  fetches: (step: number) => Record<string, ort.Tensor>,
  after: (step: number) => void,
  steps: number,
  dir: string,
): Promise<{ total: number; byOp: Map<string, number>; byNode: Map<string, { op: string; us: number }> }> {
  const session = await ort.InferenceSession.create(model, sessionOptions(path.join(dir, label)));
  for (let s = 0; s < steps + 3; s++) {
    await session.run(feeds, fetches(s));
    after(s);
  }
  // endProfiling() writes the trace and returns nothing in onnxruntime-node: find the file
  session.endProfiling();
  await session.release();
  const file = fs.readdirSync(dir).find((f) => f.startsWith(label) && f.endsWith('.json'));
  if (!file) throw new Error(`no profile written for ${label} in ${dir}`);
  const events = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as ProfileEvent[];
  const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run').map((e) => e.dur);
  const byOp = new Map<string, number>();
  const byNode = new Map<string, { op: string; us: number }>();
  // skip the first 3 runs (warm-up): kernel events are in order, one block per run
  const kernels = events.filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time'));
  const perRun = kernels.length / (steps + 3);
  const counted = kernels.slice(Math.round(3 * perRun));
  for (const k of counted) {
    const op = k.args?.op_name ?? '?';
    byOp.set(op, (byOp.get(op) ?? 0) + k.dur / steps);
    const node = k.name.replace(/_kernel_time$/, '');
    const cur = byNode.get(node) ?? { op, us: 0 };
    cur.us += k.dur / steps;
    byNode.set(node, cur);
  }
  const total = runs.slice(3).reduce((a, b) => a + b, 0) / steps;
  return { total, byOp, byNode };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opt = (name: string, dflt: number) => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : dflt;
  };
  const steps = opt('--steps', 20);
  const batch = opt('--batch', 200);
  const top = opt('--top', 12);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-profile-'));
  const spec = lectureSpec();
  const art = buildArtifacts(spec, { kind: 'sgd' });
  const params = initParams(spec, 'pytorch', 0);
  const x = new ort.Tensor('float32', new Float32Array(batch * 784).map((_, i) => ((i * 7919) % 256) / 255), [batch, 784]);
  const labels = new ort.Tensor('int32', Int32Array.from({ length: batch }, (_, i) => i % 10), [batch]);
  const sets = [0, 1].map((k) => art.params.map((p, i) => new ort.Tensor('float32', k === 0 ? params[i] : new Float32Array(params[i].length), p.shape)));
  const scalar = () => new ort.Tensor('float32', new Float32Array(1), []);
  const lossT = scalar();
  const errT = scalar();
  let cur = 0;
  const trainFeeds: Record<string, ort.Tensor> = { x, labels, lr: new ort.Tensor('float32', Float32Array.of(0.01), []) };
  const bind = () => art.params.forEach((p, i) => (trainFeeds[p.name] = sets[cur][i]));
  bind();
  const train = await profile(
    'train',
    art.train,
    trainFeeds,
    () => {
      const f: Record<string, ort.Tensor> = { loss: lossT, errors: errT };
      art.params.forEach((p, i) => (f[nextName(p.name)] = sets[1 - cur][i]));
      return f;
    },
    () => {
      cur = 1 - cur;
      bind();
    },
    steps,
    dir,
  );
  const widths = [784, 1000, 1500, 10];
  const w = params.map((p, i) => new ort.Tensor('float32', p, [widths[i], widths[i + 1]]));
  const outs = [0, 1, 2].map((i) => new ort.Tensor('float32', new Float32Array(widths[i] * widths[i + 1]), [widths[i], widths[i + 1]]));
  const bare = await profile(
    'bare',
    buildBareMatmulGraph(widths),
    { x, w1: w[0], w2: w[1], w3: w[2] },
    () => ({ dw1: outs[0], dw2: outs[1], dw3: outs[2] }),
    () => undefined,
    steps,
    dir,
  );

  const show = (label: string, r: typeof train) => {
    const kernelSum = [...r.byOp.values()].reduce((a, b) => a + b, 0);
    console.log(`\n${label}: model_run ${(r.total / 1000).toFixed(2)} ms/step, kernels ${(kernelSum / 1000).toFixed(2)} ms (batch ${batch}, mean of ${steps} steps)`);
    console.log('  by op type:');
    for (const [op, us] of [...r.byOp.entries()].sort((a, b) => b[1] - a[1])) {
      console.log(`    ${op.padEnd(22)} ${(us / 1000).toFixed(3).padStart(8)} ms  ${((100 * us) / kernelSum).toFixed(1).padStart(5)}%`);
    }
    console.log(`  top ${top} nodes:`);
    for (const [node, v] of [...r.byNode.entries()].sort((a, b) => b[1].us - a[1].us).slice(0, top)) {
      console.log(`    ${node.padEnd(40)} ${v.op.padEnd(16)} ${(v.us / 1000).toFixed(3).padStart(8)} ms`);
    }
  };
  show('train.onnx (lecture, SGD)', train);
  show('bare 8 matmuls', bare);
  console.log(`\nratio of model_run means: ${(train.total / bare.total).toFixed(3)}  (profiles in ${dir})`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack : String(err));
  process.exit(1);
});
