/**
 * The Electron main process: one window, the Studio API over IPC, training in utility
 * processes. It owns the dataset library and the run store (through StudioService) and
 * never runs a training step itself.
 *
 * Hardening (Electron's security checklist): sandboxed, context-isolated renderer without
 * Node; a strict Content-Security-Policy; navigation, new windows, webviews and permission
 * requests refused; IPC answered only for our own page; a single instance.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BrowserWindow, app, dialog, ipcMain, session, shell, Menu, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { createDispatcher } from '../api/dispatcher';
import { IPC_CALL_CHANNEL, IPC_CHOOSE_IMPORT_CHANNEL, IPC_CHOOSE_SAVE_CHANNEL, IPC_EVENT_CHANNEL, IPC_SHOW_IN_FOLDER_CHANNEL } from '../api/methods';
import { StudioService } from '../api/service';
import { contentSecurityPolicy } from '../host/server';
import { offerBundledMnist } from '../datasets/bundled-mnist';
import { cleanLeftoversAtStart } from '../leftovers';
import { studioHome } from '../paths';
import { buildMenu } from './menu';
import { canShowInFolder, rememberExportFolder, saveDialogStart, type ExportPlaces } from './export-dialog';
import { spawnUtilityWorker } from './utility-worker';
import { loadWindowState, trackWindowState } from './window-state';
import { permissionAllowed, permissionCheckAllowed, type PermissionDetails } from './permissions';

const here = path.dirname(fileURLToPath(import.meta.url));
const rendererIndex = path.join(here, '..', 'renderer', 'index.html');
const preloadFile = path.join(here, '..', 'preload', 'index.cjs');
const workerFile = path.join(here, 'worker.js');
const devUrl = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined;
const isMac = process.platform === 'darwin';

app.enableSandbox();

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  void start();
}

let mainWindow: BrowserWindow | null = null;

/** Our page: the built renderer file or the dev server; anything else gets no API. */
function isOwnPage(url: string): boolean {
  if (devUrl) return url.startsWith(devUrl);
  return url === pathToFileURL(rendererIndex).href || url.startsWith(pathToFileURL(rendererIndex).href + '#') || url.startsWith(pathToFileURL(rendererIndex).href + '?');
}

