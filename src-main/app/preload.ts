/**
 * The preload (sandboxed, context-isolated): exposes `window.studioBridge` with exactly the
 * Studio API's methods, each answering a CallResult {ok, result | error} (Error objects lose
 * their `code` crossing the context bridge, so the renderer's glue in src-renderer/host/
 * turns failures back into typed errors and sets `window.studio`). Never exposes
 * ipcRenderer; only the channels named in api/methods.ts are used.
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import type { StudioEvent } from '../api/contract';
import {
  IPC_CALL_CHANNEL,
  IPC_CHOOSE_IMPORT_CHANNEL,
  IPC_CHOOSE_SAVE_CHANNEL,
  IPC_EVENT_CHANNEL,
  IPC_SHOW_IN_FOLDER_CHANNEL,
  METHOD_NAMES,
  type CallResult,
} from '../api/methods';

const bridge: Record<string, unknown> = {};
for (const method of METHOD_NAMES) {
  bridge[method] = (...args: unknown[]): Promise<CallResult> => ipcRenderer.invoke(IPC_CALL_CHANNEL, method, args);
}

bridge.onEvent = (listener: (e: StudioEvent) => void): (() => void) => {
  const handler = (_e: IpcRendererEvent, payload: StudioEvent) => listener(payload);
  ipcRenderer.on(IPC_EVENT_CHANNEL, handler);
  return () => {
    ipcRenderer.removeListener(IPC_EVENT_CHANNEL, handler);
  };
};

/** Real paths of files and folders dropped on the window (Electron only). */
bridge.pathsForFiles = (files: File[]): string[] => Array.from(files, (f) => webUtils.getPathForFile(f)).filter((p) => p.length > 0);
bridge.chooseImportPaths = (): Promise<string[]> => ipcRenderer.invoke(IPC_CHOOSE_IMPORT_CHANNEL);
bridge.chooseSavePath = (defaultName: string): Promise<string | null> => ipcRenderer.invoke(IPC_CHOOSE_SAVE_CHANNEL, String(defaultName));
bridge.showInFolder = (file: string): Promise<boolean> => ipcRenderer.invoke(IPC_SHOW_IN_FOLDER_CHANNEL, String(file));

contextBridge.exposeInMainWorld('studioBridge', bridge);
