/**
 * Bombs and large splits (issue 15, items 2 and 4):  npx tsx bench/bombs-bench.ts [--mb N]
 *
 *  1. Importing an image folder holding a 110 KB PNG that declares 30000×30000: time to the
 *     refusal and the longest the event loop went without a turn meanwhile (a 1 ms timer).
 *  2. Importing a ~70 KB .npz whose x.npy declares 3.3 GB: time to the refusal.
 *  3. Splitting off a test set from N MB of samples (default 128) with the default memory
 *     budget (one pass) and with a budget of N/4 (four passes): seconds and MB/s.
 * Nothing is asserted; the figures go into the closing note.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { npzBombBytes, pngBomb } from '../tests/helpers/bomb-fixtures';
import { BinaryWriter, ImportContext, type ImportedData, writeInt32File } from '../src-main/datasets/context';
import { finalizeImport } from '../src-main/datasets/finalize';
import { DatasetLibrary } from '../src-main/datasets/library';
import { npyBytes, writeImageFolder } from '../tests/helpers/test-fixtures';

const mbArg = process.argv.indexOf('--mb');
const MB = mbArg > 0 ? Number(process.argv[mbArg + 1]) : 128;

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; maxGapMs: number; result: T | Error }> {
  let last = performance.now();
  let maxGap = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
  }, 1);
  const t0 = performance.now();
  let result: T | Error;
  try {
    result = await fn();
  } catch (e) {
    result = e as Error;
  }
  const ms = performance.now() - t0;
  clearInterval(timer);
  return { ms, maxGapMs: Math.max(maxGap, performance.now() - last), result };
}

async function main(): Promise<void> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'mlps-bombs-'));
  try {
    const lib = new DatasetLibrary(path.join(root, 'home'));
    const dir = await writeImageFolder(path.join(root, 'pics'), { classes: ['a', 'b'], perClass: 20 });
    await fs.writeFile(path.join(dir, 'a', 'huge.png'), pngBomb(30000, 30000));
    const png = await timed(() => lib.import([dir]));
    console.log(`PNG bomb (30000×30000, 110 KB): refused in ${png.ms.toFixed(0)} ms, longest event-loop gap ${png.maxGapMs.toFixed(1)} ms: ${(png.result as Error).message?.slice(0, 90)}…`);

    const y = npyBytes('<i8', [55000], new Uint8Array(55000 * 8));
    const npz = path.join(root, 'bomb.npz');
    await fs.writeFile(npz, npzBombBytes([55000, 7500], y));
    const z = await timed(() => lib.import([npz]));
    console.log(`.npz declaring 3.3 GB (${(await fs.stat(npz)).size} bytes): refused in ${z.ms.toFixed(0)} ms`);

    const sb = 784;
    const n = Math.floor((MB << 20) / sb);
    const data: ImportedData = { format: 'idx', kind: 'image', sampleShape: [1, 28, 28], classNames: Array.from({ length: 10 }, (_, i) => String(i)), sources: ['bench'], hasTest: false, preprocessing: {} };
    const chunk = new Uint8Array(sb * 1024).map((_, i) => (i * 31) & 255);
    for (const [label, budget] of [['default budget (1 pass)', undefined], [`budget ${MB / 4} MB (4 passes)`, (MB << 20) / 4]] as const) {
      const staging = await fs.mkdtemp(path.join(root, 'stage-'));
      const ctx = new ImportContext(staging, { seed: 1 });
      if (budget) ctx.memoryBudget = budget;
      const w = await BinaryWriter.create(ctx.file('all', 'x'));
      for (let i = 0; i < n; i += 1024) await w.write(chunk.subarray(0, Math.min(1024, n - i) * sb));
      await w.close();
      await writeInt32File(ctx.file('all', 'y'), Int32Array.from({ length: n }, (_, i) => i % 10));
      const t = await timed(() => finalizeImport(ctx, data));
      if (t.result instanceof Error) throw t.result;
      console.log(`split of ${MB} MB (${n.toLocaleString('en-US')} samples), ${label}: ${(t.ms / 1000).toFixed(2)} s = ${(MB / (t.ms / 1000)).toFixed(0)} MB/s`);
      await fs.rm(staging, { recursive: true, force: true });
    }
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
}

void main();
