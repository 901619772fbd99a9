/**
 * Engine benchmark (`npm run bench`, or `npx tsx bench/engine-bench.ts [--json] [--quick]`).
 *
 * For the lecture net (784-1000-1500-10, no bias, ReLU, plain SGD) on CPU it measures:
 *  - ms per training step at batch 200: one run() of the generated train.onnx (forward, loss,
 *    backward, SGD update) with the trainer's ping-pong of pre-allocated tensors;
 *  - the same for a bare graph holding only the 8 matmuls such a step needs (3 forward
 *    MatMul, 3 weight-gradient Gemm transA, 2 input-gradient Gemm transB), built with the
 *    engine's GraphBuilder and run with the same session options, interleaved with the train
 *    graph in the same process so machine load hits both alike; the ratio of the medians is
 *    `ratioToBareMatmul` (goal ≤ 1.10);
 *  - one full lecture epoch through the Trainer (60k MNIST: gathering, shuffling, running
 *    metrics included), wall time;
 *  - steps/s and samples/s across batch sizes 32..1024.
 * This is a benchmark, not a test: nothing here asserts a time.
 */
import os from 'node:os';
import { createRequire } from 'node:module';
import type { InferenceSession, Tensor } from 'onnxruntime-common';
import { GraphBuilder, buildArtifacts, initParams, presetById, Trainer, type ModelSpec, type RuntimeAdapter, type TrainEvent } from '../src-main/engine';
import { affineFor, gather } from '../src-main/engine/preprocess';
import { nextName } from '../src-main/engine/artifacts';
import { createNodeRuntime } from '../src-main/runtime/node';
import { loadMnist } from './mnist';

const require = createRequire(import.meta.url);

export interface SweepPoint {
  batch: number;
  msPerStep: number;
  stepsPerSec: number;
  samplesPerSec: number;
}

