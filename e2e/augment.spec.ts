/**
 * "Vary the pictures while learning" (issue 13 item 4) in the Train settings: off by default;
 * for digits, turning it on shows the settings in one sentence, no mirroring, and 8 training
 * pictures as stored and as the network sees them in an epoch (another epoch varies them
 * differently); a table has no such setting. Screenshot: e2e/screenshots/train-augment.png.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, expect } from '@playwright/test';
import { DatasetLibrary } from '../src-main/datasets/library';
import { writeMnistSubset } from '../tests/helpers/test-fixtures';
import { csvOf, penguinsRows } from '../tests/helpers/table-fixtures';
import { goTo, shot, startHost, stopHost, type Host } from './web-host';

let tmp: string;
let host: Host | null = null;

test.beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-e2e-augment-'));
  const home = path.join(tmp, 'home');
  const lib = new DatasetLibrary(home);
  const digits = path.join(tmp, 'digits');
  writeMnistSubset(digits, 300, 100);
  await lib.import([digits], { name: 'Digits 300' });
  const csv = path.join(tmp, 'penguins.csv');
  fs.writeFileSync(csv, csvOf(penguinsRows(120, 1)));
  await lib.import([csv], { name: 'penguins', table: { labelColumn: 'species' } });
  host = await startHost(home, { startSeconds: 240 });
});
test.afterAll(() => {
  stopHost(host);
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('digits: off by default, then a sentence, no mirroring, and 8 pictures as the network sees them', async ({ page }) => {
  await page.goto(host!.url);
  await page.getByRole('option', { name: /Digits 300/ }).click();
  await goTo(page, /Train/);
  const panel = page.getByTestId('augment');
  await panel.scrollIntoViewIfNeeded();
  await expect(page.getByTestId('augment-on')).not.toBeChecked();
  await expect(page.getByTestId('augment-preview')).toHaveCount(0);
  await page.getByTestId('augment-on').check();
  await expect(page.getByTestId('augment-summary')).toHaveText('Vary the pictures while learning: move them up to 2 pixels, turn them up to 10°.');
  await expect(page.getByTestId('augment-flip')).toHaveCount(0);
  await expect(panel).toContainText('Mirroring is not offered');
  const varied = page.getByTestId('augment-sample');
  await expect(varied).toHaveCount(8);
  const first = await varied.first().getAttribute('src');
  await page.getByTestId('augment-scale').fill('10');
  await expect(page.getByTestId('augment-summary')).toContainText('make them up to 10 % larger or smaller');
  await page.getByTestId('augment-next').click();
  await expect(varied.first()).not.toHaveAttribute('src', first!);
  await panel.scrollIntoViewIfNeeded();
  await shot(page, 'train-augment');
  // a value past its limit is named, and the preview waits for a valid one
  await page.getByTestId('augment-shift').fill('12');
  await expect(page.getByTestId('augment-problem')).toHaveText('Move must be from 0 to 8 px.');
});

test('a table has no picture variation to offer', async ({ page }) => {
  await page.goto(host!.url);
  await page.getByRole('option', { name: /penguins/ }).click();
  await goTo(page, /Train/);
  await expect(page.getByTestId('lr')).toBeVisible();
  await expect(page.getByTestId('augment')).toHaveCount(0);
});
