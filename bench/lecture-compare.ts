/**
 * The lecture's PyTorch code against the studio's engine, on the same machine, one after the
 * other (never in parallel): 10 epochs of the lecture net (784-1000-1500-10, no bias, ReLU,
 * SGD lr 0.01, batch 200) on the full MNIST, per-epoch running loss and error side by side,
 * the test error at the end, the median epoch time of each and their ratio.
 *
 *   npx tsx bench/lecture-compare.ts [--epochs N] [--threads T] [--python PATH] [--reference PATH] [--json]
 *   bench/lecture-compare.sh        (checks the Debian packages first)
 *
 * The reference is bench/lecture_mlp.py (the lecture's final code run on the IDX files; a
 * copy of the project's shared reference). It needs Debian's python3-torch and
 * libopenblas0-pthread (without OpenBLAS torch uses a reference BLAS and is ~15× slower).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundledMnistDir } from '../src-main/datasets/bundled-mnist';
import { runPreset, type EpochLine } from './preset-run';

const here = path.dirname(fileURLToPath(import.meta.url));

export interface ReferenceResult {
  epochs: EpochLine[];
  testError: number;
  medianEpochSeconds: number;
}

const EPOCH_RE = /^epoch=(\d+) loss=([\d.]+) error=([\d.]+)% time=([\d.]+)s$/;

/** Parses lecture_mlp.py's output: one `epoch=…` line per epoch, then a JSON summary. */
export function parseReferenceOutput(out: string): ReferenceResult {
  const epochs: EpochLine[] = [];
  let summary: { test_error_pct: number; median_epoch_s: number } | null = null;
  for (const line of out.split('\n').map((l) => l.trim())) {
    const m = EPOCH_RE.exec(line);
    if (m) epochs.push({ epoch: Number(m[1]), loss: Number(m[2]), error: Number(m[3]) / 100, seconds: Number(m[4]) });
    else if (line.startsWith('{')) summary = JSON.parse(line);
  }
  if (!summary || epochs.length === 0) throw new Error(`could not read the reference's output (no epoch lines or no JSON summary):\n${out.slice(-2000)}`);
  return { epochs, testError: summary.test_error_pct / 100, medianEpochSeconds: summary.median_epoch_s };
}

function runReference(python: string, script: string, epochs: number, threads: number, echo: (l: string) => void): Promise<ReferenceResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, [script, bundledMnistDir(), String(epochs), String(threads)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let pending = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      pending += d.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const l of lines) if (l.trim()) echo(`  [pytorch] ${l}`);
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) => reject(new Error(`could not start ${python}: ${e.message}. Install Debian's python3-torch (apt-get install -y python3-torch libopenblas0-pthread).`)));
    child.on('close', (code) => {
      if (code !== 0) {
        const hint = /No module named .?torch/.test(err) ? ' torch is missing: apt-get install -y python3-torch libopenblas0-pthread, and use /usr/bin/python3.' : '';
        reject(new Error(`${python} ${path.basename(script)} exited with ${code}.${hint}\n${err.slice(-2000)}`));
        return;
      }
      try {
        resolve(parseReferenceOutput(out));
      } catch (e) {
        reject(e);
      }
    });
  });
}

const pct = (f: number) => `${(100 * f).toFixed(2)}%`;

