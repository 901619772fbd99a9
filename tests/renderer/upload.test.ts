/** Browser drops travel to the host in messages of bounded size: small files batched, big ones chunked. */
import { describe, expect, it } from 'vitest';
import type { UploadRequest } from '../../src-main/api/contract';
import { BATCH_BYTES, describeUpload, uploadInParts, type UploadProgress, type UploadSource } from '../../src-renderer/lib/upload';

/** A host double that stores uploads the way src-main/api/uploads.ts does (append included). */
function fakeHost() {
  const stored = new Map<string, Buffer>();
  const calls: UploadRequest[] = [];
  const upload = async (req: UploadRequest) => {
    calls.push(req);
    for (const f of req.files) {
      const bytes = Buffer.from(f.base64, 'base64');
      if (f.append) {
        const before = stored.get(f.relativePath);
        if (!before) throw new Error(`append to ${f.relativePath} before its first chunk`);
        stored.set(f.relativePath, Buffer.concat([before, bytes]));
      } else stored.set(f.relativePath, bytes);
    }
    return { uploadId: req.uploadId ?? 'up-0000', paths: [...new Set([...stored.keys()].map((k) => `/home/uploads/up-0000/${k.split('/')[0]}`))].sort() };
  };
  return { stored, calls, upload };
}

function file(relativePath: string, size: number, seed: number): { source: UploadSource; bytes: Buffer } {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + seed * 7 + (i >> 11)) & 0xff;
  return { source: { relativePath, size, read: async (start, end) => bytes.subarray(start, end).toString('base64') }, bytes };
}

const bytesOf = (f: UploadRequest['files'][number]) => Buffer.byteLength(f.base64, 'base64');

