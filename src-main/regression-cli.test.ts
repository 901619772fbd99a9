/**
 * A number to predict through the command line (issue 11, "Done means"): a CSV whose price is a
 * function of a size, a category and a date imports as a number table; `train --json` ends with
 * a done event that carries mae, rmse and r2 (testError is the MAE); run.json and `run show`
 * carry the same figures; the text output speaks of MAE, never "% wrong".
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EvaluationResult } from './api/contract';
import { Rng } from './engine/rng';
import { runTask } from './worker/tasks';
import { inProcessCli } from '../tests/helpers/cli-in-process';

const { cli, home } = inProcessCli('regression-cli-');

/** price = 1000 + 30·size + district premium + 2·(year − 2000), a little noise, some empty cells */
function housesCsv(rows: number): string {
  const rng = new Rng(5);
  const districts = ['north', 'south', 'east'];
  const premium = [0, 400, -250];
  const lines = ['size,district,sold,price'];
  for (let i = 0; i < rows; i++) {
    const size = 40 + Math.round(rng.next() * 160);
    const d = rng.below(3);
    const year = 2000 + rng.below(20);
    const price = 1000 + 30 * size + premium[d] + 2 * (year - 2000) + rng.normal() * 40;
    const cell = i % 37 === 5 ? '' : String(size);
    lines.push(`${cell},${districts[d]},${year}-0${1 + rng.below(9)}-1${rng.below(10)},${price.toFixed(2)}`);
  }
  return lines.join('\n') + '\n';
}

describe('a number to predict, from the command line', () => {
  let datasetId = '';
  it('import --label-column price makes a number table', async () => {
    const file = path.join(home(), 'houses.csv');
    fs.writeFileSync(file, housesCsv(600));
    const r = await cli('import', file, '--name', 'houses', '--label-column', 'price', '--predict', 'number');
    expect(r.code, r.err.join('\n')).toBe(0);
    const meta = JSON.parse(fs.readFileSync(path.join(home(), 'datasets', fs.readdirSync(path.join(home(), 'datasets')).find((d) => d !== 'mnist' && !d.startsWith('.'))!, 'meta.json'), 'utf8'));
    expect(meta.task).toBe('number');
    datasetId = meta.id;
  });

  it('train --json ends with a done event carrying mae, rmse and r2; run.json and run show agree', async () => {
    const r = await cli('train', '--dataset', 'houses', '--json', '--epochs', '40', '--validation', '0.2', '--seed', '1', '--device', 'cpu');
    expect(r.code, r.err.join('\n')).toBe(0);
    const events = r.out.map((l) => JSON.parse(l) as Record<string, unknown>);
    const done = events.at(-1)!;
    expect(done.event).toBe('done');
    const m = done.metrics as { mae: number; rmse: number; r2: number };
    expect(Object.keys(m).sort()).toEqual(['mae', 'r2', 'rmse']);
    expect(m.r2).toBeGreaterThan(0.9);
    expect(m.rmse).toBeGreaterThanOrEqual(m.mae);
    expect(done.testError).toBeCloseTo(m.mae, 2);
    // the epochs' errors are MAEs in the price's units (prices are in the thousands)
    const epochs = events.filter((e) => e.event === 'epoch');
    expect(epochs.length).toBeGreaterThan(0);
    expect(epochs[0].error as number).toBeGreaterThan(1);
    const record = JSON.parse(fs.readFileSync(path.join(done.runDir as string, 'run.json'), 'utf8'));
    expect(record.model).toMatchObject({ task: 'number', classes: 1 });
    expect(record.testMetrics).toEqual(m);
    const show = await cli('run', 'show', done.runId as string);
    expect(show.code).toBe(0);
    const line = show.out.find((l) => l.startsWith('test: '));
    expect(line).toMatch(/^test: MAE [\d.,]+, RMSE [\d.,]+, R² 0\.9\d+ of the model kept \(epoch \d+, chosen by the lowest validation loss; validation MAE [\d.,]+\)/);
    expect(show.out.join('\n')).toContain('TRAIN MAE');
    // evaluateRun's answer: every test row's predicted and actual price, the metrics, the worst rows
    const ev = (await runTask({ kind: 'evaluate', home: home(), runId: done.runId as string })) as EvaluationResult;
    expect(ev.task).toBe('number');
    expect(ev.regression!.target).toBe('price');
    expect(ev.regression!.predicted).toHaveLength(100);
    expect(ev.regression!.actual).toHaveLength(100);
    const e = ev.metrics as { mae: number; rmse: number; r2: number };
    expect(e.mae).toBeCloseTo(m.mae, 2);
    expect(e.r2).toBeCloseTo(m.r2, 4);
    expect(ev.testError).toBe(e.mae);
    const err = (i: number) => Math.abs(ev.regression!.actual[i] - ev.regression!.predicted[i]);
    expect(ev.regression!.worst).toHaveLength(20);
    expect(err(ev.regression!.worst[0])).toBe(Math.max(...ev.regression!.actual.map((_, i) => err(i))));
    expect(ev.confusion).toEqual([]);
    void datasetId;
  }, 120_000);

  it('the text output prints MAE lines and a done line with the metrics', async () => {
    const r = await cli('train', '--dataset', 'houses', '--epochs', '2', '--validation', '0.2', '--seed', '2', '--device', 'cpu', '--no-progress');
    expect(r.code, r.err.join('\n')).toBe(0);
    const text = r.out.join('\n');
    expect(text).toMatch(/^epoch= 0 {2}loss= [\d.]+ {2}MAE= [\d.,]+ {2}time=/m);
    expect(text).not.toMatch(/percent/);
    expect(text).toMatch(/^done: test MAE [\d.,]+, RMSE [\d.,]+, R² -?[\d.]+ \(the model after \d+ epochs?, validation MAE [\d.,]+\); run folder /m);
  }, 120_000);
});
