/**
 * How the cost of a training step grows (`npx tsx bench/scaling.ts [--json] [--quick]`).
 *
 *  - grid: steps/s and GFLOP/s of one train.onnx step (forward, loss, backward, SGD update,
 *    run as the Trainer runs it) of 784-H-H-10 (ReLU, no bias) across batch sizes 32..4096
 *    and hidden widths H = 256..4096. FLOPs counted are the 8 matmuls of a step:
 *    2·B·(2·784·H + 3·H² + 3·10·H) (3 forward, 3 weight gradients, 2 input gradients);
 *    element-wise work is not counted, so GFLOP/s is the matmul rate the step achieves.
 *    Large points get fewer timed steps (a time budget per point) so the grid stays within
 *    about 5 minutes on a 2-core CPU.
 *  - time to 98% MNIST test accuracy from a cold start (dataset load, artifact build,
 *    sessions, training, a test pass after every epoch) for the 'small' and 'accurate'
 *    presets; each stops at the first epoch whose test accuracy reaches 98%.
 *
 * Writes bench/results/scaling-<device>.json (and --out FILE), and with --chart FILE.png
 * draws the grid with Chart.js in headless Chromium. `--chart-from FILE.json --chart
 * FILE.png` redraws a saved result without measuring. Options: --device cpu|webgpu,
 * --no-grid, --no-mnist, --threads N, --widths / --batches LIST (another grid),
 * --presets LIST (for the time to 98%), --deadline-s S (no grid point is started and every
 * training run is stopped S seconds after the start; the result says what was cut).
 * This is a benchmark, not a test.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { InferenceSession, Tensor } from 'onnxruntime-common';
import { buildArtifacts, initParams, presetById, presets as allPresets, Rng, Trainer, type ModelSpec, type RuntimeAdapter, type TrainConfig, type TrainEvent } from '../src-main/engine';
import { nextName } from '../src-main/engine/artifacts';
import { createNodeRuntime } from '../src-main/runtime/node';
import { loadMnist } from './mnist';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));

export const BATCHES = [32, 64, 128, 256, 512, 1024, 2048, 4096];
export const WIDTHS = [256, 512, 1024, 2048, 4096];
const QUICK_BATCHES = [32, 256, 2048];
const QUICK_WIDTHS = [256, 1024, 4096];
const presetIds = allPresets.map((p) => p.id);

export interface GridPoint {
  batch: number;
  width: number;
  /** timed steps (after one warm-up step) */
  steps: number;
  /** median of the timed steps */
  msPerStep: number;
  stepsPerSec: number;
  samplesPerSec: number;
  gflopPerStep: number;
  gflops: number;
  /** fastest timed step: on a shared machine, other processes only ever add time */
  bestMsPerStep: number;
  bestGflops: number;
}

export interface TimeTo98 {
  preset: string;
  reached: boolean;
  /** first epoch (1-based) whose test accuracy reached 98% */
  epochs: number;
  testAccuracy: number;
  /** wall seconds from before loading the dataset to the end of that epoch's test pass */
  coldSeconds: number;
  /** the same, training and test passes only */
  trainSeconds: number;
  perEpochSeconds: number[];
  /** set when the deadline (--deadline-s) stopped the run before it reached 98% */
  stoppedBy?: 'deadline';
}

export interface ScalingResult {
  device: string;
  machine: { cpu: string; cores: number; node: string; onnxruntime: string; platform: string };
  net: string;
  flopsFormula: string;
  quick: boolean;
  grid: GridPoint[];
  gridSeconds: number;
  /** grid points not measured because the deadline had passed */
  gridPointsSkipped: number;
  timeTo98: TimeTo98[];
  loadAverage: { start: number; end: number };
  date: string;
}

/** FLOPs of the 8 matmuls of one step of 784-H-H-10 at batch B. */
export const stepFlops = (batch: number, width: number, input = 784, classes = 10): number =>
  2 * batch * (2 * input * width + 3 * width * width + 3 * classes * width);

