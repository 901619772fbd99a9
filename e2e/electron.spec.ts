/**
 * The desktop app itself: launches Electron on the built app (out/), checks the window's
 * hardening from the page's side (no Node, no ipcRenderer, only the API bridge), walks the
 * main screens, and sees the bundled MNIST arrive through IPC. Where no Electron binary can
 * be had (none downloaded, or no display) the test is skipped with a line saying why; the
 * same UI is covered through the web host by studio.spec.ts.
 */
import { _electron as electron, expect, test } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The page's globals, typed loosely (this file is type-checked without the DOM library). */
type PageGlobals = { studio: { getDataset(id: string): Promise<unknown>; listDatasets(): Promise<{ name: string }[]> }; studioBridge?: object; ipcRenderer?: unknown; require?: unknown; process?: unknown; location: { href: string } };


const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The Electron executable without importing the `electron` package (that would try to download it). */
function electronBinary(): { binary: string | null; why: string } {
  const pkg = path.join(ROOT, 'node_modules', 'electron');
  const pathFile = path.join(pkg, 'path.txt');
  if (!fs.existsSync(pathFile)) return { binary: null, why: 'no Electron binary was downloaded (node_modules/electron/path.txt is missing)' };
  const binary = path.join(process.env.ELECTRON_OVERRIDE_DIST_PATH ?? path.join(pkg, 'dist'), fs.readFileSync(pathFile, 'utf8').trim());
  if (!fs.existsSync(binary)) return { binary: null, why: `the Electron binary is missing at ${binary}` };
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return { binary: null, why: 'there is no display (DISPLAY/WAYLAND_DISPLAY unset; run under xvfb-run)' };
  return { binary, why: '' };
}

const { binary, why } = electronBinary();
if (!binary) console.log(`[electron.spec] SKIPPED: ${why}. The UI is tested through the web host in studio.spec.ts.`);

test.describe('Electron app', () => {
  test.skip(!binary, `no Electron app to launch: ${why}`);

  test('opens a hardened window and walks the main screens', async () => {
    expect(fs.existsSync(path.join(ROOT, 'out', 'main', 'index.js')), 'run `npm run build` first').toBe(true);
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-studio-electron-'));
    const app = await electron.launch({
      executablePath: binary!,
      args: [ROOT, ...(process.platform === 'linux' ? ['--no-sandbox'] : [])],
      env: { ...process.env, MLP_STUDIO_HOME: home },
    });
    try {
      const page = await app.firstWindow();
      await expect(page).toHaveTitle(/MLP Studio/);

      // the page's side of the hardening
      const exposure = await page.evaluate(() => {
        const g = globalThis as unknown as PageGlobals;
        return { require: typeof g.require, process: typeof g.process, ipc: typeof g.ipcRenderer, bridge: Object.keys(g.studioBridge ?? {}).sort() };
      });
      expect(exposure.require).toBe('undefined');
      expect(exposure.process).toBe('undefined');
      expect(exposure.ipc).toBe('undefined');
      expect(exposure.bridge).toContain('listDatasets');
      expect(exposure.bridge).toContain('pathsForFiles');
      expect(exposure.bridge).not.toContain('invoke');

      // main-process side
      const prefs = await app.evaluate(({ BrowserWindow }) => {
        const w = BrowserWindow.getAllWindows()[0];
        const p = (w.webContents as unknown as { getLastWebPreferences(): { contextIsolation?: boolean; sandbox?: boolean; nodeIntegration?: boolean } | null }).getLastWebPreferences();
        return { contextIsolation: p?.contextIsolation, sandbox: p?.sandbox, nodeIntegration: p?.nodeIntegration };
      });
      expect(prefs).toEqual({ contextIsolation: true, sandbox: true, nodeIntegration: false });

      // a typed error comes back through IPC with its code
      const err = await page.evaluate(async () => {
        try {
          await (globalThis as unknown as PageGlobals).studio.getDataset('../../etc/passwd');
          return null;
        } catch (e) {
          return { code: (e as { code?: string }).code, message: (e as Error).message };
        }
      });
      expect(err?.code).toBe('bad_request');

      // navigation away is refused
      await page.evaluate(() => {
        (globalThis as unknown as PageGlobals).location.href = 'https://example.com/';
      });
      await page.waitForTimeout(500);
      expect(page.url()).toMatch(/^file:|^http:\/\/localhost/);

      // the bundled MNIST arrives in the library through IPC
      await expect.poll(async () => page.evaluate(async () => (await (globalThis as unknown as PageGlobals).studio.listDatasets()).map((d) => d.name)), { timeout: 120_000 }).toContain('MNIST');

      for (const label of ['1 · Data', '2 · Model', '3 · Train', '4 · Evaluate', '5 · Try it', '6 · Export', 'Runs']) {
        await page.getByRole('tab', { name: label }).click();
        await expect(page.getByRole('tab', { name: label })).toHaveAttribute('aria-selected', 'true');
      }
    } finally {
      await app.close();
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
