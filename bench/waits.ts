/**
 * How long the long waits take, before and after a change, in one run (`npm run build`, then
 * `npx tsx bench/waits.ts [--before DIR] [--rounds N]`): runs e2e/waits.spec.ts (Chromium through
 * the web host) with MLP_WAIT_FIGURES set and reports what it recorded: a 6 MB folder of 600
 * pictures sent to the studio (seconds until sent, until the progress first moved, how many
 * progress lines), and Try it loading a run of the course's network (2.3 million weights:
 * seconds until the drawing pad, of them downloading and preparing).
 *
 * With --before DIR (a checkout of an older commit with its own renderer built, e.g.
 *   git worktree add /tmp/before <commit> && ln -s "$PWD/node_modules" /tmp/before/ &&
 *   (cd /tmp/before && npx electron-vite build)
 * ) the same spec also drives that checkout's host and renderer, the two taking turns N times
 * (default 2), and the medians and their ratio are printed: on a busy machine only figures
 * measured side by side compare. The older checkout fails the spec's checks of the progress
 * lines (it has none); its figures count all the same. Nothing is asserted here. Needs Chromium.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const before = arg('--before');
const rounds = Number(arg('--rounds') ?? (before ? 2 : 1));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-wait-bench-'));

type Figures = Record<string, number | string[]>;

function once(label: string, env: Record<string, string>): Figures | null {
  const file = path.join(tmp, `${label}-${Date.now()}.json`);
  spawnSync('npx', ['playwright', 'test', 'e2e/waits.spec.ts', '--reporter=dot', '--output', path.join(tmp, 'results')], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, ...env, MLP_WAIT_FIGURES: file },
  });
  if (!fs.existsSync(file)) {
    console.error(`${label}: the spec recorded no figures (is the renderer built and Chromium installed?)`);
    return null;
  }
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Figures;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const runs: Record<'before' | 'after', Figures[]> = { before: [], after: [] };
for (let r = 0; r < rounds; r++) {
  if (before) {
    const f = once('before', { MLP_STUDIO_HOST_ROOT: path.resolve(before), MLP_STUDIO_RENDERER: path.resolve(before, 'out', 'renderer') });
    if (f) runs.before.push(f);
  }
  const f = once('after', {});
  if (f) runs.after.push(f);
  console.log(`round ${r + 1} of ${rounds} done (load average ${os.loadavg()[0].toFixed(1)})`);
}

const KEYS: [string, string][] = [
  ['uploadS', 'upload: all sent (s)'],
  ['uploadFirstMoveS', 'upload: progress first moved (s)'],
  ['uploadUpdates', 'upload: progress lines shown'],
  ['uploadToPreviewS', 'upload: until the preview (s)'],
  ['tryLoadS', 'Try it: until the drawing pad (s)'],
  ['tryDownloadS', 'Try it: of it, fetching the network (s)'],
  ['tryPrepareS', 'Try it: of it, preparing it (s)'],
];
const med = (list: Figures[], key: string): number | null => {
  const xs = list.map((f) => f[key]).filter((v): v is number => typeof v === 'number');
  return xs.length ? median(xs) : null;
};
console.log(`\n${runs.after[0] ? `${(runs.after[0].uploadMB as number).toFixed(1)} MB in ${runs.after[0].uploadFiles} files; ` : ''}medians of ${rounds} round(s), ${os.cpus().length} CPUs`);
for (const [key, label] of KEYS) {
  const a = med(runs.after, key);
  const b = before ? med(runs.before, key) : null;
  const fmt = (v: number | null) => (v === null ? '—' : key === 'uploadUpdates' ? String(v) : v.toFixed(2));
  const ratio = a !== null && b !== null && a > 0 && key !== 'uploadUpdates' ? `  (before/after ${(b / a).toFixed(2)}×)` : '';
  console.log(`${label.padEnd(42)} ${before ? `before ${fmt(b).padStart(6)}  ` : ''}after ${fmt(a).padStart(6)}${ratio}`);
}
for (const [name, list] of Object.entries(runs)) if (list[0]) console.log(`${name}: ${[...((list[0].uploadTexts as string[]) ?? []).slice(0, 2), ...((list[0].tryTexts as string[]) ?? []).slice(0, 2)].join(' / ')}`);
fs.rmSync(tmp, { recursive: true, force: true });
