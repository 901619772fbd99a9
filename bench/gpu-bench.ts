/**
 * GPU benchmark (driven by bench/gpu-bench.sh; `npx tsx bench/gpu-bench.ts [--json]
 * [--quick] [--devices cpu,webgpu,cuda] [--markdown FILE] [--deadline-s S]`).
 *
 * Per device, for the lecture net (784-1000-1500-10, no bias, ReLU, SGD) at batch 200:
 *  - ms per train.onnx step (as the Trainer runs it: parameters resident on the device
 *    for WebGPU, ping-pong host tensors on CPU) and its GFLOP/s (the 8 matmuls of a step,
 *    2.445 GFLOP);
 *  - the bare-matmul graph of the same step on the same device (the same 8 products and
 *    nothing else; on WebGPU its products stay on the device and one small output brings
 *    the queue to an end, as the train step's loss does), interleaved with the train step,
 *    and the ratio of the medians;
 *  - one lecture epoch through the Trainer (60k MNIST; --quick: a fifth; on a software
 *    adapter 2,000 samples), wall time;
 *  - WebGPU only: ms per Trainer step of a small net (784-100-10, batch 200) with the training
 *    set resident on the device and batches gathered there, against host gathering (the
 *    batch uploaded every step), epochs of the two interleaved, and their ratio.
 * With --markdown FILE it appends a dated section with the machine to FILE (BENCHMARKS.md).
 * Devices run hardware GPUs first, then the CPU, then a software adapter. With --deadline-s S, parts that would end after S seconds
 * are skipped (an epoch whose estimate from the measured step does not fit, a device whose
 * turn comes after the deadline) and training runs are stopped at it; on SIGTERM (the
 * `timeout` of gpu-bench.sh) what was measured so far is still written. Either way the
 * result says what was cut.
 */
import fs from 'node:fs';
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { initParams, isNodeDevice, presetById, Trainer, type RuntimeAdapter, type TrainEvent } from '../src-main/engine';
import { createNodeRuntime, type NodeDevice } from '../src-main/runtime/node';
import { listDevices } from '../src-main/runtime/devices';
import { softwareWebGpu } from '../src-main/runtime/software';
import { buildBareMatmulGraph } from './engine-bench';
import { loadMnist } from './mnist';
import { stepper, type Stepper } from './scaling';

const require = createRequire(import.meta.url);
const WIDTHS = [784, 1000, 1500, 10];
const BATCH = 200;
/** 8 matmuls: 3 forward, 3 weight gradients, 2 input gradients */
export const LECTURE_STEP_FLOPS = 2 * BATCH * (2 * 784 * 1000 + 3 * 1000 * 1500 + 3 * 1500 * 10);

export interface DeviceBench {
  device: NodeDevice;
  label: string;
  software: boolean;
  msPerStep: number;
  gflops: number;
  bareMatmulMsPerStep: number;
  bareMatmulGflops: number;
  ratioToBareMatmul: number;
  steps: number;
  epoch: { samples: number; steps: number; seconds: number; msPerStep: number; loss: number; error: number } | null;
  /** WebGPU: the small net's step with the training set on the device vs gathered on the host */
  dataGather?: GatherComparison | null;
  /** parts skipped or cut short (deadline, interruption), in plain words */
  notes?: string[];
  error?: string;
}

export interface GatherComparison {
  net: string;
  batch: number;
  samples: number;
  /** where the device-data run says its batches came from */
  deviceLabel: string;
  deviceMsPerStep: number;
  hostMsPerStep: number;
  /** device / host: below 1 means gathering on the device is faster */
  ratio: number;
  epochsEach: number;
}

export interface GpuBenchResult {
  date: string;
  machine: { cpu: string; cores: number; gpu: string; platform: string; node: string; onnxruntime: string; vulkan: string };
  quick: boolean;
  devices: DeviceBench[];
  loadAverage: { start: number; end: number };
}

/** The 8 matmuls of a step; the products are `gpuOutputs` on WebGPU, `sync` (8 KB) comes back to host. */
const bareGraph = (): Uint8Array => buildBareMatmulGraph(WIDTHS, { sync: true });

