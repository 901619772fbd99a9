/**
 * What every importer gets: the staging folder it writes into, the options, progress
 * reporting (throttled) and cancellation. Importers write raw little-endian binaries:
 *   with a test set:    train-x.bin train-y.bin test-x.bin test-y.bin
 *   without a test set: all-x.bin all-y.bin (the library splits them)
 */
import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { ImportCancelledError } from './errors';
import type { ImportOptions, ImportProgress, SkippedFile, SourceFormat } from './types';

export type SplitFile = 'train' | 'test' | 'all';

export interface ImportedData {
  format: SourceFormat;
  kind: 'image' | 'tabular';
  sampleShape: number[];
  classNames: string[];
  sources: string[];
  /** whether the source had its own test set (files train-* and test-*) or not (all-*) */
  hasTest: boolean;
  preprocessing: Record<string, unknown>;
  skipped?: SkippedFile[];
  /** the dataset's own name when the format identifies it (CIFAR-10); otherwise the library names it (naming.ts) */
  knownName?: string;
  /** pictures asked only to be looked at (ImportOptions.previewSamplesPerClass): what the import would make; nothing was written */
  picturePreview?: import('./types').PicturePreview;
  /** tables (issue 11): what is predicted ('number': the y files hold float32 values) and the column schema */
  task?: import('../engine/table').Task;
  table?: import('../engine/table').TableSchema;
  /** tables: a hash of the raw table and the choices, standing in for the stored files in the content hash */
  contentKey?: string;
  /** when the importer split off the test set itself (tables: statistics need the training rows) */
  split?: { fraction: number; seed: number; stratified: true };
}

/** How much of a dataset an import may hold in memory at once (splitting streams in windows of this size). */
export const DEFAULT_MEMORY_BUDGET = 512 << 20;

export class ImportContext {
  private lastPhase = '';
  private lastEmit = 0;
  /** bytes of samples held in memory at once while splitting; tests set it small to prove streaming */
  memoryBudget = DEFAULT_MEMORY_BUDGET;
  constructor(
    readonly staging: string,
    readonly opts: ImportOptions,
  ) {}

  file(split: SplitFile, part: 'x' | 'y'): string {
    return path.join(this.staging, `${split}-${part}.bin`);
  }

  checkAbort(): void {
    if (this.opts.signal?.aborted) throw new ImportCancelledError();
  }

  progress(phase: string, done: number, total: number | null): void {
    const cb = this.opts.onProgress;
    if (!cb) return;
    const now = Date.now();
    if (phase !== this.lastPhase || now - this.lastEmit >= 100 || (total !== null && done >= total)) {
      this.lastPhase = phase;
      this.lastEmit = now;
      const p: ImportProgress = { phase, done, total };
      cb(p);
    }
  }
}

/**
 * Buffered sequential writer of one binary file. Chunks are copied into a 4 MiB buffer and
 * flushed with positional-free appends; callers may reuse their buffers after write().
 */
export class BinaryWriter {
  private fh: fs.FileHandle | null = null;
  private buf = new Uint8Array(4 << 20);
  private used = 0;
  private hash: Hash = createHash('sha256');
  bytes = 0;
  private constructor(readonly file: string) {}

  static async create(file: string): Promise<BinaryWriter> {
    const w = new BinaryWriter(file);
    w.fh = await fs.open(file, 'wx');
    return w;
  }

  async write(chunk: ArrayBufferView): Promise<void> {
    let src = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.bytes += src.length;
    this.hash.update(src);
    while (src.length > 0) {
      const n = Math.min(src.length, this.buf.length - this.used);
      this.buf.set(src.subarray(0, n), this.used);
      this.used += n;
      src = src.subarray(n);
      if (this.used === this.buf.length) await this.flush();
    }
  }

  private async flush(): Promise<void> {
    if (this.used > 0 && this.fh) {
      let off = 0;
      while (off < this.used) {
        const { bytesWritten } = await this.fh.write(this.buf, off, this.used - off);
        off += bytesWritten;
      }
    }
    this.used = 0;
  }

  async close(): Promise<void> {
    if (!this.fh) return;
    await this.flush();
    await this.fh.close();
    this.fh = null;
    // the content hash of what was written, so nobody has to read the file again for it
    writtenHashes.set(this.file, this.hash.digest('hex'));
  }

  /** closes without caring about errors (the staging folder is removed anyway) */
  async abandon(): Promise<void> {
    const fh = this.fh;
    this.fh = null;
    await fh?.close().catch(() => undefined);
  }
}

/** sha256 of files written through BinaryWriter / writeInt32File, by path (entries removed when read). */
const writtenHashes = new Map<string, string>();

export function takeWrittenHash(file: string): string | undefined {
  const h = writtenHashes.get(file);
  writtenHashes.delete(file);
  return h;
}

/** drops the remembered hashes of files under `dir` (after an import, whatever its outcome) */
export function forgetWrittenHashes(dir: string): void {
  for (const k of writtenHashes.keys()) if (k.startsWith(dir)) writtenHashes.delete(k);
}

export async function writeInt32File(file: string, labels: Int32Array): Promise<void> {
  const bytes = new Uint8Array(labels.buffer, labels.byteOffset, labels.byteLength);
  await fs.writeFile(file, bytes, { flag: 'wx' });
  writtenHashes.set(file, createHash('sha256').update(bytes).digest('hex'));
}

/** Growable typed buffer for labels and CSV features. */
export class Growable<T extends Int32Array | Float32Array> {
  private arr: T;
  length = 0;
  constructor(private readonly make: (n: number) => T, initial = 1024) {
    this.arr = make(initial);
  }
  push(v: number): void {
    if (this.length === this.arr.length) this.grow(this.length + 1);
    this.arr[this.length++] = v;
  }
  private grow(min: number): void {
    const next = this.make(Math.max(min, this.arr.length * 2));
    next.set(this.arr);
    this.arr = next;
  }
  /** a view of the filled part (no copy) */
  view(): T {
    return this.arr.subarray(0, this.length) as T;
  }
}
