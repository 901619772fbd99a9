/**
 * Screens in step across windows (issue 16 item 5), in Chromium through the web host: two tabs
 * of one browser; a run started in the first appears, training, on the second's Train screen
 * (its Start gives way to Pause and Stop), and a dataset chosen in one tab is chosen in the
 * other. The time the second tab took to show the run is printed, not asserted.
 */
import { test, expect } from '@playwright/test';
import { goTo, shot, startHostWithPenguins, type Host } from './web-host';

let seeded: Awaited<ReturnType<typeof startHostWithPenguins>>;
let host: Host;
let names: string[];

test.beforeAll(async () => {
  seeded = await startHostWithPenguins('mlp-e2e-tabs-', [['penguins', 600, 600], ['more penguins', 400, 400]]);
  host = seeded.host;
  names = seeded.names;
});
test.afterAll(() => seeded?.stop());

test('a run started in one tab appears in the other; a dataset chosen in one is chosen in both', async ({ page, context }) => {
  const other = await context.newPage();
  for (const p of [page, other]) {
    await p.setViewportSize({ width: 1280, height: 800 });
    await p.goto(host.url);
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
