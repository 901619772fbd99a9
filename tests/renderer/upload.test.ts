/** Browser drops travel to the host in messages of bounded size: small files batched, big ones chunked. */
import { describe, expect, it } from 'vitest';
import type { UploadRequest } from '../../src-main/api/contract';
import { BATCH_BYTES, uploadInParts, type UploadSource } from '../../src-renderer/lib/upload';

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
    expect(host.calls).toHaveLength(3);
    expect(host.calls.map((c) => c.files.map((f) => f.append ?? false))).toEqual([[false], [true], [true]]);
    expect(host.calls.map((c) => bytesOf(c.files[0]))).toEqual([BATCH_BYTES, BATCH_BYTES, 2 * 1024 * 1024 + 123]);
    // every call after the first names the upload the first one started
    expect(host.calls.map((c) => c.uploadId)).toEqual([undefined, 'up-0000', 'up-0000']);
    expect(host.stored.get('big.bin')!.equals(big.bytes)).toBe(true);
    expect(paths).toEqual(['/home/uploads/up-0000/big.bin']);
    const n = big.bytes.length;
    expect(progress).toEqual([[0, n], [BATCH_BYTES, n], [2 * BATCH_BYTES, n], [n, n]]);
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
});
