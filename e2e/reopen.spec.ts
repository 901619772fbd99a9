/**
 * A way back in (issue 16, item 3), in Chromium through the web host: open the studio with its
 * printed address (the token), then open the bare address in a new tab of the same browser:
 * the studio loads and lists the datasets (the session cookie). A browser that never had the
 * address sees, at the bare address, a page saying in plain words how to reopen the studio.
 * Screenshot: e2e/screenshots/reopen-needs-key.png.
 *
 * The host runs as a child process on a fresh MLP_STUDIO_HOME with one small dataset,
 * serving the built renderer (out/renderer, from `npx electron-vite build`).
 */
import { test, expect } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SHOTS = path.join(ROOT, 'e2e', 'screenshots');
const RENDERER = process.env.MLP_STUDIO_RENDERER ?? path.join(ROOT, 'out', 'renderer');

test.use({ viewport: { width: 1024, height: 700 } });

interface Host {
  url: string;
  proc: ChildProcess;
}

/** Imports a small MNIST subset into `home`, then starts StudioService + the web host, as `mlp-studio serve` does. */
async function startHost(tmp: string): Promise<Host> {
  if (!fs.existsSync(path.join(RENDERER, 'index.html'))) {
    throw new Error(`No built renderer in ${RENDERER}: run \`npx electron-vite build\` first (npm run e2e does).`);
  }
  const home = path.join(tmp, 'home');
  const mod = (rel: string): string => JSON.stringify(pathToFileURL(path.join(ROOT, rel)).href);
  const script = `
    const { writeMnistSubset } = await import(${mod('tests/helpers/test-fixtures.ts')});
    const { DatasetLibrary } = await import(${mod('src-main/datasets/library.ts')});
    const { StudioService } = await import(${mod('src-main/api/service.ts')});
    const { startWebHost } = await import(${mod('src-main/host/server.ts')});
    const home = process.env.MLP_STUDIO_HOME;
    const src = ${JSON.stringify(path.join(tmp, 'source'))};
    writeMnistSubset(src, 200, 50);
    await new DatasetLibrary(home).import([src], { name: 'Reopen digits' });
    const api = new StudioService({ home });
    const host = await startWebHost({ api, staticDir: ${JSON.stringify(RENDERER)}, home });
    console.log('STUDIO_URL ' + host.url);
  `;
  fs.mkdirSync(home, { recursive: true });
  const scriptPath = path.join(tmp, 'e2e-reopen-host.mjs');
  fs.writeFileSync(scriptPath, script);
  const proc = spawn(process.execPath, ['--import', 'tsx', scriptPath], { cwd: ROOT, env: { ...process.env, MLP_STUDIO_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the web host did not start in 60 s:\n${log}`)), 60_000);
    const onData = (b: Buffer): void => {
      log += b.toString();
      const m = /STUDIO_URL (\S+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', (b: Buffer) => (log += b.toString()));
    proc.on('exit', (code) => reject(new Error(`the web host exited (${code}):\n${log}`)));
  });
  return { url, proc };
}

test.describe('reopen the studio at its bare address', () => {
  let tmp = '';
  let host: Host | null = null;

  test.beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-studio-e2e-reopen-'));
    host = await startHost(tmp);
  });
  test.afterAll(() => {
    if (host && host.proc.exitCode === null) host.proc.kill('SIGTERM');
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('same browser: the bare address opens the studio; a fresh browser: a plain-words page', async ({ browser }) => {
    const url = new URL(host!.url);
    const token = url.searchParams.get('token')!;
    const bare = `${url.origin}/`;

    const context = await browser.newContext();
    const first = await context.newPage();
    await first.goto(host!.url);
    await expect(first.getByRole('listbox', { name: 'Datasets' })).toContainText('Reopen digits');
    // the token left the address bar, and no script can read the cookie
    expect(first.url()).toBe(bare);
    expect(await first.evaluate("document.cookie")).toBe('');
    const cookies = await context.cookies(bare);
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatchObject({ name: `mlp_studio_${url.port}`, httpOnly: true, sameSite: 'Strict', path: '/', domain: url.hostname, expires: -1 });
    expect(cookies[0].value).not.toContain(token);

    // a new tab at the bare address (pasted, or from history): the studio, with its datasets
    const again = await context.newPage();
    const errors: string[] = [];
    again.on('pageerror', (e) => errors.push(e.message));
    await again.goto(bare);
    await expect(again.getByRole('tab', { name: /Data/ })).toBeVisible();
    await expect(again.getByRole('listbox', { name: 'Datasets' })).toContainText('Reopen digits');
    await expect(again.getByText('needs its key')).toHaveCount(0);
    expect(await again.evaluate("sessionStorage.length")).toBe(0); // it came in on the cookie alone
    expect(errors).toEqual([]);
    await context.close();

    // a browser that never had the address: the plain-words page, not the studio
    const fresh = await browser.newContext();
    const stranger = await fresh.newPage();
    const response = await stranger.goto(bare);
    expect(response!.status()).toBe(403);
    await expect(stranger.getByRole('heading', { name: 'This studio page needs its key' })).toBeVisible();
    await expect(stranger.locator('body')).toContainText("Reopen MLP Studio from where you started it (the app's window, or the address it printed)");
    await expect(stranger.locator('body')).not.toContainText(/token|cookie|terminal/i);
    await expect(stranger.getByRole('tab', { name: /Data/ })).toHaveCount(0);
    fs.mkdirSync(SHOTS, { recursive: true });
    await stranger.screenshot({ path: path.join(SHOTS, 'reopen-needs-key.png'), fullPage: true });
    await fresh.close();
  });
});
