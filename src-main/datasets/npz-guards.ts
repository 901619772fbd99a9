/**
 * Guards of the NumPy importer that look at headers only: Python pickles dressed as .npy or
 * .npz (refused, never opened), and .npz archives whose zip directory declares more than
 * memory, the disk or any real compression ratio allows (refused before expansion).
 */
import { unzipSync } from 'fflate';
import { DatasetImportError, fmtCount, fmtSize, printable } from './errors';
import { readHead, type FileKind } from './sniff';

/** A Python pickle starts with the PROTO opcode (0x80) and a protocol number 2 to 5. */
export function isPickle(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x80 && head[1] >= 2 && head[1] <= 5;
}

export const PICKLE_MESSAGE =
  'a Python pickle, not a NumPy array (pickle.dump or np.save of a Python object wrote it). Pickles can run code when opened, so the studio never opens them; ' +
  'save the arrays with np.save("x.npy", np.asarray(x)) or np.savez("data.npz", x=x, y=y), which write plain .npy data.';

/** Refuses, naming the file, any of `files` that is a Python pickle (whatever its name says). */
export async function refusePickles(files: { file: string; kind: FileKind }[]): Promise<void> {
  for (const f of files) {
    if (f.kind !== 'unknown') continue;
    const head = await readHead(f.file, 2).catch(() => Buffer.alloc(0));
    if (isPickle(head)) throw new DatasetImportError(`${f.file}: ${PICKLE_MESSAGE}`);
  }
}

/** Above this many bytes, declared by an .npz entry, a compression ratio over MAX_RATIO is refused as a bomb. */
const RATIO_FLOOR = 64 << 20;
const MAX_RATIO = 200;
/** The most an .npz may expand to: its arrays are held in memory while importing. */
export const MAX_NPZ_EXPANDED = 2 ** 31 - 1;

/**
 * Checks an .npz's zip directory before anything is expanded: the arrays it would expand to
 * must fit in memory and on the disk, and no entry may claim a compression ratio only a bomb
 * reaches. The declared sizes also bound the expansion (fflate stops there).
 */
export function checkNpzDirectory(buf: Uint8Array, file: string, free: number, wanted: (name: string) => boolean): void {
  const entries: { name: string; size: number; originalSize: number }[] = [];
  try {
    unzipSync(buf, { filter: (f) => (wanted(f.name) && entries.push({ name: f.name, size: f.size, originalSize: f.originalSize }), false) });
  } catch (e) {
    throw new DatasetImportError(`${file}: not a readable .npz (zip) archive (${(e as Error).message}).`);
  }
  const total = entries.reduce((a, e) => a + e.originalSize, 0);
  for (const e of entries) {
    const ratio = e.originalSize / Math.max(1, e.size);
    if (e.originalSize > RATIO_FLOOR && ratio > MAX_RATIO) {
      throw new DatasetImportError(
        `${file}: ${printable(e.name)} declares ${fmtSize(e.originalSize)} from ${fmtSize(e.size)} compressed (${fmtCount(Math.round(ratio))} to 1); real data does not shrink that much, so it was not expanded. ` +
          'Save it with np.save (uncompressed) if the data is genuine.',
      );
    }
  }
  if (total > free) {
    throw new DatasetImportError(`${file}: the arrays declare ${fmtSize(total)} when expanded but only ${fmtSize(free)} is free on the disk of the library; nothing was expanded.`);
  }
  if (total > MAX_NPZ_EXPANDED) {
    throw new DatasetImportError(
      `${file}: the arrays declare ${fmtSize(total)} when expanded; an .npz is expanded in memory and the studio takes up to ${fmtSize(MAX_NPZ_EXPANDED)}. Save the data as IDX files or a CSV table, which are streamed, or use fewer samples.`,
    );
  }
}
