/**
 * Dataset import benchmark:  npx tsx bench/datasets-bench.ts [--images N] [--json]
 *
 *  1. MNIST IDX import (the 70,000 bundled digits, 55 MB) — goal ≤ 1 s — against a bare
 *     copy of the same files in the same process (the floor any import has to pay).
 *  2. Image-folder import of N 28×28 grayscale PNGs (MNIST digits in 10 class folders,
 *     default 5,000) — goal ≥ 1,000 images/s — against a bare sharp decode of the same files.
 *
 * Each measurement runs in its own child process so that its peak RSS is its own.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { DatasetLibrary } from '../src-main/datasets/library';
import { bundledMnistDir } from '../src-main/datasets/bundled-mnist';
import { mnistSlice } from '../tests/helpers/test-fixtures';

const args = process.argv.slice(2);
const arg = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const peakRssMb = () => process.resourceUsage().maxRSS / 1024;

async function benchMnist(): Promise<Record<string, number>> {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'mlps-bench-'));
  try {
    const src = bundledMnistDir();
    const files = (await fs.readdir(src)).map((f) => path.join(src, f));
    // warm the page cache and measure the floor: a bare copy of the bytes
    const copyDir = path.join(tmp, 'copy');
    await fs.mkdir(copyDir);
    for (const f of files) await fs.readFile(f);
    let t = performance.now();
    for (const f of files) await fs.copyFile(f, path.join(copyDir, path.basename(f)));
    const copyS = (performance.now() - t) / 1000;
    const rssBefore = process.memoryUsage().rss / 2 ** 20;
    const lib = new DatasetLibrary(path.join(tmp, 'home'));
    t = performance.now();
    const meta = await lib.import([src]);
    const importS = (performance.now() - t) / 1000;
    const storedMb = (meta.train.count + meta.test.count) * (784 + 4) / 2 ** 20;
    return { importS, copyS, ratio: importS / copyS, samples: meta.train.count + meta.test.count, storedMb, rssBeforeMb: rssBefore, peakRssMb: peakRssMb() };
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

async function benchImages(n: number): Promise<Record<string, number>> {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'mlps-bench-'));
  try {
    const dir = path.join(tmp, 'digits');
    const { images, labels } = mnistSlice('train', n);
    for (let c = 0; c < 10; c++) await fs.mkdir(path.join(dir, String(c)), { recursive: true });
    const files: string[] = [];
    const jobs: Promise<void>[] = [];
    for (let i = 0; i < n; i++) {
      const f = path.join(dir, String(labels[8 + i]), `${i}.png`);
      files.push(f);
      jobs.push(sharp(images.subarray(16 + i * 784, 16 + (i + 1) * 784), { raw: { width: 28, height: 28, channels: 1 } }).toColourspace('b-w').png().toFile(f).then(() => undefined));
      if (jobs.length >= 16) await Promise.all(jobs.splice(0));
    }
    await Promise.all(jobs);
    // the floor: read and decode every file with sharp, nothing else
    let t = performance.now();
    for (let i = 0; i < n; i += 8) await Promise.all(files.slice(i, i + 8).map(async (f) => sharp(await fs.readFile(f)).raw().toBuffer()));
    const decodeS = (performance.now() - t) / 1000;
    const rssBefore = process.memoryUsage().rss / 2 ** 20;
    const lib = new DatasetLibrary(path.join(tmp, 'home'));
    t = performance.now();
    const meta = await lib.import([dir]);
    const importS = (performance.now() - t) / 1000;
    if (meta.train.count + meta.test.count !== n) throw new Error(`imported ${meta.train.count + meta.test.count} of ${n} images`);
    return { images: n, importS, perSecond: n / importS, decodeS, decodePerSecond: n / decodeS, ratio: importS / decodeS, rssBeforeMb: rssBefore, peakRssMb: peakRssMb() };
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const only = arg('--only');
  if (only === 'mnist') return void console.log(JSON.stringify(await benchMnist()));
  if (only === 'images') return void console.log(JSON.stringify(await benchImages(Number(arg('--images') ?? 5000))));
  const self = fileURLToPath(import.meta.url);
  const child = (which: string) =>
    JSON.parse(execFileSync(process.execPath, [...process.execArgv, self, '--only', which, ...(arg('--images') ? ['--images', arg('--images')!] : [])], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop()!);
  const mnist = child('mnist');
  const images = child('images');
  if (args.includes('--json')) return void console.log(JSON.stringify({ mnist, images }, null, 2));
  const f = (x: number, d = 2) => x.toFixed(d);
  console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}`);
  console.log(
    `MNIST IDX import: ${f(mnist.importS)} s for ${mnist.samples} samples (${f(mnist.storedMb, 1)} MB stored; goal ≤ 1 s: ${mnist.importS <= 1 ? 'met' : 'MISSED'}); ` +
      `bare copy of the files ${f(mnist.copyS, 3)} s, ratio ${f(mnist.ratio, 1)}×; peak RSS ${f(mnist.peakRssMb, 0)} MB (${f(mnist.rssBeforeMb, 0)} MB before the import)`,
  );
  console.log(
    `Image folder import: ${images.images} PNG 28×28 in ${f(images.importS)} s = ${f(images.perSecond, 0)} images/s (goal ≥ 1000: ${images.perSecond >= 1000 ? 'met' : 'MISSED'}); ` +
      `bare sharp read+decode ${f(images.decodePerSecond, 0)} images/s, ratio ${f(images.ratio, 2)}×; peak RSS ${f(images.peakRssMb, 0)} MB (${f(images.rssBeforeMb, 0)} MB before the import)`,
  );
}

await main();
