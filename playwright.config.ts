/**
 * End-to-end tests. e2e/studio.spec.ts drives the UI in Chromium through the web host;
 * e2e/electron.spec.ts launches the Electron app where a binary exists (skipped, saying
 * so, where not). Both need the build: `npm run e2e` builds first.
 * Chromium: Playwright's own if installed, else the system's (/usr/bin/chromium), else
 * PLAYWRIGHT_CHROMIUM_PATH.
 */
import fs from 'node:fs';
import { defineConfig, devices } from '@playwright/test';

const systemChromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => fs.existsSync(p));
const executablePath = process.env.PLAYWRIGHT_CHROMIUM_PATH ?? systemChromium;

export default defineConfig({
  testDir: 'e2e',
  testMatch: '*.spec.ts',
  timeout: 300_000,
  expect: { timeout: 30_000 },
  fullyParallel: false,
  workers: 1,
  // one retry in CI, as a net: 'a run stopped inside an epoch continues from where it stood'
  // once pressed Stop while the chart still showed the previous test's run (fixed: it now waits
  // for its own run's first step); a retry that passes is reported as flaky in the log
  retries: process.env.CI ? 1 : 0,
  reporter: [['list']],
  use: {
    ...devices['Desktop Chrome'],
    trace: 'retain-on-failure',
    launchOptions: {
      ...(executablePath ? { executablePath } : {}),
      args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update'],
    },
  },
});