async function bareStepper(rt: RuntimeAdapter): Promise<Stepper> {
  const gpu = rt.device === 'webgpu';
  const session = await rt.createSession(bareGraph(), gpu ? { gpuOutputs: ['dw1', 'dw2', 'dw3'] } : undefined);
  const spec = presetById('lecture').model([784], 10);
  const params = initParams(spec, 'pytorch', 0);
  const shapes = [0, 1, 2].map((i) => [WIDTHS[i], WIDTHS[i + 1]]);
  const w = params.map((p, i) => new rt.Tensor('float32', p, shapes[i]));
  const x = new rt.Tensor('float32', new Float32Array(BATCH * 784).map((_, i) => (i % 255) / 255), [BATCH, 784]);
  const out = shapes.map((sh) => new rt.Tensor('float32', new Float32Array(sh[0] * sh[1]), sh));
  const sync = new rt.Tensor('float32', new Float32Array(BATCH * 10), [BATCH, 10]);
  return {
    async step() {
      const feeds = { x, w1: w[0], w2: w[1], w3: w[2] };
      if (gpu) {
        const r = await session.run(feeds);
        for (const k of ['dw1', 'dw2', 'dw3']) r[k].dispose();
        if (!((r.sync.data as Float32Array).length > 0)) throw new Error('no result');
      } else {
        await session.run(feeds, { dw1: out[0], dw2: out[1], dw3: out[2], sync });
      }
    },
    release: () => session.release(),
  };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const round = (v: number, d = 3) => Number(v.toFixed(d));

async function timeMany(s: Stepper, n: number, into: number[]): Promise<void> {
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await s.step();
    into.push(performance.now() - t0);
  }
}

const secs = (ms: number) => `${Math.max(0, Math.round(ms / 1000))} s`;

/**
 * Starts `trainer.run()` and stops the trainer at `deadline` (performance.now()); `cut()`
 * says whether the deadline stopped it.
 */
async function runUntil(trainer: Trainer, deadline: number): Promise<{ status: string; reason?: string; cut: boolean }> {
  let cut = false;
  const timer = Number.isFinite(deadline)
    ? setTimeout(() => {
        cut = true;
        trainer.stop('the deadline (--deadline-s) passed');
      }, Math.max(0, deadline - performance.now()))
    : undefined;
  try {
    const r = await trainer.run();
    return { status: r.status, reason: r.reason, cut };
  } finally {
    clearTimeout(timer);
  }
}

async function benchDevice(device: NodeDevice, quick: boolean, say: (l: string) => void, deadline: number, progress: (partial: DeviceBench) => void): Promise<DeviceBench> {
  const rt = createNodeRuntime(device);
  const spec = presetById('lecture').model([784], 10);
  const train = await stepper(rt, spec, BATCH);
  const bare = await bareStepper(rt);
  const software = rt.software ?? false;
  // a software adapter takes about a second per step: fewer rounds
  const [warm, rounds, per] = software ? [1, 2, 2] : quick ? [3, 4, 4] : [5, 8, 5];
  await timeMany(train, warm, []);
  await timeMany(bare, warm, []);
  const tt: number[] = [];
  const tb: number[] = [];
  for (let r = 0; r < rounds; r++) {
    await timeMany(train, per, tt);
    await timeMany(bare, per, tb);
  }
  await train.release();
  await bare.release();
  const ms = median(tt);
  const bms = median(tb);
  say(`${rt.label}: train step ${ms.toFixed(2)} ms (${(LECTURE_STEP_FLOPS / 1e6 / ms).toFixed(1)} GFLOP/s), bare 8 matmuls ${bms.toFixed(2)} ms, ratio ${(ms / bms).toFixed(3)}`);
  const notes: string[] = [];
  const result: DeviceBench = {
    device,
    label: rt.label,
    software,
    msPerStep: round(ms),
    gflops: round(LECTURE_STEP_FLOPS / 1e6 / ms, 2),
    bareMatmulMsPerStep: round(bms),
    bareMatmulGflops: round(LECTURE_STEP_FLOPS / 1e6 / bms, 2),
    ratioToBareMatmul: round(ms / bms, 4),
    steps: tt.length,
    epoch: null,
    notes,
  };
  progress(result);

  // one lecture epoch through the Trainer (a fifth of MNIST with --quick; 2,000 samples on a software adapter)
  const data = loadMnist(software ? { limitTrain: 2_000, limitTest: 200 } : quick ? { limitTrain: 12_000, limitTest: 1000 } : {});
  const cfg = { ...presetById('lecture').config(), epochs: 1, evalEvery: 0 };
  const steps = Math.ceil(data.train.n / cfg.batchSize);
  // the epoch's steps at the measured rate, with room for its sessions and the data upload
  const needs = 1.3 * steps * ms + 3000;
  const left = deadline - performance.now();
  if (needs > left) {
    notes.push(`lecture epoch skipped: it needs about ${secs(needs)}, ${secs(left)} were left before the deadline`);
    say(`  ${notes[notes.length - 1]}`);
  } else {
    let ep: Extract<TrainEvent, { event: 'epoch' }> | null = null;
    const trainer = new Trainer({ spec, config: cfg, data, runtime: createNodeRuntime(device), onEvent: (e) => void (e.event === 'epoch' && (ep = e)) });
    const r = await runUntil(trainer, deadline);
    if (r.status === 'finished' && ep) {
      const e = ep as Extract<TrainEvent, { event: 'epoch' }>;
      result.epoch = { samples: data.train.n, steps, seconds: round(e.seconds), msPerStep: round((1000 * e.seconds) / steps), loss: round(e.loss, 5), error: round(e.error, 5) };
      say(`  one lecture epoch (${data.train.n} samples, ${steps} steps): ${result.epoch.seconds} s, ${result.epoch.msPerStep} ms/step, loss ${result.epoch.loss}, error ${(100 * result.epoch.error).toFixed(2)}%`);
    } else {
      if (r.cut) notes.push('lecture epoch stopped by the deadline');
      say(`  the epoch did not finish: ${r.reason ?? r.status}`);
    }
  }
  if (rt.device === 'webgpu') {
    result.dataGather = await gatherComparison(device, software, quick, say, deadline, notes);
  }
  return result;
}

