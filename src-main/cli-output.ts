/**
 * How the CLI shows training: the lecture's epoch line, the test line, a progress bar
 * during each epoch (on a terminal), and the reason when a run stops or fails. Shared by
 * `train`, `resume` and `run replay --start`.
 */
import cliProgress from 'cli-progress';
import type { TrainResult } from './engine/trainer';
import type { RunMetrics, Task, TrainEvent } from './engine/types';

export const percent = (x: number): string => (100 * x).toFixed(2);

/** A value in a number target's units, to 4 significant digits ("12.35", "1,235", "0.01234"). */
export const units = (x: number): string => (Math.abs(x) >= 1e4 ? Math.round(x).toLocaleString('en-US') : String(Number(x.toPrecision(4))));

/** An event's error as the lines print it: "error= 13.74 percent", or for a number "MAE= 12.35" (the target's units). */
const errorText = (x: number, task?: Task): string => (task === 'number' ? `MAE= ${units(x)}` : `error= ${percent(x)} percent`);

/** A number model's test figures: "MAE 1.234, RMSE 1.5, R² 0.9312". */
export function metricsText(m: RunMetrics): string {
  return 'accuracy' in m ? `accuracy ${percent(m.accuracy)} percent` : `MAE ${units(m.mae)}, RMSE ${units(m.rmse)}, R² ${m.r2.toFixed(4)}`;
}

/** A progress bar on stderr, or null when stderr is not a terminal (or it is not wanted). */
export function epochBar(wanted: boolean): cliProgress.SingleBar | null {
  if (!wanted || !process.stderr.isTTY) return null;
  return new cliProgress.SingleBar(
    { format: ' epoch {epoch} [{bar}] {value}/{total} steps  loss {loss}  ETA {eta}s', stream: process.stderr, clearOnComplete: true, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
}

/**
 * Prints one training event as text: `epoch= 3  loss= 0.5419  error= 13.74 percent  time= 5.1 s`;
 * for a number to predict, the mean absolute error in the target's units: `MAE= 12.35`.
 */
export function printTrainEvent(e: TrainEvent, out: (s: string) => void, err: (s: string) => void, bar: cliProgress.SingleBar | null, task?: Task): void {
  switch (e.event) {
    case 'batch':
      if (bar) {
        if (e.step === 1) bar.start(e.stepsPerEpoch, 0, { epoch: e.epoch, loss: '-' });
        bar.update(e.step, { epoch: e.epoch, loss: e.loss.toFixed(4) });
      }
      break;
    case 'epoch':
      bar?.stop();
      // this one line quotes the lecture's print, which counts epochs from 0 (`epoch= 0` is the
      // first); everything else, the event included, counts them from 1
      out(`epoch= ${e.epoch - 1}  loss= ${e.loss.toFixed(4)}  ${errorText(e.error, task)}  time= ${e.seconds.toFixed(1)} s  lr= ${e.lr}`);
      break;
    case 'test':
      out(`test after epoch ${e.epoch}: loss= ${e.loss.toFixed(4)}  ${errorText(e.error, task)}`);
      break;
    case 'validation':
      out(`validation after epoch ${e.epoch}: loss= ${e.loss.toFixed(4)}  ${errorText(e.error, task)}`);
      break;
    case 'stopped':
    case 'failed':
      bar?.stop();
      err(e.reason);
      break;
    default:
      break;
  }
}

/**
 * What the `done` line of `--json` carries about the model a run keeps: its epoch (from 1),
 * validation error and test error (measured once it is kept; for a number, MAEs in the
 * target's units), its test metrics ({ accuracy }, or { mae, rmse, r2 } for a number), why it
 * stopped early and what went wrong when it learned nothing.
 */
export function doneFigures(r: TrainResult): {
  validationError: number | null;
  checkpointEpoch: number | null;
  testError: number | null;
  metrics?: RunMetrics;
  stoppedEarly?: string;
  diagnosis?: string;
} {
  return {
    validationError: r.validationError ?? null,
    checkpointEpoch: r.checkpointEpoch ?? null,
    testError: r.testError,
    ...(r.metrics ? { metrics: r.metrics } : {}),
    ...(r.stoppedEarly ? { stoppedEarly: r.stoppedEarly } : {}),
    ...(r.diagnosis ? { diagnosis: r.diagnosis } : {}),
  };
}

/** The text lines that end a finished run: the kept model's figures, an early stop, a problem. */
export function doneLines(r: TrainResult, runDir: string, pct: (x: number) => string = (x) => `${percent(x)} percent`, task?: Task): string[] {
  const number = task === 'number';
  const test = number ? (r.metrics ? metricsText(r.metrics) : 'n/a') : r.testError === null ? 'n/a' : pct(r.testError);
  const validation = r.validationError == null ? '' : number ? `, validation MAE ${units(r.validationError)}` : `, validation error ${pct(r.validationError)}`;
  const kept = r.checkpointEpoch ? ` (the model after ${r.checkpointEpoch} epoch${r.checkpointEpoch === 1 ? '' : 's'}${validation})` : '';
  const lines: string[] = [];
  if (r.stoppedEarly) lines.push(r.stoppedEarly);
  lines.push(`done: ${number ? 'test' : 'test error'} ${test}${kept}; run folder ${runDir}`);
  if (r.diagnosis) lines.push(`problem: ${r.diagnosis}`);
  return lines;
}
