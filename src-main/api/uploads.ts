/**
 * Files dropped or picked in a browser have no path on the host: their bytes arrive in
 * batches and are stored under `<home>/uploads/<uploadId>/<relativePath>`, keeping the
 * dropped folder structure, ready for importDataset. Nothing can be written outside the
 * upload folder (the schema refuses '..', absolute paths and NUL; this re-checks after
 * resolving).
 */
import { randomBytes } from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { LEFTOVER_AGE_MS, untouchedSince } from '../fs-age';
import type { UploadRequest } from './contract';
import { StudioError } from './errors';

export const uploadsDir = (home: string): string => path.join(home, 'uploads');

/** The ids storeUpload makes: the only folder names under uploads/ the studio ever writes or removes. */
export const UPLOAD_ID_PATTERN = /^up-[0-9a-f]{16}$/;
export const isUploadId = (value: unknown): value is string => typeof value === 'string' && UPLOAD_ID_PATTERN.test(value);

async function uploadRoot(home: string, uploadId: string | undefined): Promise<{ uploadId: string; root: string }> {
  if (uploadId === undefined) {
    const id = `up-${randomBytes(8).toString('hex')}`;
    const root = path.join(uploadsDir(home), id);
    await fsp.mkdir(root, { recursive: true });
    return { uploadId: id, root };
  }
  if (!isUploadId(uploadId)) throw new StudioError('bad_request', `"${uploadId}" is not an upload id the studio gave out (they look like up-0123456789abcdef); start a new upload without an uploadId.`);
  const root = path.join(uploadsDir(home), uploadId);
  const st = await fsp.lstat(root).catch(() => null);
  if (!st?.isDirectory()) throw new StudioError('bad_request', `Upload ${uploadId} does not exist (any more: it was imported or cleaned up); start a new upload without an uploadId.`);
  return { uploadId, root };
}

/** The first leading part of `relativePath` that is a file in the upload (so it cannot be a folder), if any. */
async function fileInTheWay(root: string, relativePath: string): Promise<string | null> {
  const parts = relativePath.split('/');
  for (let i = 1; i < parts.length; i++) {
    const prefix = parts.slice(0, i).join('/');
    if ((await fsp.lstat(path.join(root, prefix)).catch(() => null))?.isFile()) return prefix;
  }
  return null;
}

/** A clash between a file and a folder of the same name, said in the dropped files' own names. */
async function storeProblem(root: string, relativePath: string, err: NodeJS.ErrnoException): Promise<StudioError | null> {
  if (err.code === 'EISDIR') return new StudioError('bad_request', `"${relativePath}" cannot be stored as a file: this upload already has a folder "${relativePath}". Rename one of them and upload again.`);
  if (err.code === 'ENOTDIR' || err.code === 'EEXIST') {
    const file = await fileInTheWay(root, relativePath);
    if (file) return new StudioError('bad_request', `"${relativePath}" cannot be stored: "${file}" is a file in this upload, so it cannot also be a folder. Rename one of them and upload again.`);
  }
  if (err.code === 'ENOSPC') return new StudioError('conflict', `The disk is full: "${relativePath}" could not be stored. Free some space and upload again.`);
  return null;
}

export async function storeUpload(home: string, req: UploadRequest): Promise<{ uploadId: string; paths: string[] }> {
  const { uploadId, root } = await uploadRoot(home, req.uploadId);
  for (const file of req.files) {
    const target = path.resolve(root, file.relativePath);
    if (!target.startsWith(root + path.sep)) throw new StudioError('forbidden', `The uploaded file "${file.relativePath}" would land outside its upload folder; nothing was stored for it.`);
    try {
      await storeOne(target, file, uploadId);
    } catch (e) {
      throw (await storeProblem(root, file.relativePath, e as NodeJS.ErrnoException)) ?? e;
    }
  }
  const entries = await fsp.readdir(root);
  return { uploadId, paths: entries.sort().map((e) => path.join(root, e)) };
}

async function storeOne(target: string, file: UploadRequest['files'][number], uploadId: string): Promise<void> {
  await fsp.mkdir(path.dirname(target), { recursive: true });
  const bytes = Buffer.from(file.base64, 'base64');
  if (file.append) {
    const exists = await fsp.stat(target).then((st) => st.isFile(), () => false);
    if (!exists) throw new StudioError('bad_request', `"${file.relativePath}" has not been started in upload ${uploadId}: send its first chunk without "append".`);
    await fsp.appendFile(target, bytes);
  } else {
    await fsp.writeFile(target, bytes);
  }
}

/**
 * The uploads that `paths` lie in, each as `<uploads>/<uploadId>`: every path resolved (and its
 * links followed) first, so '..' or '.' segments cannot name the uploads folder or the home.
 * Only folders named like an upload id the studio makes count; anything else is not an upload.
 */
export async function uploadFoldersOf(home: string, paths: string[]): Promise<string[]> {
  const real = async (p: string) => fsp.realpath(p).catch(() => path.resolve(p));
  const root = await real(uploadsDir(home));
  const folders = new Set<string>();
  for (const p of paths) {
    const rel = path.relative(root, await real(path.resolve(p)));
    if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) continue;
    const id = rel.split(path.sep)[0];
    if (isUploadId(id)) folders.add(path.join(root, id));
  }
  return [...folders];
}

/** Removes one upload folder: only a real folder (not a link) directly under uploads/ with an upload id for a name. */
export async function removeUploadFolder(home: string, folder: string): Promise<boolean> {
  const root = await fsp.realpath(uploadsDir(home)).catch(() => path.resolve(uploadsDir(home)));
  if (path.dirname(folder) !== root || !isUploadId(path.basename(folder))) return false;
  const st = await fsp.lstat(folder).catch(() => null);
  if (!st?.isDirectory()) return false;
  await fsp.rm(folder, { recursive: true, force: true });
  return true;
}

/**
 * Removes uploads nobody imported: `<uploads>/<uploadId>` folders in which nothing was written
 * for a day (an upload still arriving, or waiting for its import, is younger). Anything under
 * uploads/ not named like an upload id is not the studio's and is left alone. Answers how many went.
 */
export async function cleanAbandonedUploads(home: string, now = Date.now()): Promise<number> {
  const entries = await fsp.readdir(uploadsDir(home)).catch(() => [] as string[]);
  let removed = 0;
  for (const id of entries.filter(isUploadId)) {
    const folder = path.join(uploadsDir(home), id);
    if (!(await untouchedSince(folder, now - LEFTOVER_AGE_MS))) continue;
    if (await removeUploadFolder(home, folder).catch(() => false)) removed++;
  }
  return removed;
}

/**
 * Messages about uploaded files name them as the person dropped them: "<home>/uploads/<id>/digits/3.png"
 * becomes "digits/3.png", and the upload folder itself "the dropped files".
 */
export function hideUploadFolders(message: string, home: string): string {
  const base = uploadsDir(home) + path.sep;
  let out = '';
  let from = 0;
  for (let at = message.indexOf(base); at >= 0; at = message.indexOf(base, from)) {
    out += message.slice(from, at);
    let end = at + base.length;
    while (end < message.length && /[A-Za-z0-9_-]/.test(message[end])) end++;
    if (message.startsWith(path.sep, end)) end += path.sep.length;
    else out += 'the dropped files';
    from = end;
  }
  return out + message.slice(from);
}
