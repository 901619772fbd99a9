/**
 * The web host for end-to-end specs: StudioService + the web host on a fresh MLP_STUDIO_HOME,
 * as `mlp-studio serve` runs them, serving the built renderer (out/renderer); dropping files on
 * an element as a browser does; full-page screenshots into e2e/screenshots/.
 */
import type { Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DatasetLibrary } from '../src-main/datasets/library';
import { csvOf, penguinsRows } from '../tests/helpers/table-fixtures';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SHOTS = path.join(ROOT, 'e2e', 'screenshots');
const RENDERER = process.env.MLP_STUDIO_RENDERER ?? path.join(ROOT, 'out', 'renderer');
/** Where the host's code comes from: this checkout, or (bench/waits.ts) an older checkout to compare with. */
const HOST_ROOT = process.env.MLP_STUDIO_HOST_ROOT ?? ROOT;

export interface Host {
  url: string;
  home: string;
  proc: ChildProcess;
}

/**
 * Starts StudioService + the web host on `home`; with `bundledMnist`, the bundled MNIST is
 * imported as the app does on first start; `setup` is module code run before the host starts,
 * with `api` (the StudioService), `home` and `mod(relativePath)` (an import URL) in scope; the
 * host has `startSeconds` (default 60, set-up included) to print its address.
 */
export async function startHost(home: string, opts: { bundledMnist?: boolean; setup?: string; startSeconds?: number } = {}): Promise<Host> {
  if (!fs.existsSync(path.join(RENDERER, 'index.html'))) {
    throw new Error(`No built renderer in ${RENDERER}: run \`npx electron-vite build\` first (npm run e2e does).`);
  }
  // a module file (not `node -e`): the training worker thread inherits the loader flags
  const mod = (rel: string): string => JSON.stringify(pathToFileURL(path.join(HOST_ROOT, rel)).href);
  const script = `
    const { StudioService } = await import(${mod('src-main/api/service.ts')});
    const { startWebHost } = await import(${mod('src-main/host/server.ts')});
    const home = process.env.MLP_STUDIO_HOME;
    const mod = (rel) => new URL(rel, ${JSON.stringify(pathToFileURL(HOST_ROOT + '/').href)}).href;
    const api = new StudioService({ home });
    ${opts.bundledMnist ? 'void api.datasets.library.ensureBundledMnist().catch((e) => console.error(e));' : ''}
    ${opts.setup ?? ''}
    const host = await startWebHost({ api, staticDir: ${JSON.stringify(RENDERER)}, home: process.env.MLP_STUDIO_HOME });
    console.log('STUDIO_URL ' + host.url);
  `;
  fs.mkdirSync(home, { recursive: true });
  const scriptPath = path.join(home, '..', 'e2e-host.mjs');
  fs.writeFileSync(scriptPath, script);
  const proc = spawn(process.execPath, ['--import', 'tsx', scriptPath], { cwd: HOST_ROOT, env: { ...process.env, MLP_STUDIO_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the web host did not start in ${opts.startSeconds ?? 60} s:\n${log}`)), (opts.startSeconds ?? 60) * 1000);
    proc.stdout!.on('data', (b: Buffer) => {
      log += b.toString();
      const m = /STUDIO_URL (\S+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    proc.stderr!.on('data', (b: Buffer) => (log += b.toString()));
    proc.on('exit', (code) => reject(new Error(`the web host exited (${code}):\n${log}`)));
  });
  return { url, home, proc };
}

export function stopHost(h: Host | null): void {
  if (h && h.proc.exitCode === null) h.proc.kill('SIGTERM');
}

/** Drops files on an element the way a browser does: a drop event carrying a DataTransfer. */
export async function dropFiles(page: Page, testId: string, files: string[]): Promise<void> {
  const payload = files.map((f) => ({ name: path.basename(f), b64: fs.readFileSync(f).toString('base64') }));
  const dataTransfer = await page.evaluateHandle((list) => {
    // runs in the page (the node-side type check has no DOM types)
    const dt = new (globalThis as unknown as { DataTransfer: new () => { items: { add(f: File): void } } }).DataTransfer();
    for (const f of list) {
      const bin = atob(f.b64);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      dt.items.add(new File([bytes], f.name));
    }
    return dt;
  }, payload);
  await page.getByTestId(testId).dispatchEvent('dragover', { dataTransfer });
  await page.getByTestId(testId).dispatchEvent('drop', { dataTransfer });
}

export async function shot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.evaluate(() => (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0)); // the sticky header then sits on top
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

export async function goTo(page: Page, tab: RegExp): Promise<void> {
  await page.getByRole('tab', { name: tab }).click();
}

/**
 * A web host on a fresh home in a temporary folder that already holds penguins tables
 * ([name, rows, seed] each), imported with the species to predict. `stop()` ends
 * the host and removes the folder.
 */
export async function startHostWithPenguins(prefix: string, tables: [name: string, rows: number, seed: number][]): Promise<{ host: Host; names: string[]; stop(): void }> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const home = path.join(tmp, 'home');
  const lib = new DatasetLibrary(home);
  const names: string[] = [];
  for (const [name, n, seed] of tables) {
    const csv = path.join(tmp, `${name}.csv`);
    fs.writeFileSync(csv, csvOf(penguinsRows(n, seed)));
    names.push((await lib.import([csv], { name, table: { labelColumn: 'species' } })).name);
  }
  const host = await startHost(home);
  return {
    host,
    names,
    stop: () => {
      stopHost(host);
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}
