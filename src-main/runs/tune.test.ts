/**
 * A small settings search end to end through the run store on a toy dataset: every trial is
 * a run of the sweep's group, rungs stop and continue runs, the chosen run finishes with its
 * test error; the same seed repeats the search; shuffled test labels change nothing chosen.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TuneEvent } from '../api/tune-contract';
import type { TrainingData } from '../engine/types';
import { createNodeRuntime } from '../runtime/node';
import { toyImages } from '../../tests/helpers/toy';
import { RunStore } from './store';
import { runTune, type TuneResult } from './tune';
import { localTrialRunner, rungStopReason } from './tune-local';
import { SESSION_UNITS, epochUnits, referenceSettings } from './tune-search';

const homes: string[] = [];
afterAll(() => homes.forEach((h) => fs.rmSync(h, { recursive: true, force: true })));

const dataset = { id: 'toy', name: 'Toy bars', contentHash: 'toy-hash' };
const base = toyImages(150, 60);
const size = { train: 135, inputSize: 16, classes: 3 };
// on 16 inputs the hidden-to-hidden layers dominate the cost: a budget of a few epochs of the
// largest trial holds several trials and promotions on 150 samples
const BUDGET = 3 * epochUnits({ ...referenceSettings(), hidden: [1024, 1024], batchSize: 32 }, size) + 12 * SESSION_UNITS;

async function search(data: TrainingData, seed: number): Promise<{ result: TuneResult; events: TuneEvent[]; store: RunStore }> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-tune-'));
  homes.push(home);
  const store = new RunStore(home);
  const events: TuneEvent[] = [];
  const result = await runTune({
    sweep: `sweep-test-${seed}`,
    data: { inputShape: data.sampleShape, inputSize: data.sampleSize, classes: data.classNames.length, trainSamples: data.train.n },
    budget: BUDGET,
    seed,
    maxEpochs: 3,
    runner: localTrialRunner({ store, data, dataset, runtime: createNodeRuntime('cpu') }),
    onEvent: (e) => events.push(e),
  });
  return { result, events, store };
}

/** what the search saw and chose: trials, rungs, validation errors, the chosen settings */
const choices = (r: TuneResult) => ({ history: r.history, chosen: r.chosen && { trial: r.chosen.trial, settings: r.chosen.settings, validationError: r.chosen.validationError, checkpointEpoch: r.chosen.checkpointEpoch } });

describe('settings search through the run store', () => {
  let first: Awaited<ReturnType<typeof search>>;

  it('trains every trial as a run of the sweep group and finishes the chosen one with its test error', async () => {
    first = await search(base, 3);
    const { result, events, store } = first;
    expect(result.chosen).not.toBeNull();
    const runs = await store.list();
    expect(runs.length).toBe(result.trials);
    expect(runs.every((r) => r.group === result.sweep)).toBe(true);
    // a promotion continues the same run: some trial trained in more than one session
    expect(events.filter((e) => e.event === 'trial-start' && e.fromEpoch > 0).length).toBeGreaterThan(0);
    const chosen = await store.get(result.chosen!.runId);
    expect(chosen.status).toBe('finished');
    expect(chosen.progress.epochsDone).toBe(3);
    expect(chosen.group).toBe(result.sweep);
    expect(result.chosen!.testError).toBe(chosen.progress.testError);
    expect(result.chosen!.testError).toBeLessThan(0.5);
    // trials left at a rung stay stopped, saying why
    const paused = runs.filter((r) => r.status === 'stopped');
    expect(paused.length).toBeGreaterThan(0);
    expect(paused[0].reason).toBe(rungStopReason(1));
    const done = events.at(-1)!;
    expect(done).toMatchObject({ event: 'done', runId: result.chosen!.runId, testError: result.chosen!.testError });
    expect(events.filter((e) => e.event === 'done').length).toBe(1);
  }, 240_000);

  it('repeats itself with the same seed and data: the same trials, validation errors and choice', async () => {
    const again = await search(base, 3);
    expect(choices(again.result)).toEqual(choices(first.result));
  }, 240_000);

  it('chooses the same with the test labels shuffled: nothing chosen reads them', async () => {
    const y = Int32Array.from(base.test.y);
    for (let i = y.length - 1; i > 0; i--) {
      const j = (i * 7 + 3) % (i + 1);
      [y[i], y[j]] = [y[j], y[i]];
    }
    // a shuffle that moved labels: the test errors differ, the choices must not
    expect(Array.from(y)).not.toEqual(Array.from(base.test.y));
    const shuffled = await search({ ...base, test: { ...base.test, y } }, 3);
    expect(choices(shuffled.result)).toEqual(choices(first.result));
    expect(shuffled.result.chosen!.runId).not.toBe(first.result.chosen!.runId);
  }, 240_000);
});

describe('a search within the time promised', () => {
  it('starts no trial after its deadline, and still finishes the best so far', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-tune-'));
    homes.push(home);
    const store = new RunStore(home);
    const events: TuneEvent[] = [];
    // a clock that moves a second at every look: the first trial ends past a 2.5 s deadline
    let t = 0;
    const result = await runTune({
      sweep: 'sweep-deadline',
      data: { inputShape: base.sampleShape, inputSize: base.sampleSize, classes: base.classNames.length, trainSamples: base.train.n },
      budget: BUDGET,
      seed: 3,
      maxEpochs: 3,
      deadlineSeconds: 2.5,
      now: () => (t += 1000),
      runner: localTrialRunner({ store, data: base, dataset, runtime: createNodeRuntime('cpu') }),
      onEvent: (e) => events.push(e),
    });
    expect(new Set(events.filter((e) => e.event === 'trial-start').map((e) => (e as { trial: number }).trial)).size).toBe(1);
    expect(result.chosen?.trial).toBe(1);
    expect(events.at(-1)).toMatchObject({ event: 'done', trials: 1 });
  }, 240_000);
});

