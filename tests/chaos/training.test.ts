/**
 * Chaos, training half (issue 15): real `mlp-studio train` processes SIGKILLed at seeded
 * random points (while starting, creating the run, training, writing checkpoints, finishing),
 * then `mlp-studio resume` (itself killed too in every other trial, then resumed again). Each
 * trial must end bit-identical to an uninterrupted run of the same settings (parameters,
 * optimizer state, test errors, the best, one epoch line per epoch with the same means), or
 * be refused with a clear message (a kill before the run existed leaves nothing to resume);
 * never is an earlier dataset or run lost, nor a run folder hidden. CHAOS_SEED picks other
 * points; CHAOS_TRIALS more trials.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DatasetLibrary } from '../../src-main/datasets/library';
import type { LoadedCheckpoint } from '../../src-main/runs/checkpoint';
import type { MetricRecord } from '../../src-main/runs/metrics';
import { RunStore } from '../../src-main/runs/store';
import { cli, runIdIn, tinyTrainArgs, writeTinyCsv, type CliResult } from './cli-harness';
import { SEED, TRIALS, rng } from './chaos-settings';

const EPOCHS = 6;

let home: string;
let store: RunStore;
/** the uninterrupted run: its id, final checkpoint, and how long training took after "run:" */
let ref: { id: string; final: LoadedCheckpoint; trainMs: number; startMs: number; epochs: [number, number][] };

const bytes = (a: Float32Array[]) => Buffer.concat(a.map((t) => Buffer.from(t.buffer, t.byteOffset, t.byteLength)));
const epochMeans = (records: MetricRecord[]) => records.flatMap((r) => (r.event === 'epoch' ? [[r.loss, r.error] as [number, number]] : []));

async function finalOf(id: string): Promise<LoadedCheckpoint> {
  return (await store.checkpoints(await store.get(id)).load(EPOCHS)).checkpoint;
}

/**
 * Runs `args` and SIGKILLs it `afterMs` after spawning (`at: 'spawn'`), or after it prints the
 * line `at` matches (an epoch's line: its test, checkpoint, best and run.json follow).
 */
function killedRun(args: string[], at: RegExp | 'spawn', afterMs: number): Promise<CliResult> {
  let armed = false;
  return cli(home, args, (text, child) => {
    if (armed || (at !== 'spawn' && !at.test(text))) return;
    armed = true;
    setTimeout(() => child.kill('SIGKILL'), afterMs);
  });
}

const exitOf = (r: CliResult) => r.signal ?? `exit ${r.code}${r.code ? `: ${r.stderr.trim().split('\n').at(-1)}` : ''}`;

beforeAll(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'mlps-chaos-train-'));
  store = new RunStore(home);
  const csv = path.join(home, 'tiny.csv');
  writeTinyCsv(csv);
  const t0 = Date.now();
  let seenRun = 0;
  const r = await cli(home, tinyTrainArgs(csv, EPOCHS), (text) => void (seenRun ||= runIdIn(text) ? Date.now() : 0));
  const tEnd = Date.now();
  expect(r.code, r.stderr).toBe(0);
  // a finished run is refused clearly by resume
  const again = await cli(home, ['resume', runIdIn(r.stdout)!, '--no-progress']);
  expect(again.code).toBe(1);
  expect(again.stderr).toMatch(/has finished all 6 epochs; nothing to resume/);
  const id = runIdIn(r.stdout)!;
  ref = { id, final: await finalOf(id), trainMs: tEnd - seenRun, startMs: seenRun - t0, epochs: epochMeans(store.metrics(id).records) };
  expect(ref.epochs).toHaveLength(EPOCHS);
}, 120_000);
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

/** every run folder is listed; the dataset and every run that had finished are still whole */
async function nothingLost(finished: string[]): Promise<void> {
  const folders = fs.readdirSync(store.dir).filter((n) => !n.startsWith('.'));
  const listed = await store.list();
  expect(listed.map((s) => s.id).sort()).toEqual(folders.sort());
  for (const id of finished) {
    expect((await store.get(id)).status).toBe('finished');
    expect(bytes((await finalOf(id)).state.params).equals(bytes(ref.final.state.params))).toBe(true);
  }
  expect((await new DatasetLibrary(home).list()).map((d) => d.name)).toContain('tiny');
}

