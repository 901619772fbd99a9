/**
 * How the CLI shows training: the lecture's epoch line, the test line, a progress bar
 * during each epoch (on a terminal), and the reason when a run stops or fails. Shared by
 * `train`, `resume` and `run replay --start`.
 */
import cliProgress from 'cli-progress';
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
    case 'stopped':
    case 'failed':
      bar?.stop();
      err(e.reason);
      break;
    default:
      break;
  }
}
