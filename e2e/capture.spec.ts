/**
 * The camera (issue 13 items 3 and 5), in Chromium through the web host with Chromium's fake
 * camera (a moving test pattern): two classes captured in the Capture panel (hold Record for
 * a burst, a click for one picture, a bad shot deleted), saved as a dataset, trained briefly,
 * tried with the live camera; then pictures added to the dataset make version 2 while the
 * first stays byte-identical. The fake camera's frames are not two kinds of thing, so the
 * test asserts the pipeline (counts, a finished run, an answer with probabilities), not an
 * accuracy. Screenshots: e2e/screenshots/capture-*.png.
 */
import { test, expect, type Page } from '@playwright/test';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { goTo, shot, startHost, stopHost, type Host } from './web-host';

// test.use replaces the launch options of playwright.config.ts: its executable and args are repeated, the fake camera added
test.use({
  launchOptions: {
    executablePath: ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => fs.existsSync(p)) ?? process.env.PLAYWRIGHT_CHROMIUM_PATH,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'],
  },
});

let tmp: string;
let host: Host | null = null;

test.beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-e2e-capture-'));
  host = await startHost(path.join(tmp, 'home'));
});
test.afterAll(() => {
  stopHost(host);
  fs.rmSync(tmp, { recursive: true, force: true });
});

const datasetIds = () => fs.readdirSync(path.join(host!.home, 'datasets')).filter((d) => d.startsWith('ds-')).sort();
const readMeta = (id: string) => JSON.parse(fs.readFileSync(path.join(host!.home, 'datasets', id, 'meta.json'), 'utf8'));
function fingerprint(id: string): Record<string, string> {
  const dir = path.join(host!.home, 'datasets', id);
  return Object.fromEntries(fs.readdirSync(dir).sort().map((f) => [f, createHash('sha256').update(fs.readFileSync(path.join(dir, f))).digest('hex')]));
}

/** holds a class's Record button for `ms` milliseconds */
async function hold(page: Page, testId: string, ms: number): Promise<void> {
  await page.getByTestId(testId).hover();
  await page.mouse.down();
  await page.waitForTimeout(ms);
  await page.mouse.up();
}

const countOf = async (page: Page, i: number) => Number((await page.getByTestId(`capture-count-${i}`).innerText()).split(' ')[0]);