export interface EngineBenchResult {
  net: string;
  batch: number;
  device: string;
  machine: { cpu: string; cores: number; node: string; onnxruntime: string };
  steps: number;
  /** median ms of one train.onnx run() (forward, loss, backward, update), batch 200 */
  msPerStep: number;
  /** median ms of the bare 8-matmul graph, same batch, same session options, same run */
  bareMatmulMsPerStep: number;
  ratioToBareMatmul: number;
  /** fastest train step / fastest bare step: the same comparison, less sensitive to machine load */
  ratioOfFastestSteps: number;
  /** one full lecture epoch through the Trainer (data, shuffling, metrics included) */
  epoch: { samples: number; steps: number; seconds: number; msPerStep: number; medianStepMs: number; loss: number; error: number };
  sweep: SweepPoint[];
  quick: boolean;
  /** 1-minute load average at the start and the end: other processes on the machine skew every figure */
  loadAverage: { start: number; end: number };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export function lectureSpec(): ModelSpec {
  return presetById('lecture').model([784], 10);
}

/**
 * The 8 matmuls of one training step of a bias-free 3-layer MLP, and nothing else. With
 * `sync`, the scores are an output too: on a GPU, whose products stay on the device, that
 * small download makes each run() wait for the work.
 */
export function buildBareMatmulGraph(widths: number[], opts: { sync?: boolean } = {}): Uint8Array {
  if (widths.length !== 4) throw new Error('buildBareMatmulGraph: expects 4 widths (input, hidden1, hidden2, classes)');
  const [d0, d1, d2, d3] = widths;
  const b = new GraphBuilder('bare_matmuls');
  const x = b.input('x', 'float32', ['batch', d0]);
  const w1 = b.input('w1', 'float32', [d0, d1]);
  const w2 = b.input('w2', 'float32', [d1, d2]);
  const w3 = b.input('w3', 'float32', [d2, d3]);
  const h1 = b.op('MatMul', [x, w1], { shape: ['batch', d1] });
  const h2 = b.op('MatMul', [h1, w2], { shape: ['batch', d2] });
  const s = b.op('MatMul', [h2, w3], { shape: ['batch', d3] });
  // the scores stand in for their gradient (same shape), so every product depends on the last
  const dw3 = b.op('Gemm', [h2, s], { shape: [d2, d3] }, { transA: 1 });
  const dh2 = b.op('Gemm', [s, w3], { shape: ['batch', d2] }, { transB: 1 });
  const dw2 = b.op('Gemm', [h1, dh2], { shape: [d1, d2] }, { transA: 1 });
  const dh1 = b.op('Gemm', [dh2, w2], { shape: ['batch', d1] }, { transB: 1 });
  const dw1 = b.op('Gemm', [x, dh1], { shape: [d0, d1] }, { transA: 1 });
  b.outputAs(dw1, 'dw1');
  b.outputAs(dw2, 'dw2');
  b.outputAs(dw3, 'dw3');
  if (opts.sync) b.outputAs(s, 'sync');
  return b.toModel({}, 'bare matmuls of one training step (benchmark baseline)');
}

export type Stepper = { step: (batch: number) => Promise<void>; release: () => Promise<void> };

/** Runs train.onnx exactly as the Trainer does on CPU: pre-allocated outputs, parameters ping-pong. */
export async function trainStepper(rt: RuntimeAdapter, spec: ModelSpec, x: Float32Array, y: Int32Array, maxBatch: number): Promise<Stepper> {
  const art = buildArtifacts(spec, { kind: 'sgd' });
  const session: InferenceSession = await rt.createSession(art.train);
  const params = initParams(spec, 'pytorch', 0);
  const sets = [0, 1].map((k) => art.params.map((p, i) => new rt.Tensor('float32', k === 0 ? params[i] : new Float32Array(params[i].length), p.shape)));
  const lr = new rt.Tensor('float32', Float32Array.of(0.01), []);
  const loss = new rt.Tensor('float32', new Float32Array(1), []);
  const errors = new rt.Tensor('float32', new Float32Array(1), []);
  const d = spec.inputShape.reduce((a, b) => a * b, 1);
  const perBatch = new Map<number, { x: Tensor; labels: Tensor }>();
  let cur = 0;
  let offset = 0;
  const n = y.length;
  return {
    async step(batch) {
      if (batch > maxBatch) throw new Error('batch too large');
      // a sliding window over the pre-gathered data: real digits, different each step
      const from = offset % (n - batch + 1);
      offset = from + batch;
      const t = perBatch.get(batch) ?? { x: null as unknown as Tensor, labels: null as unknown as Tensor };
      t.x = new rt.Tensor('float32', x.subarray(from * d, (from + batch) * d), [batch, d]);
      t.labels = new rt.Tensor('int32', y.subarray(from, from + batch), [batch]);
      perBatch.set(batch, t);
      const feeds: Record<string, Tensor> = { x: t.x, labels: t.labels, lr };
      const fetches: Record<string, Tensor> = { loss, errors };
      art.params.forEach((p, i) => {
        feeds[p.name] = sets[cur][i];
        fetches[nextName(p.name)] = sets[1 - cur][i];
      });
      await session.run(feeds, fetches);
      cur = 1 - cur;
      const l = (loss.data as Float32Array)[0];
      if (!Number.isFinite(l)) throw new Error(`benchmark training diverged (loss ${l})`);
    },
    release: () => session.release(),
  };
}

async function bareStepper(rt: RuntimeAdapter, spec: ModelSpec, x: Float32Array): Promise<Stepper> {
  const widths = [784, ...spec.layers.filter((l) => l.kind === 'linear').map((l) => (l as { units: number }).units)];
  const session = await rt.createSession(buildBareMatmulGraph(widths));
  const params = initParams(spec, 'pytorch', 0);
  const shapes = [0, 1, 2].map((i) => [widths[i], widths[i + 1]]);
  const w = params.map((p, i) => new rt.Tensor('float32', p, shapes[i]));
  const out = shapes.map((s) => new rt.Tensor('float32', new Float32Array(s[0] * s[1]), s));
  const d = widths[0];
  const n = x.length / d;
  let offset = 0;
  return {
    async step(batch) {
      const from = offset % (n - batch + 1);
      offset = from + batch;
      const xt = new rt.Tensor('float32', x.subarray(from * d, (from + batch) * d), [batch, d]);
      await session.run({ x: xt, w1: w[0], w2: w[1], w3: w[2] }, { dw1: out[0], dw2: out[1], dw3: out[2] });
    },
    release: () => session.release(),
  };
}

async function timeSteps(s: Stepper, batch: number, count: number, into: number[]): Promise<void> {
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await s.step(batch);
    into.push(performance.now() - t0);
  }
}

