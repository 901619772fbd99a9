/**
 * How responsive the Train screen stays while training (`npm run build`, then
 * `npx tsx bench/ui-responsiveness.ts`): runs the e2e test "the UI stays responsive while
 * training" (e2e/studio.spec.ts, Chromium through the web host) with MLP_UI_FIGURES set, and
 * reports what it recorded: the longest main-thread task while two epochs train (goal
 * < 200 ms) and the slowest batch point from arrival to the chart (goal < 1 s). The e2e test
 * checks that points reach the chart; these times are figures, not tests. Needs Chromium.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-ui-bench-')), 'figures.json');
const r = spawnSync('npx', ['playwright', 'test', 'e2e/studio.spec.ts', '-g', 'UI stays responsive', '--reporter=line'], {
  stdio: 'inherit',
  env: { ...process.env, MLP_UI_FIGURES: out },
});
if (!fs.existsSync(out)) {
  console.error(`the e2e test recorded no figures (exit ${r.status}): is the renderer built (npm run build) and Chromium installed?`);
  process.exit(1);
}
const f = JSON.parse(fs.readFileSync(out, 'utf8')) as Record<string, number>;
const goal = (v: number, limit: number) => `${v.toFixed(0)} ms (goal < ${limit} ms: ${v < limit ? 'met' : 'NOT met'})`;
console.log(`watched ${f.watchedS.toFixed(1)} s of training: ${f.longTasks} long tasks, longest ${goal(f.longestTaskMs, 200)}`);
console.log(`batch point -> chart: ${f.arrivals} arrivals, median ${f.medianLagMs.toFixed(0)} ms, slowest ${goal(f.maxLagMs, 1000)}`);
console.log(`load average ${os.loadavg()[0].toFixed(1)}`);
