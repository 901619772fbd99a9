/**
 * Plain words first (issue 16 item 1): the Train screen's default view uses everyday words;
 * the optimizer's internals, the schedule, starting weights and the runtime's device names sit
 * under "Advanced" (which may use them). The terms are kept here, in one list.
 */
import { test, expect } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatasetLibrary } from '../src-main/datasets/library';
import { csvOf, penguinsRows } from '../src-main/datasets/table/fixtures';
import { goTo, shot, startHost, stopHost, type Host } from './web-host';

/** words a person who does not code should not meet before opening "Advanced" */
const TECHNICAL = ['β1', 'β2', 'Nesterov', 'Xavier', 'PyTorch', 'onnxruntime', 'WebAssembly', 'CS5242', 'Simard', 'lecture uses', 'GELU', 'threads)'];

let tmp: string;
let host: Host | null = null;

test.beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-e2e-words-'));
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

test('the Train screen speaks plainly until Advanced is opened', async ({ page }) => {
  await page.goto(host!.url);
  await goTo(page, /Train/);
  const settings = page.locator('.settings');
  await expect(page.getByTestId('device')).toContainText('This computer’s processor');
  // Adam's and momentum's details are under Advanced whatever the optimizer
  for (const optimizer of ['adam', 'momentum', 'sgd']) {
    await settings.getByRole('combobox').nth(0).selectOption(optimizer);
    const text = await settings.innerText();
    for (const term of TECHNICAL) expect(text, `"${term}" in the default view with ${optimizer}`).not.toContain(term);
  }
  await shot(page, 'train-plain-words');
  await page.getByTestId('advanced').locator('summary').click();
  await settings.getByRole('combobox').nth(0).selectOption('adam');
  await expect(page.getByTestId('advanced')).toContainText('β1');
  await expect(page.getByTestId('advanced')).toContainText('Starting weights');
});

test('the Model screen offers the plain layer kinds; the rarer ones and biases wait under Advanced', async ({ page }) => {
  await page.goto(host!.url);
  await goTo(page, /Model/);
  const content = page.locator('main');
  await expect(page.getByTestId('spec-ready')).toBeVisible();
  const text = await content.innerText();
  for (const term of [...TECHNICAL, 'Leaky', 'bias']) expect(text, `"${term}" on the Model screen's default view`).not.toContain(term);
  await page.getByTestId('model-advanced').check();
  await expect(content).toContainText('GELU');
  await expect(content).toContainText('bias');
});