/** the run ended exactly as the uninterrupted one */
async function sameAsReference(id: string, outcome: string): Promise<void> {
  const r = await store.get(id);
  const why = `${outcome}\nrun.json: ${JSON.stringify({ progress: r.progress, resumes: r.resumes })}\ncheckpoints: ${JSON.stringify((await store.checkpoints(r).list()).map((c) => [c.kind, c.epoch, c.testError]))}\nreference: ${JSON.stringify((await store.get(ref.id)).progress)}`;
  expect(r.status).toBe('finished');
  const final = await finalOf(id);
  expect(bytes(final.state.params).equals(bytes(ref.final.state.params))).toBe(true);
  expect(bytes(final.state.optimizerState).equals(bytes(ref.final.state.optimizerState))).toBe(true);
  expect(final.testError).toBe(ref.final.testError);
  const refRecord = await store.get(ref.id);
  expect(r.progress, why).toMatchObject({ epochsDone: EPOCHS, bestTestError: refRecord.progress.bestTestError, bestEpoch: refRecord.progress.bestEpoch, lastTestError: refRecord.progress.lastTestError });
  expect(epochMeans(store.metrics(id).records)).toEqual(ref.epochs);
}

it(`${TRIALS} trainings SIGKILLed at seeded random points resume to the uninterrupted result, or are refused clearly`, { timeout: 600_000 }, async () => {
  const rand = rng(SEED);
  const outcomes: string[] = [];
  const finished = [ref.id];
  let identical = 0;
  for (let trial = 0; trial < TRIALS; trial++) {
    const before = new Set(fs.readdirSync(store.dir));
    // one in four kills lands while starting (loading the data, creating the run); the rest in
    // a random epoch, a random time after its line (its test, checkpoint, best, run.json follow)
    const at = trial % 4 === 3 ? 'spawn' : Math.floor(rand() * EPOCHS);
    const delay = Math.round(rand() * (at === 'spawn' ? 0.7 * ref.startMs : (1.5 * ref.trainMs) / EPOCHS));
    const killed = await killedRun(tinyTrainArgs('tiny', EPOCHS), at === 'spawn' ? at : new RegExp(`^epoch= ${at} `, 'm'), delay);
    const id = runIdIn(killed.stdout) ?? fs.readdirSync(store.dir).find((n) => !before.has(n)) ?? null;
    let outcome = `trial ${trial}: train killed ${delay} ms after ${at === 'spawn' ? 'spawn' : `epoch ${at}'s line`} (${exitOf(killed)})`;
    // the process either died of the kill or had ended on its own, successfully
    expect(killed.signal === 'SIGKILL' || killed.code === 0, `${outcome}\n${killed.stderr}`).toBe(true);
    await nothingLost(finished);
    if (!id) {
      outcomes.push(`${outcome}; no run folder had been created: nothing to resume`);
      continue;
    }
    if (!fs.existsSync(store.paths(id).runJson)) {
      // killed between the folder and its run.json: listed as failed, and resume says why
      const refused = await cli(home, ['resume', id, '--no-progress']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/has no run\.json .*delete the folder/);
      outcomes.push(`${outcome}; resume refused: the folder has no run.json`);
      continue;
    }
    // resume until finished; in every other trial the first resume is killed too
    for (let attempt = 0; (await store.get(id)).status !== 'finished'; attempt++) {
      expect(attempt, outcome).toBeLessThan(3);
      if (attempt === 0 && trial % 2 === 1) {
        const d2 = Math.round(rand() * ref.trainMs);
        const k2 = await killedRun(['resume', id, '--no-progress'], /^resuming run /m, d2);
        outcome += `; resume killed ${d2} ms after it started (${exitOf(k2)})`;
      } else {
        const resumed = await cli(home, ['resume', id, '--no-progress']);
        expect(resumed.code, resumed.stderr).toBe(0);
        outcome += `; resumed from epoch ${/from epoch (\d+)/.exec(resumed.stdout)?.[1] ?? '?'}`;
      }
      await nothingLost(finished);
    }
    await sameAsReference(id, outcome);
    identical++;
    finished.push(id);
    await nothingLost(finished);
    outcomes.push(`${outcome}; identical to the uninterrupted run`);
  }
  console.log(`chaos training (seed ${SEED}):\n  ${outcomes.join('\n  ')}`);
  const interrupted = outcomes.filter((o) => /SIGKILL/.test(o)).length;
  expect(interrupted, outcomes.join('\n')).toBeGreaterThanOrEqual(Math.ceil(TRIALS / 2));
  expect(identical, outcomes.join('\n')).toBeGreaterThanOrEqual(Math.ceil(TRIALS / 2));
});
