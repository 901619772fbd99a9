/**
 * The file side of the image-folder importer: listing folders (names must be UTF-8, links
 * followed but loops refused), reading pictures with errors that name the file, and running
 * work over many files with a bounded number in flight.
 */
import type { Dirent } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ImportContext } from './context';
import { DatasetImportError, fmtSize } from './errors';
import { PictureLimitError } from './picture-decode';
import { readHead } from './sniff';
import type { SkippedFile } from './types';

function decodeName(dir: string, name: Buffer): string {
  const s = name.toString('utf8');
  if (!Buffer.from(s, 'utf8').equals(name)) {
    throw new DatasetImportError(`${path.join(dir, s)}: the name is not valid UTF-8 text (bytes ${name.toString('hex')}); rename it with ordinary characters and import again.`);
  }
  return s;
}

export async function listDir(dir: string): Promise<{ name: string; full: string }[]> {
  let entries: Dirent<Buffer>[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true, encoding: 'buffer' });
  } catch (e) {
    throw new DatasetImportError(`${dir}: cannot list the folder (${(e as NodeJS.ErrnoException).code === 'EACCES' ? 'permission denied' : (e as Error).message}).`);
  }
  const out = entries.map((e) => {
    const name = decodeName(dir, e.name);
    return { name, full: path.join(dir, name) };
  });
  return out.sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
}

export async function statEntry(p: string): Promise<import('node:fs').Stats> {
  try {
    return await fs.stat(p);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new DatasetImportError(`${p}: a symbolic link loop (the link leads back to itself); remove the link.`);
    if (code === 'ENOENT') throw new DatasetImportError(`${p}: a broken symbolic link (it points to something that does not exist); remove it.`);
    if (code === 'EACCES' || code === 'EPERM') throw new DatasetImportError(`${p}: permission denied; the studio cannot read it.`);
    throw new DatasetImportError(`${p}: cannot be read (${(e as Error).message}).`);
  }
}

/** Collects the files under a class folder, following links but refusing loops. */
export async function walk(dir: string, ancestors: Set<string>, out: string[], skipped: SkippedFile[], ctx: ImportContext): Promise<void> {
  const real = await fs.realpath(dir);
  if (ancestors.has(real)) throw new DatasetImportError(`${dir}: a symbolic link loop (it leads back to ${real}, which contains it); remove the link.`);
  ancestors.add(real);
  for (const e of await listDir(dir)) {
    ctx.checkAbort();
    if (e.name.startsWith('.')) {
      skipped.push({ path: e.full, reason: 'hidden file' });
      continue;
    }
    const st = await statEntry(e.full);
    if (st.isDirectory()) await walk(e.full, ancestors, out, skipped, ctx);
    else if (st.isFile()) out.push(e.full);
    else skipped.push({ path: e.full, reason: 'not a regular file' });
  }
  ancestors.delete(real);
}

async function readFileOrFail(p: string): Promise<Buffer> {
  try {
    return await fs.readFile(p);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DatasetImportError(`${p}: cannot be read (${code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (e as Error).message}).`);
  }
}

export async function readHeadOrFail(p: string): Promise<Buffer> {
  try {
    return await readHead(p, 4096);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DatasetImportError(`${p}: cannot be read (${code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (e as Error).message}).`);
  }
}

/** The largest picture file read (a 50-megapixel picture stored raw is 200 MB). */
const MAX_PICTURE_FILE = 256 << 20;

export async function readPictureOrFail(p: string): Promise<Buffer> {
  const size = (await statEntry(p)).size;
  if (size > MAX_PICTURE_FILE) {
    throw new PictureLimitError(`${p}: a picture file of ${fmtSize(size)}; the studio reads picture files of up to ${fmtSize(MAX_PICTURE_FILE)}. Shrink it or remove it from the folder.`);
  }
  return readFileOrFail(p);
}

export async function forEachLimit<T>(items: T[], limit: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        await fn(items[i]);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  const results = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, worker));
  const bad = results.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
  if (bad) throw bad.reason;
}

/** Runs fn over items with up to `limit` in flight, handing results to `sink` in input order. */
export async function mapOrdered<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>, sink: (r: R) => Promise<void>): Promise<void> {
  const inflight: Promise<R>[] = [];
  let i = 0;
  try {
    while (i < items.length || inflight.length) {
      while (i < items.length && inflight.length < limit) {
        const p = fn(items[i++]);
        p.catch(() => undefined); // handled when awaited below
        inflight.push(p);
      }
      await sink(await inflight.shift()!);
    }
  } finally {
    await Promise.allSettled(inflight);
  }
}
