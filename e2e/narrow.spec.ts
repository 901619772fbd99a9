/**
 * Narrow windows (issue 16, item 7), in Chromium through the web host: at 800×600 every screen
 * (Data, Model, Train, Evaluate, Try it, Export, Runs), for a dataset of pictures and for a
 * table, fits the window: neither the page nor a box in it scrolls sideways (rows of a person's
 * table, which keep all its columns, excepted) and no button is cut. The pictures
 * have ten classes with long names (“Ankle boot with a long name …”): the confusion matrix
 * shows them shortened, the full name on hover, without scrolling sideways at 800 or 1280.
 * Screenshots: e2e/screenshots/narrow-*.png (800×600) and evaluate-long-names.png (1280×800).
 *
 * The host runs on a fresh home holding the two datasets and three finished runs.
 */
import { test, expect, type Page } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { DatasetLibrary } from '../src-main/datasets/library';
import { csvOf, penguinsRows } from '../tests/helpers/table-fixtures';
import { goTo, shot, startHost, stopHost, type Host } from './web-host';

const CLASSES = [
  'T-shirt or top for the summer',
  'Trouser with a long name',
  'Pullover knitted from wool',
  'Dress for a wedding party',
  'Coat with a long name too',
  'Sandal with a long strap',
  'Shirt with buttons and a collar',
  'Sneaker for running fast',
  'Bag for the weekly shopping',
  'Ankle boot long name for a wide column',
];

let tmp = '';
let host: Host | null = null;

/** 10 class folders of 14 small grey pictures each, a different blob per class. */
async function writeClothes(dir: string): Promise<void> {
  for (const [c, name] of CLASSES.entries()) {
    fs.mkdirSync(path.join(dir, name), { recursive: true });
    for (let i = 0; i < 14; i++) {
      const raw = Buffer.alloc(28 * 28);
      for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) raw[y * 28 + x] = Math.abs(x - 3 - 2 * c) + Math.abs(y - 14 + ((i * 3) % 7) - 3) < 6 ? 230 : (x * 7 + y * 13 + i) % 40;
      await sharp(raw, { raw: { width: 28, height: 28, channels: 1 } }).png().toFile(path.join(dir, name, `${i}.png`));
    }
  }
}

test.beforeAll(async () => {
  test.setTimeout(300_000);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-studio-e2e-narrow-'));
  const home = path.join(tmp, 'home');
  const lib = new DatasetLibrary(home);
  await writeClothes(path.join(tmp, 'clothes'));
  await lib.import([path.join(tmp, 'clothes')], { name: 'Clothes with long names' });
  fs.writeFileSync(path.join(tmp, 'penguins.csv'), csvOf(penguinsRows(200, 3)));
  await lib.import([path.join(tmp, 'penguins.csv')], { name: 'Penguins', table: { labelColumn: 'species' } });
  host = await startHost(home, {
    startSeconds: 240,
    setup: `
      const { presetById } = await import(mod('src-main/engine/spec.ts'));
      const small = presetById('small');
      const runs = [];
      for (const ds of await api.listDatasets()) {
        const picture = ds.name.startsWith('Clothes');
        for (const epochs of picture ? [2, 3] : [3]) {
          const layers = [{ kind: 'linear', units: 16, bias: true }, { kind: 'relu' }, { kind: 'linear', units: ds.classNames.length, bias: true }];
          runs.push((await api.startRun({ datasetId: ds.id, name: (picture ? 'Clothes with long names · 784-16-10 relu · 120 samples' : 'Penguins') + ' · ' + epochs + ' epochs', model: { inputShape: ds.sampleShape, classes: ds.classNames.length, layers }, config: { ...small.config(), epochs } })).id);
        }
      }
      for (let i = 0; i < 2400; i++) {
        const all = await api.listRuns();
        if (runs.every((id) => ['finished', 'stopped', 'failed'].includes(all.find((r) => r.id === id)?.status))) break;
        await new Promise((ok) => setTimeout(ok, 100));
      }
    `,
  });
});
test.afterAll(() => {
  stopHost(host);
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** What does not fit: the page or a box in it scrolling sideways, or a visible button narrower than its text. */
async function overflows(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    // runs in the page (the node-side type check has no DOM types)
    type El = { scrollWidth: number; clientWidth: number; textContent: string | null; tagName: string; className: unknown; getAttribute(n: string): string | null; getClientRects(): ArrayLike<unknown>; querySelector?(s: string): unknown };
    const g = globalThis as unknown as { document: { scrollingElement: El; querySelectorAll(s: string): ArrayLike<El> }; getComputedStyle(e: El): { overflowX: string } };
    const d = g.document;
    const out: string[] = [];
    const page = d.scrollingElement;
    if (page.scrollWidth > page.clientWidth) out.push(`the page scrolls sideways (${page.scrollWidth} px wide in a ${page.clientWidth} px window)`);
    for (const e of Array.from(d.querySelectorAll('body *'))) {
      if (!e.getClientRects().length || !['auto', 'scroll'].includes(g.getComputedStyle(e).overflowX)) continue;
      // rows of a person's table keep every one of its columns (17 for the penguins): they scroll inside their panel, the true and said columns first
      if (e.querySelector?.(':scope > table[data-testid="table-rows"]')) continue;
      const name = `${e.tagName.toLowerCase()}${typeof e.className === 'string' && e.className ? '.' + e.className.trim().split(/\s+/).join('.') : ''}`;
      if (e.scrollWidth > e.clientWidth + 1) out.push(`${name} scrolls sideways (${e.scrollWidth} px in ${e.clientWidth} px)`);
    }
    for (const b of Array.from(d.querySelectorAll('button'))) {
      if (!b.getClientRects().length) continue; // not shown
      if (b.scrollWidth > b.clientWidth + 1) out.push(`the button “${(b.textContent ?? '').trim() || b.getAttribute('aria-label')}” is cut (${b.scrollWidth} px of text in ${b.clientWidth} px)`);
    }
    return out;
  });
}

