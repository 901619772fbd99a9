/**
 * The worker's evaluate and export tasks on real trained runs (in this process: the same code
 * the worker runs): what the model card says about the training data.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvaluationResult, ExportResult, StartRunRequest } from '../api/contract';
import { StudioService } from '../api/service';
import { isTerminal, makeTestHome, runEvents, tinyRun, type TestHome } from '../api/testkit';
import { runTask } from './tasks';

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
