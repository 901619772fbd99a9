import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { readCheckpoint } from './checkpoint';
import { RunStore } from './store';

const child = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'tests', 'helpers', 'train-child.ts');

let home: string;
beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-crash-'));
});
afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

/** runs the child; `onLine` may return true to SIGKILL it */
function runChild(args: string[], env: Record<string, string>, onLine: (line: string) => boolean = () => false) {
  return new Promise<{ lines: string[]; signal: NodeJS.Signals | null; code: number | null; stderr: string }>((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', child, ...args], { env: { ...process.env, MLP_STUDIO_HOME: home, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    let buf = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        lines.push(line);
        if (onLine(line)) p.kill('SIGKILL');
      }
    });
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('error', reject);
    p.on('exit', (code, signal) => resolve({ lines, signal, code, stderr }));
  });
}

it('a training process SIGKILLed while writing a checkpoint leaves the previous one loadable, and the run resumes to the same result', async () => {
  // reference: the same run, never interrupted
  const ref = await runChild([], {});
  expect(ref.lines.at(-1), ref.stderr).toBe('RESULT finished');
  const store = new RunStore(home);
  const refId = ref.lines.find((l) => l.startsWith('RUN '))!.split(' ')[1];
  const refFinal = await readCheckpoint(store.checkpoints(await store.get(refId)).epochFile(4));

  let tmp = '';
  const killed = await runChild([], { HANG_IN_EPOCH: '3' }, (line) => {
    if (!line.startsWith('WRITING ')) return false;
    tmp = line.slice(8);
    return true;
  });
  expect(killed.signal).toBe('SIGKILL');
  const id = killed.lines.find((l) => l.startsWith('RUN '))!.split(' ')[1];
  expect(id).not.toBe(refId);
  const record = await store.get(id);
  // the half-written temporary file is there, the final name is not
  expect(fs.existsSync(tmp)).toBe(true);
  expect(fs.statSync(tmp).size).toBeLessThan(fs.statSync(store.checkpoints(record).epochFile(2)).size);
  expect(fs.existsSync(store.checkpoints(record).epochFile(3))).toBe(false);
  // the dead process is noticed
  expect(record.status).toBe('failed');
  expect(record.reason).toMatch(/ended without finishing/);
  // a torn metrics line as the process would leave it when killed mid-append
  fs.appendFileSync(store.paths(id).metrics, '{"event":"batch","epoch":3,"st');
  expect(store.metrics(id).tornTail).toBe(true);
  // the previous checkpoint loads
  const { checkpoint, rejected } = await store.checkpoints(record).loadLatestGood();
  expect(rejected).toEqual([]);
  expect(checkpoint!.epoch).toBe(2); // epoch 3 died mid-write; best.ckpt is written after the epoch file

  const resumed = await runChild([id], {});
  expect(resumed.lines[0]).toBe(`RUN ${id} FROM ${checkpoint!.epoch}`);
  expect(resumed.lines.at(-1), resumed.stderr).toBe('RESULT finished');
  expect(fs.existsSync(tmp)).toBe(false); // stale temporary cleaned up
  const final = await readCheckpoint(store.checkpoints(record).epochFile(4));
  const bytes = (a: Float32Array[]) => Buffer.concat(a.map((t) => Buffer.from(t.buffer, t.byteOffset, t.byteLength)));
  expect(bytes(final.state.params).equals(bytes(refFinal.state.params))).toBe(true);
  expect(bytes(final.state.optimizerState).equals(bytes(refFinal.state.optimizerState))).toBe(true);
  const m = store.metrics(id);
  expect(m.tornTail).toBe(false);
  expect(m.problems).toEqual([]);
  expect(m.records.filter((r) => r.event === 'epoch').map((r) => (r as { epoch: number }).epoch)).toEqual([1, 2, 3, 4]);
  expect((await store.get(id)).status).toBe('finished');
});

it('a training process killed inside an epoch resumes from where the epoch stood at its last save, to the same result', async () => {
  const ref = await runChild([], {});
  expect(ref.lines.at(-1), ref.stderr).toBe('RESULT finished');
  const store = new RunStore(home);
  const refId = ref.lines.find((l) => l.startsWith('RUN '))!.split(' ')[1];
  const refFinal = await readCheckpoint(store.checkpoints(await store.get(refId)).epochFile(4));

  // saves where the epoch stands before every step; killed after step 6 of the third epoch
  const killed = await runChild([], { MID_EPOCH_EVERY: '0', PRINT_BATCHES: '1' }, (line) => line === 'BATCH 3 6');
  expect(killed.signal).toBe('SIGKILL');
  const id = killed.lines.find((l) => l.startsWith('RUN '))!.split(' ')[1];
  const folder = store.checkpoints(await store.get(id));
  expect(fs.existsSync(folder.midEpochFile)).toBe(true);

  const resumed = await runChild([id], {});
  const from = /^RUN \S+ FROM 2 STEP (\d+)$/.exec(resumed.lines[0]);
  expect(from, resumed.lines[0]).not.toBeNull();
  // the save before step 6 ran before step 6 was printed; later ones may have landed before the kill
  expect(Number(from![1])).toBeGreaterThanOrEqual(5);
  expect(resumed.lines.at(-1), resumed.stderr).toBe('RESULT finished');
  const final = await readCheckpoint(folder.epochFile(4));
  const bytes = (a: Float32Array[]) => Buffer.concat(a.map((t) => Buffer.from(t.buffer, t.byteOffset, t.byteLength)));
  expect(bytes(final.state.params).equals(bytes(refFinal.state.params))).toBe(true);
  expect(bytes(final.state.optimizerState).equals(bytes(refFinal.state.optimizerState))).toBe(true);
  expect(fs.existsSync(folder.midEpochFile)).toBe(false);
  // one history: every epoch once, and the third epoch's steps once each
  const m = store.metrics(id).records;
  expect(m.filter((r) => r.event === 'epoch').map((r) => (r as { epoch: number }).epoch)).toEqual([1, 2, 3, 4]);
  const third = m.filter((r) => r.event === 'batch' && (r as { epoch: number }).epoch === 3).map((r) => (r as { step: number }).step);
  expect(new Set(third).size).toBe(third.length);
});