const mlp = (width: number): ModelSpec => ({
  inputShape: [784],
  classes: 10,
  layers: [{ kind: 'linear', units: width, bias: false }, { kind: 'relu' }, { kind: 'linear', units: width, bias: false }, { kind: 'relu' }, { kind: 'linear', units: 10, bias: false }],
});

export interface Stepper {
  step(): Promise<void>;
  release(): Promise<void>;
}

/**
 * One train.onnx step as the Trainer runs it: on CPU the parameters ping-pong between two
 * pre-allocated sets (run(feeds, fetches)); on WebGPU they stay on the device.
 */
export async function stepper(rt: RuntimeAdapter, spec: ModelSpec, batch: number): Promise<Stepper> {
  const art = buildArtifacts(spec, { kind: 'sgd' });
  const gpu = rt.device === 'webgpu';
  const session: InferenceSession = await rt.createSession(art.train, gpu ? { gpuOutputs: art.params.map((p) => nextName(p.name)) } : undefined);
  const params = initParams(spec, 'pytorch', 0);
  const rng = new Rng(7);
  const x = new Float32Array(batch * 784).map(() => rng.below(256) / 255);
  const y = Int32Array.from({ length: batch }, () => rng.below(10));
  let sets: Tensor[][] = [0, 1].map((k) => art.params.map((p, i) => new rt.Tensor('float32', k === 0 ? params[i] : new Float32Array(params[i].length), p.shape)));
  const base: Record<string, Tensor> = {
    x: new rt.Tensor('float32', x, [batch, 784]),
    labels: new rt.Tensor('int32', y, [batch]),
    lr: new rt.Tensor('float32', Float32Array.of(1e-4), []),
  };
  const loss = new rt.Tensor('float32', new Float32Array(1), []);
  const errors = new rt.Tensor('float32', new Float32Array(1), []);
  let cur = 0;
  return {
    async step() {
      const feeds: Record<string, Tensor> = { ...base };
      art.params.forEach((p, i) => (feeds[p.name] = sets[cur][i]));
      if (gpu) {
        const out = await session.run(feeds);
        const next = art.params.map((p) => out[nextName(p.name)]);
        if (sets[0] !== sets[1]) sets[0].forEach((t) => t.dispose());
        sets = [next, next];
        if (!Number.isFinite((out.loss.data as Float32Array)[0])) throw new Error('benchmark training diverged');
        return;
      }
      const fetches: Record<string, Tensor> = { loss, errors };
      art.params.forEach((p, i) => (fetches[nextName(p.name)] = sets[1 - cur][i]));
      await session.run(feeds, fetches);
      cur = 1 - cur;
      if (!Number.isFinite((loss.data as Float32Array)[0])) throw new Error('benchmark training diverged');
    },
    release: () => session.release(),
  };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const round = (v: number, digits = 3): number => Number(v.toFixed(digits));

async function measurePoint(rt: RuntimeAdapter, batch: number, width: number, budgetMs: number, maxSteps: number): Promise<GridPoint> {
  const s = await stepper(rt, mlp(width), batch);
  try {
    let t0 = performance.now();
    await s.step(); // warm-up: first-run allocations, kernel selection
    const warm = performance.now() - t0;
    const steps = Math.max(2, Math.min(maxSteps, Math.floor(budgetMs / Math.max(warm, 0.05))));
    const ts: number[] = [];
    for (let i = 0; i < steps; i++) {
      t0 = performance.now();
      await s.step();
      ts.push(performance.now() - t0);
    }
    const ms = median(ts);
    const best = Math.min(...ts);
    const gflop = stepFlops(batch, width) / 1e9;
    return {
      batch,
      width,
      steps,
      msPerStep: round(ms),
      stepsPerSec: round(1000 / ms, 2),
      samplesPerSec: Math.round((1000 * batch) / ms),
      gflopPerStep: round(gflop, 4),
      gflops: round(gflop / (ms / 1000), 2),
      bestMsPerStep: round(best),
      bestGflops: round(gflop / (best / 1000), 2),
    };
  } finally {
    await s.release();
  }
}

export interface GridOptions {
  quick: boolean;
  log: (l: string) => void;
  /** instead of the standard (or --quick) widths and batch sizes */
  widths?: number[];
  batches?: number[];
  /** performance.now() after which no further point is started */
  deadline?: number;
}

export async function runGrid(rt: RuntimeAdapter, opts: GridOptions): Promise<GridPoint[]> {
  const batches = opts.batches ?? (opts.quick ? QUICK_BATCHES : BATCHES);
  const widths = opts.widths ?? (opts.quick ? QUICK_WIDTHS : WIDTHS);
  const budget = opts.quick ? 300 : 1200;
  const grid: GridPoint[] = [];
  opts.log(`  width   batch   steps   ms/step    steps/s   samples/s   GFLOP/step   GFLOP/s   best GFLOP/s`);
  for (const width of widths) {
    for (const batch of batches) {
      if (performance.now() > (opts.deadline ?? Infinity)) {
        opts.log(`  the deadline has passed: ${grid.length} of ${widths.length * batches.length} points measured, the rest skipped`);
        return grid;
      }
      const p = await measurePoint(rt, batch, width, budget, opts.quick ? 10 : 40);
      grid.push(p);
      opts.log(
        `${String(width).padStart(7)} ${String(batch).padStart(7)} ${String(p.steps).padStart(7)} ${p.msPerStep.toFixed(2).padStart(9)} ${p.stepsPerSec.toFixed(2).padStart(10)} ${String(p.samplesPerSec).padStart(11)} ${p.gflopPerStep.toFixed(3).padStart(12)} ${p.gflops.toFixed(1).padStart(9)} ${p.bestGflops.toFixed(1).padStart(14)}`,
      );
    }
  }
  return grid;
}

/**
 * Trains `presetId` on MNIST from nothing, testing after every epoch, until 98% test accuracy;
 * stopped at `deadline` (performance.now()) if it has not got there by then.
 */
export async function timeTo98(device: 'cpu' | 'webgpu', presetId: string, maxEpochs: number, log: (l: string) => void, deadline = Infinity): Promise<TimeTo98> {
  const t0 = performance.now();
  if (t0 >= deadline) return { preset: presetId, reached: false, epochs: 0, testAccuracy: 0, coldSeconds: 0, trainSeconds: 0, perEpochSeconds: [], stoppedBy: 'deadline' };
  const data = loadMnist();
  const preset = presetById(presetId);
  const spec = preset.model([784], 10);
  const base = preset.config();
  // the preset's own epoch count (it sets the cosine schedule); a constant schedule may run longer
  const epochs = base.schedule.kind === 'constant' ? Math.max(base.epochs, maxEpochs) : base.epochs;
  const config: TrainConfig = { ...base, epochs, evalEvery: 1, device };
  const perEpoch: number[] = [];
  let trainStart = 0;
  let result: { epochs: number; acc: number; at: number } | null = null;
  let lastAcc = 0;
  const trainer: Trainer = new Trainer({
    spec,
    config,
    data,
    runtime: createNodeRuntime(device),
    onEvent: (e: TrainEvent) => {
      if (e.event === 'start') trainStart = performance.now();
      if (e.event === 'epoch') perEpoch.push(round(e.seconds));
    },
    onEpochEnd: (c, info) => {
      if (info.testError === null) return;
      lastAcc = 1 - info.testError;
      log(`  ${presetId}: epoch ${c.epoch}  test accuracy ${(100 * lastAcc).toFixed(2)}%  (${((performance.now() - t0) / 1000).toFixed(1)} s from cold)`);
      if (lastAcc >= 0.98 && !result) {
        result = { epochs: c.epoch, acc: lastAcc, at: performance.now() };
        trainer.stop('reached 98%');
      }
    },
  });
  let stoppedBy: 'deadline' | undefined;
  const timer = Number.isFinite(deadline)
    ? setTimeout(() => {
        stoppedBy = 'deadline';
        trainer.stop('the deadline (--deadline-s) passed');
      }, deadline - performance.now())
    : undefined;
  const r = await trainer.run().finally(() => clearTimeout(timer));
  if (r.status === 'failed') throw new Error(`${presetId}: ${r.reason}`);
  const got = result as { epochs: number; acc: number; at: number } | null;
  const end = got ? got.at : performance.now();
  return {
    preset: presetId,
    reached: got !== null,
    epochs: got ? got.epochs : perEpoch.length,
    testAccuracy: round(got ? got.acc : lastAcc, 4),
    coldSeconds: round((end - t0) / 1000, 2),
    trainSeconds: round((end - (trainStart || end)) / 1000, 2),
    perEpochSeconds: perEpoch,
    ...(got === null && stoppedBy ? { stoppedBy } : {}),
  };
}

function cpuModel(): string {
  const m = os.cpus()[0]?.model?.trim();
  return m && m.length ? m : 'unknown CPU';
}

/** Draws the grid (GFLOP/s and steps/s against batch size, a line per width) to a PNG. */
export async function drawChart(result: ScalingResult, pngPath: string): Promise<void> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 620 }, deviceScaleFactor: 1 });
    await page.setContent(
      `<!doctype html><html><body style="margin:0;background:#fff;font-family:DejaVu Sans,sans-serif">
       <div style="padding:10px 16px 0;font-size:16px"><b>MLP Studio: cost of a training step, 784-H-H-10 (ReLU, SGD)</b> &mdash; ${escapeHtml(result.device)}, ${escapeHtml(result.machine.cpu)} (${result.machine.cores} logical cores), onnxruntime-node ${result.machine.onnxruntime}, load average ${result.loadAverage.start}&ndash;${result.loadAverage.end}</div>
       <div style="display:flex"><div style="width:700px;height:560px"><canvas id="a"></canvas></div><div style="width:700px;height:560px"><canvas id="b"></canvas></div></div></body></html>`,
    );
    // tsx (esbuild keepNames) wraps functions in __name(); the page needs it to exist
    await page.addScriptTag({ content: 'window.__name = (f) => f;' });
    await page.addScriptTag({ path: path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.js') });
    const widths = [...new Set(result.grid.map((p) => p.width))];
    const palette = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b'];
    const series = widths.map((w, i) => ({ width: w, color: palette[i % palette.length], points: result.grid.filter((p) => p.width === w).map((p) => ({ x: p.batch, gflops: p.bestGflops ?? p.gflops, steps: p.stepsPerSec })) }));
    await page.evaluate((series) => {
      type P = { x: number; gflops: number; steps: number };
      const C = (globalThis as unknown as { Chart: new (el: unknown, cfg: unknown) => unknown }).Chart;
      const doc = (globalThis as unknown as { document: { getElementById(id: string): unknown } }).document;
      const make = (id: string, key: 'gflops' | 'steps', title: string, logY: boolean) =>
        new C(doc.getElementById(id), {
          type: 'line',
          data: { datasets: series.map((s) => ({ label: `H = ${s.width}`, data: s.points.map((p: P) => ({ x: p.x, y: p[key] })), borderColor: s.color, backgroundColor: s.color, pointRadius: 3, borderWidth: 2 })) },
          options: {
            animation: false,
            responsive: true,
            maintainAspectRatio: false,
            plugins: { title: { display: true, text: title, font: { size: 15 } }, legend: { position: 'bottom' } },
            scales: {
              x: {
                type: 'logarithmic',
                min: 24,
                max: 5400,
                title: { display: true, text: 'batch size' },
                afterBuildTicks: (axis: { ticks: { value: number }[] }) => (axis.ticks = [32, 64, 128, 256, 512, 1024, 2048, 4096].map((value) => ({ value }))),
                ticks: { callback: (v: number) => String(v) },
              },
              y: { type: logY ? 'logarithmic' : 'linear', title: { display: true, text: key === 'gflops' ? 'GFLOP/s (8 matmuls, fastest step)' : 'steps per second (median step)' } },
            },
          },
        });
      make('a', 'gflops', 'Matmul throughput of a training step', false);
      make('b', 'steps', 'Training steps per second', true);
    }, series);
    await page.waitForTimeout(200);
    fs.mkdirSync(path.dirname(pngPath), { recursive: true });
    await page.screenshot({ path: pngPath, fullPage: true });
  } finally {
    await browser.close();
  }
}

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