test('capture two classes, save, train, try with the live camera, add a version', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 860 });
  await page.goto(host!.url);
  await goTo(page, /Data/);
  await page.getByTestId('open-capture').click();
  const panel = page.getByTestId('capture-panel');
  await expect(panel).toBeVisible();
  await page.getByTestId('start-camera').click();
  await expect.poll(() => page.getByTestId('capture-video').evaluate((v) => (v as unknown as { videoWidth: number }).videoWidth)).toBeGreaterThan(0);

  // a new dataset needs two classes with pictures: said before anything is sent
  await page.getByTestId('record-0').click();
  await expect.poll(() => countOf(page, 0)).toBe(1);
  await page.getByTestId('save-capture').click();
  await expect(page.getByTestId('capture-error')).toContainText('“Class 2” has no pictures yet');

  await page.getByLabel('Name of class 1').fill('left');
  await hold(page, 'record-0', 1500);
  await page.getByLabel('Name of class 2').fill('right');
  await hold(page, 'record-1', 1500);
  const left = await countOf(page, 0);
  const right = await countOf(page, 1);
  expect(left).toBeGreaterThanOrEqual(5);
  expect(right).toBeGreaterThanOrEqual(4);
  // a bad shot deleted
  await page.getByRole('button', { name: 'Delete this picture of left' }).first().click();
  await expect.poll(() => countOf(page, 0)).toBe(left - 1);
  // an empty third class stops saving; removed, it does not
  await page.getByTestId('add-class').click();
  await page.getByTestId('save-capture').click();
  await expect(page.getByTestId('capture-error')).toContainText('“Class 3” has no pictures yet');
  await page.getByRole('button', { name: 'Remove the class Class 3' }).click();
  await expect(page.getByTestId('capture-error')).toBeHidden();
  await page.getByTestId('capture-name').fill('Camera e2e');
  await shot(page, 'capture-panel');
  await page.setViewportSize({ width: 800, height: 700 });
  await shot(page, 'capture-panel-800');
  await page.setViewportSize({ width: 1280, height: 860 });

  await page.getByTestId('save-capture').click();
  await expect(panel).toBeHidden();
  await expect(page.getByTestId('dataset-details')).toContainText('Camera e2e', { timeout: 60_000 });
  const [first] = datasetIds();
  const meta = readMeta(first);
  expect(meta.classNames).toEqual(['left', 'right']);
  expect(meta.sampleShape).toEqual([3, 32, 32]);
  // the Data screen's “Keep aside 20 %”
  expect(meta.split.fraction).toBe(0.2);
  expect(meta.train.count + meta.test.count).toBe(left - 1 + right);
  await shot(page, 'capture-dataset');

  // a short run
  await goTo(page, /Train/);
  await page.getByTestId('epochs').fill('3');
  await page.getByTestId('start').click();
  await expect(page.getByTestId('train-status')).toContainText('finished', { timeout: 180_000 });

  // Try it with the live camera: frames answered with probabilities
  await goTo(page, /Try/);
  await page.getByTestId('use-camera').click();
  await expect(page.getByTestId('dropped-name')).toContainText('the camera', { timeout: 60_000 });
  await expect(page.getByTestId('prediction')).toHaveText(/^(left|right)$/);
  await expect(page.getByTestId('probabilities')).toContainText('% sure');
  await expect(page.getByTestId('try-camera')).toContainText('so far');
  await shot(page, 'capture-try');
  // a test image stops the camera: its next frame would replace the answer asked for
  await page.getByTestId('use-test-sample').click();
  await expect(page.getByTestId('use-camera')).toHaveText('Use the camera');
  await expect(page.getByTestId('dropped-name')).toBeHidden();

  // pictures added to the dataset: a new version; the first stays as it was
  const before = fingerprint(first);
  await goTo(page, /Data/);
  await page.getByTestId('open-capture').click();
  await page.getByTestId('start-camera').click();
  await expect.poll(() => page.getByTestId('capture-video').evaluate((v) => (v as unknown as { videoWidth: number }).videoWidth)).toBeGreaterThan(0);
  await page.getByLabel('Name of class 1').fill('left');
  await hold(page, 'record-0', 800);
  await page.getByTestId('capture-target').selectOption(first);
  await expect(panel).toContainText('stays as it is');
  await page.getByTestId('save-capture').click();
  await expect(panel).toBeHidden();
  await expect(page.getByTestId('dataset-version')).toContainText('version 2 of “Camera e2e”', { timeout: 60_000 });
  await expect(page.getByTestId('dataset-details')).toContainText('Camera e2e (version 2)');
  await expect(page.getByTestId('version-made')).toContainText('It holds the pictures of “Camera e2e”, unchanged, and ');
  await expect(page.getByTestId('version-made')).toContainText('stays as it was, so runs trained on it can be repeated');
  expect(fingerprint(first)).toEqual(before);
  const v2 = readMeta(datasetIds().find((id) => id !== first)!);
  expect(v2.versionOf).toBe(first);
  expect(v2.train.count + v2.test.count).toBeGreaterThan(meta.train.count + meta.test.count);
  await shot(page, 'capture-version');
});

test('a refused camera is explained in plain words', async ({ page }) => {
  await page.goto(host!.url);
  await page.evaluate(() => {
    const md = (globalThis as unknown as { navigator: { mediaDevices: { getUserMedia: () => Promise<never> } } }).navigator.mediaDevices;
    md.getUserMedia = () => Promise.reject(Object.assign(new Error('Permission denied'), { name: 'NotAllowedError' }));
  });
  await goTo(page, /Data/);
  await page.getByTestId('open-capture').click();
  await page.getByTestId('start-camera').click();
  await expect(page.getByTestId('camera-error')).toContainText('The camera was not allowed');
  await expect(page.getByTestId('camera-error')).toContainText('choose “Allow”');
});
