#!/usr/bin/env node
// `npm start`: the desktop app when an Electron binary is installed (and a display exists);
// otherwise the web host, serving the same UI to a browser. Builds first when the build is
// missing or older than the sources. Extra arguments go to `mlp-studio serve` (--port, --host).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const args = process.argv.slice(2);

/** The Electron executable, without importing the `electron` package (that would try to download it). */
function electronBinary() {
  const pkg = path.join(root, 'node_modules', 'electron');
  const pathFile = path.join(pkg, 'path.txt');
  if (!fs.existsSync(pathFile)) return { binary: null, why: 'the Electron binary was never downloaded (node_modules/electron/path.txt is missing)' };
  const relative = fs.readFileSync(pathFile, 'utf8').trim();
  const dist = process.env.ELECTRON_OVERRIDE_DIST_PATH || path.join(pkg, 'dist');
  const binary = path.join(dist, relative);
  if (!fs.existsSync(binary)) return { binary: null, why: `the Electron binary is not at ${binary}` };
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return { binary: null, why: 'there is no display (neither DISPLAY nor WAYLAND_DISPLAY is set)' };
  return { binary, why: '' };
}

function newestMtime(dir) {
  let newest = 0;
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (!e.name.endsWith('.test.ts')) newest = Math.max(newest, fs.statSync(p).mtimeMs);
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return newest;
}

function buildIfNeeded() {
  const outputs = ['out/main/index.js', 'out/main/worker.js', 'out/preload/index.cjs', 'out/renderer/index.html'].map((p) => path.join(root, p));
  const missing = outputs.some((p) => !fs.existsSync(p));
  const builtAt = missing ? 0 : Math.min(...outputs.map((p) => fs.statSync(p).mtimeMs));
  const sourcesAt = Math.max(newestMtime(path.join(root, 'src-main')), newestMtime(path.join(root, 'src-renderer')), fs.statSync(path.join(root, 'electron.vite.config.ts')).mtimeMs);
  if (!missing && builtAt >= sourcesAt) return;
  console.log(missing ? 'Building the studio (first start)…' : 'The sources changed since the last build; rebuilding…');
  const r = spawnSync(process.execPath, [path.join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error('The build failed (see above); fix it, or run "npx electron-vite build" to see the error again.');
    process.exit(r.status ?? 1);
  }
}

function run(cmd, argv) {
  const child = spawn(cmd, argv, { cwd: root, stdio: 'inherit' });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

buildIfNeeded();
const { binary, why } = electronBinary();
if (binary) {
  console.log('Starting the MLP Studio app (Electron).');
  run(binary, [root]);
} else {
  console.log(`No Electron app here: ${why}.`);
  console.log('Starting the web host instead: open the address below in a browser.');
  run(process.execPath, [path.join(root, 'bin', 'mlp-studio.mjs'), 'serve', '--open', ...args]);
}