export async function lectureCompare(o: { epochs: number; threads: number; python: string; reference: string; json: boolean }): Promise<object> {
  const say = o.json ? () => undefined : (l: string) => console.log(l);
  if (!fs.existsSync(o.reference)) throw new Error(`the reference script ${o.reference} does not exist (pass --reference PATH).`);
  const cpu = os.cpus()[0]?.model?.trim() ?? 'unknown CPU';
  say(`lecture net 784-1000-1500-10 (no bias, ReLU, SGD lr 0.01, batch 200), ${o.epochs} epochs on MNIST 60k/10k`);
  say(`machine: ${cpu}, ${os.availableParallelism()} logical cores; PyTorch with ${o.threads} threads, then the engine (onnxruntime-node CPU)\n`);

  const load: number[] = [os.loadavg()[0]];
  say(`PyTorch reference (bench/lecture_mlp.py), load average ${load[0].toFixed(2)}:`);
  const ref = await runReference(o.python, o.reference, o.epochs, o.threads, say);
  load.push(os.loadavg()[0]);
  say(`\nMLP Studio engine (lecture preset), load average ${load[1].toFixed(2)}:`);
  const ours = await runPreset('lecture', { config: { epochs: o.epochs, evalEvery: o.epochs }, onLine: (l) => say(`  [engine]  ${l}`) });
  const test = ours.testError ?? NaN;
  load.push(os.loadavg()[0]);

  say('\n          ---------- PyTorch ----------    ------- MLP Studio engine -------');
  say('epoch     loss     error    time (s)        loss     error    time (s)');
  for (let i = 0; i < o.epochs; i++) {
    const r = ref.epochs[i];
    const e = ours.epochs[i];
    say(
      `${String(i).padStart(5)}   ${r.loss.toFixed(4)}  ${pct(r.error).padStart(7)}  ${r.seconds.toFixed(2).padStart(8)}       ` +
        `${e.loss.toFixed(4)}  ${pct(e.error).padStart(7)}  ${e.seconds.toFixed(2).padStart(8)}`,
    );
  }
  const ratio = ours.medianEpochSeconds / ref.medianEpochSeconds;
  say(`test error        ${pct(ref.testError).padStart(7)}                           ${pct(test).padStart(7)}`);
  say(`median epoch      ${ref.medianEpochSeconds.toFixed(2)} s                            ${ours.medianEpochSeconds.toFixed(2)} s`);
  const fastest = (ep: EpochLine[]) => Math.min(...ep.map((e) => e.seconds));
  say(`fastest epoch     ${fastest(ref.epochs).toFixed(2)} s                            ${fastest(ours.epochs).toFixed(2)} s   (less skewed by other processes)`);
  say(`epoch time ratio engine / PyTorch = ${ratio.toFixed(3)} (median), ${(fastest(ours.epochs) / fastest(ref.epochs)).toFixed(3)} (fastest)`);
  say(`1-minute load average before PyTorch / before the engine / at the end: ${load.map((l) => l.toFixed(2)).join(' / ')} (${os.availableParallelism()} cores)`);
  const result = {
    machine: { cpu, cores: os.availableParallelism() },
    epochs: o.epochs,
    pytorch: ref,
    engine: { epochs: ours.epochs, testError: test, medianEpochSeconds: ours.medianEpochSeconds },
    epochTimeRatio: Number(ratio.toFixed(4)),
    fastestEpochRatio: Number((Math.min(...ours.epochs.map((e) => e.seconds)) / Math.min(...ref.epochs.map((e) => e.seconds))).toFixed(4)),
    loadAverage: load.map((l) => Number(l.toFixed(2))),
  };
  if (o.json) console.log(JSON.stringify(result));
  return result;
}

const isMain = process.argv[1] && /lecture-compare\.[cm]?[jt]s$/.test(process.argv[1]);
if (isMain) {
  const usage = 'usage: npx tsx bench/lecture-compare.ts [--epochs N] [--threads T] [--python PATH] [--reference PATH] [--json]';
  const o = { epochs: 10, threads: 2, python: '/usr/bin/python3', reference: path.join(here, 'lecture_mlp.py'), json: false };
  const args = process.argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const val = () => {
      const v = args[++i];
      if (v === undefined) {
        console.error(`${a} needs a value\n${usage}`);
        process.exit(2);
      }
      return v;
    };
    if (a === '--epochs') o.epochs = Number(val());
    else if (a === '--threads') o.threads = Number(val());
    else if (a === '--python') o.python = val();
    else if (a === '--reference') o.reference = val();
    else if (a === '--json') o.json = true;
    else {
      console.error(`unknown argument ${a}\n${usage}`);
      process.exit(2);
    }
  }
  if (!Number.isInteger(o.epochs) || o.epochs < 1 || !Number.isInteger(o.threads) || o.threads < 1) {
    console.error(`--epochs and --threads must be whole numbers of at least 1\n${usage}`);
    process.exit(2);
  }
  lectureCompare(o).catch((err) => {
    console.error(`lecture-compare failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
