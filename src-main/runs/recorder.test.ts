/**
 * The run recorder (recorder.ts) on a worker's run: a write that fails is an error the person
 * sees, naming the file, and the run ends failed with it (not a silent catch); the end of a
 * run is written once; the queue's end after a crash is written when nobody wrote it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createNodeRuntime } from '../runtime/node';
import { toyConfig, toyDatasetRef, toyImages, toyModel } from '../../tests/helpers/toy';
import { recordEnd } from './recorder';
import { RunStore } from './store';
import { startTraining } from './training';

const runtime = createNodeRuntime('cpu', { threads: 1 });
const data = toyImages();
let home: string;
let store: RunStore;
beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-recorder-'));
  store = new RunStore(home);
});
afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

describe('run recorder', () => {
  it('metrics.jsonl that cannot be written ends the run failed, naming the file, in the result and in run.json', async () => {
    const run = await store.create({ model: toyModel(), config: toyConfig({ epochs: 2 }), dataset: toyDatasetRef });
    const file = store.paths(run.id).metrics;
    // a folder where the file should be: every append fails (also for root, unlike a read-only file)
    fs.rmSync(file);
    fs.mkdirSync(file);
    const result = await (await startTraining({ store, runId: run.id, data, runtime })).done;
    expect(result.status).toBe('failed');
    expect(result.reason).toContain(`${file} could not be written (EISDIR`);
    expect(result.reason).toMatch(/check the run folder's permissions and free space, then press Continue/);
    const r = await store.get(run.id);
    expect(r).toMatchObject({ status: 'failed', reason: result.reason });
    expect(r.pid).toBeUndefined();
  });

  it('run.json that cannot be written at an epoch end rejects the run with the file named, not a silent catch', async () => {
    const run = await store.create({ model: toyModel(), config: toyConfig({ epochs: 3 }), dataset: toyDatasetRef });
    const runJson = store.paths(run.id).runJson;
    const write = store.write.bind(store);
    let writes = 0;
    // the claim is the first write; the first epoch end's is the second and fails, as does every later one
    store.write = async (record, opts) => {
      if (++writes >= 2) throw Object.assign(new Error(`EIO: i/o error, rename '${runJson}.tmp-1'`), { code: 'EIO', path: `${runJson}.tmp-1` });
      return write(record, opts);
    };
    const h = await startTraining({ store, runId: run.id, data, runtime });
    await expect(h.done).rejects.toThrow(`${runJson} could not be written (EIO: i/o error`);
    // what the queue then records, once the disk takes writes again: the run failed, with the reason
    store.write = write;
    await recordEnd(store, run.id, 'failed', 'run.json could not be written');
    expect(await store.get(run.id)).toMatchObject({ status: 'failed', reason: 'run.json could not be written' });
  });

  it("writes a run's end once: the queue's end of a run its trainer recorded leaves run.json as it is", async () => {
    const run = await store.create({ model: toyModel(), config: toyConfig({ epochs: 1 }), dataset: toyDatasetRef });
    const result = await (await startTraining({ store, runId: run.id, data, runtime })).done;
    expect(result.status).toBe('finished');
    const before = fs.readFileSync(store.paths(run.id).runJson, 'utf8');
    const write = store.write.bind(store);
    let writes = 0;
    store.write = async (record, opts) => {
      writes++;
      return write(record, opts);
    };
    await recordEnd(store, run.id, 'finished');
    expect(writes).toBe(0);
    expect(fs.readFileSync(store.paths(run.id).runJson, 'utf8')).toBe(before);
    // a run nobody ended (a worker that crashed) is ended here
    const other = await store.create({ model: toyModel(), config: toyConfig({ epochs: 1 }), dataset: toyDatasetRef });
    writes = 0;
    await recordEnd(store, other.id, 'failed', 'the training worker crashed');
    expect(writes).toBe(1);
    expect(await store.get(other.id)).toMatchObject({ status: 'failed', reason: 'the training worker crashed' });
  });
});