function hardenContents(contents: WebContents): void {
  contents.setWindowOpenHandler(({ url }) => {
    if (/^https:\/\//.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  contents.on('will-navigate', (event, url) => {
    if (!isOwnPage(url)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isOwnPage(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

/** The app's icon (resources/icon.png, packaged beside out/): the window and task bar show it on Linux and Windows. */
const windowIcon = path.join(app.getAppPath(), 'resources', 'icon.png');

function createWindow(): BrowserWindow {
  const state = loadWindowState();
  const win = new BrowserWindow({
    x: state.x,
    y: state.y,
    width: state.width,
    height: state.height,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'MLP Studio',
    icon: windowIcon,
    backgroundColor: '#ffffff',
    webPreferences: {
      preload: preloadFile,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  });
  if (state.maximized) win.maximize();
  trackWindowState(win);
  win.once('ready-to-show', () => win.show());
  // files dropped outside the drop zone would navigate the window away: refused in hardenContents
  if (devUrl) void win.loadURL(devUrl);
  else void win.loadFile(rendererIndex);
  return win;
}

async function start(): Promise<void> {
  await app.whenReady();
  const home = studioHome();
  fs.mkdirSync(home, { recursive: true });

  app.on('web-contents-created', (_e, contents) => hardenContents(contents));
  // the camera (video only) for the studio's own page; every other permission refused
  session.defaultSession.setPermissionRequestHandler((_wc, permission, callback, details) => callback(permissionAllowed(permission, details as PermissionDetails, isOwnPage)));
  session.defaultSession.setPermissionCheckHandler((_wc, permission, origin, details) => permissionCheckAllowed(permission, (details as { requestingUrl?: string } | undefined)?.requestingUrl ?? origin, isOwnPage));
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [contentSecurityPolicy(devUrl ? devUrl.replace(/^http/, 'ws') : undefined)] } });
  });

  // exports may be written outside the studio's exports folder only where the person picked in the save dialog
  const chosenExportPaths = new Set<string>();
  const service = new StudioService({ home, spawnWorker: () => spawnUtilityWorker(workerFile), exportPathAllowed: (file) => chosenExportPaths.has(file) });
  const dispatch = createDispatcher(service);
  const fromOwnPage = (event: IpcMainInvokeEvent) => !!event.senderFrame && isOwnPage(event.senderFrame.url) && event.sender === mainWindow?.webContents;

  ipcMain.handle(IPC_CALL_CHANNEL, async (event, method: unknown, args: unknown) => {
    if (!fromOwnPage(event)) return { ok: false, error: { code: 'forbidden', message: 'Only the studio window may call the Studio API.' } };
    return dispatch(method, args);
  });
  ipcMain.handle(IPC_CHOOSE_IMPORT_CHANNEL, async (event) => {
    if (!fromOwnPage(event) || !mainWindow) return [];
    let properties: ('openFile' | 'openDirectory' | 'multiSelections')[] = ['openFile', 'openDirectory', 'multiSelections'];
    if (!isMac) {
      // Windows and Linux dialogs pick files or a folder, not both: ask which
      const { response } = await dialog.showMessageBox(mainWindow, {
        type: 'question',
        buttons: ['A folder…', 'Files…', 'Cancel'],
        defaultId: 0,
        cancelId: 2,
        message: 'Import a folder or files?',
        detail: 'A folder: MNIST-style IDX files, CIFAR batches, or one subfolder of images per class. Files: IDX, CSV, NumPy or a CIFAR archive.',
      });
      if (response === 2) return [];
      properties = response === 0 ? ['openDirectory'] : ['openFile', 'multiSelections'];
    }
    const result = await dialog.showOpenDialog(mainWindow, { title: 'Import a dataset', properties });
    return result.canceled ? [] : result.filePaths;
  });
  // the dialog opens in the folder used last (remembered in the user-data folder), at first in Documents/MLP Studio
  const exportPlaces: ExportPlaces = { settingsFile: path.join(app.getPath('userData'), 'export-folder.json'), documents: app.getPath('documents'), homeFolder: app.getPath('home') };
  ipcMain.handle(IPC_CHOOSE_SAVE_CHANNEL, async (event, requested: unknown) => {
    if (!fromOwnPage(event) || !mainWindow) return null;
    const result = await dialog.showSaveDialog(mainWindow, {
      title: 'Export the model',
      defaultPath: saveDialogStart(requested, exportPlaces),
      filters: [{ name: 'ONNX model', extensions: ['onnx'] }],
    });
    if (result.canceled || !result.filePath) return null;
    chosenExportPaths.add(path.resolve(result.filePath));
    rememberExportFolder(exportPlaces, result.filePath);
    return result.filePath;
  });
  ipcMain.handle(IPC_SHOW_IN_FOLDER_CHANNEL, (event, file: unknown) => {
    if (!fromOwnPage(event) || !canShowInFolder(file)) return false;
    shell.showItemInFolder(file);
    return true;
  });

  service.onEvent((e) => {
    if (mainWindow && !mainWindow.isDestroyed()) mainWindow.webContents.send(IPC_EVENT_CHANNEL, e);
  });

  Menu.setApplicationMenu(
    buildMenu({
      isMac,
      getWindow: () => mainWindow,
      openDataFolder: () => void shell.openPath(home),
    }),
  );

  // the bundled MNIST is in the library from the first start on (in the background)
  // what killed processes left (day-old staging folders, abandoned uploads) is cleaned first
  void cleanLeftoversAtStart(home).then(() => offerBundledMnist(service.datasets.library)).then(({ notice }) => notice && console.error(notice));

  mainWindow = createWindow();
  mainWindow.on('closed', () => (mainWindow = null));

  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });
  app.on('activate', () => {
    if (!mainWindow) {
      mainWindow = createWindow();
      mainWindow.on('closed', () => (mainWindow = null));
    }
  });
  app.on('window-all-closed', () => {
    if (!isMac) app.quit();
  });
  app.on('before-quit', () => {
    void service.close();
  });
}
