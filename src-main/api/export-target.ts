/**
 * Where the Studio API lets an export be written (issue 15, item 9). A token for the web host
 * must not be a write-anywhere capability, so a target is one of:
 * - nothing: the run's own export folder (`<home>/runs/<id>/export/`, a free name);
 * - a plain file name ("digits.onnx"): the studio's exports folder, `<home>/exports/<name>`;
 * - an absolute path inside that exports folder (its real path: links are followed);
 * - "~" or "~/…" stand for the home folder of the person running the studio, as in a shell,
 *   and then follow the rules of a full path;
 * - an absolute path the host itself vouches for (`allowed`): in Electron, one the person
 *   picked in the native save dialog. The web host vouches for none.
 * Anything else is refused with a message that says where exports can go and that the
 * browser can download the file instead.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { StudioError } from './errors';

export const exportsDir = (home: string): string => path.join(home, 'exports');

/** "digits.onnx": no folder part, not hidden, ends in .onnx */
export const EXPORT_FILE_NAME = /^(?!\.)[^/\\\0:]{1,200}\.onnx$/i;

const realOrResolved = async (p: string): Promise<string> => fs.realpath(p).catch(() => path.resolve(p));

/** Whether `file` (absolute) lies in `folder`, both by their real paths (the file itself may not exist yet). */
async function inside(folder: string, file: string): Promise<boolean> {
  const root = await realOrResolved(folder);
  const parent = await realOrResolved(path.dirname(file));
  const rel = path.relative(root, path.join(parent, path.basename(file)));
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** "~/Desktop/digits.onnx" -> "<home folder>/Desktop/digits.onnx" ("~" alone is the home folder); any other text unchanged. */
export function expandHome(p: string, homeFolder: string = os.homedir()): string {
  if (p === '~') return homeFolder;
  return /^~[/\\]/.test(p) ? path.join(homeFolder, p.slice(2)) : p;
}

/** The absolute .onnx path an API export writes, or undefined for the run's own folder; throws 'forbidden' or 'bad_request'. */
export async function resolveExportTarget(home: string, target: string | null | undefined, allowed?: (file: string) => boolean): Promise<string | undefined> {
  if (target === undefined || target === null) return undefined;
  target = expandHome(target);
  const exportsFolder = exportsDir(home);
  if (EXPORT_FILE_NAME.test(target)) {
    await fs.mkdir(exportsFolder, { recursive: true });
    return path.join(exportsFolder, target);
  }
  if (!path.isAbsolute(target)) throw new StudioError('bad_request', `"${target}" is neither a file name such as model.onnx nor a full path.`);
  if (!target.toLowerCase().endsWith('.onnx')) throw new StudioError('bad_request', `The export file must end in .onnx (got "${path.basename(target)}").`);
  const file = path.resolve(target);
  if (allowed?.(file)) return file;
  if (await inside(exportsFolder, file)) {
    if ((await fs.lstat(file).catch(() => null))?.isSymbolicLink()) throw new StudioError('forbidden', `${file} is a link; the studio does not write through links. Choose another name.`);
    return file;
  }
  throw new StudioError(
    'forbidden',
    `The studio writes exports only into its exports folder (${exportsFolder}) or the run's own folder; ${file} is outside them. ` +
      'Give a file name such as model.onnx to save it there, then download it from the Export screen; in the desktop app, choose the place in the save dialog.',
  );
}

/** The export's files as paths relative to the home ('/'-separated), for the web host's /download/ route; null when outside the home. */
export function homeRelative(home: string, file: string): string | null {
  const rel = path.relative(path.resolve(home), path.resolve(file));
  if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) return null;
  return rel.split(path.sep).join('/');
}

/** Names the /download/ route serves: an export's three files. */
const DOWNLOAD_NAME = /^(?!\.)[^/\\\0]{1,250}\.(onnx|md|verification\.json)$/i;
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/**
 * The file behind `/download/<rel>`, or null: only `exports/<name>` and `runs/<run>/export/<name>`
 * of the home, an export's .onnx/.md/.verification.json, a regular file (not a link) whose real
 * path is where its name says. Nothing else of the home (datasets, run records, the token) can be read.
 */
export async function downloadableFile(home: string, rel: string): Promise<string | null> {
  const parts = rel.split('/');
  const ok =
    (parts.length === 2 && parts[0] === 'exports' && DOWNLOAD_NAME.test(parts[1])) ||
    (parts.length === 4 && parts[0] === 'runs' && RUN_ID.test(parts[1]) && !parts[1].includes('..') && parts[2] === 'export' && DOWNLOAD_NAME.test(parts[3]));
  if (!ok) return null;
  const root = await realOrResolved(home);
  const file = path.join(root, ...parts);
  const st = await fs.lstat(file).catch(() => null);
  if (!st?.isFile()) return null;
  const real = await fs.realpath(file).catch(() => null);
  return real === file ? file : null;
}
