/**
 * Which checkpoint a run keeps, when it stops early, and what its losses say (issue 12): the
 * lowest validation error chooses (a number to predict: the lowest validation loss; the
 * earlier epoch on a tie); without a validation part the run keeps its last epoch. The test
 * set is never read here.
 */
import type { KeptState } from './trainer-types';

export class RunWatch {
  kept: KeptState | null;
  /** the loss of the run's first step and the mean of its first epoch (null when this session did not see them) */
  firstStepLoss: number | null = null;
  firstEpochLoss: number | null = null;
  maxEpochLoss: number | null = null;

  constructor(resumed: KeptState | null) {
    this.kept = resumed;
  }

  /** a step's loss (epoch from 0, step from 1) */
  onStep(epoch: number, step: number, loss: number): void {
    if (epoch === 0 && step === 1) this.firstStepLoss = loss;
  }

  /** an epoch's mean loss (epoch from 0) */
  onEpoch(epoch: number, loss: number): void {
    if (epoch === 0 && this.firstStepLoss !== null) this.firstEpochLoss = loss;
    if (this.maxEpochLoss === null || loss > this.maxEpochLoss) this.maxEpochLoss = loss;
  }

  /**
   * After epoch `epoch` (from 1): keeps it when its validation error beats the kept one's (a
   * copy of its parameters), or always without a validation part (null error; the parameters
   * are then the current ones at the end). With `validationLoss` (a number to predict) the
   * loss chooses instead of the error. Returns whether it is now the kept epoch.
   */
  async choose(epoch: number, validationError: number | null, params: () => Promise<Float32Array[]>, validationLoss?: number): Promise<boolean> {
    if (validationError === null) {
      this.kept = { epoch, validationError: null, params: [] };
      return true;
    }
    const k = this.kept;
    const byLoss = validationLoss !== undefined;
    const score = byLoss ? validationLoss : validationError;
    const keptScore = byLoss ? k?.validationLoss : k?.validationError;
    if (k && keptScore != null && !(score < keptScore)) return false;
    this.kept = { epoch, validationError, params: await params(), ...(byLoss ? { validationLoss } : {}) };
    return true;
  }

  /** After epoch `epoch` (from 1): why to stop now, or null (patience 0: never). */
  stopEarly(epoch: number, patience: number, lastEpoch: boolean): string | null {
    const k = this.kept;
    if (!(patience > 0) || lastEpoch || !k || k.validationError === null) return null;
    const since = epoch - k.epoch;
    if (since < patience) return null;
    const what = k.validationLoss !== undefined ? 'validation loss' : 'validation error';
    return `Stopped early after epoch ${epoch}: the ${what} had not improved for ${since} epochs since epoch ${k.epoch}, which the run keeps.`;
  }
}
