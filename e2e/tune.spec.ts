/**
 * "Find good settings for me" (issue 12 item 5) in the window: on a small table, a one-minute
 * search shows its trials as they finish, ends with the chosen settings applied and their
 * test error, measured once. Screenshot: e2e/screenshots/tune.png.
 */
import { test, expect } from '@playwright/test';
import { goTo, shot, startHostWithPenguins, type Host } from './web-host';

let seeded: Awaited<ReturnType<typeof startHostWithPenguins>>;
let host: Host;

test.beforeAll(async () => {
  seeded = await startHostWithPenguins('mlp-e2e-tune-', [['penguins', 300, 1]]);
  host = seeded.host;
});
test.afterAll(() => seeded?.stop());

test('a one-minute search: trials as they finish, the chosen settings applied, their test error once', async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto(host.url);
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
