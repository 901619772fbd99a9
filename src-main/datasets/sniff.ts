/**
 * Content sniffing: what a file is, from its first bytes (magic numbers), not its name.
 * Gzip files are looked into: the first bytes after decompression decide between a gzipped
 * IDX file and a .tar.gz archive.
 */
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { looksLikeUtf16Text } from './text-encoding';

export type FileKind =
  | 'idx'
  | 'idx.gz'
  | 'tar'
  | 'tar.gz'
  | 'gz'
  | 'zip'
  | 'npy'
  | 'png'
  | 'jpeg'
  | 'gif'
  | 'bmp'
  | 'webp'
  | 'text'
  | 'empty'
  | 'unknown';

export const IMAGE_KINDS: ReadonlySet<FileKind> = new Set(['png', 'jpeg', 'gif', 'bmp', 'webp']);

export async function readHead(file: string, n: number): Promise<Buffer> {
  const fh = await fs.open(file, 'r');
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** The first `n` bytes of a gzip stream, decompressed (fewer if the stream is shorter or corrupt). */
export async function gunzipHead(file: string, n: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let have = 0;
  const src = createReadStream(file, { highWaterMark: 64 * 1024 });
  const gz = createGunzip();
  try {
    for await (const c of src.pipe(gz)) {
      chunks.push(c as Buffer);
      have += (c as Buffer).length;
      if (have >= n) break;
    }
  } catch {
    // a corrupt stream: whatever came out is what we judge by
  } finally {
    src.destroy();
    gz.destroy();
  }
  return Buffer.concat(chunks).subarray(0, n);
}

export function kindOfBytes(b: Uint8Array): FileKind {
  if (b.length === 0) return 'empty';
  const s = (i: number, str: string) => Buffer.from(b.subarray(i, i + str.length)).toString('latin1') === str;
  if (b.length >= 8 && b[0] === 0x89 && s(1, 'PNG\r\n\x1a\n')) return 'png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (s(0, 'GIF87a') || s(0, 'GIF89a')) return 'gif';
  if (b.length >= 14 && s(0, 'BM')) return 'bmp';
  if (b.length >= 12 && s(0, 'RIFF') && s(8, 'WEBP')) return 'webp';
  if (b.length >= 6 && b[0] === 0x93 && s(1, 'NUMPY')) return 'npy';
  if (b.length >= 4 && s(0, 'PK\x03\x04')) return 'zip';
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) return 'gz';
  if (b.length >= 262 && s(257, 'ustar')) return 'tar';
  if (b.length >= 4 && b[0] === 0 && b[1] === 0 && [0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e].includes(b[2]) && b[3] >= 1 && b[3] <= 4) return 'idx';
  if (looksLikeText(b) || looksLikeUtf16Text(b)) return 'text';
  return 'unknown';
}

/** UTF-8 text without NUL bytes (a cut multi-byte sequence at the very end is allowed). */
export function looksLikeText(b: Uint8Array): boolean {
  if (b.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(b);
    return true;
  } catch {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(b.subarray(0, Math.max(0, b.length - 3)));
      return true;
    } catch {
      return false;
    }
  }
}

export async function sniffFile(file: string): Promise<FileKind> {
  const head = await readHead(file, 4096);
  const k = kindOfBytes(head);
  if (k !== 'gz') return k;
  const inner = kindOfBytes(await gunzipHead(file, 512));
  if (inner === 'idx') return 'idx.gz';
  if (inner === 'tar') return 'tar.gz';
  return 'gz';
}
