/**
 * The Electron main process against a scripted `electron` module (no Electron binary can
 * run here): window hardening, the IPC allow-list and sender check, navigation and
 * permission refusal, the single-instance lock, and the save dialog's name sanitising.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

const h = vi.hoisted(() => {
  type Fn = (...args: any[]) => any;
  class FakeWebContents {
    listeners = new Map<string, Fn[]>();
    openHandler: Fn | null = null;
    sent: unknown[] = [];
    setWindowOpenHandler(fn: Fn) {
      this.openHandler = fn;
    }
    on(ev: string, fn: Fn) {
      this.listeners.set(ev, [...(this.listeners.get(ev) ?? []), fn]);
      return this;
    }
    emit(ev: string, ...args: unknown[]) {
      for (const fn of this.listeners.get(ev) ?? []) fn(...args);
    }
    send(channel: string, payload: unknown) {
      this.sent.push({ channel, payload });
    }
  }
  const state = {
    FakeWebContents,
    windows: [] as { opts: any; webContents: InstanceType<typeof FakeWebContents>; loaded: string | null }[],
    ipc: new Map<string, Fn>(),
    appEvents: new Map<string, Fn[]>(),
    enableSandbox: 0,
    lockRequested: 0,
    permissionHandler: null as Fn | null,
    permissionCheck: null as Fn | null,
    saveDialogOpts: null as any,
    shown: [] as string[],
    userData: '',
  };
  return state;
});

vi.mock('electron', () => {
  class BrowserWindow {
    webContents = new h.FakeWebContents();
    loaded: string | null = null;
    constructor(public opts: any) {
      h.windows.push(this as any);
    }
    static getAllWindows() {
      return h.windows;
    }
    maximize() {}
    on() {
      return this;
    }
    once() {
      return this;
    }
    show() {}
    async loadFile(f: string) {
      this.loaded = pathToFileURL(f).href;
    }
    async loadURL(u: string) {
      this.loaded = u;
    }
    isDestroyed() {
      return false;
    }
    isMaximized() {
      return false;
    }
    isMinimized() {
      return false;
    }
    getNormalBounds() {
      return { x: 0, y: 0, width: 1000, height: 700 };
    }
  }
  return {
    BrowserWindow,
    app: {
      enableSandbox: () => h.enableSandbox++,
      requestSingleInstanceLock: () => (h.lockRequested++, true),
      quit: () => undefined,
      whenReady: () => Promise.resolve(),
      isPackaged: true,
      getPath: () => h.userData,
      getAppPath: () => h.userData,
      on: (ev: string, fn: (...a: any[]) => any) => h.appEvents.set(ev, [...(h.appEvents.get(ev) ?? []), fn]),
    },
    ipcMain: { handle: (ch: string, fn: (...a: any[]) => any) => h.ipc.set(ch, fn) },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (fn: any) => (h.permissionHandler = fn),
        setPermissionCheckHandler: (fn: any) => (h.permissionCheck = fn),
        webRequest: { onHeadersReceived: () => undefined },
      },
    },
    dialog: {
      showSaveDialog: async (_w: unknown, opts: any) => ((h.saveDialogOpts = opts), { canceled: false, filePath: opts.defaultPath }),
      showOpenDialog: async () => ({ canceled: true, filePaths: [] }),
      showMessageBox: async () => ({ response: 2 }),
    },
    Menu: { buildFromTemplate: () => ({}), setApplicationMenu: () => undefined },
    shell: { openExternal: async () => undefined, openPath: async () => '', showItemInFolder: (f: string) => h.shown.push(f) },
    utilityProcess: { fork: () => ({ on() {}, postMessage() {}, kill() {} }) },
    screen: { getAllDisplays: () => [] },
  };
});

describe('Electron main process', () => {
  let home: string;
  let ownUrl: string;

  beforeAll(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-studio-main-'));
    h.userData = home;
    process.env.MLP_STUDIO_HOME = home;
    const { DatasetLibrary } = await import('../datasets/library');
    // the bundled MNIST import is the library's business (and heavy): not here
    vi.spyOn(DatasetLibrary.prototype, 'ensureBundledMnist').mockRejectedValue(new Error('not in this test'));
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    await import('./main');
    await vi.waitFor(() => expect(h.windows.length).toBe(1));
    ownUrl = pathToFileURL(path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'renderer', 'index.html')).href;
  });
  afterAll(() => {
    delete process.env.MLP_STUDIO_HOME;
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('enables the sandbox and takes the single-instance lock before anything else', () => {
    expect(h.enableSandbox).toBe(1);
    expect(h.lockRequested).toBe(1);
    expect(h.appEvents.has('second-instance')).toBe(true);
  });

  it('opens a sandboxed, context-isolated window without Node, with the preload bridge', () => {
    const prefs = h.windows[0].opts.webPreferences;
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, nodeIntegrationInWorker: false, webviewTag: false, webSecurity: true });
    expect(prefs.preload).toMatch(/preload[/\\]index\.cjs$/);
    expect(h.windows[0].loaded).toBe(ownUrl);
  });

  it('answers the API only to its own window, through the validating dispatcher', async () => {
    const call = h.ipc.get('studio:call')!;
    const own = { sender: h.windows[0].webContents, senderFrame: { url: ownUrl } };
    expect(await call(own, 'listDatasets', [])).toEqual({ ok: true, result: [] });
    expect(await call(own, 'require', ['child_process'])).toMatchObject({ ok: false, error: { code: 'unknown_method' } });
    expect(await call(own, 'getDataset', ['../../etc/passwd'])).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    const foreignFrame = { sender: h.windows[0].webContents, senderFrame: { url: 'https://evil.example/' } };
    expect(await call(foreignFrame, 'listDatasets', [])).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const otherContents = { sender: new h.FakeWebContents(), senderFrame: { url: ownUrl } };
    expect(await call(otherContents, 'listDatasets', [])).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect([...h.ipc.keys()].sort()).toEqual(['studio:call', 'studio:choose-import-paths', 'studio:choose-save-path', 'studio:show-in-folder']);
  });

  it('refuses navigation, new windows, webviews and every permission but the camera', () => {
    const contents = new h.FakeWebContents();
    for (const fn of h.appEvents.get('web-contents-created') ?? []) fn({}, contents);
    const away = { preventDefault: vi.fn() };
    contents.emit('will-navigate', away, 'https://evil.example/');
    expect(away.preventDefault).toHaveBeenCalled();
    const home = { preventDefault: vi.fn() };
    contents.emit('will-navigate', home, ownUrl);
    expect(home.preventDefault).not.toHaveBeenCalled();
    const webview = { preventDefault: vi.fn() };
    contents.emit('will-attach-webview', webview);
    expect(webview.preventDefault).toHaveBeenCalled();
    expect(contents.openHandler!({ url: 'https://onnx.ai/' })).toEqual({ action: 'deny' });
    expect(contents.openHandler!({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    // the camera for the studio's own page only (the Capture panel, Try it's live camera)
    const answer = (permission: string, details: object) => {
      const cb = vi.fn();
      h.permissionHandler!({}, permission, cb, details);
      return cb.mock.calls[0][0];
    };
    expect(answer('media', { requestingUrl: ownUrl, mediaTypes: ['video'] })).toBe(true);
    expect(answer('media', { requestingUrl: ownUrl, mediaTypes: ['video', 'audio'] })).toBe(false);
    expect(answer('media', { requestingUrl: ownUrl, mediaTypes: ['audio'] })).toBe(false);
    expect(answer('media', { requestingUrl: 'https://evil.example/', mediaTypes: ['video'] })).toBe(false);
    expect(answer('media', {})).toBe(false);
    expect(answer('geolocation', { requestingUrl: ownUrl })).toBe(false);
    expect(answer('notifications', { requestingUrl: ownUrl })).toBe(false);
    expect(h.permissionCheck!({}, 'media', 'file://', { requestingUrl: ownUrl })).toBe(true);
    expect(h.permissionCheck!({}, 'media', 'https://evil.example', { requestingUrl: 'https://evil.example/' })).toBe(false);
    expect(h.permissionCheck!({}, 'geolocation', 'file://', { requestingUrl: ownUrl })).toBe(false);
  });

  it('offers a save dialog with a sanitised default name', async () => {
    const choose = h.ipc.get('studio:choose-save-path')!;
    const own = { sender: h.windows[0].webContents, senderFrame: { url: ownUrl } };
    // the first time in Documents/MLP Studio (getPath answers the same folder for every name here)
    expect(await choose(own, 'digits.onnx')).toBe(path.join(home, 'MLP Studio', 'digits.onnx'));
    await choose(own, '../../etc/x.onnx');
    expect(path.basename(h.saveDialogOpts.defaultPath)).toBe('model.onnx');
    expect(await choose({ sender: new h.FakeWebContents(), senderFrame: { url: ownUrl } }, 'a.onnx')).toBeNull();
  });

  it('remembers the folder chosen last, opens at a typed ~/ path, and shows exported files in their folder (issue 16 item 4)', async () => {
    const choose = h.ipc.get('studio:choose-save-path')!;
    const show = h.ipc.get('studio:show-in-folder')!;
    const own = { sender: h.windows[0].webContents, senderFrame: { url: ownUrl } };
    const elsewhere = fs.mkdtempSync(path.join(home, 'elsewhere-'));
    const picked = await choose(own, path.join(elsewhere, 'first.onnx'));
    expect(picked).toBe(path.join(elsewhere, 'first.onnx'));
    expect(await choose(own, 'second.onnx')).toBe(path.join(elsewhere, 'second.onnx'));
    await choose(own, '~/Desktop/digits.onnx');
    expect(h.saveDialogOpts.defaultPath).toBe(path.join(home, 'Desktop', 'digits.onnx'));
    fs.writeFileSync(picked, 'onnx');
    expect(await show(own, picked)).toBe(true);
    expect(h.shown).toEqual([picked]);
    expect(await show(own, path.join(elsewhere, 'missing.onnx'))).toBe(false);
    expect(await show({ sender: new h.FakeWebContents(), senderFrame: { url: ownUrl } }, picked)).toBe(false);
    expect(h.shown).toEqual([picked]);
  });

  it('exports outside the studio folder only where the person picked in the save dialog (issue 15, item 9)', async () => {
    const call = h.ipc.get('studio:call')!;
    const choose = h.ipc.get('studio:choose-save-path')!;
    const own = { sender: h.windows[0].webContents, senderFrame: { url: ownUrl } };
    const never = path.join(home, '..', 'never-picked.onnx');
    expect(await call(own, 'exportRun', ['r-none', never])).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const picked = await choose(own, 'picked.onnx');
    // the path is let through (the run then does not exist): the dialog's choice is the person's
    expect(await call(own, 'exportRun', ['r-none', picked])).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });
});
