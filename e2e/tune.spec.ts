/**
 * "Find good settings for me" (issue 12 item 5) in the window: on a small table, a one-minute
 * search shows its trials as they finish, ends with the chosen settings applied and their
 * test error, measured once. Screenshot: e2e/screenshots/tune.png.
 */
import { test, expect } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatasetLibrary } from '../src-main/datasets/library';
import { csvOf, penguinsRows } from '../src-main/datasets/table/fixtures';
import { goTo, shot, startHost, stopHost, type Host } from './web-host';

let tmp: string;
let host: Host | null = null;

test.beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-e2e-tune-'));
  const home = path.join(tmp, 'home');
  const csv = path.join(tmp, 'penguins.csv');
  fs.writeFileSync(csv, csvOf(penguinsRows(300)));
  await new DatasetLibrary(home).import([csv], { name: 'penguins', table: { labelColumn: 'species' } });
  host = await startHost(home);
});
test.afterAll(() => {
  stopHost(host);
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('a one-minute search: trials as they finish, the chosen settings applied, their test error once', async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto(host!.url);
  await goTo(page, /Train/);
  const panel = page.getByTestId('tune-panel');
  await panel.scrollIntoViewIfNeeded();
  await page.getByTestId('tune-budget').selectOption('1');
  await page.getByTestId('tune-start').click();
  await expect(page.getByTestId('tune-trials').locator('tbody tr').first()).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('tune-result')).toBeVisible({ timeout: 180_000 });
  await expect(page.getByTestId('tune-test-error')).toHaveText(/\d/);
  await shot(page, 'tune');
  // the trials are runs of one sweep: the Runs screen lists them
  await goTo(page, /Runs/);
  await expect(page.getByTestId('runs-table').locator('tbody tr')).not.toHaveCount(0);
});
