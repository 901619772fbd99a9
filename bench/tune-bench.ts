/**
 * "Find good settings for me" against hand-set runs (`npx tsx bench/tune-bench.ts [--minutes M] [--seed S]`):
 * a 10-class picture folder of 1,000 digits per class (the bundled MNIST's first 1,000
 * training images of each digit, written as PNGs into a temporary folder) imported through
 * the real importer (its default test fraction), then on the CPU of this machine:
 *   - the studio's "Small and quick" preset (784-128-10, momentum, 5 epochs),
 *   - a hand-set 784-256-10 Adam run (lr 0.001, batch 100, 10 epochs, the presets' validation part),
 *   - `tune` with a budget of M minutes (default 3),
 * each reporting the test error of the checkpoint it keeps (chosen by validation error).
 * Prints a table for BENCHMARKS.md. Not a test: speed and the margin depend on the machine.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { modelAndConfig } from '../src-main/cli';
import { DatasetLibrary } from '../src-main/datasets/library';
import type { ModelSpec, TrainConfig, TrainingData } from '../src-main/engine/types';
import { createNodeRuntime } from '../src-main/runtime/node';
import { RunStore } from '../src-main/runs/store';
import { startTraining } from '../src-main/runs/training';
import { runTune, settingsLine } from '../src-main/runs/tune';
import { budgetFor, localTrialRunner, secondsPerUnit } from '../src-main/runs/tune-local';
import { loadMnist } from './mnist';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const MINUTES = arg('--minutes', 3);
const SEED = arg('--seed', 0);
const PER_CLASS = 1000;

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-tune-bench-'));
const pct = (x: number | null) => (x === null ? '—' : `${(100 * x).toFixed(2)} %`);

async function writeFolder(): Promise<string> {
  const mnist = loadMnist();
  const folder = path.join(root, 'digits');
  const counts = new Array(10).fill(0);
  const writes: Promise<unknown>[] = [];
  for (let i = 0; i < mnist.train.n && counts.some((c) => c < PER_CLASS); i++) {
    const label = mnist.train.y[i];
    if (counts[label] >= PER_CLASS) continue;
    const dir = path.join(folder, String(label));
    if (counts[label] === 0) fs.mkdirSync(dir, { recursive: true });
    const pixels = Buffer.from(mnist.train.x.subarray(i * 784, (i + 1) * 784) as Uint8Array);
    writes.push(sharp(pixels, { raw: { width: 28, height: 28, channels: 1 } }).png().toFile(path.join(dir, `${counts[label]}.png`)));
    counts[label]++;
    if (writes.length >= 200) await Promise.all(writes.splice(0));
  }
  await Promise.all(writes);
  return folder;
}

interface Row {
  name: string;
  settings: string;
  epochs: string;
  validationError: number | null;
  testError: number | null;
  seconds: number;
}

async function trainOne(store: RunStore, data: TrainingData, dataset: { id: string; name: string; contentHash: string }, name: string, model: ModelSpec, config: TrainConfig): Promise<Row> {
  const run = await store.create({ model, config, name, dataset, device: 'cpu' });
  const t0 = Date.now();
  const h = await startTraining({ store, runId: run.id, data, runtime: createNodeRuntime('cpu') });
  const r = await h.done;
  if (r.status !== 'finished') throw new Error(`${name}: ${r.status} ${r.reason ?? ''}`);
  const o = config.optimizer.kind;
  return {
    name,
    settings: `${model.layers.filter((l) => l.kind === 'linear').map((l) => (l as { units: number }).units).join('-')} ${o} lr ${config.lr} batch ${config.batchSize}`,
    epochs: `${r.epochs} (kept ${r.checkpointEpoch ?? '—'})`,
    validationError: r.validationError ?? null,
    testError: r.testError,
    seconds: (Date.now() - t0) / 1000,
  };
}

const folder = await writeFolder();
const home = path.join(root, 'studio');
const library = new DatasetLibrary(home);
const meta = await library.import([folder], { name: 'Digits 1000 per class' });
const data = await library.loadTrainingData(meta.id);
const dataset = { id: meta.id, name: meta.name, contentHash: meta.contentHash };
const store = new RunStore(home);
console.log(`dataset: ${meta.name}: ${data.train.n} train, ${data.test.n} test pictures, ${data.classNames.length} classes; ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'})`);
const shape = data.sampleShape;
const classes = data.classNames.length;
const rows: Row[] = [];
try {
  const small = modelAndConfig({ dataset: meta.id, preset: 'small', device: 'cpu' }, shape, classes);
  rows.push(await trainOne(store, data, dataset, 'Small and quick (preset)', small.model, small.config));
  console.log(rows.at(-1));
  const adam = modelAndConfig({ dataset: meta.id, preset: 'small', device: 'cpu', layers: [256], optimizer: 'adam', lr: 0.001, epochs: 10, batch: 100 }, shape, classes);
  rows.push(await trainOne(store, data, dataset, '784-256-10 Adam (hand-set)', adam.model, adam.config));
  console.log(rows.at(-1));

  const runtime = createNodeRuntime('cpu');
  const t0 = Date.now();
  const perUnit = await secondsPerUnit(runtime, data);
  const budget = budgetFor(MINUTES, perUnit);
  const result = await runTune({
    sweep: 'sweep-bench',
    data: { inputShape: shape, inputSize: data.sampleSize, classes, trainSamples: data.train.n },
    budget,
    seed: SEED,
    secondsPerUnit: perUnit,
    runner: localTrialRunner({ store, data, dataset, runtime }),
    onEvent: (e) => {
      if (e.event === 'start') console.log(`tune: budget ${e.budget} units (${perUnit.toExponential(2)} s per unit), rungs ${e.rungs.join(', ')} epochs`);
      if (e.event === 'trial-end') console.log(`  trial ${e.trial} rung ${e.rung}: validation ${pct(e.validationError)} ${settingsLine(e.settings)} at ${e.seconds.toFixed(0)} s`);
    },
  });
  const seconds = (Date.now() - t0) / 1000;
  const c = result.chosen!;
  rows.push({
    name: `tune, ${MINUTES} min budget (seed ${SEED}, ${result.trials} trials)`,
    settings: settingsLine(c.settings),
    epochs: `${c.config.epochs} (kept ${c.checkpointEpoch ?? '—'})`,
    validationError: c.validationError,
    testError: c.testError,
    seconds,
  });
  console.log('');
  console.log('| | settings | epochs | validation error | test error (kept checkpoint) | wall time |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.name} | ${r.settings} | ${r.epochs} | ${pct(r.validationError)} | ${pct(r.testError)} | ${r.seconds.toFixed(0)} s |`);
  const t = rows[2].testError!;
  console.log(`\ntune beats both: ${t < rows[0].testError! && t < rows[1].testError! ? 'yes' : 'NO'}; load average ${os.loadavg()[0].toFixed(1)}`);
} finally {
  fs.rmSync(root, { recursive: true, force: true });
}
