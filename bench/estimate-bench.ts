/**
 * The epoch estimate against the real thing (`npx tsx bench/estimate-bench.ts [--rounds N]`):
 * estimateEpochSeconds (a worker times a few training steps) and then a real two-epoch run
 * of the same model (784-128-10 on 10,000 MNIST digits, batch 32), both through the Studio
 * API and its worker threads on this machine; the second epoch is compared (the first also
 * carries the worker's warm-up). Prints each round and the ratio of the quickest estimate to
 * the quickest real epoch; the goal is a ratio within [0.5, 2]. This is a benchmark, not a
 * test: src-main/worker/estimate.test.ts checks what the estimate is made of, not its speed.
 */
import os from 'node:os';
import { StudioService } from '../src-main/api/service';
import { isTerminal, makeTestHome, runEvents, tinyConfig } from '../src-main/api/testkit';
import type { ModelSpec } from '../src-main/engine/types';

const TRAIN = 10_000;
const i = process.argv.indexOf('--rounds');
const ROUNDS = i >= 0 ? Number(process.argv[i + 1]) : 3;
const model: ModelSpec = {
  inputShape: [1, 28, 28],
  layers: [{ kind: 'linear', units: 128, bias: true }, { kind: 'relu' }, { kind: 'linear', units: 10, bias: true }],
  classes: 10,
};

const t = await makeTestHome({ train: TRAIN, test: 50 });
const service = new StudioService({ home: t.home });
try {
  let estimated = Infinity;
  let measured = Infinity;
  for (let round = 0; round < ROUNDS; round++) {
    const est = await service.estimateEpochSeconds({ datasetId: t.dataset.id, model, batchSize: 32, device: 'cpu' });
    let runId: string | null = null;
    const ev = runEvents(service, () => runId);
    runId = (
      await service.startRun({ datasetId: t.dataset.id, model, config: tinyConfig({ epochs: 2, batchSize: 32, lr: 0.01, evalEvery: 0 }), name: 'timing' })
    ).id;
    const end = await ev.waitFor(isTerminal, 300_000);
    const epoch = ev.events.map((e) => e.event).filter((e) => e?.event === 'epoch')[1];
    ev.off();
    if (end.status !== 'finished' || epoch?.event !== 'epoch') throw new Error(`the timing run ended ${end.status}: ${end.reason ?? ''}`);
    estimated = Math.min(estimated, est.seconds);
    measured = Math.min(measured, epoch.seconds);
    console.log(
      `round ${round + 1}: estimate ${est.seconds.toFixed(2)} s (${est.stepsPerSecond.toFixed(0)} steps/s), real second epoch ${epoch.seconds.toFixed(2)} s`,
    );
  }
  const ratio = estimated / measured;
  const ok = ratio >= 0.5 && ratio <= 2;
  console.log(
    `${TRAIN} samples, batch 32: quickest estimate / quickest real epoch = ${ratio.toFixed(2)} (goal 0.5–2: ${ok ? 'met' : 'NOT met'}); load average ${os.loadavg()[0].toFixed(1)}`,
  );
} finally {
  await service.close();
  t.cleanup();
}
