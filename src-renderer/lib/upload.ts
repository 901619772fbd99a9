/**
 * How dropped files travel to the host in messages of bounded size (no DOM types here, so
 * the logic is tested under Node): small files go together in batches of about `chunkBytes`;
 * a file larger than that goes in chunks of `chunkBytes`, one call each, the first writing
 * the file and the others appending to it (UploadRequest's `append`). No message grows with
 * a file. The files of the next message are read while the current one travels, and the
 * progress (bytes and files, and the big file under way) moves with every message.
 */
import type { UploadRequest } from '../../src-main/api/contract';

/** About this many bytes of files go in one uploadFiles call; a larger file goes in chunks of this size. */
export const BATCH_BYTES = 1024 * 1024;

export interface UploadSource {
  relativePath: string;
  size: number;
  /** bytes [start, end) of the file, base64 */
  read(start: number, end: number): Promise<string>;
}

export type UploadCall = (req: UploadRequest) => Promise<{ uploadId: string; paths: string[] }>;

export interface UploadProgress {
  sentBytes: number;
  totalBytes: number;
  /** files whose last byte has arrived */
  sentFiles: number;
  totalFiles: number;
  /** a file sent in chunks, while it is under way */
  file?: { relativePath: string; sentBytes: number; size: number };
}

/** One uploadFiles call: whole small files, or one chunk of a big file. */
interface Part {
  pieces: { source: UploadSource; start: number; end: number }[];
  bytes: number;
}

/** The calls that carry `files`, in their order: small files batched up to `chunkBytes`, a bigger file in chunks of it. */
function planParts(files: UploadSource[], chunkBytes: number): Part[] {
  const parts: Part[] = [];
  let batch: Part = { pieces: [], bytes: 0 };
  const flush = (): void => {
    if (batch.pieces.length) parts.push(batch);
    batch = { pieces: [], bytes: 0 };
  };
  for (const source of files) {
    if (source.size > chunkBytes) {
      flush(); // the files go in the order given
      for (let at = 0; at < source.size; at += chunkBytes) {
        const end = Math.min(source.size, at + chunkBytes);
        parts.push({ pieces: [{ source, start: at, end }], bytes: end - at });
      }
      continue;
    }
    if (batch.bytes + source.size > chunkBytes) flush();
    batch.pieces.push({ source, start: 0, end: source.size });
    batch.bytes += source.size;
  }
  flush();
  return parts;
}

/** The files of one part, read together (the reads are independent). */
const readPart = (part: Part): Promise<UploadRequest['files']> =>
  Promise.all(part.pieces.map(async (p) => ({ relativePath: p.source.relativePath, base64: await p.source.read(p.start, p.end), ...(p.start > 0 ? { append: true } : {}) })));

/** Told after every message: bytes sent and in all, and the whole progress (files, the big file under way). */
export type OnUploadProgress = (sentBytes: number, totalBytes: number, progress: UploadProgress) => void;

/** Uploads `files` into one upload folder through `upload`; answers the upload's top-level paths. */
export async function uploadInParts(files: UploadSource[], upload: UploadCall, onProgress: OnUploadProgress, chunkBytes = BATCH_BYTES): Promise<string[]> {
  const progress: UploadProgress = { sentBytes: 0, totalBytes: files.reduce((a, f) => a + f.size, 0), sentFiles: 0, totalFiles: files.length };
  onProgress(0, progress.totalBytes, { ...progress });
  const parts = planParts(files, chunkBytes);
  let uploadId: string | undefined;
  let paths: string[] = [];
  let next = parts.length ? readPart(parts[0]) : null;
  for (let i = 0; i < parts.length; i++) {
    const payload = await next!;
    // read the next message's files while this one travels
    next = i + 1 < parts.length ? readPart(parts[i + 1]) : null;
    // a read that fails while this message travels is reported when its turn comes, not as an unhandled rejection
    next?.catch(() => undefined);
    const r = await upload({ ...(uploadId ? { uploadId } : {}), files: payload });
    uploadId = r.uploadId;
    paths = r.paths;
    progress.sentBytes += parts[i].bytes;
    const finished = parts[i].pieces.filter((p) => p.end === p.source.size).length;
    progress.sentFiles += finished;
    const piece = parts[i].pieces[0];
    const chunked = parts[i].pieces.length === 1 && piece.source.size > chunkBytes && piece.end < piece.source.size;
    onProgress(progress.sentBytes, progress.totalBytes, { ...progress, ...(chunked ? { file: { relativePath: piece.source.relativePath, sentBytes: piece.end, size: piece.source.size } } : {}) });
  }
  return paths;
}

const mb = (bytes: number): string => (bytes / 1e6).toFixed(1);

/** The progress line the Data screen shows: "2.1 of 6.1 MB, 210 of 600 files (digits.csv: 12.0 of 47.0 MB)". */
export function describeUpload(p: UploadProgress): string {
  const files = p.totalFiles === 1 ? '' : `, ${p.sentFiles} of ${p.totalFiles} files`;
  const file = p.file && p.totalFiles > 1 ? ` (${p.file.relativePath}: ${mb(p.file.sentBytes)} of ${mb(p.file.size)} MB)` : '';
  return `${mb(p.sentBytes)} of ${mb(p.totalBytes)} MB${files}${file}`;
}
