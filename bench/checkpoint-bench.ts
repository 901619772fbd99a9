/**
 * What saving where an epoch stands costs (`npx tsx bench/checkpoint-bench.ts`): writes a
 * mid-epoch checkpoint of the lecture net (784-1000-1500-10, no bias, SGD: 2,299,000 float32
 * parameters) 7 times through the run store's CheckpointFolder (checksum, temporary file,
 * rename) and prints the median, fastest and slowest write. This is a benchmark, not a test.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CheckpointFolder } from '../src-main/runs/checkpoints';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-ckpt-bench-'));
try {
  const folder = new CheckpointFolder(dir);
  const params = [784 * 1000, 1000 * 1500, 1500 * 10].map((n) => Float32Array.from({ length: n }, () => Math.random()));
  const state = {
    epoch: 3,
    step: 900,
    params,
    optimizerState: [],
    rngState: [1, 2, 3, 4],
    optimizerStep: 900,
    partial: { stepsDone: 100, lossSum: 1, errorSum: 1, epochRngState: [1, 2, 3, 4], seconds: 1 },
  };
  const ms: number[] = [];
  for (let i = 0; i < 7; i++) {
    const t = performance.now();
    await folder.saveMidEpoch(state);
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  const bytes = fs.statSync(folder.midEpochFile).size;
  console.log(`lecture-net mid-epoch checkpoint, ${bytes.toLocaleString('en-US')} bytes, 7 writes: median ${ms[3].toFixed(1)} ms (${ms[0].toFixed(1)}–${ms[6].toFixed(1)}); load average ${os.loadavg()[0].toFixed(2)}`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
