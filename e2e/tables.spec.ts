/**
 * Tables through the whole window (issue 11), in Chromium through the web host: a penguins-like
 * table (a category: species, with NA cells) and a house-prices-like table (a number: the
 * price, with a sale date) are dropped on the Data screen, go through the import preview (a
 * column's type changed, the column to predict chosen by its header), train briefly, are
 * evaluated, tried on a row and on a dropped CSV, and exported. Screenshots of every screen go
 * to e2e/screenshots/tables-*.png.
 *
 * The tables are generated here, seeded (tests/helpers/table-fixtures.ts); nothing large is committed.
 */
import { test, expect, type Page } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { csvOf, housesRows, penguinsRows } from '../tests/helpers/table-fixtures';
import { dropFiles, goTo, shot, startHost, stopHost, type Host } from './web-host';

test.describe.configure({ mode: 'serial' });
test.use({ viewport: { width: 1280, height: 800 } });

/** A few epochs of the table's own preset: enough to see curves, quick on two cores. */
async function trainBriefly(page: Page): Promise<void> {
  await goTo(page, /Model/);
  await expect(page.getByTestId('preset-table')).toHaveAttribute('aria-pressed', 'true');
  // presets made for MNIST's pictures are not offered for a table
  await expect(page.getByTestId('preset-lecture')).toHaveCount(0);
  await goTo(page, /Train/);
  await page.getByTestId('epochs').fill('4');
  await page.getByTestId('start').click();
  await expect(page.getByTestId('epoch-row')).toHaveCount(4, { timeout: 120_000 });
}

/** Clicks a download link and reads what the browser saved. */
async function downloaded(page: Page, testId: string): Promise<{ name: string; text: string }> {
  const [d] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]);
  return { name: d.suggestedFilename(), text: fs.readFileSync((await d.path())!, 'utf8') };
}

async function exportAndCheck(page: Page, file: string): Promise<void> {
  await goTo(page, /Export/);
  await page.getByTestId('export-target').fill(file);
  await page.getByTestId('export').click();
  await expect(page.getByTestId('export-result').or(page.getByRole('alert'))).toBeVisible({ timeout: 180_000 });
  await expect(page.getByTestId('export-result')).toContainText('Saved and checked', { timeout: 180_000 });
}