/**
 * Trainer epochs of a small net with the training set on the device and with host gathering
 * (deviceDataBudget 0), interleaved; the first epoch of each run is a warm-up.
 */
export async function gatherComparison(
  device: NodeDevice,
  software: boolean,
  quick: boolean,
  say: (l: string) => void,
  deadline = Infinity,
  notes: string[] = [],
): Promise<GatherComparison | null> {
  const spec = { inputShape: [784], classes: 10, layers: [{ kind: 'linear' as const, units: 100, bias: true }, { kind: 'relu' as const }, { kind: 'linear' as const, units: 10, bias: true }] };
  const batch = 200;
  const data = loadMnist(software ? { limitTrain: 2_000, limitTest: 100 } : quick ? { limitTrain: 12_000, limitTest: 100 } : { limitTest: 100 });
  const rounds = software || quick ? 3 : 5;
  const config = { ...presetById('lecture').config(), batchSize: batch, epochs: 3, evalEvery: 0 };
  const ms = { device: [] as number[], host: [] as number[] };
  let deviceLabel = '';
  for (let r = 0; r < rounds; r++) {
    for (const mode of ['device', 'host'] as const) {
      if (performance.now() >= deadline) {
        notes.push(`device vs host gathering skipped: the deadline passed after ${r} of ${rounds} rounds`);
        say(`  ${notes[notes.length - 1]}`);
        return null;
      }
      const epochs: number[] = [];
      const trainer = new Trainer({
        spec,
        config,
        data,
        runtime: createNodeRuntime(device),
        deviceDataBudget: mode === 'host' ? 0 : undefined,
        onEvent: (e) => {
          if (e.event === 'start' && mode === 'device') deviceLabel = e.device;
          if (e.event === 'epoch') epochs.push((1000 * e.seconds) / Math.ceil(data.train.n / batch));
        },
      });
      const res = await runUntil(trainer, deadline);
      if (res.status !== 'finished') {
        if (res.cut) notes.push(`device vs host gathering stopped by the deadline in round ${r + 1} of ${rounds}`);
        say(`  device vs host gathering: the ${mode} run did not finish: ${res.reason ?? res.status}`);
        return null;
      }
      ms[mode].push(...epochs.slice(1));
    }
  }
  const d = median(ms.device);
  const h = median(ms.host);
  const out: GatherComparison = { net: '784-100-10', batch, samples: data.train.n, deviceLabel, deviceMsPerStep: round(d), hostMsPerStep: round(h), ratio: round(d / h, 3), epochsEach: ms.device.length };
  say(`  784-100-10 batch ${batch}, ${data.train.n} samples: ${d.toFixed(2)} ms/step with the training set on the device, ${h.toFixed(2)} ms/step gathering on the host, ratio ${(d / h).toFixed(3)} (${deviceLabel})`);
  return out;
}

function sh(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 }).trim();
  } catch {
    return '';
  }
}

