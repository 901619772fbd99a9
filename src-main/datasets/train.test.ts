/**
 * Every format's fixture trains for one epoch through the engine (Trainer over the CPU
 * runtime) with a tiny net: the stored binaries, shapes, labels and preprocessing fit what
 * the trainer expects.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Trainer, defaultTrainConfig, type TrainEvent } from '../engine';
import { createNodeRuntime } from '../runtime/node';
import { DatasetLibrary } from './library';
import { blobs, cifar10TarEntries, csvText, npyBytes, npzBytes, tempDir, writeCifar100Folder, writeImageFolder, writeMnistIdx, writeTarGz } from '../../tests/helpers/test-fixtures';

let root: string;
let lib: DatasetLibrary;

beforeAll(async () => {
  root = await tempDir();
  lib = new DatasetLibrary(path.join(root, 'home'));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

async function fixtures(): Promise<Record<string, string[]>> {
  const s = (n: string) => path.join(root, 'src', n);
  const csv = s('blobs.csv');
  await fs.mkdir(path.dirname(csv), { recursive: true });
  await fs.writeFile(csv, csvText(120));
  const { x, y } = blobs(90, 6, 3);
  const npz = s('blobs.npz');
  await fs.writeFile(npz, npzBytes({ x: npyBytes('<f4', [90, 6], new Uint8Array(x.buffer)), y: npyBytes('<i4', [90], new Uint8Array(y.buffer)) }));
  return {
    idx: [await writeMnistIdx(s('mnist'), 400, 100)],
    'idx.gz': [await writeMnistIdx(s('mnist-gz'), 200, 0, true)],
    cifar10: [await writeTarGz(s('cifar-10-binary.tar.gz'), cifar10TarEntries(20))],
    cifar100: [await writeCifar100Folder(s('cifar-100-binary'), 200, 100)],
    'image-folder': [await writeImageFolder(s('shapes'), { perClass: 12, formats: ['png', 'jpeg', 'webp', 'gif', 'bmp'] })],
    csv: [csv],
    npz: [npz],
  };
}

describe('one epoch through the engine', () => {
  it('trains every format', async () => {
    const runtime = createNodeRuntime('cpu', { threads: 1 });
    for (const [format, paths] of Object.entries(await fixtures())) {
      const meta = await lib.import(paths);
      const data = await lib.loadTrainingData(meta.id);
      const classes = data.classNames.length;
      const events: TrainEvent[] = [];
      const trainer = new Trainer({
        spec: { inputShape: data.sampleShape, classes, layers: [{ kind: 'linear', units: 16, bias: true }, { kind: 'relu' }, { kind: 'linear', units: classes, bias: true }] },
        config: { ...defaultTrainConfig(), epochs: 1, batchSize: 20, lr: 0.05, evalEvery: 1 },
        data,
        runtime,
        onEvent: (e) => events.push(e),
      });
      const result = await trainer.run();
      expect(result.status, `${format}: ${result.reason ?? ''}`).toBe('finished');
      const epoch = events.find((e) => e.event === 'epoch');
      expect(epoch && epoch.event === 'epoch' && Number.isFinite(epoch.loss), format).toBe(true);
      const test = events.find((e) => e.event === 'test');
      expect(test && test.event === 'test' && test.error >= 0 && test.error <= 1, format).toBe(true);
      expect(result.testError, format).not.toBeNull();
    }
  });
});
