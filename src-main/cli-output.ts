/**
 * How the CLI shows training: the lecture's epoch line, the test line, a progress bar
 * during each epoch (on a terminal), and the reason when a run stops or fails. Shared by
 * `train`, `resume` and `run replay --start`.
 */
import cliProgress from 'cli-progress';
import type { TrainResult } from './engine/trainer';
import type { TrainEvent } from './engine/types';

export const percent = (x: number): string => (100 * x).toFixed(2);

/** A progress bar on stderr, or null when stderr is not a terminal (or it is not wanted). */
export function epochBar(wanted: boolean): cliProgress.SingleBar | null {
  if (!wanted || !process.stderr.isTTY) return null;
  return new cliProgress.SingleBar(
    { format: ' epoch {epoch} [{bar}] {value}/{total} steps  loss {loss}  ETA {eta}s', stream: process.stderr, clearOnComplete: true, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
}

/** Prints one training event as text: `epoch= 3  loss= 0.5419  error= 13.74 percent  time= 5.1 s`. */
export function printTrainEvent(e: TrainEvent, out: (s: string) => void, err: (s: string) => void, bar: cliProgress.SingleBar | null): void {
  switch (e.event) {
    case 'batch':
      if (bar) {
        if (e.step === 1) bar.start(e.stepsPerEpoch, 0, { epoch: e.epoch, loss: '-' });
        bar.update(e.step, { epoch: e.epoch, loss: e.loss.toFixed(4) });
      }
      break;
    case 'epoch':
      bar?.stop();
      out(`epoch= ${e.epoch}  loss= ${e.loss.toFixed(4)}  error= ${percent(e.error)} percent  time= ${e.seconds.toFixed(1)} s  lr= ${e.lr}`);
      break;
    case 'test':
      out(`test: epoch= ${e.epoch}  loss= ${e.loss.toFixed(4)}  error= ${percent(e.error)} percent`);
      break;
    case 'validation':
      // the event counts epochs from 1; the lines count them from 0, as the lecture prints them
      out(`validation: epoch= ${e.epoch - 1}  loss= ${e.loss.toFixed(4)}  error= ${percent(e.error)} percent`);
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
 * validation error and test error (measured once it is kept), why it stopped early and what
 * went wrong when it learned nothing.
 */
export function doneFigures(r: TrainResult): { validationError: number | null; checkpointEpoch: number | null; testError: number | null; stoppedEarly?: string; diagnosis?: string } {
  return {
    validationError: r.validationError ?? null,
    checkpointEpoch: r.checkpointEpoch ?? null,
    testError: r.testError,
    ...(r.stoppedEarly ? { stoppedEarly: r.stoppedEarly } : {}),
    ...(r.diagnosis ? { diagnosis: r.diagnosis } : {}),
  };
}

/** The text lines that end a finished run: the kept model's figures, an early stop, a problem. */
export function doneLines(r: TrainResult, runDir: string, pct: (x: number) => string = (x) => `${percent(x)} percent`): string[] {
  const test = r.testError === null ? 'n/a' : pct(r.testError);
  const kept = r.checkpointEpoch ? ` (the model after ${r.checkpointEpoch} epoch${r.checkpointEpoch === 1 ? '' : 's'}${r.validationError != null ? `, validation error ${pct(r.validationError)}` : ''})` : '';
  const lines: string[] = [];
  if (r.stoppedEarly) lines.push(r.stoppedEarly);
  lines.push(`done: test error ${test}${kept}; run folder ${runDir}`);
  if (r.diagnosis) lines.push(`problem: ${r.diagnosis}`);
  return lines;
}
