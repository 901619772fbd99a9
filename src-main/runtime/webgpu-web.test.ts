/**
 * The engine in Chromium on onnxruntime-web's `webgpu` provider (SwiftShader here): a tiny
 * net trained for a few steps with the same Trainer must give the same losses and
 * parameters as onnxruntime-node on the CPU, within 1e-4 relative. The test page is the
 * engine + src-renderer/engine/web-runtime.ts bundled with esbuild, served with
 * onnxruntime-web's .wasm from node_modules on 127.0.0.1 (nothing from the internet).
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng, Trainer, type ModelSpec, type TrainConfig, type TrainerCheckpoint, type TrainingData } from '../engine/index';
import { createNodeRuntime } from './node';
import { SWIFTSHADER_CHROMIUM_ARGS, SWIFTSHADER_ICD, swiftShaderChromiumEnv } from '../../tests/helpers/swiftshader';
import type { WebJob, WebJobResult } from './web-fixture/entry';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = fs.existsSync(CHROMIUM) && fs.existsSync(SWIFTSHADER_ICD);
if (!available) {
  if (process.env.CI) throw new Error(`the browser WebGPU test needs ${CHROMIUM} and ${SWIFTSHADER_ICD} (Debian chromium); .ci/run installs it`);
  console.log(`SKIPPED browser WebGPU tests: ${CHROMIUM} or ${SWIFTSHADER_ICD} is missing (apt-get install chromium libvulkan1)`);
}

const D = 12;
const N = 96;
const CLASSES = ['a', 'b', 'c'];

function data(): TrainingData {
  const rng = new Rng(9);
  const x = new Uint8Array(N * D).map(() => rng.below(256));
  const y = Int32Array.from({ length: N }, () => rng.below(3));
  return { name: 'random', sampleShape: [D], sampleSize: D, classNames: CLASSES, train: { x, y, n: N }, test: { x, y, n: N }, preprocess: { scale: 1 / 255, mean: [0], std: [1] } };
}

async function runCpu(spec: ModelSpec, config: TrainConfig) {
  const losses: number[] = [];
  let last: TrainerCheckpoint | null = null;
  const t = new Trainer({ spec, config, data: data(), runtime: createNodeRuntime('cpu', { threads: 1 }), onEvent: (e) => void (e.event === 'batch' && losses.push(e.loss)), onEpochEnd: (c) => void (last = c) });
  const r = await t.run();
  expect(r.status, r.reason).toBe('finished');
  return { losses, params: (last as TrainerCheckpoint | null)!.params, testError: r.testError };
}

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-4 * Math.max(1, Math.abs(a), Math.abs(b));

/** Bundles the test page; returns its folder. */
async function buildPage(): Promise<string> {
  const esbuild = await import('esbuild');
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-webgpu-page-'));
  await esbuild.build({
    entryPoints: [path.join(here, 'web-fixture', 'entry.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outfile: path.join(out, 'entry.js'),
    logLevel: 'error',
  });
  fs.writeFileSync(path.join(out, 'index.html'), '<!doctype html><meta charset="utf-8"><title>engine on onnxruntime-web</title><script type="module" src="/entry.js"></script>');
  return out;
}

/** 127.0.0.1 only; /ort/ serves onnxruntime-web's own dist files, the rest the page. */
function serve(pageDir: string, log: string[]): Promise<http.Server> {
  const ortDist = path.dirname(require.resolve('onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm'));
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm' };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    log.push(url.pathname);
    let file: string | null = null;
    const ort = /^\/ort\/(ort-wasm-simd-threaded[\w.]*\.(?:wasm|mjs))$/.exec(url.pathname);
    if (ort) file = path.join(ortDist, ort[1]);
    else if (url.pathname === '/' || url.pathname === '/index.html') file = path.join(pageDir, 'index.html');
    else if (url.pathname === '/entry.js') file = path.join(pageDir, 'entry.js');
    if (!file || !fs.existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe.runIf(available)('the engine on onnxruntime-web WebGPU in Chromium matches onnxruntime-node on the CPU', () => {
  let pageDir = '';
  let server: http.Server;
  const requests: string[] = [];
  let browser: import('playwright-core').Browser;
  let page: import('playwright-core').Page;
  const consoleLines: string[] = [];

  beforeAll(async () => {
    pageDir = await buildPage();
    server = await serve(pageDir, requests);
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: SWIFTSHADER_CHROMIUM_ARGS,
      env: swiftShaderChromiumEnv(),
    });
    page = await browser.newPage();
    page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`));
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await page.waitForFunction(() => (globalThis as unknown as { mlpReady?: boolean }).mlpReady === true, undefined, { timeout: 30_000 });
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    if (pageDir) fs.rmSync(pageDir, { recursive: true, force: true });
  });

  async function train(device: WebJob['device'], spec: ModelSpec, config: TrainConfig): Promise<WebJobResult> {
    const d = data();
    const job: WebJob = { device, spec, config, x: Array.from(d.train.x), y: Array.from(d.train.y), n: N, d: D, classNames: CLASSES };
    return page.evaluate((j) => (globalThis as unknown as { mlpTrain(j: WebJob): Promise<WebJobResult> }).mlpTrain(j), job);
  }

  it('finds the SwiftShader adapter and reports it as software', async () => {
    const probe = await page.evaluate(() => (globalThis as unknown as { mlpProbe(): Promise<{ adapter: { software: boolean; architecture: string } | null; reason?: string }> }).mlpProbe());
    expect(probe.adapter, probe.reason).not.toBeNull();
    expect(probe.adapter!.software).toBe(true);
  });

  const spec: ModelSpec = { inputShape: [D], classes: 3, layers: [{ kind: 'linear', units: 8, bias: true }, { kind: 'relu' }, { kind: 'dropout', p: 0.25 }, { kind: 'linear', units: 3, bias: true }] };
  const cases: { device: WebJob['device']; optimizer: TrainConfig['optimizer'] }[] = [
    { device: 'webgpu', optimizer: { kind: 'sgd' } },
    { device: 'webgpu', optimizer: { kind: 'adam', beta1: 0.9, beta2: 0.999, eps: 1e-8 } },
    { device: 'wasm', optimizer: { kind: 'adam', beta1: 0.9, beta2: 0.999, eps: 1e-8 } },
  ];
  for (const { device, optimizer } of cases) {
    it(`${device}, ${optimizer.kind}: same losses, parameters and test error after 12 steps`, async () => {
      const config: TrainConfig = { epochs: 2, batchSize: 16, lr: optimizer.kind === 'adam' ? 0.01 : 0.1, optimizer, schedule: { kind: 'constant' }, evalEvery: 1, seed: 3, init: 'pytorch', device: 'cpu' };
      const cpu = await runCpu(spec, config);
      const web = await train(device, spec, config);
      expect(web.status, `${web.reason}\n${consoleLines.join('\n')}`).toBe('finished');
      if (device === 'webgpu') expect(web.label).toMatch(/WebGPU.*software/);
      expect(web.losses).toHaveLength(12);
      web.losses.forEach((l, i) => expect(close(l, cpu.losses[i]), `step ${i}: ${l} vs ${cpu.losses[i]}`).toBe(true));
      expect(web.params).toHaveLength(cpu.params.length);
      cpu.params.forEach((p, k) => p.forEach((v, j) => expect(close(v, web.params[k][j]), `param ${k}[${j}]: ${v} vs ${web.params[k][j]}`).toBe(true)));
      expect(web.testError).toBe(cpu.testError);
    }, 120_000);
  }

  it('fetched nothing but the page and onnxruntime-web files', () => {
    const unexpected = requests.filter((p) => !/^\/(index\.html|entry\.js|ort\/ort-wasm-simd-threaded[\w.]*\.(wasm|mjs))?$/.test(p) && p !== '/favicon.ico');
    expect(unexpected).toEqual([]);
  });
});