export function gpuName(): string {
  const nv = sh('nvidia-smi', ['--query-gpu=name,driver_version,memory.total', '--format=csv,noheader']);
  if (nv) return `NVIDIA ${nv.split('\n')[0]}`.replace(/^NVIDIA NVIDIA/, 'NVIDIA');
  const v = softwareWebGpu();
  return v.software ? `no hardware GPU (${v.reason})` : 'unknown';
}

export function markdown(r: GpuBenchResult): string {
  const lines = [
    '',
    `## GPU benchmark (bench/gpu-bench.sh), run of ${r.date.slice(0, 16).replace("T", " ")} UTC${r.devices.some((d) => d.software) ? ' (SOFTWARE adapter: not GPU numbers)' : ''}`,
    '',
    `Machine: ${r.machine.cpu}, ${r.machine.cores} logical cores; GPU: ${r.machine.gpu}; ${r.machine.platform}, node ${r.machine.node}, onnxruntime-node ${r.machine.onnxruntime}; Vulkan: ${r.machine.vulkan}; load average ${r.loadAverage.start}–${r.loadAverage.end}.${r.quick ? ' --quick.' : ''}`,
    '',
    '| device | train step (ms) | GFLOP/s | bare 8 matmuls (ms) | GFLOP/s | step / bare | timed steps | lecture epoch (s) | samples | ms/step in epoch | epoch error |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...r.devices.map((d) =>
      d.error
        ? `| ${d.label} | not run: ${d.error} | | | | | | | | | |`
        : `| ${d.label} | ${d.msPerStep} | ${d.gflops} | ${d.bareMatmulMsPerStep} | ${d.bareMatmulGflops} | ${d.ratioToBareMatmul} | ${d.steps} each | ${d.epoch?.seconds ?? '–'} | ${d.epoch?.samples ?? '–'} | ${d.epoch?.msPerStep ?? '–'} | ${d.epoch ? (100 * d.epoch.error).toFixed(2) + '%' : '–'} |`,
    ),
    '',
    `Lecture net 784-1000-1500-10 (no bias, ReLU, SGD), batch 200; a step is ${(LECTURE_STEP_FLOPS / 1e9).toFixed(3)} GFLOP of matmuls; times are medians of train and bare steps interleaved in rounds.`,
    '',
    ...r.devices.filter((d) => d.notes?.length).flatMap((d) => [`${d.label}: ${d.notes!.join('; ')}.`, '']),
    ...r.devices
      .filter((d) => d.dataGather)
      .flatMap((d) => {
        const g = d.dataGather!;
        return [
          `${d.label}, training set on the device vs gathered on the host (${g.net}, batch ${g.batch}, ${g.samples} MNIST samples, median of ${g.epochsEach} interleaved epochs each): ${g.deviceMsPerStep} vs ${g.hostMsPerStep} ms/step, ratio ${g.ratio}.`,
          '',
        ];
      }),
  ];
  return lines.join('\n');
}

const notRun = (device: NodeDevice, error: string, software = false): DeviceBench => ({
  device,
  label: device,
  software,
  msPerStep: 0,
  gflops: 0,
  bareMatmulMsPerStep: 0,
  bareMatmulGflops: 0,
  ratioToBareMatmul: 0,
  steps: 0,
  epoch: null,
  error,
});

export interface GpuBenchOptions {
  json: boolean;
  quick: boolean;
  devices?: NodeDevice[];
  markdownFile?: string;
  /** seconds from the start: later parts are skipped, training runs stopped */
  deadlineS?: number;
  /** where the output goes (default: stdout): progress lines, or with json the result (progress then goes to stderr) */
  log?: (line: string) => void;
}

