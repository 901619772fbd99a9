/** The settings search's pure logic: seeded sampling, ASHA's promotion rule, the budget, the choice. */
import { describe, expect, it } from 'vitest';
import { Rng } from '../engine/rng';
import { Asha, ETA, SEARCH_SPACE, SESSION_UNITS, epochUnits, maxEpochsFor, referenceSettings, roundBudget, rungEpochs, sampleSettings, type DataSize, type Proposal } from './tune-search';

const data: DataSize = { train: 900, inputSize: 784, classes: 10 };

/** a made-up validation error for settings after `epochs`: smaller nets and fewer epochs are worse, deterministic */
function fakeError(p: Proposal, epoch: number): number {
  const s = p.trial.settings;
  return 0.5 / (1 + epoch) + 0.1 / s.hidden.reduce((a, b) => a + b, 0) ** 0.5 + Math.abs(Math.log10(s.lr) + 2) * 0.01;
}

/** drives the search to its end with fakeError; returns the proposals in order */
function drive(asha: Asha): Proposal[] {
  const seen: Proposal[] = [];
  for (let p = asha.next(); p; p = asha.next()) {
    seen.push(p);
    const errors = Array.from({ length: p.toEpoch }, (_, e) => fakeError(p, e + 1));
    asha.report(p.trial, p.rung, errors, p.toEpoch);
  }
  return seen;
}

describe('sampling', () => {
  it('draws the same settings from the same seed, others from another, all inside the space', () => {
    const a = Array.from({ length: 20 }, ((r) => () => sampleSettings(r))(new Rng(7)));
    const b = Array.from({ length: 20 }, ((r) => () => sampleSettings(r))(new Rng(7)));
    const c = Array.from({ length: 20 }, ((r) => () => sampleSettings(r))(new Rng(8)));
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    for (const s of a) {
      expect(SEARCH_SPACE.depths).toContain(s.hidden.length);
      expect(SEARCH_SPACE.widths).toContain(s.hidden[0]);
      const [lo, hi] = SEARCH_SPACE.lr[s.optimizer];
      expect(s.lr).toBeGreaterThanOrEqual(lo * 0.95);
      expect(s.lr).toBeLessThanOrEqual(hi * 1.05);
      expect(SEARCH_SPACE.batchSizes).toContain(s.batchSize);
      expect(SEARCH_SPACE.dropouts).toContain(s.dropout);
      expect(SEARCH_SPACE.weightDecays).toContain(s.weightDecay);
    }
    // twenty draws cover more than one optimizer and depth
    expect(new Set(a.map((s) => s.optimizer)).size).toBeGreaterThan(1);
    expect(new Set(a.map((s) => s.hidden.length)).size).toBeGreaterThan(1);
  });
});

describe('rungs and the cost model', () => {
  it('counts rungs in epochs, 1, 3, 9, …', () => {
    expect(rungEpochs(3)).toEqual([1, 3]);
    expect(rungEpochs(4)).toEqual([1, 4]);
    expect(rungEpochs(9)).toEqual([1, 3, 9]);
    expect(rungEpochs(10)).toEqual([1, 3, 10]);
    expect(rungEpochs(27)).toEqual([1, 3, 9, 27]);
  });

  it('charges more for wider nets, smaller batches, Adam and more samples', () => {
    const r = referenceSettings();
    const u = epochUnits(r, data);
    expect(epochUnits({ ...r, hidden: [1024] }, data)).toBeGreaterThan(u);
    expect(epochUnits({ ...r, batchSize: 32 }, data)).toBeGreaterThan(u);
    expect(epochUnits({ ...r, optimizer: 'adam' }, data)).toBeGreaterThan(u);
    expect(epochUnits(r, { ...data, train: 1800 })).toBeGreaterThan(1.9 * u);
  });

  it('rounds a budget to the nearest of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 × a power of ten; a bigger budget gets a higher top rung', () => {
    expect(roundBudget(1234)).toBe(1200);
    expect(roundBudget(1400)).toBe(1500);
    expect(roundBudget(1500)).toBe(1500);
    expect(roundBudget(2999)).toBe(3000);
    expect(roundBudget(49_586)).toBe(50_000);
    expect(roundBudget(93_000)).toBe(100_000);
    expect(roundBudget(0.042)).toBe(0.04);
    // noise of a few percent leaves it where it was
    expect(roundBudget(49_586 * 1.05)).toBe(roundBudget(49_586 * 0.95));
    const ref = epochUnits(referenceSettings(), data);
    expect(maxEpochsFor(5 * ref, data)).toBe(3);
    expect(maxEpochsFor(25 * ref, data)).toBe(15);
    expect(maxEpochsFor(1000 * ref, data)).toBe(27);
  });

  it('tries only networks whose first epoch fits in a tenth of a short budget', () => {
    const ref = epochUnits(referenceSettings(), data);
    const short = new Asha(1, 20 * ref, data);
    const proposals = drive(short);
    expect(proposals.length).toBeGreaterThan(0);
    for (const p of proposals.filter((q) => q.kind === 'new')) expect(p.cost - SESSION_UNITS).toBeLessThanOrEqual(short.budget / 10);
    // a long budget also tries the large ones
    const long = new Asha(1, 2000 * ref, data);
    drive(long);
    expect(Math.max(...long.trials.map((t) => epochUnits(t.settings, data)))).toBeGreaterThan(short.budget / 10);
  });
});

