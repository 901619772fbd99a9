/**
 * Training in the window: the Train screen offers this window's WebGPU as a device, trains
 * a small net there (the engine on onnxruntime-web in a Web Worker; SwiftShader here, so the
 * device is marked software), the epoch rows fill in, and the run, owned by the host, opens
 * on Evaluate with its test error like any other run.
 *
 * Chromium runs with software Vulkan (SwiftShader) as its WebGPU adapter; without Debian's
 * chromium and its SwiftShader ICD the test is skipped, saying so (CI installs them).
 */
import { test, expect } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { writeMnistSubset } from '../tests/helpers/test-fixtures';
import { SWIFTSHADER_CHROMIUM_ARGS, SWIFTSHADER_ICD, swiftShaderChromiumEnv } from '../tests/helpers/swiftshader';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RENDERER = process.env.MLP_STUDIO_RENDERER ?? path.join(ROOT, 'out', 'renderer');
const CHROMIUM = process.env.PLAYWRIGHT_CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p));
const available = !!CHROMIUM && fs.existsSync(SWIFTSHADER_ICD);
if (!available && process.env.CI) throw new Error(`the in-window WebGPU test needs Debian's chromium and ${SWIFTSHADER_ICD}`);

test.describe.configure({ mode: 'serial' });
test.use({
  viewport: { width: 1024, height: 700 },
  launchOptions: {
    ...(CHROMIUM ? { executablePath: CHROMIUM } : {}),
    args: SWIFTSHADER_CHROMIUM_ARGS,
    env: swiftShaderChromiumEnv(),
  },
});

