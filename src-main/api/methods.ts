/**
 * The names of the Studio API's request methods: what a transport may carry and what the
 * preload exposes. Pure (no zod, no node:*), so the sandboxed preload can bundle it.
 */
import type { StudioApi } from './contract';

/**
 * Members that never cross a transport as a call: onEvent (each transport carries events its
 * own way) and the optional, Electron-only conveniences (dialogs, dropped-file paths) that
 * the preload implements itself (see app/preload.ts).
 */
type OptionalMember = { [K in keyof StudioApi]-?: undefined extends StudioApi[K] ? K : never }[keyof StudioApi];
export type LocalOnlyMember = 'onEvent' | OptionalMember;
export type MethodName = Exclude<keyof StudioApi, LocalOnlyMember>;

const names = {
  listDatasets: true,
  getDataset: true,
  previewDataset: true,
  importDataset: true,
  previewPictures: true,
  previewTable: true,
  tableRows: true,
  cancelImport: true,
  uploadFiles: true,
  renameDataset: true,
  deleteDataset: true,
  getSample: true,
  prepareImage: true,
  startRun: true,
  pauseRun: true,
  resumeRun: true,
  stopRun: true,
  startTune: true,
  stopTune: true,
  listRuns: true,
  getRun: true,
  compareRuns: true,
  deleteRun: true,
  setRunNote: true,
  renameRun: true,
  evaluateRun: true,
  getInferenceModel: true,
  exportRun: true,
  beginBrowserRun: true,
  readBrowserRunData: true,
  reportBrowserRun: true,
  listDevices: true,
  estimateEpochSeconds: true,
} satisfies Record<MethodName, true>;

export const METHOD_NAMES = Object.keys(names) as MethodName[];

export function isMethodName(value: unknown): value is MethodName {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(names, value);
}

/** What a transport carries back for one call. */
export type CallResult = { ok: true; result: unknown } | { ok: false; error: { code: string; message: string } };

/** Electron IPC channel names (the preload allow-lists exactly these). */
export const IPC_CALL_CHANNEL = 'studio:call';
export const IPC_EVENT_CHANNEL = 'studio:event';
export const IPC_CHOOSE_IMPORT_CHANNEL = 'studio:choose-import-paths';
export const IPC_CHOOSE_SAVE_CHANNEL = 'studio:choose-save-path';
export const IPC_SHOW_IN_FOLDER_CHANNEL = 'studio:show-in-folder';
