/**
 * The worker's evaluate and export tasks on real trained runs (in this process: the same code
 * the worker runs): the pictures of an evaluation, what the model card says about the
 * training data.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_MISTAKES, MISTAKES_PER_CELL, type EvaluationResult, type ExportResult, type StartRunRequest } from '../api/contract';
import { StudioService } from '../api/service';
import { isTerminal, makeTestHome, runEvents, tinyRun, type TestHome } from '../../tests/helpers/testkit';
import { PNG } from 'pngjs';
import { RunStore } from '../runs/store';
import { DatasetLibrary } from '../datasets/library';
import { FIRST_LAYER_IMAGES, maxMistakes, pickMistakes, runTask } from './tasks';

function decode(dataUrl: string): PNG {
  expect(dataUrl.startsWith('data:image/png;base64,')).toBe(true);
  return PNG.sync.read(Buffer.from(dataUrl.slice('data:image/png;base64,'.length), 'base64'));
}

let t: TestHome;
let service: StudioService;

async function train(req: StartRunRequest): Promise<string> {
  let runId: string | null = null;
  const ev = runEvents(service, () => runId);
  runId = (await service.startRun(req)).id;
  const end = await ev.waitFor(isTerminal, 120_000);
  ev.off();
  expect(end.status, end.reason).toBe('finished');
  return runId;
}

beforeAll(async () => {
  t = await makeTestHome({ train: 300, test: 100 });
  service = new StudioService({ home: t.home });
});
afterAll(async () => {
  await service.close();
  t.cleanup();
});

describe('export task', () => {
  it('writes the number of training samples the run used into the model card', async () => {
    const limited = await train({ ...tinyRun(t.dataset.id, { epochs: 1 }), limitTrain: 150 });
    const card = ((await runTask({ kind: 'export', home: t.home, runId: limited })) as ExportResult).modelCard;
    expect(card).toContain('- Training samples used: 150 (limited to the first 150); test samples: 100');

    const whole = await train(tinyRun(t.dataset.id, { epochs: 1 }));
    const card2 = ((await runTask({ kind: 'export', home: t.home, runId: whole })) as ExportResult).modelCard;
    expect(card2).toContain('- Training samples used: 300; test samples: 100');

    // a limit above the dataset's size: what was there
    const over = await train({ ...tinyRun(t.dataset.id, { epochs: 1 }), limitTrain: 5000 });
    const card3 = ((await runTask({ kind: 'export', home: t.home, runId: over })) as ExportResult).modelCard;
    expect(card3).toContain('- Training samples used: 300; test samples: 100');
  });
});

describe('mistakes kept with an evaluation', () => {
  it('takes every cell\'s first mistake before any cell\'s second, so many classes do not starve late cells', () => {
    // 100 classes, 20,000 samples, every sample wrong: 9,900 possible cells, ~20,000 mistakes
    const n = 20_000;
    const labels = Int32Array.from({ length: n }, (_, i) => i % 100);
    const predictions = Int32Array.from({ length: n }, (_, i) => (i % 100 + 1 + ((i * 7919) % 99)) % 100);
    const picked = pickMistakes(labels, predictions, 100, MISTAKES_PER_CELL, MAX_MISTAKES);
    expect(picked).toHaveLength(MAX_MISTAKES);
    const cells = new Set(picked.map((m) => m.label * 100 + m.predicted));
    expect(cells.size).toBe(MAX_MISTAKES); // 1000 different cells, one each: none got a second first
    expect(picked.map((m) => m.index)).toEqual([...picked.map((m) => m.index)].sort((a, b) => a - b));
    expect(picked.every((m) => labels[m.index] === m.label && predictions[m.index] === m.predicted && m.label !== m.predicted)).toBe(true);
  });

  it('keeps fewer pictures of large samples (about 16 MiB in all)', () => {
    expect(maxMistakes(784)).toBe(MAX_MISTAKES);
    expect(maxMistakes(3 * 32 * 32)).toBe(MAX_MISTAKES);
    expect(maxMistakes(3 * 224 * 224)).toBe(79);
    expect(maxMistakes(100_000_000)).toBe(1);
  });
});

describe('evaluate task', () => {
  it('draws the mistakes as the dataset preview does, and the first layer as one picture per unit', async () => {
    const runId = await train(tinyRun(t.dataset.id, { epochs: 1 }));
    const r = (await runTask({ kind: 'evaluate', home: t.home, runId })) as EvaluationResult;
    expect(r.mistakes.length).toBeGreaterThan(0);
    // each mistake's picture is its test sample, pixel for pixel
    const library = new DatasetLibrary(t.home);
    for (const m of r.mistakes.slice(0, 5)) {
      const img = decode(m.png!);
      expect([img.width, img.height]).toEqual([28, 28]);
      const sample = await library.getSample(t.dataset.id, 'test', m.index);
      expect(sample.label).toBe(m.label);
      expect(Array.from({ length: 784 }, (_, i) => img.data[i * 4])).toEqual(sample.values);
    }
    expect(r.mistakes.every((m) => m.png?.startsWith('data:image/png;base64,'))).toBe(true);
    // every off-diagonal cell with mistakes has pictures, at most MISTAKES_PER_CELL of each, in test order
    r.confusion.forEach((row, t) =>
      row.forEach((v, p) => {
        if (t === p) return;
        const kept = r.mistakes.filter((m) => m.label === t && m.predicted === p);
        expect(kept.length, `cell ${t}->${p}`).toBe(Math.min(v, MISTAKES_PER_CELL));
      }),
    );
    expect(r.mistakes.map((m) => m.index)).toEqual([...r.mistakes.map((m) => m.index)].sort((a, b) => a - b));
    expect(r.checkpoint).toEqual({ epoch: 1, best: true });

    // 16 hidden units: 16 pictures of 28×28, unit j is column j of the [784, 16] weights, stretched to its own range
    expect(r.firstLayer).toHaveLength(16);
    const store = new RunStore(t.home);
    const record = await store.get(runId);
    const { checkpoint } = await store.checkpoints(record).load('best');
    const w = checkpoint.state.params[0];
    expect(w.length).toBe(784 * 16);
    for (const j of [0, 7, 15]) {
      const img = decode(r.firstLayer![j].png);
      expect([img.width, img.height]).toEqual([28, 28]);
      const column = Array.from({ length: 784 }, (_, i) => w[i * 16 + j]);
      const lo = Math.min(...column);
      const hi = Math.max(...column);
      const pixels = Array.from({ length: 784 }, (_, i) => img.data[i * 4]);
      expect(Math.min(...pixels)).toBe(0);
      expect(Math.max(...pixels)).toBe(255);
      column.forEach((v, i) => expect(Math.abs(pixels[i] - ((v - lo) / (hi - lo)) * 255)).toBeLessThanOrEqual(0.5 + 1e-9));
    }
  });

  it('draws at most FIRST_LAYER_IMAGES units of a wide first layer', async () => {
    const wide = tinyRun(t.dataset.id, { epochs: 1 });
    wide.model = { ...wide.model, layers: [{ kind: 'linear', units: 100, bias: true }, { kind: 'relu' }, { kind: 'linear', units: 10, bias: true }] };
    const runId = await train(wide);
    const r = (await runTask({ kind: 'evaluate', home: t.home, runId })) as EvaluationResult;
    expect(r.firstLayer).toHaveLength(FIRST_LAYER_IMAGES);
  });
});