export interface ScalingOptions {
  json: boolean;
  quick: boolean;
  device: 'cpu' | 'webgpu';
  grid: boolean;
  mnist: boolean;
  threads?: number;
  out?: string;
  chart?: string;
  widths?: number[];
  batches?: number[];
  /** presets for the time to 98% (default: small and accurate; small alone with --quick) */
  presets?: string[];
  /** seconds from the start after which no grid point is started and training runs are stopped */
  deadlineS?: number;
}

export async function runScaling(opts: ScalingOptions): Promise<ScalingResult> {
  const say = opts.json ? (l: string) => console.error(l) : (l: string) => console.log(l);
  const deadline = opts.deadlineS === undefined ? Infinity : performance.now() + 1000 * opts.deadlineS;
  const loadStart = os.loadavg()[0];
  const rt = createNodeRuntime(opts.device, { threads: opts.threads });
  const ortVersion = require('onnxruntime-node/package.json').version as string;
  say(`MLP Studio scaling benchmark: 784-H-H-10 (ReLU, no bias, SGD), ${rt.label}`);
  say(`machine: ${cpuModel()}, ${os.availableParallelism()} logical cores, node ${process.version}, onnxruntime-node ${ortVersion}, load average ${loadStart.toFixed(2)}`);
  const g0 = performance.now();
  const gridOpts: GridOptions = { quick: opts.quick, log: say, widths: opts.widths, batches: opts.batches, deadline };
  const grid = opts.grid ? await runGrid(rt, gridOpts) : [];
  const gridPlanned = opts.grid ? (opts.widths ?? (opts.quick ? QUICK_WIDTHS : WIDTHS)).length * (opts.batches ?? (opts.quick ? QUICK_BATCHES : BATCHES)).length : 0;
  const gridSeconds = round((performance.now() - g0) / 1000, 1);
  if (opts.grid) say(`grid: ${grid.length} points in ${gridSeconds} s`);
  const t98: TimeTo98[] = [];
  if (opts.mnist) {
    say(`\ntime to 98% MNIST test accuracy from a cold start (test after every epoch):`);
    for (const id of opts.presets ?? (opts.quick ? ['small'] : ['small', 'accurate'])) {
      const r = await timeTo98(opts.device, id, opts.quick ? 3 : 20, say, deadline);
      t98.push(r);
      const cut = r.stoppedBy ? ', stopped by the deadline' : '';
      say(`  ${id}: ${r.reached ? `98% reached at epoch ${r.epochs}` : `not reached in ${r.epochs} epochs${cut}`} (${(100 * r.testAccuracy).toFixed(2)}%): ${r.coldSeconds} s from cold, ${r.trainSeconds} s training+testing`);
    }
  }
  const result: ScalingResult = {
    device: rt.label,
    machine: { cpu: cpuModel(), cores: os.availableParallelism(), node: process.version, onnxruntime: ortVersion, platform: `${process.platform}-${process.arch}` },
    net: '784-H-H-10 relu, no bias, sgd',
    flopsFormula: '2*B*(2*784*H + 3*H^2 + 3*10*H)',
    quick: opts.quick,
    grid,
    gridSeconds,
    gridPointsSkipped: gridPlanned - grid.length,
    timeTo98: t98,
    loadAverage: { start: round(loadStart, 2), end: round(os.loadavg()[0], 2) },
    date: new Date().toISOString(),
  };
  const file = opts.out ?? path.join(here, 'results', `scaling-${opts.device}${opts.quick ? '-quick' : ''}.json`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(result, null, 1) + '\n');
  say(`\nwrote ${path.relative(process.cwd(), file)}; load average at the end ${result.loadAverage.end} (above ${result.machine.cores}, other processes share the CPU and inflate every time)`);
  if (opts.chart && grid.length) {
    await drawChart(result, opts.chart);
    say(`drew ${path.relative(process.cwd(), opts.chart)}`);
  }
  if (opts.json) console.log(JSON.stringify(result));
  return result;
}

