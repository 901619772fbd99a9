/**
 * Progress for the long waits (issue 16, item 6), in Chromium through the web host:
 * - a 6 MB folder of 600 pictures chosen with the folder button shows how many bytes and files
 *   have gone to the studio while they go, moving many times before the preview opens;
 * - Try it on a run of the course's network (2.3 million weights) says what it is doing while
 *   the network loads (fetching it, then preparing it) and gets to the drawing pad.
 * How long each wait takes is a figure, not a test: with MLP_WAIT_FIGURES set to a file name,
 * the figures are written there (bench/waits.ts runs this spec, also against an older checkout).
 */
import { test, expect, type Page } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { writeMnistSubset } from '../tests/helpers/test-fixtures';
import { goTo, startHost, stopHost, type Host } from './web-host';

test.use({ viewport: { width: 1280, height: 800 } });

let tmp = '';
let host: Host | null = null;
const figures: Record<string, number | string[]> = {};

/** 2 class folders × `perClass` PNGs of random colour noise (so they do not compress): about 9.5 KB each. */
async function writeNoiseFolder(dir: string, perClass: number): Promise<number> {
  let bytes = 0;
  for (const name of ['cats', 'dogs']) {
    fs.mkdirSync(path.join(dir, name), { recursive: true });
    for (let i = 0; i < perClass; i++) {
      const raw = Buffer.alloc(56 * 56 * 3);
      for (let j = 0; j < raw.length; j++) raw[j] = (Math.imul(j + 1, 2654435761 + i * 97 + name.length) >>> 13) & 0xff;
      const png = await sharp(raw, { raw: { width: 56, height: 56, channels: 3 } }).png({ compressionLevel: 0 }).toBuffer();
      fs.writeFileSync(path.join(dir, name, `pic-${String(i).padStart(4, '0')}.png`), png);
      bytes += png.length;
    }
  }
  return bytes;
}

/** Records every text shown in a status line (role=status) with its time, from now on. */
async function watchStatusTexts(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = globalThis as unknown as { __statusTexts: { t: number; text: string }[]; document: { querySelectorAll(s: string): ArrayLike<{ textContent: string | null }> } };
    w.__statusTexts = [];
    let last = '';
    setInterval(() => {
      const text = Array.from(w.document.querySelectorAll('[role=status]')).map((e) => (e.textContent ?? '').trim()).join(' | ');
      if (text !== last) w.__statusTexts.push({ t: performance.now(), text });
      last = text;
    }, 20);
  });
}

const statusTexts = (page: Page) => page.evaluate(() => (globalThis as unknown as { __statusTexts: { t: number; text: string }[] }).__statusTexts);

/** Adds this test's figures to the file (a failed test restarts the worker, so each test merges its own). */
function writeFigures(): void {
  const file = process.env.MLP_WAIT_FIGURES;
  if (!file) return;
  const before = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
  fs.writeFileSync(file, JSON.stringify({ ...before, ...figures }));
}

