/**
 * Augmentation through the Studio API (issue 13 item 4): a run on pictures records its
 * settings in run.json and trains with them; a table, or mirroring on digit-like pictures, is
 * refused in plain words before anything is created; the exported model is the same graph
 * with or without augmentation (it only changes the training batches).
 */
import fs from 'node:fs';
import path from 'node:path';
import { onnx } from 'onnx-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetLibrary } from '../datasets/library';
import { csvOf, penguinsRows } from '../../tests/helpers/table-fixtures';
import type { AugmentConfig } from '../engine/augment';
import type { StudioApi } from './contract';
import { StudioService } from './service';
import { isTerminal, makeTestHome, rejection, runEvents, tinyRun, transports, type TestHome } from '../../tests/helpers/testkit';

/** the graph of an exported model without its weights' values: nodes (op, inputs, outputs, attributes) and the weights' names and shapes */
function graphOf(file: string) {
  const g = onnx.ModelProto.decode(fs.readFileSync(file)).graph!;
  return {
    nodes: (g.node ?? []).map((n) => ({ op: n.opType, inputs: n.input, outputs: n.output, attributes: (n.attribute ?? []).map((a) => a.name) })),
    weights: (g.initializer ?? []).map((t) => ({ name: t.name, dims: (t.dims ?? []).map(Number) })),
    inputs: (g.input ?? []).map((i) => i.name),
    outputs: (g.output ?? []).map((o) => o.name),
  };
}

describe('augmentation through the API', () => {
  let t: TestHome;
  let service: StudioService;
  let api: StudioApi;

  beforeAll(async () => {
    t = await makeTestHome({ train: 200, test: 50 });
    service = new StudioService({ home: t.home });
    api = (await transports[0][1](service)).api;
  });
  afterAll(async () => {
    await service.close();
    t.cleanup();
  });

  async function trainToEnd(augment?: AugmentConfig): Promise<string> {
    let runId: string | null = null;
    const ev = runEvents(api, () => runId);
    runId = (await api.startRun(tinyRun(t.dataset.id, { epochs: 2, ...(augment ? { augment } : {}) }))).id;
    const end = await ev.waitFor((e) => e.runId === runId && isTerminal(e));
    ev.off();
    expect(end.status, end.reason).toBe('finished');
    return runId;
  }

  it('refuses augmentation for a table, in plain words, and creates no run', async () => {
    const csv = path.join(t.home, 'penguins.csv');
    fs.writeFileSync(csv, csvOf(penguinsRows(60)));
    const meta = await new DatasetLibrary(t.home).import([csv], { name: 'penguins', table: { labelColumn: 'species' } });
    const F = meta.sampleShape[0];
    const model = { inputShape: [F], classes: 3, layers: [{ kind: 'linear' as const, units: 8, bias: true }, { kind: 'relu' as const }, { kind: 'linear' as const, units: 3, bias: true }] };
    const before = (await api.listRuns()).length;
    const err = await rejection(api.startRun({ datasetId: meta.id, model, config: { ...tinyRun(meta.id).config, augment: { shift: 2 } } }));
    expect(err.code).toBe('bad_request');
    expect(err.message).toBe('"penguins" is a table, not pictures: varying the samples (augmentation) works on pictures only. Turn it off to train on this dataset.');
    expect((await api.listRuns()).length).toBe(before);
  });

  it('refuses mirroring for digit-like pictures and values past the limits', async () => {
    const flip = await rejection(api.startRun(tinyRun(t.dataset.id, { augment: { shift: 1, flip: true } })));
    expect(flip.code).toBe('bad_request');
    expect(flip.message).toMatch(/"Tiny MNIST" holds 28×28 greyscale pictures like handwritten digits.*mirroring is not offered/);
    const far = await rejection(api.startRun(tinyRun(t.dataset.id, { augment: { rotate: 90 } })));
    expect(far.code).toBe('bad_request');
    expect(far.message).toContain('Turn must be from 0 to 30 °.');
  });

  it('records the settings in run.json, trains differently, and exports the same graph as a run without them', async () => {
    const augment = { shift: 2, rotate: 10, scale: 10, brightness: 10, contrast: 10, noise: 2 };
    const withAug = await trainToEnd(augment);
    const without = await trainToEnd();
    const a = await api.getRun(withAug);
    const b = await api.getRun(without);
    expect(a.config.augment).toEqual(augment);
    expect(b.config.augment).toBeUndefined();
    const lossesOf = (r: typeof a) => r.metrics.filter((e) => e.event === 'epoch').map((e) => (e as { loss: number }).loss);
    expect(lossesOf(a)).not.toEqual(lossesOf(b));

    const ea = await api.exportRun(withAug, 'augmented.onnx');
    const eb = await api.exportRun(without, 'plain.onnx');
    expect(ea.verification.ok).toBe(true);
    expect(graphOf(ea.path)).toEqual(graphOf(eb.path));
    expect(graphOf(ea.path).nodes.length).toBeGreaterThan(2);
  });
});
