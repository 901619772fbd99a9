/**
 * How dropped files travel to the host in messages of bounded size (no DOM types here, so
 * the logic is tested under Node): small files go together in batches of about `chunkBytes`;
 * a file larger than that goes in chunks of `chunkBytes`, one call each, the first writing
 * the file and the others appending to it (UploadRequest's `append`). No message grows with
 * a file, and the progress moves while a big file travels.
 */
import type { UploadRequest } from '../../src-main/api/contract';

/** About this many bytes of files go in one uploadFiles call; a larger file goes in chunks of this size. */
export const BATCH_BYTES = 4 * 1024 * 1024;

export interface UploadSource {
  relativePath: string;
  size: number;
  /** bytes [start, end) of the file, base64 */
  read(start: number, end: number): Promise<string>;
}

export type UploadCall = (req: UploadRequest) => Promise<{ uploadId: string; paths: string[] }>;

/** Uploads `files` into one upload folder through `upload`; answers the upload's top-level paths. */
export async function uploadInParts(files: UploadSource[], upload: UploadCall, onProgress: (sent: number, total: number) => void, chunkBytes = BATCH_BYTES): Promise<string[]> {
  const total = files.reduce((a, f) => a + f.size, 0);
  let sent = 0;
  let uploadId: string | undefined;
  let paths: string[] = [];
  const send = async (payload: UploadRequest['files'], bytes: number): Promise<void> => {
    const r = await upload({ ...(uploadId ? { uploadId } : {}), files: payload });
    uploadId = r.uploadId;
    paths = r.paths;
    sent += bytes;
    onProgress(sent, total);
  };
  let batch: UploadSource[] = [];
  let batchBytes = 0;
  const flush = async (): Promise<void> => {
    if (!batch.length) return;
    const payload: UploadRequest['files'] = [];
    for (const f of batch) payload.push({ relativePath: f.relativePath, base64: await f.read(0, f.size) });
    const bytes = batchBytes;
    batch = [];
    batchBytes = 0;
    await send(payload, bytes);
  };
  onProgress(0, total);
  for (const f of files) {
    if (f.size > chunkBytes) {
      for (let at = 0; at < f.size; at += chunkBytes) {
        const end = Math.min(f.size, at + chunkBytes);
        await send([{ relativePath: f.relativePath, base64: await f.read(at, end), ...(at > 0 ? { append: true } : {}) }], end - at);
      }
      continue;
    }
    if (batchBytes + f.size > chunkBytes) await flush();
    batch.push(f);
    batchBytes += f.size;
  }
  await flush();
  return paths;
}
