/** How long ago anything in a folder was last written: leftovers are only removed when all of it is old. */
import fs from 'node:fs/promises';
import path from 'node:path';

/** A day: a staging folder or an upload untouched this long belongs to nobody alive. */
export const LEFTOVER_AGE_MS = 86_400_000;

/**
 * Whether `p` and everything under it (links not followed) was last modified before `before`
 * (ms since the epoch). The walk stops at the first young entry, so a folder in use is cheap
 * to tell; only old folders, about to be removed, are walked whole.
 */
export async function untouchedSince(p: string, before: number): Promise<boolean> {
  const st = await fs.lstat(p).catch(() => null);
  if (!st) return true;
  if (st.mtimeMs >= before) return false;
  if (!st.isDirectory()) return true;
  const entries = await fs.readdir(p).catch(() => [] as string[]);
  for (const e of entries) if (!(await untouchedSince(path.join(p, e), before))) return false;
  return true;
}