function cpuModel(): string {
  const m = os.cpus()[0]?.model?.trim();
  return m && m.length ? m : 'unknown CPU';
}

export async function runEngineBench(opts: { json: boolean; quick?: boolean; log?: (line: string) => void }): Promise<EngineBenchResult> {
  const quick = opts.quick ?? false;
  const loadStart = os.loadavg()[0];
  const say = opts.json ? () => undefined : (opts.log ?? ((l: string) => console.log(l)));
  const rt = createNodeRuntime('cpu');
  const spec = lectureSpec();
  const data = loadMnist();
  const BATCH = 200;
  const MAX = 1024;

  // a pool of real, preprocessed digits (the first 4096 of a seeded shuffle is not needed:
  // matmul time does not depend on the values, only the loss does)
  const poolN = 4096;
  const pool = new Float32Array(poolN * 784);
  const poolY = new Int32Array(poolN);
  gather(data.train, null, 0, poolN, 784, affineFor(data.preprocess, 784), pool, poolY);

  say(`MLP Studio engine benchmark: lecture net 784-1000-1500-10 (no bias, ReLU, SGD), ${rt.label}`);
  say(`machine: ${cpuModel()}, ${os.availableParallelism()} logical cores, node ${process.version}, onnxruntime-node ${require('onnxruntime-node/package.json').version}, load average ${loadStart.toFixed(2)}`);

  // 1. train step vs bare matmuls, interleaved in rounds
  const train = await trainStepper(rt, spec, pool, poolY, MAX);
  const bare = await bareStepper(rt, spec, pool);
  const warm = quick ? 3 : 5;
  await timeSteps(train, BATCH, warm, []);
  await timeSteps(bare, BATCH, warm, []);
  const rounds = quick ? 4 : 8;
  const per = quick ? 4 : 5;
  const tTrain: number[] = [];
  const tBare: number[] = [];
  for (let r = 0; r < rounds; r++) {
    await timeSteps(train, BATCH, per, tTrain);
    await timeSteps(bare, BATCH, per, tBare);
  }
  const msPerStep = median(tTrain);
  const bareMs = median(tBare);
  const ratio = msPerStep / bareMs;
  const ratioFastest = Math.min(...tTrain) / Math.min(...tBare);
  say(`\nbatch ${BATCH}: train step ${msPerStep.toFixed(2)} ms (median of ${tTrain.length})  bare 8 matmuls ${bareMs.toFixed(2)} ms (median of ${tBare.length})  ratio ${ratio.toFixed(3)} (goal ≤ 1.10)`);
  say(`           fastest steps: train ${Math.min(...tTrain).toFixed(2)} ms, bare ${Math.min(...tBare).toFixed(2)} ms, ratio ${ratioFastest.toFixed(3)} (less skewed by other processes)`);

  // 2. steps/s across batch sizes
  const sweep: SweepPoint[] = [];
  say(`\n batch   ms/step   steps/s   samples/s`);
  for (const b of [32, 64, 128, 256, 512, 1024]) {
    const est = (msPerStep * b) / BATCH;
    const count = Math.max(quick ? 3 : 6, Math.min(60, Math.round((quick ? 400 : 1500) / est)));
    await timeSteps(train, b, 2, []);
    const ts: number[] = [];
    await timeSteps(train, b, count, ts);
    const ms = median(ts);
    const p = { batch: b, msPerStep: ms, stepsPerSec: 1000 / ms, samplesPerSec: (1000 * b) / ms };
    sweep.push(p);
    say(`${String(b).padStart(6)}  ${ms.toFixed(2).padStart(8)}  ${p.stepsPerSec.toFixed(1).padStart(8)}  ${p.samplesPerSec.toFixed(0).padStart(10)}`);
  }
  await train.release();
  await bare.release();

  // 3. one full lecture epoch through the Trainer (quick: a fifth of it)
  const epochData = quick ? loadMnist({ limitTrain: 12_000, limitTest: 1000 }) : data;
  const cfg = { ...presetById('lecture').config(), epochs: 1, evalEvery: 0 };
  let ep: Extract<TrainEvent, { event: 'epoch' }> | null = null;
  let failed: string | null = null;
  const stamps: number[] = [];
  const trainer = new Trainer({
    spec,
    config: cfg,
    data: epochData,
    runtime: rt,
    onEvent: (e) => {
      if (e.event === 'batch') stamps.push(performance.now());
      if (e.event === 'epoch') ep = e;
      if (e.event === 'failed') failed = e.reason;
    },
  });
  const t0 = performance.now();
  const res = await trainer.run();
  const total = (performance.now() - t0) / 1000;
  if (res.status !== 'finished' || !ep) throw new Error(`benchmark epoch did not finish: ${failed ?? res.status}`);
  const e = ep as Extract<TrainEvent, { event: 'epoch' }>;
  const steps = Math.ceil(epochData.train.n / cfg.batchSize);
  // step-to-step intervals inside the Trainer: their median is robust to other processes
  // taking the CPU now and then, and compares directly with msPerStep above
  const medianStepMs = median(stamps.slice(1).map((t, i) => t - stamps[i]));
  const epoch = { samples: epochData.train.n, steps, seconds: e.seconds, msPerStep: (1000 * e.seconds) / steps, medianStepMs, loss: e.loss, error: e.error };
  say(
    `\none lecture epoch (${epoch.samples} samples, ${steps} steps of ${cfg.batchSize}${quick ? ', --quick: a fifth of MNIST' : ''}): ` +
      `${epoch.seconds.toFixed(2)} s (${epoch.msPerStep.toFixed(2)} ms/step incl. gathering, shuffling, metrics; median step ${epoch.medianStepMs.toFixed(2)} ms)  ` +
      `loss ${epoch.loss.toFixed(4)}  error ${(100 * epoch.error).toFixed(2)}%  [run() incl. setup and test pass: ${total.toFixed(2)} s]`,
  );

  const result: EngineBenchResult = {
    net: '784-1000-1500-10 relu, no bias, sgd',
    batch: BATCH,
    device: rt.label,
    machine: { cpu: cpuModel(), cores: os.availableParallelism(), node: process.version, onnxruntime: require('onnxruntime-node/package.json').version },
    steps: tTrain.length,
    msPerStep: round(msPerStep),
    bareMatmulMsPerStep: round(bareMs),
    ratioToBareMatmul: round(ratio, 4),
    ratioOfFastestSteps: round(ratioFastest, 4),
    epoch: { ...epoch, seconds: round(epoch.seconds), msPerStep: round(epoch.msPerStep), medianStepMs: round(epoch.medianStepMs), loss: round(epoch.loss, 5), error: round(epoch.error, 5) },
    sweep: sweep.map((p) => ({ batch: p.batch, msPerStep: round(p.msPerStep), stepsPerSec: round(p.stepsPerSec), samplesPerSec: Math.round(p.samplesPerSec) })),
    quick,
    loadAverage: { start: round(loadStart, 2), end: round(os.loadavg()[0], 2) },
  };
  say(`load average at the end: ${result.loadAverage.end} (on ${result.machine.cores} cores; above that, other processes share the CPU and the times are inflated)`);
  if (opts.json) console.log(JSON.stringify(result));
  return result;
}

const round = (v: number, digits = 3): number => Number(v.toFixed(digits));

const isMain = process.argv[1] && /engine-bench\.[cm]?[jt]s$/.test(process.argv[1]);
if (isMain) {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== '--json' && a !== '--quick');
  if (unknown.length) {
    console.error(`engine-bench: unknown argument ${unknown.join(' ')}\nusage: npx tsx bench/engine-bench.ts [--json] [--quick]`);
    process.exit(2);
  }
  runEngineBench({ json: args.includes('--json'), quick: args.includes('--quick') }).catch((err) => {
    console.error(`engine-bench failed: ${err instanceof Error ? err.stack : String(err)}`);
    process.exit(1);
  });
}
