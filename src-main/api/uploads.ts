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

/** The upload folder (`<home>/uploads/<id>`) that holds every one of `paths`, if they are all in one. */
export function uploadFolderOf(home: string, paths: string[]): { root: string; uploadId: string } | null {
  const base = uploadsDir(home) + path.sep;
  let uploadId: string | null = null;
  for (const p of paths) {
    const abs = path.resolve(p);
    if (!abs.startsWith(base)) return null;
    const id = abs.slice(base.length).split(path.sep)[0];
    if (!id || (uploadId !== null && id !== uploadId)) return null;
    uploadId = id;
  }
  return uploadId === null ? null : { root: path.join(uploadsDir(home), uploadId), uploadId };
}

/** file name without the endings that say how it is stored ("train-images-idx3-ubyte.gz" -> "train-images") */
function stemOf(name: string): string {
  let s = name;
  for (let prev = ''; prev !== s; ) {
    prev = s;
    s = s.replace(/\.(tar\.gz|tgz|gz|zip|tar|csv|tsv|txt|data|npz|npy|bin)$/i, '');
  }
  return s.replace(/[-_.]idx\d+[-_.]ubyte$/i, '') || name;
}

const ROLE_WORD = /^(train|training|test|testing|t10k|images?|labels?|x|y|data|batch)$/i;
const SEP = /[-_.\s]/;

/**
 * A dataset name from the names of files dropped in a browser (the upload folder's own name
 * is an id): one file or folder gives its own name; several give the part their names share
 * ("emnist-letters-train-images-idx3-ubyte" and "emnist-letters-test-labels-idx1-ubyte"
 * give "emnist-letters"), without split and role words; failing that, the stem of the
 * training file ("train-images").
 */
export function nameFromDroppedFiles(paths: string[]): string {
  const stems = paths.map((p) => stemOf(path.basename(p)));
  if (stems.length === 1) return stems[0];
  let prefix = stems.reduce((a, b) => {
    let i = 0;
    while (i < a.length && i < b.length && a[i] === b[i]) i++;
    return a.slice(0, i);
  });
  // end on a word boundary of every name
  if (!stems.every((s) => s.length === prefix.length || SEP.test(s[prefix.length]) || SEP.test(prefix.at(-1) ?? ''))) {
    const cut = Math.max(...[...prefix].map((ch, i) => (SEP.test(ch) ? i : -1)));
    prefix = cut < 0 ? '' : prefix.slice(0, cut);
  }
  const words = prefix.split(SEP).filter(Boolean);
  while (words.length && ROLE_WORD.test(words.at(-1)!)) words.pop();
  if (words.length) {
    // keep the names' own separators: cut the prefix after its last kept word
    let at = 0;
    for (const w of words) at = prefix.indexOf(w, at) + w.length;
    return prefix.slice(0, at);
  }
  return stems.find((s) => /train/i.test(s)) ?? [...stems].sort()[0];
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
