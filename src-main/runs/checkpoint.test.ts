import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CheckpointError, decodeCheckpoint, encodeCheckpoint, readCheckpoint, writeCheckpoint, type CheckpointState } from './checkpoint';
import { CheckpointFolder } from './checkpoints';

function state(epoch: number, seed = epoch): CheckpointState {
  const f = (n: number, k: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 7.1 + i * k) * 0.37);
  return {
    epoch,
    step: epoch * 13,
    optimizerStep: epoch * 13,
    rngState: [0x9e3779b9 ^ seed, 12345 + seed, 0xffffffff, 0],
    params: [f(12, 1.3), f(3, 0.7), f(6, 2.1), f(2, 0.1)],
    optimizerState: [f(12, 0.3), f(3, 0.9)],
  };
}

const bytesOf = (a: Float32Array[]) => Buffer.concat(a.map((t) => Buffer.from(t.buffer, t.byteOffset, t.byteLength)));

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mlp-ckpt-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('checkpoint file', () => {
  it('round-trips parameters, optimizer state, RNG state, epoch and step bit for bit', async () => {
    const s = state(4);
    s.params[0][3] = -0; // signed zero and odd values survive
    s.params[1][0] = 1.1754943508222875e-38;
    const file = path.join(dir, 'a.ckpt');
    await writeCheckpoint(file, s, 0.125);
    const back = await readCheckpoint(file);
    expect(back.epoch).toBe(4);
    expect(back.step).toBe(52);
    expect(back.testError).toBe(0.125);
    expect(back.state.rngState).toEqual(s.rngState);
    expect(back.state.optimizerStep).toBe(52);
    expect(bytesOf(back.state.params).equals(bytesOf(s.params))).toBe(true);
    expect(bytesOf(back.state.optimizerState).equals(bytesOf(s.optimizerState))).toBe(true);
    expect(back.state.params.map((p) => p.length)).toEqual([12, 3, 6, 2]);
  });

  it('refuses a flipped bit anywhere (header, payload, checksum) with a message naming the file', () => {
    const good = encodeCheckpoint(state(2), null);
    for (const pos of [3, 20, good.length - 60, good.length - 1]) {
      const bad = Uint8Array.from(good);
      bad[pos] ^= 0x10;
      expect(() => decodeCheckpoint(bad, '/x/epoch-000002.ckpt')).toThrow(CheckpointError);
      expect(() => decodeCheckpoint(bad, '/x/epoch-000002.ckpt')).toThrow(/epoch-000002\.ckpt/);
    }
    const bad = Uint8Array.from(good);
    bad[good.length - 60] ^= 1;
    expect(() => decodeCheckpoint(bad, 'f.ckpt')).toThrow(/checksum mismatch/);
  });

  it('refuses truncated, empty and foreign files', () => {
    const good = encodeCheckpoint(state(2), null);
    for (const n of [0, 5, 12, 40, good.length - 1]) expect(() => decodeCheckpoint(good.subarray(0, n), 'f.ckpt')).toThrow(CheckpointError);
    expect(() => decodeCheckpoint(Buffer.from('{"epoch": 3} hello world, this is not a checkpoint at all.......'), 'f.ckpt')).toThrow(/not an MLP Studio checkpoint/);
  });

  it('refuses a file whose checksum is valid but whose header lies about the tensor sizes', async () => {
    const { createHash } = await import('node:crypto');
    const good = Buffer.from(encodeCheckpoint(state(1), null));
    const hlen = good.readUInt32LE(8);
    const header = JSON.parse(good.subarray(12, 12 + hlen).toString('utf8'));
    header.params[0] = 11; // 4 bytes fewer than stored: same JSON length, consistent checksum
    const h2 = Buffer.from(JSON.stringify(header));
    expect(h2.length).toBe(hlen);
    const forged = Buffer.from(good);
    h2.copy(forged, 12);
    createHash('sha256').update(forged.subarray(0, forged.length - 32)).digest().copy(forged, forged.length - 32);
    expect(() => decodeCheckpoint(forged, 'f.ckpt')).toThrow(/announces/);
  });
});

