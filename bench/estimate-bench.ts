/**
 * The epoch estimate against the real thing, for five different configurations
 * (`npx tsx bench/estimate-bench.ts [--rounds N] [--only 1,2]`): estimateEpochSeconds (a worker times a few
 * training steps of the run's own network, batch and optimizer, and counts the steps of an
 * epoch over the training set less its validation part) and then a real two-epoch run of the
 * same settings, both through the Studio API and its worker processes on this machine; the
 * second epoch is compared (the first also carries the worker's warm-up). Per configuration
 * the quickest estimate and the quickest real epoch over the rounds; the goal is a ratio
 * estimate / actual within 0.7–1.3. A benchmark, not a test: src-main/worker/estimate.test.ts
 * checks what the estimate is made of, not its speed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StudioService } from '../src-main/api/service';
import { isTerminal, makeTestHome, runEvents, tinyConfig } from '../tests/helpers/testkit';
import { DatasetLibrary } from '../src-main/datasets/library';
import { csvText } from '../tests/helpers/test-fixtures';
import { OPTIMIZERS } from '../src-main/engine/registry/index';
import type { LayerSpec, ModelSpec, TrainConfig } from '../src-main/engine/types';

const TRAIN = 10_000;
const i = process.argv.indexOf('--rounds');
const ROUNDS = i >= 0 ? Number(process.argv[i + 1]) : 2;

const lin = (units: number): LayerSpec => ({ kind: 'linear', units, bias: true });
const net = (inputShape: number[], classes: number, hidden: number[], dropout = 0): ModelSpec => ({
  inputShape,
  classes,
  layers: [...hidden.flatMap((u): LayerSpec[] => [lin(u), { kind: 'relu' }, ...(dropout ? [{ kind: 'dropout', p: dropout } as LayerSpec] : [])]), lin(classes)],
});
const sgd: TrainConfig['optimizer'] = OPTIMIZERS.sgd.create();
const momentum: TrainConfig['optimizer'] = OPTIMIZERS.momentum.create();
const adam: TrainConfig['optimizer'] = OPTIMIZERS.adam.create();

const t = await makeTestHome({ train: TRAIN, test: 50 });
// a table: 12 number columns, 3 classes, as many rows
const csv = path.join(t.home, 'table.csv');
fs.writeFileSync(csv, csvText(TRAIN + 500, { features: 12 }));
const table = await new DatasetLibrary(t.home).import([csv], { name: 'Table', testFraction: 500 / (TRAIN + 500) });
const image = [1, 28, 28];

const configs: { name: string; datasetId: string; model: ModelSpec; batchSize: number; optimizer: TrainConfig['optimizer']; validation: number }[] = [
  { name: '784-128-10 sgd, batch 32', datasetId: t.dataset.id, model: net(image, 10, [128]), batchSize: 32, optimizer: sgd, validation: 0 },
  { name: '784-512-512-10 adam, batch 128', datasetId: t.dataset.id, model: net(image, 10, [512, 512]), batchSize: 128, optimizer: adam, validation: 0.1 },
  { name: '784-1024-10 momentum, batch 64', datasetId: t.dataset.id, model: net(image, 10, [1024]), batchSize: 64, optimizer: momentum, validation: 0.1 },
  { name: `table ${table.sampleShape[0]}-64-64-3 adam, batch 32`, datasetId: table.id, model: net(table.sampleShape, 3, [64, 64]), batchSize: 32, optimizer: adam, validation: 0.2 },
  { name: '784-256-256-10 dropout 0.3 momentum, batch 100', datasetId: t.dataset.id, model: net(image, 10, [256, 256], 0.3), batchSize: 100, optimizer: momentum, validation: 0.1 },
];

// --only 1,2: those configurations only (counted from 1)
const o = process.argv.indexOf('--only');
const only = o >= 0 ? new Set(process.argv[o + 1].split(',').map(Number)) : null;

const service = new StudioService({ home: t.home });
const rows: string[] = [];
try {
  for (const [k, c] of configs.entries()) {
    if (only && !only.has(k + 1)) continue;
    let estimated = Infinity;
    let measured = Infinity;
    for (let round = 0; round < ROUNDS; round++) {
      const est = await service.estimateEpochSeconds({ datasetId: c.datasetId, model: c.model, batchSize: c.batchSize, device: 'cpu', optimizer: c.optimizer, validation: c.validation });
      let runId: string | null = null;
      const ev = runEvents(service, () => runId);
      const config = tinyConfig({ epochs: 2, batchSize: c.batchSize, lr: 0.01, optimizer: c.optimizer, evalEvery: 0, validation: c.validation, patience: 0 });
      runId = (await service.startRun({ datasetId: c.datasetId, model: c.model, config, name: 'timing' })).id;
      const end = await ev.waitFor(isTerminal, 600_000);
      const epoch = ev.events.map((e) => e.event).filter((e) => e?.event === 'epoch')[1];
      ev.off();
      if (end.status !== 'finished' || epoch?.event !== 'epoch') throw new Error(`the timing run of ${c.name} ended ${end.status}: ${end.reason ?? ''}`);
      estimated = Math.min(estimated, est.seconds);
      measured = Math.min(measured, epoch.seconds);
      console.log(`${c.name}, round ${round + 1}: estimate ${est.seconds.toFixed(2)} s (${est.stepsPerSecond.toFixed(0)} steps/s), real second epoch ${epoch.seconds.toFixed(2)} s`);
    }
    const ratio = estimated / measured;
    rows.push(`| ${c.name} | ${c.validation ? `${c.validation * 100} %` : 'none'} | ${estimated.toFixed(2)} s | ${measured.toFixed(2)} s | ${ratio.toFixed(2)} ${ratio >= 0.7 && ratio <= 1.3 ? '' : '(outside 0.7–1.3)'} |`);
  }
  console.log('');
  console.log(`${TRAIN} training samples (MNIST digits; the table ${TRAIN} rows), ${ROUNDS} rounds, quickest of each; load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} CPUs`);
  console.log('| configuration | validation part | estimate | real epoch | estimate / real |');
  console.log('|---|---|---|---|---|');
  for (const r of rows) console.log(r);
} finally {
  await service.close();
  t.cleanup();
}