export async function runGpuBench(opts: GpuBenchOptions): Promise<GpuBenchResult> {
  const print = opts.log ?? ((l: string) => console.log(l));
  const say = opts.json ? (l: string) => console.error(l) : print;
  const deadline = opts.deadlineS === undefined ? Infinity : performance.now() + 1000 * opts.deadlineS;
  const loadStart = os.loadavg()[0];
  const listed = await listDevices({ measure: false });
  for (const d of listed) say(`device ${d.id}: ${d.available ? d.kind : 'unavailable'}${d.note ? ` (${d.note})` : ''}`);
  // under a deadline the parts to lose come last: hardware GPUs first, then the CPU, then a software adapter
  const rank = { gpu: 0, cpu: 1, 'software-gpu': 2 } as const;
  const wanted = opts.devices ?? listed.filter((d) => d.available).sort((a, b) => rank[a.kind] - rank[b.kind]).map((d) => d.id as NodeDevice);
  const results: DeviceBench[] = [];
  let current: { device: NodeDevice; software: boolean; partial: DeviceBench | null } | null = null;
  const onTerm = () => {
    if (current) {
      const { device, software, partial } = current;
      results.push(
        partial
          ? { ...partial, notes: [...(partial.notes ?? []), 'interrupted by the time limit (SIGTERM) after its step timing'] }
          : notRun(device, 'interrupted by the time limit (SIGTERM) during its step timing', software),
      );
    }
    say('gpu-bench: stopped by SIGTERM; writing what was measured');
    finish(results);
    process.exit(143);
  };
  process.once('SIGTERM', onTerm);
  for (const device of wanted) {
    const info = listed.find((d) => d.id === device);
    if (!info?.available) {
      results.push(notRun(device, info?.note ?? 'not offered by onnxruntime-node here'));
      say(`${device}: skipped (${results[results.length - 1].error})`);
      continue;
    }
    const software = info.kind === 'software-gpu';
    if (performance.now() >= deadline) {
      results.push(notRun(device, 'skipped: the deadline passed before its turn', software));
      say(`${device}: skipped (the deadline passed before its turn)`);
      continue;
    }
    current = { device, software, partial: null };
    try {
      results.push(await benchDevice(device, opts.quick, say, deadline, (p) => current && (current.partial = p)));
    } catch (err) {
      const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
      results.push(notRun(device, msg));
      say(`${device}: failed: ${msg}`);
    }
    current = null;
  }
  process.removeListener('SIGTERM', onTerm);
  return finish(results);

  function finish(devices: DeviceBench[]): GpuBenchResult {
    const result = describeRun(devices, opts.quick, loadStart);
    if (opts.markdownFile) {
      fs.appendFileSync(opts.markdownFile, markdown(result));
      say(`appended the results to ${opts.markdownFile}`);
    }
    if (opts.json) print(JSON.stringify(result));
    return result;
  }
}

function describeRun(devices: DeviceBench[], quick: boolean, loadStart: number): GpuBenchResult {
  const cpu = os.cpus()[0]?.model?.trim() || 'unknown CPU';
  return {
    date: new Date().toISOString(),
    machine: {
      cpu,
      cores: os.availableParallelism(),
      gpu: gpuName(),
      platform: `${process.platform}-${process.arch}`,
      node: process.version,
      onnxruntime: require('onnxruntime-node/package.json').version,
      vulkan: process.env.VK_DRIVER_FILES || process.env.VK_ICD_FILENAMES || 'system drivers',
    },
    quick,
    devices,
    loadAverage: { start: round(loadStart, 2), end: round(os.loadavg()[0], 2) },
  };
}

const isMain = process.argv[1] && /gpu-bench\.[cm]?[jt]s$/.test(process.argv[1]);
if (isMain) {
  const args = process.argv.slice(2);
  const usage = 'usage: npx tsx bench/gpu-bench.ts [--json] [--quick] [--devices cpu,webgpu,cuda] [--markdown FILE] [--deadline-s S]';
  if (args.includes('--help') || args.includes('-h')) {
    console.log(usage);
    process.exit(0);
  }
  const take = (name: string): string | undefined => {
    const i = args.indexOf(name);
    if (i < 0) return undefined;
    const v = args[i + 1];
    if (!v || v.startsWith('--')) {
      console.error(`gpu-bench: ${name} needs a value\n${usage}`);
      process.exit(2);
    }
    args.splice(i, 2);
    return v;
  };
  const devices = take('--devices')?.split(',') as NodeDevice[] | undefined;
  const markdownFile = take('--markdown');
  const deadline = take('--deadline-s');
  const bad = args.filter((a) => a !== '--json' && a !== '--quick');
  if (bad.length || devices?.some((d) => !isNodeDevice(d)) || (deadline !== undefined && !(Number(deadline) > 0))) {
    console.error(`gpu-bench: bad arguments ${bad.join(' ')} ${devices?.join(',') ?? ''} ${deadline !== undefined ? `--deadline-s ${deadline}` : ''}\n${usage}`);
    process.exit(2);
  }
  runGpuBench({ json: args.includes('--json'), quick: args.includes('--quick'), devices, markdownFile, deadlineS: deadline === undefined ? undefined : Number(deadline) }).catch((err) => {
    console.error(`gpu-bench failed: ${err instanceof Error ? err.stack : String(err)}`);
    process.exit(1);
  });
}

