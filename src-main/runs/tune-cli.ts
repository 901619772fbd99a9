/**
 * `mlp-studio tune --dataset D --minutes M [--seed S] [--json]`: "find good settings for me"
 * from the command line. Trials train in this process on the CPU, each an ordinary run in
 * the sweep's group (`mlp-studio runs` lists them); a line per trial as it ends, then the
 * chosen settings and their test error, reported once. --json: one JSON object per line
 * (start, trial-start, trial-end, chosen, done or failed).
 */
import { randomBytes } from 'node:crypto';
import { type Command, InvalidArgumentError } from 'commander';
import type { TuneEvent } from '../api/tune-contract';
import { DatasetLibrary } from '../datasets/library';
import { studioHome } from '../paths';
import { createNodeRuntime } from '../runtime/node';
import { pct } from './export';
import { datasetRefOf } from './record';
import { RunStore } from './store';
import { runTune, settingsLine } from './tune';
import { budgetFor, localTrialRunner, secondsPerUnit } from './tune-local';
import type { TrainingHandle } from './training';

interface TuneFlags {
  dataset: string;
  minutes: number;
  seed: number;
  budget?: number;
  limitTrain?: number;
  limitTest?: number;
  runDir?: string;
  json?: boolean;
}

const positive = (name: string) => (v: string) => {
  const n = Number(v);
  if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a positive number`);
  return n;
};
const whole = (name: string, min: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be a whole number of at least ${min}`);
  return n;
};

function sweepId(now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `sweep-${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}-${randomBytes(2).toString('hex')}`;
}

/** One text line per event that a person reads (null: nothing to print). */
export function tuneLine(e: TuneEvent): string | null {
  switch (e.event) {
    case 'start':
      return `settings search ${e.sweep}: seed ${e.seed}, budget ${e.budget} units${e.secondsPerUnit ? ` (about ${Math.round((e.budget * e.secondsPerUnit) / 60)} min here)` : ''}, rungs of ${e.rungs.join(', ')} epochs`;
    case 'trial-end':
      return `trial ${String(e.trial).padStart(2)}  rung ${e.rung} (${e.epochs} epochs)  validation error ${e.validationError === null ? '—' : pct(e.validationError)}  ${settingsLine(e.settings)}  ${e.status === 'failed' ? 'FAILED  ' : ''}at ${e.seconds.toFixed(0)} s  run ${e.runId}`;
    case 'chosen':
      return `chosen: trial ${e.trial} (${settingsLine(e.settings)}, ${e.epochs} epochs), validation error ${pct(e.validationError)}`;
    case 'done':
      return `done: ${e.trials} trials in ${e.seconds.toFixed(0)} s; the chosen run ${e.runId} keeps epoch ${e.checkpointEpoch ?? '—'}, test error ${pct(e.testError)} (reported once; the search chose by validation error)`;
    case 'failed':
      return `failed: ${e.reason}`;
    default:
      return null;
  }
}

async function tune(f: TuneFlags, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const home = studioHome();
  const library = new DatasetLibrary(home);
  const { resolveDataset } = await import('../cli');
  const meta = await resolveDataset(library, f.dataset, f.json ? err : out);
  const data = await library.loadTrainingData(meta.id, { limitTrain: f.limitTrain, limitTest: f.limitTest });
  const runtime = createNodeRuntime('cpu');
  const perUnit = await secondsPerUnit(runtime, data);
  const budget = f.budget ?? budgetFor(f.minutes, perUnit);
  const store = new RunStore(home, f.runDir);
  let current: TrainingHandle | null = null;
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
    current?.stop('Stopped from the keyboard (the settings search ends after this trial).');
  };
  process.on('SIGINT', onSignal);
  try {
    const result = await runTune({
      sweep: sweepId(),
      data: { inputShape: data.sampleShape, inputSize: data.sampleSize, classes: data.classNames.length, trainSamples: data.train.n, ...(data.task ? { task: data.task } : {}) },
      budget,
      // about --minutes: no trial starts after them; with --budget the units alone decide (an exact repeat)
      ...(f.budget === undefined ? { deadlineSeconds: f.minutes * 60 } : {}),
      seed: f.seed,
      secondsPerUnit: perUnit,
      stopped: () => interrupted,
      runner: localTrialRunner({
        store,
        data,
        runtime,
        dataset: datasetRefOf(meta, f),
        onHandle: (h) => (current = h),
      }),
      onEvent: (e) => {
        if (f.json) return out(JSON.stringify(e));
        const line = tuneLine(e);
        if (line) (e.event === 'failed' ? err : out)(line);
      },
    });
    return result.chosen && result.chosen.testError !== null ? 0 : 1;
  } finally {
    process.off('SIGINT', onSignal);
  }
}

/** Adds `tune` to the mlp-studio program. */
export function registerTuneCommand(program: Command, setCode: (c: number) => void, out: () => { out: (s: string) => void; err: (s: string) => void }): void {
  program
    .command('tune')
    .description('find good settings for a dataset: a search (successive halving) over depth, width, learning rate, optimizer, batch, dropout, weight decay and epochs within a time budget, ranked by validation error only; every trial is a run')
    .option('--dataset <ref>', 'mnist (bundled), a library dataset name or id, or a path to import', 'mnist')
    .requiredOption('--minutes <m>', 'the time budget on this machine (about)', positive('minutes'))
    .option('--seed <n>', 'the same seed, data and budget choose the same settings', whole('seed', 0), 0)
    .option('--budget <units>', 'the budget in work units instead of the one --minutes comes to here (printed at the start): repeats a search exactly', positive('budget'))
    .option('--limit-train <n>', 'train on the first N samples only', whole('limit-train', 1))
    .option('--limit-test <n>', 'test on the first N samples only', whole('limit-test', 1))
    .option('--run-dir <dir>', 'folder that holds the run folders (default: the studio data folder)')
    .option('--json', 'one JSON object per line: start, trial-start, trial-end, chosen, done')
    .action(async (f: TuneFlags) => {
      const o = out();
      setCode(await tune(f, o.out, o.err));
    });
}
