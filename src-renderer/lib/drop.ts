/**
 * Turning what a person dropped or picked into host paths for importDataset. In Electron the
 * preload knows the real paths; in a browser the bytes are uploaded to the host in batches.
 */
import { studio } from '../studio';
import { uploadInParts, type OnUploadProgress, type UploadSource } from './upload';

export interface PickedFile {
  /** path inside what was dropped, e.g. "digits/3/a.png" or "train-images-idx3-ubyte" */
  relativePath: string;
  file: File;
}

interface FsEntry {
  isFile: boolean;
  isDirectory: boolean;
  name: string;
  fullPath: string;
}
interface FsFileEntry extends FsEntry { file(ok: (f: File) => void, fail: (e: unknown) => void): void }
interface FsDirEntry extends FsEntry { createReader(): { readEntries(ok: (e: FsEntry[]) => void, fail: (e: unknown) => void): void } }

async function walk(entry: FsEntry, out: PickedFile[]): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((ok, fail) => (entry as FsFileEntry).file(ok, fail));
    out.push({ relativePath: entry.fullPath.replace(/^\/+/, ''), file });
  } else if (entry.isDirectory) {
    const reader = (entry as FsDirEntry).createReader();
    // readEntries answers in chunks of ~100 until it answers an empty list
    for (;;) {
      const batch = await new Promise<FsEntry[]>((ok, fail) => reader.readEntries(ok, fail));
      if (!batch.length) break;
      for (const e of batch) await walk(e, out);
    }
  }
}

/** Must be called synchronously inside the drop handler (the entries vanish afterwards). */
export function collectDropped(dt: DataTransfer): { files: File[]; picked: Promise<PickedFile[]> } {
  const entries: FsEntry[] = [];
  const loose: File[] = [];
  for (const item of Array.from(dt.items)) {
    if (item.kind !== 'file') continue;
    const entry = (item as unknown as { webkitGetAsEntry?: () => FsEntry | null }).webkitGetAsEntry?.() ?? null;
    if (entry) entries.push(entry);
    else {
      const f = item.getAsFile();
      if (f) loose.push(f);
    }
  }
  const files = Array.from(dt.files);
  const picked = (async () => {
    const out: PickedFile[] = loose.map((file) => ({ relativePath: file.webkitRelativePath || file.name, file }));
    for (const e of entries) await walk(e, out);
    return out;
  })();
  return { files, picked };
}

export function fromInput(list: FileList): PickedFile[] {
  return Array.from(list).map((file) => ({ relativePath: file.webkitRelativePath || file.name, file }));
}

/** A file or a slice of it as base64 (without the data: prefix). */
export function toBase64(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => {
      const s = String(r.result);
      resolve(s.slice(s.indexOf(',') + 1));
    };
    r.onerror = () => reject(r.error ?? new Error('could not read the file'));
    r.readAsDataURL(blob);
  });
}

/** Uploads in batches of about a megabyte; a larger file goes in chunks of that size (see lib/upload.ts). */
export function uploadPicked(files: PickedFile[], onProgress: OnUploadProgress): Promise<string[]> {
  const api = studio();
  const sources: UploadSource[] = files.map((f) => ({ relativePath: f.relativePath, size: f.file.size, read: (start, end) => toBase64(f.file.slice(start, end)) }));
  return uploadInParts(sources, (req) => api.uploadFiles(req), onProgress);
}

/** Skip the litter operating systems leave in folders. */
export function isJunk(relativePath: string): boolean {
  const name = relativePath.split('/').pop() ?? '';
  return name.startsWith('.') || name === 'Thumbs.db' || name === 'desktop.ini' || relativePath.includes('__MACOSX/');
}