const isMain = process.argv[1] && /scaling\.[cm]?[jt]s$/.test(process.argv[1]);
if (isMain) {
  const usage =
    'usage: npx tsx bench/scaling.ts [--json] [--quick] [--device cpu|webgpu] [--threads N] [--no-grid] [--no-mnist] [--widths 256,1024] [--batches 32,256] [--presets small,accurate] [--deadline-s S] [--out FILE.json] [--chart FILE.png] [--chart-from FILE.json]';
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    console.log(usage);
    process.exit(0);
  }
  const value = (name: string): string | undefined => {
    const i = args.indexOf(name);
    if (i < 0) return undefined;
    const v = args[i + 1];
    if (v === undefined || v.startsWith('--')) {
      console.error(`scaling: ${name} needs a value\n${usage}`);
      process.exit(2);
    }
    args.splice(i, 2);
    return v;
  };
  const device = value('--device') ?? 'cpu';
  const threads = value('--threads');
  const out = value('--out');
  const chart = value('--chart');
  const chartFrom = value('--chart-from');
  const list = (name: string): number[] | undefined => {
    const v = value(name);
    if (v === undefined) return undefined;
    if (!/^\d+(,\d+)*$/.test(v) || v.split(',').some((x) => Number(x) < 1)) {
      console.error(`scaling: ${name} takes positive whole numbers separated by commas, not "${v}"\n${usage}`);
      process.exit(2);
    }
    return v.split(',').map(Number);
  };
  const widths = list('--widths');
  const batches = list('--batches');
  const presets = value('--presets')?.split(',');
  const deadline = value('--deadline-s');
  const flags = new Set(args);
  const unknown = args.filter((a) => !['--json', '--quick', '--no-grid', '--no-mnist'].includes(a));
  const badPreset = presets?.find((p) => !presetIds.includes(p));
  const badDeadline = deadline !== undefined && !(Number(deadline) > 0);
  if (unknown.length || (device !== 'cpu' && device !== 'webgpu') || (threads !== undefined && !/^\d+$/.test(threads)) || badPreset !== undefined || badDeadline) {
    const what = [...unknown, device, ...(badPreset !== undefined ? [`preset "${badPreset}" (presets: ${presetIds.join(', ')})`] : []), ...(badDeadline ? [`--deadline-s ${deadline}`] : [])];
    console.error(`scaling: bad arguments ${what.join(' ')}\n${usage}`);
    process.exit(2);
  }
  const main = async () => {
    if (chartFrom) {
      if (!chart) throw new Error('--chart-from needs --chart FILE.png');
      await drawChart(JSON.parse(fs.readFileSync(chartFrom, 'utf8')) as ScalingResult, chart);
      console.log(`drew ${chart} from ${chartFrom}`);
      return;
    }
    await runScaling({
      json: flags.has('--json'),
      quick: flags.has('--quick'),
      device,
      grid: !flags.has('--no-grid'),
      mnist: !flags.has('--no-mnist'),
      threads: threads ? Number(threads) : undefined,
      out,
      chart,
      widths,
      batches,
      presets,
      deadlineS: deadline === undefined ? undefined : Number(deadline),
    });
  };
  main().catch((err) => {
    console.error(`scaling failed: ${err instanceof Error ? err.stack : String(err)}`);
    process.exit(1);
  });
}
