/**
 * One trainer per run (issue 15, item 7): two resumes of one run at once, in this process
 * and as two `mlp-studio resume` processes: one trains, the other is refused naming the
 * process that trains it; the lock goes when the training ends.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DatasetLibrary } from '../datasets/library';
import { csvText } from '../../tests/helpers/test-fixtures';
import { acquireLock, runLockFile } from '../locks';
import { StudioService } from '../api/service';
import { createNodeRuntime } from '../runtime/node';
import { toyConfig, toyDatasetRef, toyImages, toyModel } from '../../tests/helpers/toy';
import { RunStore } from './store';
import { resumeTraining, startTraining } from './training';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const runtime = createNodeRuntime('cpu', { threads: 1 });
const data = toyImages();

let home: string;
let store: RunStore;
beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-runlock-'));
  store = new RunStore(home);
});
afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

/** a run of `epochs` epochs stopped after its first */
async function stoppedRun(epochs: number) {
  const run = await store.create({ model: toyModel(), config: toyConfig({ epochs }), dataset: toyDatasetRef });
  const h = await startTraining({ store, runId: run.id, data, runtime, onEvent: (e) => e.event === 'epoch' && e.epoch === 2 && h.stop('test stop') });
  expect((await h.done).status).toBe('stopped');
  return run;
}

describe('two trainers of one run in one process', () => {
  it('two resumes at once: one trains to the end, the other is refused naming this process', async () => {
    const run = await stoppedRun(3);
    const tries = await Promise.allSettled([0, 1].map(() => resumeTraining({ store, runId: run.id, data, runtime })));
    const ok = tries.filter((t) => t.status === 'fulfilled');
    const refused = tries.filter((t): t is PromiseRejectedResult => t.status === 'rejected');
    expect(ok).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(refused[0].reason.message).toContain(`run ${run.id} is being trained by process ${process.pid}`);
    expect(refused[0].reason.code).toBe('busy');
    expect((await ok[0].value.done).status).toBe('finished');
    expect((await store.get(run.id)).resumes).toHaveLength(1);
    expect(fs.existsSync(runLockFile(store.paths(run.id).dir))).toBe(false);
    // once it has ended, the run can be asked again (and says it is finished)
    await expect(resumeTraining({ store, runId: run.id, data, runtime })).rejects.toThrow(/has finished all 3 epochs/);
    expect(fs.existsSync(runLockFile(store.paths(run.id).dir))).toBe(false);
  });

  it('two starts of a new run at once: one trains', async () => {
    const run = await store.create({ model: toyModel(), config: toyConfig({ epochs: 2 }), dataset: toyDatasetRef });
    const tries = await Promise.allSettled([0, 1].map(() => startTraining({ store, runId: run.id, data, runtime })));
    expect(tries.filter((t) => t.status === 'fulfilled')).toHaveLength(1);
    const won = tries.find((t) => t.status === 'fulfilled') as PromiseFulfilledResult<Awaited<ReturnType<typeof startTraining>>>;
    expect((await won.value.done).status).toBe('finished');
  });
});

describe('a run another process is taking', () => {
  // the window between a `resume` taking the lock and marking the run running: the app must
  // neither start a second trainer (which would find the run taken and fail it) nor delete it
  it('is neither continued nor deleted by the app, nor deleted by the CLI, while its lock is held', async () => {
    const run = await stoppedRun(3);
    const lock = await acquireLock(runLockFile(store.paths(run.id).dir), { purpose: `training run ${run.id}` });
    const api = new StudioService({ home });
    try {
      await expect(api.resumeRun(run.id)).rejects.toMatchObject({ code: 'conflict', message: expect.stringContaining(`being trained by process ${process.pid}`) });
      await expect(api.deleteRun(run.id)).rejects.toMatchObject({ code: 'conflict', message: expect.stringContaining(`process ${process.pid}`) });
      await expect(store.delete(run.id)).rejects.toMatchObject({ code: 'conflict' });
      expect(fs.existsSync(store.paths(run.id).dir)).toBe(true);
    } finally {
      await lock.release();
      await api.close();
    }
    await store.delete(run.id);
    expect(fs.existsSync(store.paths(run.id).dir)).toBe(false);
  });
});

describe('two `mlp-studio resume` processes', () => {
  it('the second is refused while the first trains, naming its process; the first stops cleanly on Ctrl+C and lets go', async () => {
    const csv = path.join(home, 'bars.csv');
    fs.writeFileSync(csv, csvText(120, { features: 16 }));
    const meta = await new DatasetLibrary(home).import([csv]);
    const run = await store.create({
      model: toyModel([16]),
      config: toyConfig({ epochs: 100_000, evalEvery: 0 }),
      dataset: { id: meta.id, name: meta.name, contentHash: meta.contentHash },
      checkpointPolicy: { every: 1000, keepLast: 1 },
    });
    await store.update(run.id, (r) => {
      r.status = 'stopped';
    });
    const env = { ...process.env, MLP_STUDIO_HOME: home };
    const cli = (onOut?: (s: string) => void) => {
      const p = spawn(process.execPath, [path.join(repo, 'bin', 'mlp-studio.mjs'), 'resume', run.id, '--no-progress'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      p.stdout.on('data', (d: Buffer) => {
        out += d;
        onOut?.(out);
      });
      p.stderr.on('data', (d: Buffer) => (err += d));
      const exit = new Promise<{ code: number | null; out: string; err: string }>((resolve) => p.on('exit', (code) => resolve({ code, out, err })));
      return { p, exit };
    };
    let training!: () => void;
    const started = new Promise<void>((r) => (training = r));
    const first = cli((out) => out.includes('resuming run') && training());
    await started;
    const second = await cli().exit;
    expect(second.code).not.toBe(0);
    expect(second.err).toContain(`run ${run.id} is being trained by process ${first.p.pid}`);
    first.p.kill('SIGINT');
    const a = await first.exit;
    expect(a.code, a.err).toBe(130);
    expect((await store.get(run.id)).status).toBe('stopped');
    expect(fs.existsSync(runLockFile(store.paths(run.id).dir))).toBe(false);
  });
});
