/**
 * The first run as a new person gets it (issue 16 item 2), through the Studio API and its
 * worker processes, on the bundled MNIST in a fresh studio folder:
 * - how soon the Train screen can say how long it takes: the first guess (src-renderer/lib/estimate.ts,
 *   no measurement) and the studio's measured estimate on a cold start (device check, worker start, timed steps);
 * - the first run's settings (src-renderer/lib/first-run.ts): its time from Start to done and its test error;
 * - the suggestion after it: training on all 60,000 pictures, guessed and measured.
 *
 *   npx tsx bench/first-run-bench.ts [--samples N] [--epochs E]   (defaults: the first run's own)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { StudioService } from '../src-main/api/service';
import type { EpochEstimate, EstimateRequest, StudioEvent } from '../src-main/api/contract';
import { DatasetLibrary } from '../src-main/datasets/library';
import { FIRST_RUN, firstRunSettings, fullRunSuggestion } from '../src-renderer/lib/first-run';
import { firstGuess, type SpeedMemory } from '../src-renderer/lib/estimate';

const arg = (name: string): number | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : undefined;
};

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-studio-first-run-'));
const service = new StudioService({ home });
const noMemory: SpeedMemory = { get: () => null, set: () => undefined };
try {
  const meta = await new DatasetLibrary(home).ensureBundledMnist();
  const first = firstRunSettings(meta);
  if (!first) throw new Error('The bundled MNIST got no first-run settings.');
  const samples = arg('--samples') ?? first.limitTrain ?? meta.train.count;
  const epochs = arg('--epochs') ?? first.config.epochs;
  const config = { ...first.config, epochs, device: 'cpu' as const };
  const req: EstimateRequest = { datasetId: meta.id, model: first.model, batchSize: config.batchSize, device: 'cpu', optimizer: config.optimizer, validation: config.validation ?? 0 };

  let t = performance.now();
  const guess = firstGuess(req, meta.train.count, noMemory);
  const guessMs = performance.now() - t;
  t = performance.now();
  // a failed measurement is reported, and the run is still measured
  const measured: EpochEstimate | Error = await service.estimateEpochSeconds(req).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
  const measuredS = (performance.now() - t) / 1000;

  let runId = '';
  const done = new Promise<Extract<StudioEvent, { channel: 'run' }>>((resolve) => {
    service.onEvent((e) => {
      if (process.env.FIRST_RUN_DEBUG && e.channel === 'run') console.error(e.status, e.event?.event ?? '-');
      // the 'done' event (whatever status it comes with), or the end of a run that failed or stopped
      if (e.channel === 'run' && e.runId === runId && (e.event?.event === 'done' || e.status === 'stopped' || e.status === 'failed')) resolve(e);
    });
  });
  t = performance.now();
  runId = (await service.startRun({ datasetId: meta.id, model: first.model, config, limitTrain: samples, name: 'first run' })).id;
  const end = await done;
  const runS = (performance.now() - t) / 1000;
  if (end.event?.event !== 'done') throw new Error(`The first run ended ${end.status}: ${end.reason ?? ''}`);
  const testError = end.event.testError;

  console.log(`load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} on ${os.cpus().length} CPUs`);
  console.log(`first run: ${FIRST_RUN.presetId} preset (${first.model.layers.filter((l) => l.kind === 'linear').map((l) => (l.kind === 'linear' ? l.units : 0)).join('-')}), ${samples} samples, ${epochs} epochs, ${(config.validation ?? 0) * 100} % set aside`);
  console.log(`  estimate, first guess: ${guess.seconds.toFixed(2)} s per epoch of all ${meta.train.count}, computed in ${guessMs.toFixed(2)} ms`);
  console.log(measured instanceof Error ? `  estimate, measured: failed after ${measuredS.toFixed(1)} s (${measured.message})` : `  estimate, measured (cold studio): ${measured.seconds.toFixed(2)} s per epoch of all, answered after ${measuredS.toFixed(1)} s`);
  console.log(`  run, Start to done: ${runS.toFixed(1)} s; its own training time ${end.event.seconds.toFixed(1)} s; test error ${testError === null ? '—' : `${(testError * 100).toFixed(2)} %`} (${end.event.epochs} epochs)`);
  console.log(`  suggestion (guess): ${fullRunSuggestion(meta, samples, epochs, guess.seconds)}`);
  if (!(measured instanceof Error)) console.log(`  suggestion (measured): ${fullRunSuggestion(meta, samples, epochs, measured.seconds)}`);
} finally {
  await service.close();
  fs.rmSync(home, { recursive: true, force: true });
}