describe('asynchronous successive halving', () => {
  it('starts new trials until a rung holds η results, then promotes the best not yet promoted', () => {
    const asha = new Asha(1, 1e9, data, { maxEpochs: 9 });
    const p1 = asha.next()!;
    const p2 = asha.next()!;
    expect([p1.kind, p2.kind]).toEqual(['new', 'new']);
    asha.report(p1.trial, 0, [0.3], 1);
    asha.report(p2.trial, 0, [0.2], 1);
    // two results at rung 0: ⌊2/3⌋ = 0 may go on
    const p3 = asha.next()!;
    expect(p3.kind).toBe('new');
    asha.report(p3.trial, 0, [0.4], 1);
    // three results: the best (trial 2) goes to rung 1, from epoch 1 to 3
    const p4 = asha.next()!;
    expect(p4).toMatchObject({ kind: 'promote', rung: 1, fromEpoch: 1, toEpoch: 3 });
    expect(p4.trial.index).toBe(2);
    asha.report(p4.trial, 1, [0.2, 0.15, 0.12], 3);
    // trial 2 was promoted from rung 0 already: the next is new
    expect(asha.next()!.kind).toBe('new');
  });

  it('ranks ties by trial number and never promotes a failed trial', () => {
    const asha = new Asha(2, 1e9, data, { maxEpochs: 9 });
    const ps = [asha.next()!, asha.next()!, asha.next()!];
    asha.report(ps[0].trial, 0, [null], 0, true);
    asha.report(ps[1].trial, 0, [0.25], 1);
    asha.report(ps[2].trial, 0, [0.25], 1);
    expect(asha.ranked(0).map((t) => t.index)).toEqual([2, 3]);
    // two good results of three trials: ⌊2/3⌋ = 0, so a new trial rather than a promotion
    expect(asha.next()!.kind).toBe('new');
  });

  it('scores a rung by the lowest validation error up to its epoch (the kept checkpoint), not the last', () => {
    const asha = new Asha(3, 1e9, data, { maxEpochs: 9 });
    const p = asha.next()!;
    asha.report(p.trial, 0, [0.3, 0.1, 0.05], 1);
    expect(p.trial.scores[0]).toBe(0.3);
    asha.report(p.trial, 1, [0.3, 0.1, 0.2], 3);
    expect(p.trial.scores[1]).toBe(0.1);
  });

  it('keeps within the budget the work to finish the best trial, and is the same for the same seed and budget', () => {
    const budget = 400 * epochUnits(referenceSettings(), data);
    const a = new Asha(5, budget, data);
    const run = drive(a);
    expect(a.spent + a.finishCost(a.chosen()!.trial)).toBeLessThanOrEqual(budget);
    // it used most of it
    expect(a.spent + a.finishCost(a.chosen()!.trial)).toBeGreaterThan(0.8 * budget);
    expect(run.reduce((s, p) => s + p.cost, 0)).toBeCloseTo(a.spent, 6);
    expect(run.length).toBeGreaterThan(ETA * ETA);
    // every promotion went to a trial in the top 1/η of its rung
    expect(run.some((p) => p.kind === 'promote' && p.rung === a.rungs.length - 1)).toBe(true);
    const b = new Asha(5, budget, data);
    const again = drive(b);
    expect(again.map((p) => [p.kind, p.trial.index, p.rung, p.trial.settings])).toEqual(run.map((p) => [p.kind, p.trial.index, p.rung, p.trial.settings]));
    expect(b.chosen()!.trial.index).toBe(a.chosen()!.trial.index);
    // another seed draws other trials
    const c = new Asha(6, budget, data);
    drive(c);
    expect(c.trials.map((t) => t.settings)).not.toEqual(a.trials.map((t) => t.settings));
    // a larger budget extends the same sequence (the cut point only ends it later)
    const d = new Asha(5, budget * 1.5, data, { maxEpochs: a.maxEpochs });
    const longer = drive(d);
    expect(longer.slice(0, run.length).map((p) => [p.kind, p.trial.index, p.rung])).toEqual(run.map((p) => [p.kind, p.trial.index, p.rung]));
  });

  it('chooses the lowest validation error at the highest rung reached', () => {
    const asha = new Asha(9, 1e9, data, { maxEpochs: 3 });
    const ps = [asha.next()!, asha.next()!, asha.next()!];
    ps.forEach((p, i) => asha.report(p.trial, 0, [[0.3, 0.1, 0.2][i]], 1));
    const promoted = asha.next()!;
    expect(promoted.trial.index).toBe(2);
    asha.report(promoted.trial, 1, [0.1, 0.09, 0.08], 3);
    // trial 2 is the only one at rung 1: chosen even if a rung-0 score were lower
    const p = asha.next()!;
    asha.report(p.trial, 0, [0.01], 1);
    expect(asha.chosen()).toMatchObject({ rung: 1, trial: { index: 2 } });
    expect(asha.finishCost(promoted.trial)).toBe(0);
    expect(asha.finishCost(p.trial)).toBeGreaterThan(0);
  });
});
