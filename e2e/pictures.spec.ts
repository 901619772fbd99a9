/**
 * Photos as people take them (issue 13), in Chromium through the web host: a folder of phone
 * photos (large JPEGs stored sideways with an EXIF turn, greyscale, palette, 16-bit, CMYK and
 * transparent pictures, a note that is not a picture) chosen with the folder button opens the
 * import preview; nothing is stored until Import; the size and colour chosen there are what
 * the dataset gets. Screenshots: e2e/screenshots/pictures-*.png.
 */
import { test, expect } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writePhotoFolder } from '../tests/helpers/photo-fixtures';
import { goTo, shot, startHost, stopHost, type Host } from './web-host';

let tmp: string;
let host: Host | null = null;

test.beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-e2e-pictures-'));
  host = await startHost(path.join(tmp, 'home'));
});
test.afterAll(() => {
  stopHost(host);
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('a folder of phone photos: preview, change size and colour, import', async ({ page }) => {
  const dir = await writePhotoFolder(path.join(tmp, 'pets'), { photos: 3, w: 300, h: 400, odd: true });
  fs.writeFileSync(path.join(dir, 'a', 'notes.txt'), 'not a picture');
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(host!.url);
  await goTo(page, /Data/);
  await page.locator('input[webkitdirectory]').setInputFiles(dir);

  const preview = page.getByTestId('picture-preview');
  await expect(preview).toBeVisible();
  await expect(page.getByTestId('picture-settings')).toContainText('in colour');
  await expect(page.getByTestId('picture-classes')).toContainText('8 pictures');
  await expect(page.getByTestId('picture-classes').locator('img')).toHaveCount(8);
  await expect(page.getByTestId('picture-sizes')).toContainText('300×400 (6)');
  await expect(page.getByTestId('picture-skipped')).toContainText('1 file will be left out');
  // nothing is stored while the preview is open
  expect(fs.readdirSync(path.join(host!.home, 'datasets')).filter((d) => d.startsWith('ds-'))).toEqual([]);
  await shot(page, 'pictures-preview');

  await page.getByTestId('picture-size').selectOption('16');
  await page.getByTestId('picture-colour').selectOption('1');
  await expect(page.getByTestId('picture-settings')).toContainText('12 × 16 pixels in greyscale (as you chose)');
  await page.getByTestId('picture-skipped').locator('summary').click();
  await expect(page.getByTestId('picture-skipped')).toContainText('notes.txt: not an image');
  await page.setViewportSize({ width: 800, height: 600 });
  await shot(page, 'pictures-preview-800');
  await page.setViewportSize({ width: 1280, height: 800 });

  await page.getByTestId('picture-import').click();
  await expect(preview).toBeHidden();
  await expect(page.getByTestId('dataset-details')).toContainText('16 × 12 pixels, greyscale');
  const ids = fs.readdirSync(path.join(host!.home, 'datasets')).filter((d) => d.startsWith('ds-'));
  expect(ids).toHaveLength(1);
  const meta = JSON.parse(fs.readFileSync(path.join(host!.home, 'datasets', ids[0], 'meta.json'), 'utf8'));
  expect(meta.preprocessing.image).toEqual({ size: [16, 12], channels: 1, fit: 'pad', exif: true, alpha: 'white' });
  await shot(page, 'pictures-imported');
});

test('Cancel leaves nothing behind', async ({ page }) => {
  const dir = await writePhotoFolder(path.join(tmp, 'more'), { photos: 2, w: 200, h: 100 });
  await page.goto(host!.url);
  await goTo(page, /Data/);
  const before = fs.readdirSync(path.join(host!.home, 'datasets')).filter((d) => d.startsWith('ds-'));
  await page.locator('input[webkitdirectory]').setInputFiles(dir);
  await expect(page.getByTestId('picture-settings')).toBeVisible();
  await page.getByTestId('picture-cancel').click();
  await expect(page.getByTestId('picture-preview')).toBeHidden();
  expect(fs.readdirSync(path.join(host!.home, 'datasets')).filter((d) => d.startsWith('ds-'))).toEqual(before);
});
