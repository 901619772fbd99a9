/**
 * Where Electron's save dialog for an export opens, and the folder it remembers (issue 16
 * item 4). Only paths: nothing here knows what is exported.
 * - A file name ("digits.onnx") opens in the folder chosen last time, or the first time in
 *   Documents/MLP Studio (created then, so that the dialog can open in it).
 * - A path the person typed ("~/Desktop/digits.onnx", or a full path) opens there, to be confirmed.
 * The last folder is kept in a small JSON file in Electron's user-data folder.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { expandHome } from '../api/export-target';

/** The folder under Documents that exports go to by default. */
export const DEFAULT_EXPORT_FOLDER = 'MLP Studio';

export interface ExportPlaces {
  /** the JSON file the last folder is kept in */
  settingsFile: string;
  documents: string;
  homeFolder: string;
}

const settingsSchema = z.object({ lastExportFolder: z.string().min(1).max(4096).optional() }).passthrough();

function readSettings(file: string): z.infer<typeof settingsSchema> {
  try {
    const parsed = settingsSchema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}

/** The folder chosen last time, while it still exists; null otherwise. */
export function lastExportFolder(places: ExportPlaces): string | null {
  const folder = readSettings(places.settingsFile).lastExportFolder;
  if (!folder || !path.isAbsolute(folder)) return null;
  return fs.statSync(folder, { throwIfNoEntry: false })?.isDirectory() ? folder : null;
}

/** Keeps the folder of a file chosen in the dialog for the next export (best effort: a failed write only forgets it). */
export function rememberExportFolder(places: ExportPlaces, chosenFile: string): void {
  try {
    const settings = { ...readSettings(places.settingsFile), lastExportFolder: path.dirname(path.resolve(chosenFile)) };
    fs.mkdirSync(path.dirname(places.settingsFile), { recursive: true });
    fs.writeFileSync(places.settingsFile, `${JSON.stringify(settings, null, 2)}\n`);
  } catch {
    // the dialog opens in the default folder next time
  }
}

const FILE_NAME = /^[^/\\\0]{1,200}$/;

/** The dialog's starting path for what the Export screen asks: a file name, or a path typed by the person. */
export function saveDialogStart(requested: unknown, places: ExportPlaces): string {
  const text = typeof requested === 'string' && !requested.includes('\0') && requested.length <= 4096 ? requested : '';
  const typed = expandHome(text, places.homeFolder);
  if (typed !== text || path.isAbsolute(typed)) return path.resolve(typed);
  const name = FILE_NAME.test(text) && text !== '.' && text !== '..' ? text : 'model.onnx';
  const last = lastExportFolder(places);
  if (last) return path.join(last, name);
  const folder = path.join(places.documents, DEFAULT_EXPORT_FOLDER);
  try {
    fs.mkdirSync(folder, { recursive: true });
  } catch {
    return path.join(places.documents, name);
  }
  return path.join(folder, name);
}

/** "Show in folder" is offered for a file that exists: anything else is refused (false). */
export function canShowInFolder(file: unknown): file is string {
  return typeof file === 'string' && path.isAbsolute(file) && !file.includes('\0') && !!fs.statSync(file, { throwIfNoEntry: false })?.isFile();
}