test.describe('tables', () => {
  let host: Host | null = null;
  let tmp = '';
  const pageErrors: string[] = [];

  test.beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-studio-tables-'));
    host = await startHost(path.join(tmp, 'home'));
  });
  test.afterAll(() => {
    stopHost(host);
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('a category: penguins from a CSV with missing cells', async ({ page }) => {
    test.setTimeout(240_000);
    page.on('pageerror', (e) => pageErrors.push(e.message));
    const rows = penguinsRows(240);
    const file = path.join(tmp, 'penguins.csv');
    fs.writeFileSync(file, csvOf(rows));
    await page.goto(host!.url);

    // ---- the preview: nothing stored yet; the species is guessed as the column to predict
    await dropFiles(page, 'dropzone', [file]);
    const preview = page.getByTestId('table-preview');
    await expect(preview).toBeVisible({ timeout: 60_000 });
    await expect(page.getByTestId('preview-target')).toHaveText('species');
    await expect(page.getByTestId('predict-category')).toHaveAttribute('aria-pressed', 'true');
    await expect(preview.locator('tbody tr').first()).toBeVisible();
    await expect(preview).toContainText('missing');
    expect(await page.getByText('No dataset yet').count()).toBe(1);
    // the year (three values: read as a category) is made a number: the preview asks the studio again
    const year = rows[0].indexOf('year');
    await expect(page.getByTestId(`preview-type-${year}`)).toHaveValue('category');
    await page.getByTestId(`preview-type-${year}`).selectOption('number');
    await expect(preview).toContainText('2007 to 2009');
    // another column to predict, then back to the species
    await preview.getByRole('button', { name: /^island/ }).click();
    await expect(page.getByTestId('preview-target')).toHaveText('island');
    await preview.getByRole('button', { name: /^species/ }).click();
    await expect(page.getByTestId('preview-target')).toHaveText('species');
    await expect(page.getByTestId(`preview-type-${year}`)).toHaveValue('number');
    await expect(page.getByTestId('preview-classes')).toContainText('Adelie');
    await shot(page, 'tables-01-preview');

    await page.getByTestId('preview-import').click();
    await expect(page.getByTestId('import-status').filter({ hasText: 'Imported' })).toBeVisible({ timeout: 60_000 });
    const columns = page.getByTestId('table-columns');
    await expect(columns).toContainText('species');
    await expect(columns.locator('tr').filter({ hasText: /^year/ })).toContainText('number');
    await shot(page, 'tables-02-data');

    // ---- train, evaluate
    await trainBriefly(page);
    await expect(page.getByTestId('final-test-error')).toBeVisible({ timeout: 60_000 });
    await shot(page, 'tables-03-train-category');
    await goTo(page, /Evaluate/);
    await expect(page.getByTestId('confusion-matrix').locator('tbody tr')).toHaveCount(3, { timeout: 60_000 });
    await shot(page, 'tables-04-evaluate-category');

    // ---- Try it: one field per column, filled from a test row; then a whole CSV scored
    await goTo(page, /Try it/);
    const fields = page.getByTestId('table-fields');
    await expect(fields.getByLabel('island')).toBeVisible({ timeout: 60_000 });
    await expect(page.getByTestId('prediction')).toBeVisible({ timeout: 30_000 });
    await expect(page.getByTestId('true-value')).not.toBeEmpty();
    await fields.getByLabel('bill_length_mm').fill('50');
    await expect(page.getByTestId('prediction')).toHaveText(/Adelie|Chinstrap|Gentoo/);
    const toScore = path.join(tmp, 'new-penguins.csv');
    fs.writeFileSync(toScore, csvOf([['note', ...rows[0].slice(1)], ...rows.slice(1, 6).map((r) => ['seen', ...r.slice(1)])]));
    await dropFiles(page, 'table-score-drop', [toScore]);
    await expect(page.getByTestId('download-scored')).toBeVisible({ timeout: 30_000 });
    const file2 = await downloaded(page, 'download-scored');
    expect(file2.name).toBe('new-penguins-scored.csv');
    const scored = file2.text.trim().split(/\r?\n/);
    expect(scored[0]).toBe([...['note', ...rows[0].slice(1)], 'predicted species', 'probability'].join(','));
    expect(scored).toHaveLength(6);
    await shot(page, 'tables-05-try-category');

    await exportAndCheck(page, 'penguins.onnx');
    await shot(page, 'tables-06-export-category');
    expect(pageErrors).toEqual([]);
  });

  test('a number: house prices with a sale date', async ({ page }) => {
    test.setTimeout(240_000);
    page.on('pageerror', (e) => pageErrors.push(e.message));
    const rows = housesRows(300);
    const file = path.join(tmp, 'houses.csv');
    fs.writeFileSync(file, csvOf(rows));
    await page.goto(host!.url);

    await dropFiles(page, 'dropzone', [file]);
    const preview = page.getByTestId('table-preview');
    await expect(preview).toBeVisible({ timeout: 60_000 });
    // another column to predict (the garage, yes or no), then the price again by clicking its header:
    // a number with many values is predicted as a number
    await expect(page.getByTestId('preview-target')).toHaveText('price');
    await preview.getByRole('button', { name: /^garage/ }).click();
    await expect(page.getByTestId('preview-target')).toHaveText('garage');
    await expect(page.getByTestId('predict-category')).toHaveAttribute('aria-pressed', 'true');
    await preview.getByRole('button', { name: /^price/ }).click();
    await expect(page.getByTestId('preview-target')).toHaveText('price');
    await expect(page.getByTestId('predict-number')).toHaveAttribute('aria-pressed', 'true');
    await expect(page.getByTestId('preview-classes')).toHaveCount(0);
    // the sale date is read as a date
    await expect(page.getByTestId(`preview-type-${rows[0].indexOf('sold')}`)).toHaveValue('date');
    await shot(page, 'tables-07-preview-number');
    await page.getByTestId('preview-import').click();
    await expect(page.getByTestId('import-status').filter({ hasText: 'houses.csv' }).filter({ hasText: 'Imported' })).toBeVisible({ timeout: 60_000 });
    await expect(page.getByTestId('dataset-details')).toContainText('price, a number');

    await trainBriefly(page);
    // a number's curves are its mean absolute error in its units, never a percentage wrong
    await expect(page.getByTestId('error-chart').locator('canvas')).toHaveAttribute('aria-label', /Error chart/);
    await expect(page.getByTestId('epoch-table')).toContainText('MAE');
    await expect(page.getByTestId('epoch-table')).not.toContainText('%');
    await expect(page.getByTestId('final-metrics')).toContainText('R²', { timeout: 60_000 });
    await shot(page, 'tables-08-train-number');

    await goTo(page, /Evaluate/);
    await expect(page.getByTestId('test-r2')).toBeVisible({ timeout: 60_000 });
    await expect(page.getByTestId('regression-scatter').locator('canvas')).toBeVisible();
    await expect(page.getByTestId('residual-histogram').locator('canvas')).toBeVisible();
    await expect(page.getByTestId('worst-predictions').getByTestId('table-rows').locator('tbody tr').first()).toContainText(/North|South|East|West|Centre/);
    await shot(page, 'tables-09-evaluate-number');

    await goTo(page, /Try it/);
    await expect(page.getByTestId('table-fields').getByLabel('sold')).toHaveAttribute('type', 'date', { timeout: 60_000 });
    // the answer is a price in the table's range, not a probability
    await expect(page.getByTestId('prediction')).toHaveText(/\d/, { timeout: 30_000 });
    const predicted = Number((await page.getByTestId('prediction').textContent())!.replace(/,/g, ''));
    expect(predicted).toBeGreaterThan(50_000);
    expect(predicted).toBeLessThan(2_000_000);
    await shot(page, 'tables-10-try-number');

    await exportAndCheck(page, 'houses.onnx');
    expect(pageErrors).toEqual([]);
  });
});