describe('checkpoint folder', () => {
  it('keeps the last N epoch checkpoints plus the best, whatever its age', async () => {
    const folder = new CheckpointFolder(dir, { every: 1, keepLast: 2 });
    const errors = [0.5, 0.2, 0.3, 0.4, 0.35];
    for (let e = 1; e <= 5; e++) await folder.save(state(e), errors[e - 1]);
    const entries = await folder.list();
    expect(entries.filter((x) => x.kind === 'epoch').map((x) => x.epoch)).toEqual([5, 4]);
    const best = entries.find((x) => x.kind === 'best')!;
    expect(best.epoch).toBe(2);
    expect(best.testError).toBe(0.2);
    const loaded = await folder.load('best');
    expect(bytesOf(loaded.checkpoint.state.params).equals(bytesOf(state(2).params))).toBe(true);
    expect((await folder.load(4)).checkpoint.epoch).toBe(4);
    await expect(folder.load(1)).rejects.toThrow(/no checkpoint for epoch 1; available epochs: 4, 5/);
    expect((await fs.readdir(dir)).sort()).toEqual(['best.ckpt', 'epoch-000004.ckpt', 'epoch-000005.ckpt']);
  });

  it('writes every K epochs, and always when forced (the last epoch)', async () => {
    const folder = new CheckpointFolder(dir, { every: 3, keepLast: 10 });
    for (let e = 1; e <= 7; e++) await folder.save(state(e), null, { force: e === 7 });
    expect((await folder.list()).map((x) => x.epoch)).toEqual([7, 6, 3]);
    await expect(folder.load('best')).rejects.toThrow(/never evaluated/);
  });

  it('uses the previous checkpoint when the newest has a bad checksum, and says which file was refused', async () => {
    const folder = new CheckpointFolder(dir, { every: 1, keepLast: 5 });
    for (let e = 1; e <= 3; e++) await folder.save(state(e), null);
    const newest = folder.epochFile(3);
    const bytes = await fs.readFile(newest);
    bytes[bytes.length - 100] ^= 0xff;
    await fs.writeFile(newest, bytes);
    const { checkpoint, rejected } = await folder.loadLatestGood();
    expect(checkpoint!.epoch).toBe(2);
    expect(rejected).toHaveLength(1);
    expect(rejected[0].file).toBe(newest);
    expect(rejected[0].reason).toMatch(/checksum mismatch/);
    await expect(folder.load(3)).rejects.toThrow(/epoch-000003\.ckpt: checksum mismatch/);
    // and when every file is damaged, the error lists them all
    for (const e of [1, 2]) await fs.writeFile(folder.epochFile(e), 'garbage');
    await expect(folder.load('last')).rejects.toThrow(/every checkpoint is damaged/);
  });

  it('never leaves a half-written file under the final name; stale temporaries are removed on resume', async () => {
    const folder = new CheckpointFolder(dir, { every: 1, keepLast: 5 });
    await folder.save(state(1), null);
    // a write that fails midway (the process "dies" after the first chunk)
    await expect(
      folder.save(state(2), null, {
        write: {
          chunkBytes: 16,
          onChunkWritten: () => {
            throw new Error('simulated crash');
          },
        },
      }),
    ).rejects.toThrow('simulated crash');
    expect((await fs.readdir(dir)).filter((n) => n.endsWith('.ckpt'))).toEqual(['epoch-000001.ckpt']);
    await fs.writeFile(path.join(dir, 'epoch-000002.ckpt.tmp-999-abc'), 'torn');
    await folder.save(state(2), null);
    await folder.cleanForResume(1);
    expect(await fs.readdir(dir)).toEqual(['epoch-000001.ckpt']);
  });

  it('rejects nonsense policies', () => {
    expect(() => new CheckpointFolder(dir, { every: 0, keepLast: 1 })).toThrow(/interval/);
    expect(() => new CheckpointFolder(dir, { every: 1, keepLast: 0 })).toThrow(/keep/);
  });
});
