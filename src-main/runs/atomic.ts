/**
 * Crash-safe file writes: write a temporary file beside the target, fsync it, rename it over
 * the target, then fsync the folder so the rename itself survives a power cut. A process
 * killed at any moment leaves either the old file or the new one, never a mix (at worst a
 * stray `*.tmp-*` file, which `removeStaleTemps` cleans up).
 */
import fs from 'node:fs/promises';
import path from 'node:path';

export interface AtomicWriteOptions {
  /** size of the pieces written (a test hook slows writing down between pieces) */
  chunkBytes?: number;
  /** called after each piece is written to the temporary file (tests use it to kill the process mid-write) */
  onChunkWritten?: (writtenBytes: number, totalBytes: number, tempPath: string) => void | Promise<void>;
}

const TEMP_MARK = '.tmp-';

export function tempPathFor(target: string): string {
  return `${target}${TEMP_MARK}${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}

export async function fsyncDir(dir: string): Promise<void> {
  // Folders cannot be opened for fsync on Windows; there the rename is already durable enough.
  if (process.platform === 'win32') return;
  const fh = await fs.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export async function writeFileAtomic(target: string, data: Uint8Array | string, opts: AtomicWriteOptions = {}): Promise<void> {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const tmp = tempPathFor(target);
  const chunk = Math.max(1, opts.chunkBytes ?? 8 << 20);
  const fh = await fs.open(tmp, 'w');
  try {
    for (let off = 0; off < bytes.length; off += chunk) {
      const end = Math.min(bytes.length, off + chunk);
      await fh.write(bytes, off, end - off, off);
      if (opts.onChunkWritten) await opts.onChunkWritten(end, bytes.length, tmp);
    }
    await fh.sync();
  } catch (err) {
    await fh.close().catch(() => {});
    await fs.rm(tmp, { force: true });
    // a failed write() names no file: name the one being written
    if (err && typeof err === 'object' && !('path' in err)) (err as NodeJS.ErrnoException).path = target;
    throw err;
  }
  await fh.close();
  await fs.rename(tmp, target);
  await fsyncDir(path.dirname(target));
}

/** Removes temporary files left behind by a process that died mid-write. Returns their names. */
export async function removeStaleTemps(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return [];
  }
  const stale = names.filter((n) => n.includes(TEMP_MARK));
  for (const n of stale) await fs.rm(path.join(dir, n), { force: true });
  return stale;
}