const SCREENS: [RegExp, string][] = [
  [/Data/, 'data'],
  [/Model/, 'model'],
  [/Train/, 'train'],
  [/Evaluate/, 'evaluate'],
  [/Try it/, 'try'],
  [/Export/, 'export'],
  [/Runs/, 'runs'],
];

/** Chooses the dataset on the Data screen and a run of it in the run picker (Evaluate). */
async function choose(page: Page, dataset: string, run: string): Promise<void> {
  await goTo(page, /Data/);
  await page.getByRole('listbox', { name: 'Datasets' }).getByRole('option', { name: new RegExp(dataset) }).click();
  await goTo(page, /Evaluate/);
  const picker = page.getByRole('combobox', { name: 'Trained network' });
  const value = await picker.locator('option', { hasText: run }).first().getAttribute('value');
  await picker.selectOption(value!);
}

/** Waits for what each screen loads (the confusion matrix, the drawing pad or the fields, the runs table). */
async function settle(page: Page, screen: string): Promise<void> {
  if (screen === 'evaluate') await expect(page.getByTestId('confusion-matrix')).toBeVisible({ timeout: 60_000 });
  if (screen === 'try') await expect(page.getByTestId('drawing-pad').or(page.getByTestId('table-fields'))).toBeVisible({ timeout: 120_000 });
  await page.waitForTimeout(300); // charts lay themselves out
}

for (const [variant, dataset, run] of [
  ['pictures', 'Clothes with long names', '120 samples · 3 epochs'],
  ['table', 'Penguins', 'Penguins · 3 epochs'],
] as const) {
  test(`every screen fits an 800×600 window (${variant})`, async ({ page }) => {
    test.setTimeout(300_000);
    await page.setViewportSize({ width: 800, height: 600 });
    await page.goto(host!.url);
    await choose(page, dataset, run);
    const problems: string[] = [];
    for (const [tab, screen] of SCREENS) {
      await goTo(page, tab);
      await settle(page, screen);
      problems.push(...(await overflows(page)).map((p) => `${screen}: ${p}`));
      await shot(page, `narrow-${variant}-${screen}`);
    }
    if (variant === 'pictures') {
      // two runs compared: their curves, and their data and settings side by side
      for (const box of await page.getByRole('checkbox', { name: /Clothes/ }).all()) await box.check();
      await page.getByTestId('compare').click();
      await expect(page.getByTestId('config-diff')).toBeVisible();
      await settle(page, 'runs');
      problems.push(...(await overflows(page)).map((p) => `runs, compared: ${p}`));
      await shot(page, 'narrow-pictures-runs-compare');
    }
    // the navigation stays one line: every tab on the same row
    const tops = await page.getByRole('tab').evaluateAll((tabs) => tabs.map((t) => Math.round((t as unknown as { getBoundingClientRect(): { top: number } }).getBoundingClientRect().top)));
    expect(new Set(tops).size, `tab rows at ${tops.join(', ')}`).toBe(1);
    expect(problems).toEqual([]);
  });
}

test('a confusion matrix of ten long class names fits, shortened, with the full name on hover', async ({ page }) => {
  test.setTimeout(180_000);
  await page.goto(host!.url);
  await choose(page, 'Clothes with long names', '120 samples · 3 epochs');
  const matrix = page.getByTestId('confusion-matrix');
  for (const width of [1280, 800]) {
    await page.setViewportSize({ width, height: width === 1280 ? 800 : 600 });
    await expect(matrix).toBeVisible({ timeout: 60_000 });
    const wrap = matrix.locator('xpath=..');
    const [scroll, client] = await wrap.evaluate((w) => [(w as unknown as { scrollWidth: number }).scrollWidth, (w as unknown as { clientWidth: number }).clientWidth]);
    expect(scroll, `the matrix needs ${scroll} px in ${client} px at ${width}`).toBeLessThanOrEqual(client);
    expect(await overflows(page)).toEqual([]);
  }
  // every class is named in full on hover, over its column and its row
  const longest = CLASSES[9];
  await expect(matrix.locator(`thead th[title="${longest}"]`)).toHaveCount(1);
  await expect(matrix.locator(`tbody th[title="${longest}"]`)).toHaveCount(1);
  await page.setViewportSize({ width: 1280, height: 800 });
  await shot(page, 'evaluate-long-names');
});
