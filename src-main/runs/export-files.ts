/**
 * Where an export's three files go (<stem>.onnx, <stem>.md, <stem>.verification.json) and how
 * they are written without ever replacing a file nobody agreed to replace (issue 15, item 9):
 * - no target, or a folder: model-epoch-N.onnx, or model-epoch-N-2.onnx… when any of the
 *   three names is taken, so the studio never writes over anything there;
 * - a file the person named: refused when any of the three exists, unless `overwrite`.
 * The check is made before the export's work starts, and again when each file is put in place
 * (by hard link, which fails when the name exists), so a file that appears meanwhile is kept too.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { fsyncDir, tempPathFor, writeFileAtomic } from './atomic';
import { StudioError } from '../engine/errors';

/** An export would replace existing files: a conflict. */
export class ExportExistsError extends StudioError {
  constructor(readonly files: string[]) {
    super(
      'conflict',
      `${files.length === 1 ? `${files[0]} already exists` : `These files already exist: ${files.join(', ')}`}. Nothing was written: ` +
        'choose another file name, or confirm that they may be replaced (the CLI\'s --overwrite, the API\'s { overwrite: true }).',
    );
    this.name = 'ExportExistsError';
  }
}

export function stem(file: string): string {
  return file.toLowerCase().endsWith('.onnx') ? file.slice(0, -5) : file;
}

/** The three files of an export to `model` (a .onnx path). */
export function exportFiles(model: string): { model: string; card: string; report: string } {
  return { model, card: `${stem(model)}.md`, report: `${stem(model)}.verification.json` };
}

const exists = async (p: string): Promise<boolean> => (await fs.lstat(p).catch(() => null)) !== null;

async function taken(model: string): Promise<string[]> {
  const all = Object.values(exportFiles(model));
  const found: string[] = [];
  for (const f of all) if (await exists(f)) found.push(f);
  return found;
}

/**
 * The .onnx file an export writes. `out`: a file, an existing folder, or absent for
 * `defaultFolder`; `baseName` is the name without extension used in folders (model-epoch-N).
 */
export async function chooseExportFile(out: string | undefined, defaultFolder: string, baseName: string, overwrite = false): Promise<string> {
  let folder = defaultFolder;
  if (out !== undefined) {
    const target = path.resolve(out);
    if (!(await fs.stat(target).catch(() => null))?.isDirectory()) {
      const clash = await taken(target);
      if (clash.length && !overwrite) throw new ExportExistsError(clash);
      return target;
    }
    folder = target;
  }
  for (let i = 1; i < 10_000; i++) {
    const candidate = path.join(folder, `${baseName}${i === 1 ? '' : `-${i}`}.onnx`);
    if ((await taken(candidate)).length === 0) return candidate;
  }
  throw new ExportExistsError([path.join(folder, `${baseName}.onnx`)]);
}

/** Puts a finished temporary file at `target`: replacing only with `overwrite`, else refusing an existing name. */
export async function placeFile(tmp: string, target: string, overwrite: boolean): Promise<void> {
  if (overwrite) {
    await fs.rename(tmp, target);
  } else {
    try {
      await fs.link(tmp, target);
    } catch (e) {
      await fs.rm(tmp, { force: true });
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new ExportExistsError([target]);
      throw e;
    }
    await fs.rm(tmp, { force: true });
  }
  await fsyncDir(path.dirname(target));
}

/** writeFileAtomic, but with `overwrite` false an existing file is never replaced. */
export async function writeExportFile(target: string, data: string, overwrite: boolean): Promise<void> {
  if (overwrite) return writeFileAtomic(target, data);
  const tmp = tempPathFor(target);
  const fh = await fs.open(tmp, 'wx');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await placeFile(tmp, target, false);
}
