/**
 * Screens in step across windows (issue 16 item 5), in Chromium through the web host: two tabs
 * of one browser; a run started in the first appears, training, on the second's Train screen
 * (its Start gives way to Pause and Stop), and a dataset chosen in one tab is chosen in the
 * other. The time the second tab took to show the run is printed, not asserted.
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
const names: string[] = [];

test.beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-e2e-tabs-'));
  const home = path.join(tmp, 'home');
  const lib = new DatasetLibrary(home);
  for (const [name, n] of [['penguins', 600], ['more penguins', 400]] as const) {
    const csv = path.join(tmp, `${name}.csv`);
    fs.writeFileSync(csv, csvOf(penguinsRows(n, n)));
    names.push((await lib.import([csv], { name, table: { labelColumn: 'species' } })).name);
  }
  host = await startHost(home);
});
test.afterAll(() => {
  stopHost(host);
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('a run started in one tab appears in the other; a dataset chosen in one is chosen in both', async ({ page, context }) => {
  const other = await context.newPage();
  for (const p of [page, other]) {
    await p.setViewportSize({ width: 1280, height: 800 });
    await p.goto(host!.url);
    await goTo(p, /Data/);
  }

  // a dataset chosen in the first tab is chosen in the second
  await page.getByRole('option', { name: new RegExp(`^${names[1]}`) }).click();
  await expect(page.getByTestId('dataset-details')).toContainText(names[1]);
  await expect(other.getByTestId('dataset-details')).toContainText(names[1]);

  await goTo(other, /Train/);
  await expect(other.getByTestId('start')).toBeVisible();
  await goTo(page, /Train/);
  await page.getByTestId('epochs').fill('40');
  const asked = Date.now();
  await page.getByTestId('start').click();

  // the second tab follows the run: Pause and Stop instead of Start
  await expect(other.getByTestId('stop')).toBeVisible();
  console.log(`the second tab showed the run ${Date.now() - asked} ms after Start was pressed in the first`);
  await expect(other.getByTestId('start')).toHaveCount(0);
  await shot(other, 'tabs-second-window');
  // and can stop it: both tabs see it stopped
  await other.getByTestId('stop').click();
  await expect(page.getByTestId('start')).toBeVisible();
  await expect(other.getByTestId('start')).toBeVisible();
});
