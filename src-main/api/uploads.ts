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
import type { UploadRequest } from './contract';
import { StudioError } from './errors';

export const uploadsDir = (home: string): string => path.join(home, 'uploads');

export async function storeUpload(home: string, req: UploadRequest): Promise<{ uploadId: string; paths: string[] }> {
  const uploadId = req.uploadId ?? `up-${randomBytes(8).toString('hex')}`;
  const root = path.join(uploadsDir(home), uploadId);
  await fsp.mkdir(root, { recursive: true });
  for (const file of req.files) {
    const target = path.resolve(root, file.relativePath);
    if (!target.startsWith(root + path.sep)) throw new StudioError('forbidden', `The uploaded file "${file.relativePath}" would land outside its upload folder; nothing was stored for it.`);
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
  const entries = await fsp.readdir(root);
  return { uploadId, paths: entries.sort().map((e) => path.join(root, e)) };
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
