/**
 * The names of the Studio API's request methods: what a transport may carry and what the
 * preload exposes. Pure (no zod, no node:*), so the sandboxed preload can bundle it.
 */
import type { StudioApi } from './contract';

/** Electron-only conveniences that never cross a transport as a call (see app/preload.ts). */
export type LocalOnlyMember = 'onEvent' | 'pathsForFiles' | 'chooseImportPaths';
export type MethodName = Exclude<keyof StudioApi, LocalOnlyMember>;

const names = {
  listDatasets: true,
  getDataset: true,
  previewDataset: true,
  importDataset: true,
  cancelImport: true,
  uploadFiles: true,
  renameDataset: true,
  deleteDataset: true,
  getSample: true,
  startRun: true,
  pauseRun: true,
  resumeRun: true,
  stopRun: true,
  listRuns: true,
  getRun: true,
  compareRuns: true,
  deleteRun: true,
  setRunNote: true,
  evaluateRun: true,
  getInferenceModel: true,
  exportRun: true,
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
