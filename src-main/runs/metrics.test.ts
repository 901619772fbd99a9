import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BATCHES_PER_EPOCH_ON_DISK, FORMAT_LINE, MetricsWriter, parseMetrics, readMetrics, repairTail, thinBatches } from './metrics';

let dir: string;
let file: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-metrics-'));
  file = path.join(dir, 'metrics.jsonl');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const epoch = (n: number) => ({ event: 'epoch' as const, epoch: n, loss: 1 / (n + 1), error: 0.5 / (n + 1), seconds: 1, lr: 0.1 });

describe('metrics.jsonl', () => {
  it('appends and reads back records in order', () => {
    const w = new MetricsWriter(file);
    w.append(epoch(1), 1000);
    w.append({ event: 'test', epoch: 1, loss: 0.3, error: 0.1 }, 1001);
    const r = readMetrics(file);
    expect(r.records).toEqual([
      { ...epoch(1), t: 1000 },
      { event: 'test', epoch: 1, loss: 0.3, error: 0.1, t: 1001 },
    ]);
    expect(r.tornTail).toBe(false);
    expect(r.problems).toEqual([]);
  });

  it('tolerates a torn last line, and a new writer cuts it off before appending', () => {
    const w = new MetricsWriter(file);
    w.append(epoch(1));
    fs.appendFileSync(file, '{"event":"epoch","epoch":2,"lo');
    const r = readMetrics(file);
    expect(r.tornTail).toBe(true);
    expect(r.records.map((x) => x.event)).toEqual(['epoch']);
    const w2 = new MetricsWriter(file);
    w2.append(epoch(2));
    const text = fs.readFileSync(file, 'utf8');
    // each writer starts with the format line
    expect(text.split('\n').filter(Boolean).map((l) => JSON.parse(l).epoch ?? JSON.parse(l).event)).toEqual(['format', 1, 'format', 2]);
  });

  it('keeps a complete last record that only lost its newline', () => {
    fs.writeFileSync(file, JSON.stringify({ ...FORMAT_LINE, t: 0 }) + '\n' + JSON.stringify({ ...epoch(1), t: 1 }) + '\n' + JSON.stringify({ ...epoch(2), t: 2 }));
    expect(repairTail(file)).toBe(0);
    expect(readMetrics(file).records).toHaveLength(2);
    new MetricsWriter(file).append(epoch(3));
    expect(readMetrics(file).records.map((r) => (r as { epoch: number }).epoch)).toEqual([1, 2, 3]);
  });

  it('reports a damaged middle line with its line number and skips it', () => {
    const r = parseMetrics('{"event":"epoch","epoch":1,"loss":1,"error":1,"seconds":1,"lr":1,"t":1}\nnot json\n{"x":1}\n', 'm.jsonl');
    expect(r.records).toHaveLength(1);
    expect(r.problems.map((p) => p.line)).toEqual([2, 3]);
    expect(r.problems[0].message).toMatch(/m\.jsonl, line 2: not valid JSON/);
  });

  it('a resume marker supersedes events of epochs after the checkpoint', () => {
    // epochs 1..3 were logged, the run died during epoch 4, the checkpoint holds 2 epochs
    const w = new MetricsWriter(file);
    for (let e = 1; e <= 3; e++) w.append(epoch(e));
    w.append({ event: 'batch', epoch: 4, step: 30, stepsPerEpoch: 10, loss: 1, error: 1, lr: 0.1 });
    w.append({ event: 'stopped', epoch: 4, reason: 'user' });
    w.append({ event: 'resume', epoch: 2 });
    w.append(epoch(3));
    const evs = readMetrics(file).records.map((r) => `${r.event}${'epoch' in r ? r.epoch : ''}`);
    expect(evs).toEqual(['epoch1', 'epoch2', 'stopped4', 'resume2', 'epoch3']);
  });

  it('a resume inside an epoch keeps that epoch\'s batches up to its step and drops the rest', () => {
    const w = new MetricsWriter(file);
    const batch = (e: number, step: number) => ({ event: 'batch' as const, epoch: e, step, stepsPerEpoch: 10, loss: 1, error: 1, lr: 0.1 });
    w.append(epoch(1));
    for (let s = 1; s <= 5; s++) w.append(batch(2, s));
    w.append({ event: 'stopped', epoch: 2, reason: 'user' });
    // mid-epoch.ckpt was written after step 3 of epoch 2 (a later crash lost the newer one)
    w.append({ event: 'resume', epoch: 1, step: 3 });
    w.append(batch(2, 4));
    const evs = readMetrics(file).records.map((r) => `${r.event}${'epoch' in r ? r.epoch : ''}${'step' in r ? `.${r.step}` : ''}`);
    expect(evs).toEqual(['epoch1', 'batch2.1', 'batch2.2', 'batch2.3', 'stopped2', 'resume1.3', 'batch2.4']);
  });

  it('a missing file reads as empty; a file of only a fragment is cut to nothing', () => {
    expect(readMetrics(path.join(dir, 'none.jsonl')).records).toEqual([]);
    fs.writeFileSync(file, '{"ev');
    expect(repairTail(file)).toBe(4);
    expect(fs.readFileSync(file, 'utf8')).toBe('');
  });

  it('stores about BATCHES_PER_EPOCH_ON_DISK batch events per epoch, always the first and the last step', () => {
    const w = new MetricsWriter(file);
    const steps = 3000;
    for (let s = 1; s <= steps; s++) w.append({ event: 'batch', epoch: 1, step: s, stepsPerEpoch: steps, loss: 1, error: 0, lr: 0.1 });
    w.append({ event: 'done', epochs: 1, testError: null, seconds: 1 });
    const kept = readMetrics(file).records.filter((r) => r.event === 'batch').map((r) => (r as { step: number }).step);
    expect(kept.length).toBeLessThanOrEqual(BATCHES_PER_EPOCH_ON_DISK + 2);
    expect(kept.length).toBeGreaterThanOrEqual(BATCHES_PER_EPOCH_ON_DISK - 2);
    expect(kept[0]).toBe(1);
    expect(kept.at(-1)).toBe(steps);
    // small epochs keep every step
    const w2 = new MetricsWriter(file);
    for (let s = 1; s <= 7; s++) w2.append({ event: 'batch', epoch: 2, step: s, stepsPerEpoch: 7, loss: 1, error: 0, lr: 0.1 });
    w2.close();
    expect(readMetrics(file).records.filter((r) => r.event === 'batch' && r.epoch === 2)).toHaveLength(7);
  });

  it("reads a run of an older studio (0-based epochs, no format line) with epochs from 1, and one continued by this studio as well", () => {
    const old = fs.readFileSync(new URL('../../tests/fixtures/old-run/metrics.jsonl', import.meta.url), 'utf8');
    fs.writeFileSync(file, old);
    const before = readMetrics(file).records.map((r) => `${r.event}${'epoch' in r ? r.epoch : ''}${'step' in r ? `.${r.step}` : ''}`);
    // the fixture: two epochs, a test report after the second, stopped inside the third at step 2
    expect(before).toEqual(['start', 'batch1.1', 'batch1.2', 'epoch1', 'validation1', 'batch2.1', 'batch2.2', 'epoch2', 'test2', 'validation2', 'batch3.1', 'batch3.2', 'stopped3']);
    // this studio continues it from the checkpoint after epoch 2, inside epoch 3 at step 1
    const w = new MetricsWriter(file);
    w.append({ event: 'resume', epoch: 2, step: 1 });
    w.append({ event: 'batch', epoch: 3, step: 2, stepsPerEpoch: 2, loss: 0.5, error: 0.2, lr: 0.1 });
    w.append(epoch(3));
    w.close();
    const after = readMetrics(file).records.map((r) => `${r.event}${'epoch' in r ? r.epoch : ''}${'step' in r ? `.${r.step}` : ''}`);
    expect(after).toEqual(['start', 'batch1.1', 'batch1.2', 'epoch1', 'validation1', 'batch2.1', 'batch2.2', 'epoch2', 'test2', 'validation2', 'batch3.1', 'stopped3', 'resume2.1', 'batch3.2', 'epoch3']);
  });

  it('thins batch events to about the requested number, keeping all others', () => {
    const recs = [...Array.from({ length: 5000 }, () => ({ event: 'batch' })), { event: 'epoch' }];
    const thin = thinBatches(recs, 1000);
    expect(thin.filter((r) => r.event === 'batch').length).toBeLessThanOrEqual(1000);
    expect(thin.filter((r) => r.event === 'batch').length).toBeGreaterThan(900);
    expect(thin.at(-1)!.event).toBe('epoch');
  });
});
