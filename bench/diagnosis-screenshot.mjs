// Screenshots of a run that learned nothing (learning rate 100), in the window: docs/screenshots/10-diagnosis.png (Train) and
// 10-diagnosis-runs.png (Runs). Build the UI first (npx electron-vite build), then, from the repository root:
//   node bench/diagnosis-screenshot.mjs [out-folder]   (CHROMIUM=/path/to/chromium to pick the browser)
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright';

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-shot-'));
const out = process.argv[2] ?? 'docs/screenshots';
const proc = spawn('node', ['bin/mlp-studio.mjs', 'serve', '--port', '0'], { env: { ...process.env, MLP_STUDIO_HOME: home } });
const url = await new Promise((resolve, reject) => {
  let log = '';
  const t = setTimeout(() => reject(new Error('no url: ' + log)), 120000);
  const on = (b) => {
    log += b.toString();
    const m = /(http:\/\/127\.0\.0\.1:\d+\/\S*)/.exec(log);
    if (m) { clearTimeout(t); resolve(m[1]); }
  };
  proc.stdout.on('data', on);
  proc.stderr.on('data', (b) => (log += b.toString()));
});
console.log('url', url);
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await page.goto(url);
  await page.getByRole('tab', { name: /Model/ }).click();
  await page.getByTestId('preset-small').click({ timeout: 120000 });
  await page.getByRole('tab', { name: /Train/ }).click();
  await page.getByTestId('lr').fill('100');
  await page.locator('label.field', { hasText: 'Optimizer' }).locator('select').selectOption('sgd');
  await page.getByTestId('lr').fill('100');
  await page.getByTestId('epochs').fill('3');
  await page.getByTestId('limit-on').check();
  await page.getByTestId('limit-train').fill('3000');
  await page.getByTestId('start').click();
  await page.getByTestId('train-diagnosis').waitFor({ timeout: 180000 });
  await page.waitForTimeout(1500);
  await page.evaluate(() => globalThis.scrollTo(0, 0));
  await page.screenshot({ path: path.join(out, '10-diagnosis.png'), fullPage: true });
  console.log('diagnosis:', await page.getByTestId('train-diagnosis').innerText());
  await page.getByRole('tab', { name: /Runs/ }).click();
  await page.getByTestId('run-diagnosis').first().waitFor({ timeout: 30000 });
  await page.screenshot({ path: path.join(out, '10-diagnosis-runs.png'), fullPage: true });
  console.log('runs:', await page.getByTestId('run-test-error').first().innerText());
} finally {
  await browser.close();
  proc.kill('SIGTERM');
}
