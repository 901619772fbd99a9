/**
 * Trains a preset on MNIST with the engine on CPU and reports each epoch like the lecture
 * does, the test evaluations and the wall time. Used by bench/lecture-compare.ts and for the
 * "accurate" preset figure in BENCHMARKS.md:
 *
 *   npx tsx bench/preset-run.ts accurate [--epochs N] [--eval-every N] [--limit-train N]
 *       [--limit-test N] [--lr X] [--batch B] [--seed S] [--json]
 */
import { presetById, Trainer, type TrainConfig, type ModelSpec } from '../src-main/engine';
import { createNodeRuntime } from '../src-main/runtime/node';
import { loadMnist } from './mnist';

export interface EpochLine {
  epoch: number;
  loss: number;
  /** fraction 0..1 */
  error: number;
  seconds: number;
}

export interface PresetRunResult {
  preset: string;
  params: number;
  epochs: EpochLine[];
  tests: { epoch: number; loss: number; error: number }[];
  testError: number | null;
  medianEpochSeconds: number;
  totalSeconds: number;
}

export async function runPreset(
  id: string,
  o: { config?: Partial<TrainConfig>; model?: (spec: ModelSpec) => ModelSpec; limitTrain?: number; limitTest?: number; onLine?: (l: string) => void } = {},
): Promise<PresetRunResult> {
  const preset = presetById(id);
  const data = loadMnist({ limitTrain: o.limitTrain, limitTest: o.limitTest });
  const base = preset.model([784], 10);
  const spec = o.model ? o.model(base) : base;
  const config: TrainConfig = { ...preset.config(), ...o.config, device: 'cpu' };
  const say = o.onLine ?? (() => undefined);
  const epochs: EpochLine[] = [];
  const tests: PresetRunResult['tests'] = [];
  let params = 0;
  const trainer = new Trainer({
    spec,
    config,
    data,
    runtime: createNodeRuntime('cpu'),
    onEvent: (e) => {
      if (e.event === 'start') {
        params = e.params;
        say(`parameters= ${e.params}  device= ${e.device}  steps/epoch= ${e.stepsPerEpoch}`);
      }
      if (e.event === 'epoch') {
        // the lecture's line and its numbering (from 0), as lecture_mlp.py prints it; events count from 1
        epochs.push({ epoch: e.epoch - 1, loss: e.loss, error: e.error, seconds: e.seconds });
        say(`epoch=${String(e.epoch - 1).padStart(2)}  loss= ${e.loss.toFixed(4)}  error= ${(100 * e.error).toFixed(2)} percent  time= ${e.seconds.toFixed(2)} s  lr= ${e.lr.toPrecision(3)}`);
      }
      if (e.event === 'test') {
        tests.push({ epoch: e.epoch, loss: e.loss, error: e.error });
        say(`test after epoch ${e.epoch}: loss= ${e.loss.toFixed(4)}  error= ${(100 * e.error).toFixed(2)} percent`);
      }
    },
  });
  const t0 = performance.now();
  const res = await trainer.run();
  const totalSeconds = (performance.now() - t0) / 1000;
  if (res.status !== 'finished') throw new Error(`training the ${id} preset did not finish: ${res.reason ?? res.status}`);
  const times = epochs.map((e) => e.seconds).sort((a, b) => a - b);
  // the lecture script's median: sorted[len // 2]
  return { preset: id, params, epochs, tests, testError: res.testError, medianEpochSeconds: times[times.length >> 1], totalSeconds };
}

const isMain = process.argv[1] && /preset-run\.[cm]?[jt]s$/.test(process.argv[1]);
if (isMain) {
  const args = process.argv.slice(2);
  const id = args.shift();
  const usage = 'usage: npx tsx bench/preset-run.ts PRESET [--epochs N] [--eval-every N] [--limit-train N] [--limit-test N] [--lr X] [--batch B] [--seed S] [--json]';
  if (!id || id.startsWith('-')) {
    console.error(usage);
    process.exit(2);
  }
  const config: Partial<TrainConfig> = {};
  const o: Parameters<typeof runPreset>[1] = { config };
  let json = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const num = () => {
      const v = Number(args[++i]);
      if (!Number.isFinite(v)) {
        console.error(`${a} needs a number\n${usage}`);
        process.exit(2);
      }
      return v;
    };
    if (a === '--epochs') config.epochs = num();
    else if (a === '--eval-every') config.evalEvery = num();
    else if (a === '--lr') config.lr = num();
    else if (a === '--batch') config.batchSize = num();
    else if (a === '--seed') config.seed = num();
    else if (a === '--limit-train') o.limitTrain = num();
    else if (a === '--limit-test') o.limitTest = num();
    else if (a === '--json') json = true;
    else {
      console.error(`unknown argument ${a}\n${usage}`);
      process.exit(2);
    }
  }
  o.onLine = json ? undefined : (l) => console.log(l);
  runPreset(id, o)
    .then((r) => {
      if (json) console.log(JSON.stringify(r));
      else console.log(`test error= ${r.testError === null ? 'n/a' : (100 * r.testError).toFixed(2) + ' percent'}  median epoch= ${r.medianEpochSeconds.toFixed(2)} s  total= ${r.totalSeconds.toFixed(1)} s`);
    })
    .catch((err) => {
      console.error(err instanceof Error ? err.message : String(err));
      process.exit(1);
    });
}
