/**
 * Plain words first (issue 16 item 1): the Train screen's default view uses everyday words;
 * the optimizer's internals, the schedule, starting weights and the runtime's device names sit
 * under "Advanced" (which may use them). The terms are kept here, in one list.
 */
import { test, expect } from '@playwright/test';
import { goTo, shot, startHostWithPenguins, type Host } from './web-host';

/** words a person who does not code should not meet before opening "Advanced" */
const TECHNICAL = ['β1', 'β2', 'Nesterov', 'Xavier', 'PyTorch', 'onnxruntime', 'WebAssembly', 'CS5242', 'Simard', 'lecture uses', 'GELU', 'threads)'];

let seeded: Awaited<ReturnType<typeof startHostWithPenguins>>;
let host: Host;

test.beforeAll(async () => {
  seeded = await startHostWithPenguins('mlp-e2e-words-', [['penguins', 300, 1]]);
  host = seeded.host;
});
test.afterAll(() => seeded?.stop());

test('the Train screen speaks plainly until Advanced is opened', async ({ page }) => {
  await page.goto(host.url);
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
  await page.goto(host.url);
  await goTo(page, /Model/);
  const content = page.locator('main');
  await expect(page.getByTestId('spec-ready')).toBeVisible();
  const text = await content.innerText();
  for (const term of [...TECHNICAL, 'Leaky', 'bias']) expect(text, `"${term}" on the Model screen's default view`).not.toContain(term);
  await page.getByTestId('model-advanced').check();
  await expect(content).toContainText('GELU');
  await expect(content).toContainText('bias');
});