test.beforeAll(async () => {
  test.setTimeout(300_000);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-studio-e2e-waits-'));
  // a run of the course's network (2.3 million weights), one epoch on 200 digits: Try it loads its network
  const digits = path.join(tmp, 'digits');
  writeMnistSubset(digits, 200, 50);
  host = await startHost(path.join(tmp, 'home'), {
    startSeconds: 240,
    setup: `
      const { presetById } = await import(mod('src-main/engine/spec.ts'));
      const ds = await api.datasets.library.import([${JSON.stringify(digits)}], { name: 'Digits' });
      const lecture = presetById('lecture');
      const run = await api.startRun({ datasetId: ds.id, model: lecture.model(ds.sampleShape, ds.classNames.length), config: { ...lecture.config(), epochs: 1 } });
      for (let i = 0; i < 1200; i++) {
        const r = (await api.listRuns()).find((x) => x.id === run.id);
        if (r && ['finished', 'stopped', 'failed'].includes(r.status)) break;
        await new Promise((ok) => setTimeout(ok, 100));
      }
    `,
  });
});
test.afterAll(() => {
  stopHost(host);
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('a 6 MB folder of pictures shows its progress in bytes and files while it goes to the studio', async ({ page }) => {
  test.setTimeout(180_000);
  const dir = path.join(tmp, 'pets');
  const bytes = await writeNoiseFolder(dir, 300);
  await page.goto(host!.url);
  await goTo(page, /Data/);
  await page.evaluate(() => {
    const w = globalThis as unknown as { __picked: number; document: { querySelector(s: string): { addEventListener(e: string, f: () => void, o: unknown): void } } };
    w.document.querySelector('input[webkitdirectory]').addEventListener('change', () => (w.__picked = performance.now()), { capture: true });
  });
  await watchStatusTexts(page);
  await page.locator('input[webkitdirectory]').setInputFiles(dir);
  await expect(page.getByTestId('picture-preview')).toBeVisible({ timeout: 150_000 });
  const t1 = await page.evaluate(() => performance.now());
  const t0 = await page.evaluate(() => (globalThis as unknown as { __picked: number }).__picked);
  const sending = (await statusTexts(page)).filter((s) => /Sending/.test(s.text));
  const lastSending = sending.length ? sending[sending.length - 1].t : t0;
  const moved = sending.findIndex((s) => !/: 0\.0 of/.test(s.text) && /\d of/.test(s.text));
  Object.assign(figures, {
    uploadMB: bytes / 1e6,
    uploadFiles: 600,
    uploadS: (lastSending - t0) / 1000,
    uploadFirstMoveS: moved >= 0 ? (sending[moved].t - t0) / 1000 : (lastSending - t0) / 1000,
    uploadUpdates: sending.length,
    uploadToPreviewS: (t1 - t0) / 1000,
    uploadTexts: sending.slice(0, 3).map((s) => s.text).concat(sending.slice(-1).map((s) => s.text)),
  });
  writeFigures();
  console.log(`upload of ${(bytes / 1e6).toFixed(1)} MB in 600 files: sent in ${figures.uploadS} s (first move after ${figures.uploadFirstMoveS} s, ${sending.length} progress lines), preview after ${figures.uploadToPreviewS} s`);
  // the line names bytes and files, and moves many times while the files go
  expect(sending.some((s) => /MB/.test(s.text) && /\d+ of 600 files/.test(s.text)), `progress lines seen: ${sending.map((s) => s.text).join(' / ')}`).toBe(true);
  expect(sending.length).toBeGreaterThan(5);
});

test('Try it says what it is doing while the network loads', async ({ page }) => {
  test.setTimeout(180_000);
  await page.goto(host!.url);
  await goTo(page, /Train/);
  await watchStatusTexts(page);
  const t0 = await page.evaluate(() => performance.now());
  await goTo(page, /Try it/);
  await expect(page.getByTestId('drawing-pad')).toBeVisible({ timeout: 150_000 });
  const t1 = await page.evaluate(() => performance.now());
  const loading = (await statusTexts(page)).filter((s) => /network/i.test(s.text) && s.t >= t0);
  const preparing = loading.find((s) => /Preparing/i.test(s.text));
  Object.assign(figures, { tryLoadS: (t1 - t0) / 1000, ...(preparing ? { tryDownloadS: (preparing.t - t0) / 1000, tryPrepareS: (t1 - preparing.t) / 1000 } : {}), tryTexts: loading.map((s) => `+${((s.t - t0) / 1000).toFixed(2)} s ${s.text}`) });
  writeFigures();
  console.log(`Try it: the drawing pad after ${figures.tryLoadS} s; status lines: ${loading.map((s) => s.text).join(' / ')}`);
  // the wait names its steps: the network's size while it comes, then preparing it
  expect(loading.some((s) => /MB/.test(s.text)), `status lines seen: ${loading.map((s) => s.text).join(' / ')}`).toBe(true);
  expect(loading.some((s) => /Preparing/i.test(s.text)), `status lines seen: ${loading.map((s) => s.text).join(' / ')}`).toBe(true);
});
