/**
 * Importing a folder of phone photos (issue 13, item 1):  npx tsx bench/photo-import.ts [--photos N] [--size WxH]
 *
 * Writes N (default 40) JPEG photos of W×H (default 4000×3000), half stored sideways with an
 * EXIF turn, in two class folders, then imports the folder with no option in a child
 * process and reports photos per second and that process's peak resident memory. The
 * pictures are generated first (not timed). Nothing is asserted.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { DatasetLibrary } from '../src-main/datasets/library';
import { photoPixels } from '../tests/helpers/photo-fixtures';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};

async function child(dir: string, home: string): Promise<void> {
  const lib = new DatasetLibrary(home);
  const t0 = performance.now();
  const m = await lib.import([dir]);
  const s = (performance.now() - t0) / 1000;
  const n = m.train.count + m.test.count;
  const rss = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify({ photos: n, seconds: s, photosPerSecond: n / s, peakRssMB: rss, shape: m.sampleShape, skipped: m.skipped?.count ?? 0 }));
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child') return child(process.argv[3], process.argv[4]);
  const n = Number(arg('--photos', '40'));
  const [w, h] = arg('--size', '4000x3000').split('x').map(Number);
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'mlps-photo-bench-'));
  try {
    const dir = path.join(root, 'photos');
    const t0 = performance.now();
    let bytes = 0;
    for (const [cls, name] of [[0, 'a'], [1, 'b']] as const) {
      await fs.mkdir(path.join(dir, name), { recursive: true });
      const raw = photoPixels(cls, w, h, 1 + cls);
      for (let i = 0; i < n / 2; i++) {
        raw[i] ^= 0xff; // every photo different bytes (copies would be left out)
        const jpeg = await sharp(raw, { raw: { width: w, height: h, channels: 3 } })
          .jpeg({ quality: 85 })
          .withMetadata({ orientation: i % 2 ? 6 : 1 })
          .toBuffer();
        bytes += jpeg.length;
        await fs.writeFile(path.join(dir, name, `IMG_${1000 + i}.jpg`), jpeg);
      }
    }
    console.log(`generated ${n} photos of ${w}×${h} (${(bytes / n / 1e6).toFixed(2)} MB each) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const out = execFileSync(process.execPath, [...process.execArgv, process.argv[1], '--child', dir, path.join(root, 'home')], { encoding: 'utf8' });
    const r = JSON.parse(out.trim().split('\n').pop()!);
    console.log(`imported ${r.photos} photos to ${r.shape.join('×')} in ${r.seconds.toFixed(2)} s: ${r.photosPerSecond.toFixed(1)} photos/s, peak RSS ${r.peakRssMB.toFixed(0)} MB (${os.cpus().length} CPUs, load ${os.loadavg()[0].toFixed(1)})`);
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
}

void main();
