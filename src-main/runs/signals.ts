/**
 * Ctrl+C (SIGINT) and SIGTERM (the system, a service manager or another program asking the
 * process to end) both stop a training run the same way: where the epoch stands is saved,
 * run.json says stopped with the reason, and the process exits with 128 + the signal's
 * number (130, 143). A second signal ends the process at once, as usual.
 */
import type { TrainingHandle } from './training';

const WHY: Record<'SIGINT' | 'SIGTERM', string> = {
  SIGINT: 'Stopped from the keyboard (Ctrl+C).',
  SIGTERM: 'Stopped by a request to end the program (SIGTERM).',
};

export interface StopSignals {
  /** the signal that stopped the run, if one did */
  readonly signal: 'SIGINT' | 'SIGTERM' | null;
  /** the exit code for a run that ended `stopped`: 128 + the signal's number (130 when none came) */
  readonly exitCode: number;
  dispose(): void;
}

export function stopOnSignals(handle: Pick<TrainingHandle, 'stop' | 'runId'>): StopSignals {
  let signal: 'SIGINT' | 'SIGTERM' | null = null;
  const on = (s: 'SIGINT' | 'SIGTERM') => () => {
    signal ??= s;
    handle.stop(`${WHY[s]} Resume it with: mlp-studio resume ${handle.runId}`);
  };
  const onInt = on('SIGINT');
  const onTerm = on('SIGTERM');
  process.once('SIGINT', onInt);
  process.once('SIGTERM', onTerm);
  return {
    get signal() {
      return signal;
    },
    get exitCode() {
      return signal === 'SIGTERM' ? 143 : 130;
    },
    dispose() {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    },
  };
}
