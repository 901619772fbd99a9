/** The one list of run statuses and its predicates (engine/run-status.ts), and the lists run.json and a window's report take, derived from it. */
import { describe, expect, it } from 'vitest';
import { END_STATUSES, RECORDED_STATUSES, REPORTED_STATUSES, RUN_STATUSES, afterEpochsText, canResume, hasTrainedNetwork, isActive, isEnded, isFinished, isTraining } from '../engine/run-status';
import { DIVERGED } from '../engine/types';
import { runStatusSchema } from './record';
import { browserRunReportSchema } from '../api/schemas';

describe('run status', () => {
  it('sorts every status into active or ended, never both', () => {
    for (const s of RUN_STATUSES) expect(isActive(s) !== isEnded(s)).toBe(true);
    expect(RUN_STATUSES.filter(isActive)).toEqual(['queued', 'running', 'paused']);
    expect(RUN_STATUSES.filter(isEnded)).toEqual([...END_STATUSES]);
    expect(RUN_STATUSES.filter(isTraining)).toEqual(['queued', 'running']);
    expect(RUN_STATUSES.filter(isFinished)).toEqual(['finished']);
  });

  it('lets a stopped or failed run continue, but not a diverged one, a finished one or one training', () => {
    expect(RUN_STATUSES.filter((status) => canResume({ status }))).toEqual(['stopped', 'failed']);
    expect(canResume({ status: 'failed', reason: `The loss became NaN at epoch 3, step 2: ${DIVERGED}.` })).toBe(false);
    expect(canResume({ status: 'failed', reason: 'the studio closed' })).toBe(true);
  });

  it('has a trained network after an epoch, unless it is training right now', () => {
    expect(hasTrainedNetwork({ status: 'stopped', epochsDone: 0 })).toBe(false);
    expect(RUN_STATUSES.filter((status) => hasTrainedNetwork({ status, epochsDone: 1 }))).toEqual(['paused', 'finished', 'stopped', 'failed']);
  });

  it('says where an unfinished run stood in epochs counted from 1', () => {
    expect(afterEpochsText(0)).toBe('during its first epoch');
    expect(afterEpochsText(3)).toBe('after epoch 3');
  });

  it("is the list run.json's schema and a window's report take", () => {
    for (const s of RUN_STATUSES) {
      expect(runStatusSchema.safeParse(s).success).toBe((RECORDED_STATUSES as readonly string[]).includes(s));
      expect(browserRunReportSchema.safeParse({ events: [], status: s }).success).toBe((REPORTED_STATUSES as readonly string[]).includes(s));
    }
    expect(RECORDED_STATUSES).not.toContain('queued');
    expect(REPORTED_STATUSES).not.toContain('queued');
  });
});