describe('uploadInParts', () => {
  it('sends a file larger than a batch in chunks, the first without append and the rest appended', async () => {
    const host = fakeHost();
    const big = file('big.bin', 10 * 1024 * 1024 + 123, 1);
    const progress: [number, number][] = [];
    const paths = await uploadInParts([big.source], host.upload, (sent, total) => progress.push([sent, total]));
    expect(host.calls).toHaveLength(11);
    expect(host.calls.map((c) => c.files.map((f) => f.append ?? false))).toEqual([[false], ...Array.from({ length: 10 }, () => [true])]);
    expect(host.calls.map((c) => bytesOf(c.files[0]))).toEqual([...Array.from({ length: 10 }, () => BATCH_BYTES), 123]);
    // every call after the first names the upload the first one started
    expect(host.calls.map((c) => c.uploadId)).toEqual([undefined, ...Array.from({ length: 10 }, () => 'up-0000')]);
    expect(host.stored.get('big.bin')!.equals(big.bytes)).toBe(true);
    expect(paths).toEqual(['/home/uploads/up-0000/big.bin']);
    const n = big.bytes.length;
    expect(progress).toEqual([[0, n], ...Array.from({ length: 10 }, (_, i) => [(i + 1) * BATCH_BYTES, n]), [n, n]]);
  });

  it('batches small files together, chunks big ones, and keeps every message within the batch size', async () => {
    const host = fakeHost();
    const small = [0, 1, 2, 3, 4].map((i) => file(`digits/${i}.png`, 700 * 1024 + i, i + 2));
    const big = file('digits/all.bin', 5 * 1024 * 1024, 9);
    const exact = file('digits/exact.bin', 2 * 1024 * 1024, 11);
    const empty = file('digits/empty.txt', 0, 0);
    const chunk = 2 * 1024 * 1024;
    await uploadInParts([...small.map((f) => f.source), big.source, exact.source, empty.source], host.upload, () => undefined, chunk);
    for (const c of host.calls) expect(c.files.reduce((a, f) => a + bytesOf(f), 0)).toBeLessThanOrEqual(chunk);
    // the 5 MB file in three chunks; a file of exactly the batch size is not split
    expect(host.calls.filter((c) => c.files.some((f) => f.relativePath === 'digits/all.bin'))).toHaveLength(3);
    expect(host.calls.filter((c) => c.files.some((f) => f.relativePath === 'digits/exact.bin'))).toHaveLength(1);
    // 700 kB files two to a message (the fifth goes alone: the next file would not fit beside it)
    expect(host.calls.filter((c) => c.files.every((f) => f.relativePath.endsWith('.png'))).map((c) => c.files.length)).toEqual([2, 2, 1]);
    for (const f of [...small, big, exact, empty]) expect(host.stored.get(f.source.relativePath)!.equals(f.bytes), f.source.relativePath).toBe(true);
  });

  it('tells bytes and files after every message, and the big file under way', async () => {
    const host = fakeHost();
    const small = [0, 1, 2].map((i) => file(`pets/cat-${i}.png`, 400, i));
    const big = file('pets/all.bin', 2500, 7);
    const seen: UploadProgress[] = [];
    await uploadInParts([small[0].source, small[1].source, big.source, small[2].source], host.upload, (_s, _t, p) => seen.push(p), 1000);
    const total = 3 * 400 + 2500;
    expect(seen.map((p) => [p.sentBytes, p.sentFiles])).toEqual([[0, 0], [800, 2], [1800, 2], [2800, 2], [3300, 3], [3700, 4]]);
    expect(seen.every((p) => p.totalBytes === total && p.totalFiles === 4)).toBe(true);
    // while the big file travels its own bytes are named; once done (and for other messages) not
    expect(seen.map((p) => p.file ?? null)).toEqual([null, null, { relativePath: 'pets/all.bin', sentBytes: 1000, size: 2500 }, { relativePath: 'pets/all.bin', sentBytes: 2000, size: 2500 }, null, null]);
  });

  it('says the progress in megabytes and files, and names a big file under way', () => {
    expect(describeUpload({ sentBytes: 2.1e6, totalBytes: 6.1e6, sentFiles: 210, totalFiles: 600 })).toBe('2.1 of 6.1 MB, 210 of 600 files');
    const file = { relativePath: 'train.csv', sentBytes: 12e6, size: 47e6 };
    expect(describeUpload({ sentBytes: 12.5e6, totalBytes: 50e6, sentFiles: 3, totalFiles: 5, file })).toBe('12.5 of 50.0 MB, 3 of 5 files (train.csv: 12.0 of 47.0 MB)');
    // one file: its bytes are the whole progress
    expect(describeUpload({ sentBytes: 12e6, totalBytes: 47e6, sentFiles: 0, totalFiles: 1, file })).toBe('12.0 of 47.0 MB');
  });

  it('reads the next message while the current one travels', async () => {
    const events: string[] = [];
    const source = (name: string): UploadSource => ({
      relativePath: name,
      size: 10,
      read: async () => {
        events.push(`read ${name}`);
        return Buffer.alloc(10).toString('base64');
      },
    });
    let release: (() => void) | null = null;
    const upload = async (req: UploadRequest) => {
      events.push(`send ${req.files.map((f) => f.relativePath).join('+')}`);
      // the first message is held until the second one's file has been read
      if (!release && req.files[0].relativePath === 'a') await new Promise<void>((ok) => (release = ok, setTimeout(ok, 1000)));
      return { uploadId: 'up-0000', paths: [] };
    };
    const done = uploadInParts([source('a'), source('b')], upload, () => undefined, 10);
    await new Promise((ok) => setTimeout(ok, 20));
    // b was read before a's message came back, and is not sent before it
    expect(events).toEqual(['read a', 'read b', 'send a']);
    release!();
    await done;
    expect(events).toEqual(['read a', 'read b', 'send a', 'send b']);
  });

  it('a read that fails is reported as the upload failing, naming nothing it did not send', async () => {
    const host = fakeHost();
    const bad: UploadSource = { relativePath: 'b.png', size: 5, read: async () => Promise.reject(new Error('could not read b.png')) };
    await expect(uploadInParts([file('a.png', 5, 1).source, bad], host.upload, () => undefined, 5)).rejects.toThrow('could not read b.png');
    expect(host.calls.map((c) => c.files.map((f) => f.relativePath))).toEqual([['a.png']]);
  });
});
