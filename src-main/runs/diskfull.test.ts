/**
 * Issue 15 item 11: a full disk during training. Writes fail through a mocked atomic writer
 * (a real full disk is not needed): the run ends failed with a plain reason, stays listed,
 * and a run folder is never left without run.json.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { createNodeRuntime } from '../runtime/node';
import { toyConfig, toyDatasetRef, toyImages, toyModel } from '../../tests/helpers/toy';
import { RunStore } from './store';
import { resumeTraining, startTraining } from './training';

/** the writes that fail, by target file: set by each test */
const failing = vi.hoisted(() => ({ when: (_target: string): boolean => false, code: 'ENOSPC' }));
vi.mock('./atomic', async (importOriginal) => {
  const real = await importOriginal<typeof import('./atomic')>();
  return {
    ...real,
    writeFileAtomic: async (target: string, data: Uint8Array | string, opts?: import('./atomic').AtomicWriteOptions) => {
      if (failing.when(target)) {
        const err = new Error(`${failing.code}: no space left on device, write`) as NodeJS.ErrnoException;
        err.code = failing.code;
        err.syscall = 'write';
        err.path = target; // as the real writer names the file it was writing
        throw err;
      }
      return real.writeFileAtomic(target, data, opts);
    },
  };
});

const runtime = createNodeRuntime('cpu', { threads: 1 });
const data = toyImages();
let home: string;
let store: RunStore;
beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-full-'));
  store = new RunStore(home);
  failing.when = () => false;
  failing.code = 'ENOSPC';
});
afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

for (const [code, plain] of [
  ['ENOSPC', /^The disk is full: .*epoch-000002\.ckpt could not be written\. Free some space, then press Continue/],
  ['EDQUOT', /^Your disk quota is used up: .*epoch-000002\.ckpt could not be written\. Free some space/],
  ['EROFS', /^The disk is read-only: .*epoch-000002\.ckpt could not be written\. Make it writable/],
] as const) {
  it(`${code} while training ends the run failed with a plain reason in run.json, listed; it resumes once there is space`, async () => {
    const run = await store.create({ model: toyModel(), config: toyConfig({ epochs: 3 }), dataset: toyDatasetRef });
    failing.code = code;
    // from the second epoch's checkpoint on, every write fails, run.json's included
    let full = false;
    failing.when = (t) => (full ||= t.endsWith('epoch-000002.ckpt'));
    const h = await startTraining({ store, runId: run.id, data, runtime });
    const result = await h.done;
    expect(result.status).toBe('failed');
    expect(result.reason).toMatch(plain);
    expect(result.reason).not.toMatch(/no space left on device|Training failed/);
    const r = await store.get(run.id);
    expect(r.status).toBe('failed');
    expect(r.reason).toMatch(plain);
    expect(r.pid).toBeUndefined();
    expect((await store.list()).map((s) => [s.id, s.status])).toEqual([[run.id, 'failed']]);

    failing.when = () => false;
    const again = await resumeTraining({ store, runId: run.id, data, runtime });
    expect(again.fromEpoch).toBe(1);
    expect((await again.done).status).toBe('finished');
  });
}

it('a run that cannot be created (disk full) leaves no run folder behind, and says so plainly', async () => {
  failing.when = (t) => t.endsWith('run.json');
  await expect(store.create({ model: toyModel(), config: toyConfig(), dataset: toyDatasetRef })).rejects.toThrow(/^The disk is full: .*run\.json could not be written\. Free some space/);
  expect(fs.existsSync(store.dir) ? fs.readdirSync(store.dir) : []).toEqual([]);
});

it('a run folder without run.json (from an older version, or a copy cut short) is listed as failed, not hidden', async () => {
  fs.mkdirSync(path.join(store.dir, '20260101-000000-abcdef', 'checkpoints'), { recursive: true });
  const list = await store.list();
  expect(list).toHaveLength(1);
  expect(list[0]).toMatchObject({ id: '20260101-000000-abcdef', status: 'failed' });
  expect(list[0].reason).toMatch(/no run\.json/);
});

it('metrics.jsonl refusing a line (disk full) stops the run at once, failed with the plain reason', async () => {
  const run = await store.create({ model: toyModel(), config: toyConfig({ epochs: 3 }), dataset: toyDatasetRef });
  const real = fs.writeSync;
  let lines = 0;
  const spy = vi.spyOn(fs, 'writeSync').mockImplementation(((fd: number, ...rest: unknown[]) => {
    if (++lines > 8) {
      const err = new Error('ENOSPC: no space left on device, write') as NodeJS.ErrnoException;
      err.code = 'ENOSPC';
      throw err;
    }
    return (real as (...a: unknown[]) => number)(fd, ...rest);
  }) as typeof fs.writeSync);
  try {
    const h = await startTraining({ store, runId: run.id, data, runtime });
    const result = await h.done;
    expect(result.status).toBe('failed');
    expect(result.reason).toMatch(/^The disk is full: .*metrics\.jsonl could not be written\. Free some space, then press Continue/);
  } finally {
    spy.mockRestore();
  }
  expect((await store.get(run.id)).status).toBe('failed');
});

it('a run folder without run.json is refused by name when asked for', async () => {
  fs.mkdirSync(path.join(store.dir, '20260101-000000-abcdef'), { recursive: true });
  await expect(store.get('20260101-000000-abcdef')).rejects.toThrow(/20260101-000000-abcdef has no run\.json .*delete the folder/);
});