/** The web host (as `mlp-studio serve`) on a fresh home holding a 400/100 MNIST subset. */
async function startHost(tmp: string): Promise<{ url: string; home: string; proc: ChildProcess }> {
  if (!fs.existsSync(path.join(RENDERER, 'index.html'))) throw new Error(`No built renderer in ${RENDERER}: run \`npm run build\` first.`);
  const home = path.join(tmp, 'home');
  const src = path.join(tmp, 'digits');
  writeMnistSubset(src, 400, 100);
  fs.mkdirSync(home, { recursive: true });
  const script = `
    const { StudioService } = await import(${JSON.stringify(pathToFileURL(path.join(ROOT, 'src-main', 'api', 'service.ts')).href)});
    const { startWebHost } = await import(${JSON.stringify(pathToFileURL(path.join(ROOT, 'src-main', 'host', 'server.ts')).href)});
    const api = new StudioService({ home: process.env.MLP_STUDIO_HOME });
    await api.datasets.library.import([${JSON.stringify(src)}], { name: 'Digits 400' });
    const host = await startWebHost({ api, staticDir: ${JSON.stringify(RENDERER)} });
    console.log('STUDIO_URL ' + host.url);
  `;
  const scriptPath = path.join(tmp, 'host.mjs');
  fs.writeFileSync(scriptPath, script);
  const proc = spawn(process.execPath, ['--import', 'tsx', scriptPath], { cwd: ROOT, env: { ...process.env, MLP_STUDIO_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the web host did not start in 60 s:\n${log}`)), 60_000);
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

test.describe('training in the window on its WebGPU', () => {
  test.skip(!available, `needs Chromium and ${SWIFTSHADER_ICD} (apt-get install chromium)`);
  let tmp = '';
  let host: Awaited<ReturnType<typeof startHost>> | null = null;
  test.beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-studio-e2e-webgpu-'));
    host = await startHost(tmp);
  });
  test.afterAll(() => {
    if (host && host.proc.exitCode === null) host.proc.kill('SIGTERM');
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('picks "GPU in this window", trains 784-16-10, sees the epochs, evaluates the run', async ({ page }) => {
    test.setTimeout(240_000);
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    const consoleLines: string[] = [];
    page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()} ${m.location().url}`));
    page.on('worker', (w) => consoleLines.push(`worker: ${w.url()}`));
    await page.goto(host!.url);

    await page.getByRole('tab', { name: /Model/ }).click();
    await page.getByTestId('preset-small').click();
    await page.getByLabel('Layer 1 units').fill('16');
    await expect(page.getByTestId('total-params')).toHaveText((784 * 16 + 16 + 16 * 10 + 10).toLocaleString('en-US'));

    await page.getByRole('tab', { name: /Train/ }).click();
    const device = page.getByTestId('device');
    // SwiftShader: offered explicitly, marked software, with the warning
    const option = device.locator('option[value="browser-webgpu"]');
    await expect(option).toHaveText(/GPU in this window \(WebGPU, software/, { timeout: 30_000 });
    await device.selectOption('browser-webgpu');
    await expect(page.getByText(/software adapter/)).toBeVisible();
    await page.getByTestId('epochs').fill('2');
    await page.getByTestId('batch-size').fill('50');
    await page.getByTestId('lr').fill('0.1');
    await page.getByTestId('start').click();

    const rows = page.getByTestId('epoch-row');
    try {
      await expect(rows).toHaveCount(2, { timeout: Number(process.env.E2E_WEBGPU_WAIT ?? 180_000) });
    } catch (err) {
      throw new Error(`${(err as Error).message}\nstatus: ${await page.getByTestId('train-status').textContent()}\nconsole:\n${consoleLines.join('\n')}`);
    }
    await expect(page.getByTestId('final-test-error')).toContainText('%', { timeout: 60_000 });
    await expect(page.getByTestId('device-in-use')).toContainText('WebGPU');
    const firstLoss = Number(await rows.nth(0).locator('td').nth(1).textContent());
    const secondLoss = Number(await rows.nth(1).locator('td').nth(1).textContent());
    expect(secondLoss).toBeLessThan(firstLoss);

    // the host owns the run: its record, metrics and checkpoints are on disk
    const runsDir = path.join(host!.home, 'runs');
    const [runId] = fs.readdirSync(runsDir);
    await expect.poll(() => JSON.parse(fs.readFileSync(path.join(runsDir, runId, 'run.json'), 'utf8')).status, { timeout: 30_000 }).toBe('finished');
    const record = JSON.parse(fs.readFileSync(path.join(runsDir, runId, 'run.json'), 'utf8'));
    expect(record).toMatchObject({ device: 'browser-webgpu', progress: { epochsDone: 2 } });
    expect(fs.readdirSync(path.join(runsDir, runId, 'checkpoints')).some((f) => f.endsWith('.ckpt'))).toBe(true);
    const metrics = fs.readFileSync(path.join(runsDir, runId, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(metrics.filter((m) => m.event === 'epoch')).toHaveLength(2);
    expect(metrics.at(-1).event).toBe('done');
    const start = metrics.find((m) => m.event === 'start');
    console.log(`in-window training: ${start.device}; ${start.stepsPerEpoch} steps per epoch; epoch seconds ${metrics.filter((m) => m.event === 'epoch').map((m) => m.seconds.toFixed(2)).join(', ')}`);

    await page.getByRole('tab', { name: /Evaluate/ }).click();
    await expect(page.getByTestId('test-error')).toContainText('%', { timeout: 60_000 });
    await expect(page.getByTestId('confusion-matrix').locator('tbody tr')).toHaveCount(10);
    expect(pageErrors).toEqual([]);
  });

  test('pauses, resumes and stops a run training in the window', async ({ page }) => {
    test.setTimeout(180_000);
    await page.goto(host!.url);
    await page.getByRole('tab', { name: /Model/ }).click();
    await page.getByTestId('preset-small').click();
    await page.getByLabel('Layer 1 units').fill('16');
    await page.getByRole('tab', { name: /Train/ }).click();
    const device = page.getByTestId('device');
    await expect(device.locator('option[value="browser-webgpu"]')).toHaveText(/GPU in this window/, { timeout: 30_000 });
    await device.selectOption('browser-webgpu');
    await page.getByTestId('epochs').fill('200');
    await page.getByTestId('batch-size').fill('50');
    await page.getByTestId('start').click();
    const status = page.getByTestId('train-status');
    await expect(status).toContainText(/Epoch\s*\d+ of 200/, { timeout: 60_000 });
    await page.getByTestId('pause').click();
    await expect(status).toContainText('paused');
    const runsDir = path.join(host!.home, 'runs');
    const runId = fs.readdirSync(runsDir).sort().at(-1)!;
    // the host hears of it with the next report
    const summary = async () => (await page.evaluate(async (id) => (globalThis as unknown as { studio: { getRun(id: string): Promise<{ status: string; epochsDone: number }> } }).studio.getRun(id), runId));
    await expect.poll(async () => (await summary()).status, { timeout: 10_000 }).toBe('paused');
    const rowsWhilePaused = await page.getByTestId('epoch-row').count();
    await page.waitForTimeout(1500);
    expect(await page.getByTestId('epoch-row').count()).toBe(rowsWhilePaused);
    await page.getByTestId('resume').click();
    await expect(status).toContainText('training');
    await expect(page.getByTestId('epoch-row')).toHaveCount(rowsWhilePaused + 1, { timeout: 60_000 });
    await page.getByTestId('stop').click();
    await expect(status).toContainText('stopped', { timeout: 30_000 });
    await expect.poll(async () => (await summary()).status, { timeout: 10_000 }).toBe('stopped');
    const record = JSON.parse(fs.readFileSync(path.join(runsDir, runId, 'run.json'), 'utf8'));
    expect(record.status).toBe('stopped');
    expect(record.progress.epochsDone).toBeGreaterThanOrEqual(1);
    // stopped inside an epoch (the usual case), the window reported where it stood
    const metrics = fs.readFileSync(path.join(runsDir, runId, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { event: string; stepsPerEpoch?: number });
    const perEpoch = metrics.find((m) => m.event === 'batch')!.stepsPerEpoch!;
    const inside = record.progress.step - record.progress.epochsDone * perEpoch;
    console.log(`stopped after step ${inside} of ${perEpoch} in epoch ${record.progress.epochsDone + 1}`);
    expect(fs.existsSync(path.join(runsDir, runId, 'checkpoints', 'mid-epoch.ckpt'))).toBe(inside > 0);
  });
});
