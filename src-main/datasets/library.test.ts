/** The library itself: bundled MNIST, ids, names, rename, delete, cancel, progress, loading. */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DatasetNotFoundError, DuplicateDatasetError, ImportCancelledError } from './errors';
import { assertDatasetId, isDatasetId } from './ids';
import { DatasetLibrary } from './library';
import { csvText, tempDir, writeImageFolder, writeMnistIdx } from '../../tests/helpers/test-fixtures';

let root: string;
let lib: DatasetLibrary;

beforeAll(async () => {
  root = await tempDir();
  lib = new DatasetLibrary(path.join(root, 'home'));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

describe('bundled MNIST', () => {
  it('appears on first start, once, with the known statistics', async () => {
    // how fast: bench/datasets-bench.ts (MNIST IDX import, goal ≤ 1 s); here only what happens
    const [a, b] = await Promise.all([lib.ensureBundledMnist(), lib.ensureBundledMnist()]);
    expect(a.id).toBe(b.id);
    expect(a.name).toBe('MNIST');
    expect(a.format).toBe('bundled-mnist');
    expect(a.train.count).toBe(60000);
    expect(a.test.count).toBe(10000);
    expect(a.train.perClass).toEqual([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    expect(a.mean[0]).toBeCloseTo(0.1307, 4);
    expect(a.std[0]).toBeCloseTo(0.3081, 4);
    // the second start finds it: no second import
    const importSpy = vi.spyOn(lib, 'import');
    const again = await lib.ensureBundledMnist();
    expect(again.id).toBe(a.id);
    expect(importSpy).not.toHaveBeenCalled();
    importSpy.mockRestore();
    expect(await lib.list()).toHaveLength(1);
    // by name (any case) and by id
    expect((await lib.get('mnist')).id).toBe(a.id);
    expect((await lib.get(a.id)).name).toBe('MNIST');
  });

  it('loads training data without copies beyond the arrays returned, with limits', async () => {
    const d = await lib.loadTrainingData('MNIST', { limitTrain: 1000, limitTest: 500 });
    expect(d.sampleShape).toEqual([1, 28, 28]);
    expect(d.sampleSize).toBe(784);
    expect(d.train.n).toBe(1000);
    expect(d.train.x.length).toBe(784_000);
    expect(d.train.x.byteOffset).toBe(0);
    expect(d.train.x.buffer.byteLength).toBe(784_000);
    expect(d.test.n).toBe(500);
    expect(d.classNames).toHaveLength(10);
    expect(d.train.y[0]).toBe(5); // the first MNIST training digit is a 5
    const s = await lib.getSample('MNIST', 'train', 0);
    expect(s.label).toBe(5);
    expect(s.values).toEqual(Array.from(d.train.x.subarray(0, 784)));
    await expect(lib.getSample('MNIST', 'test', 10_000)).rejects.toThrow(/samples 0 to 9999/);
    await expect(lib.loadTrainingData('MNIST', { limitTrain: -1 })).rejects.toThrow(/positive integer/);
  });

  it('previews N samples per class as PNG data URLs with the histogram', async () => {
    const p = await lib.preview('MNIST', 3);
    expect(p.samples).toHaveLength(30);
    expect(p.samples.map((s) => s.label)).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5, 6, 6, 6, 7, 7, 7, 8, 8, 8, 9, 9, 9]);
    const png = Buffer.from(p.samples[0].png.replace('data:image/png;base64,', ''), 'base64');
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(p.histogram.test.reduce((a, b) => a + b, 0)).toBe(10000);
  });
});

describe('ids and names', () => {
  it('accepts only well-formed ids', () => {
    expect(isDatasetId('ds-0123456789abcdef')).toBe(true);
    for (const bad of ['../ds-0123456789abcdef', '/etc/passwd', 'ds-0123456789abcdef/..', 'ds-0123456789abcdeg', 'ds-0123456789abcdef\0', '', 'DS-0123456789ABCDEF']) {
      expect(isDatasetId(bad)).toBe(false);
      expect(() => assertDatasetId(bad)).toThrow(/not a dataset id/);
    }
  });

  it('refuses hostile ids and names without touching the file system', async () => {
    await expect(lib.get('../../etc')).rejects.toBeInstanceOf(DatasetNotFoundError);
    await expect(lib.delete('../home')).rejects.toBeInstanceOf(DatasetNotFoundError);
    await expect(lib.get('a\0b')).rejects.toThrow(/not a dataset id or name/);
    await expect(lib.get('ds-ffffffffffffffff')).rejects.toThrow(/No dataset with id or name "ds-ffffffffffffffff"/);
  });

  it('renames (names unique, validated), deletes atomically', async () => {
    const dir = await writeMnistIdx(path.join(root, 'src', 'digits'), 60, 20);
    const m = await lib.import([dir]);
    expect(m.name).toBe('digits');
    await expect(lib.rename(m.id, 'mnist')).rejects.toThrow(/already exists/);
    await expect(lib.rename(m.id, '../x')).rejects.toThrow(/path separator/);
    const r = await lib.rename(m.id, 'Small digits');
    expect(r.name).toBe('Small digits');
    expect((await lib.get('small digits')).id).toBe(m.id);
    // importing the same folder again is refused, naming the existing dataset by its new name
    await expect(lib.import([dir])).rejects.toThrow(/already in the library as "Small digits"/);
    await expect(lib.import([dir])).rejects.toBeInstanceOf(DuplicateDatasetError);
    await lib.delete(m.id);
    await expect(lib.get(m.id)).rejects.toBeInstanceOf(DatasetNotFoundError);
    expect((await fs.readdir(lib.dir)).filter((e) => e.startsWith('.'))).toEqual([]);
    // gone for good: the same data imports again, under the default name
    const again = await lib.import([dir]);
    expect(again.name).toBe('digits');
    await lib.delete('digits');
  });

  it('gives a default name a number when it is taken', async () => {
    const a = await lib.import([await writeMnistIdx(path.join(root, 'src', 'x1', 'set'), 40, 10)]);
    const b = await lib.import([await writeMnistIdx(path.join(root, 'src', 'x2', 'set'), 50, 10)]);
    expect(a.name).toBe('set');
    expect(b.name).toBe('set (2)');
    await expect(lib.import([await writeMnistIdx(path.join(root, 'src', 'x3', 'set'), 70, 10)], { name: 'SET' })).rejects.toThrow(/named "SET" already exists/);
  });
});

describe('names of imports nobody named', () => {
  const filesIn = async (dir: string) => (await fs.readdir(dir)).sort().map((f) => path.join(dir, f));

  it('names a dropped folder after that folder, even when the data lies in a folder inside it', async () => {
    const outer = path.join(root, 'src', 'n-wrap', 'Fashion copy');
    await writeMnistIdx(path.join(outer, 'raw'), 44, 11);
    const m = await lib.import([outer]);
    expect(m.name).toBe('Fashion copy');
    await lib.delete(m.id);
  });

  it('names the four loose MNIST files by what they hold, numbered when taken, renamed and gzipped alike', async () => {
    // the folder around loose files (here "Downloads") says nothing about them
    const plain = await writeMnistIdx(path.join(root, 'src', 'n-loose', 'Downloads'), 45, 11);
    const a = await lib.import(await filesIn(plain));
    expect(a.name).toBe('IDX 28×28, 10 classes');

    // renamed with a dot before the kind (train-images.idx3-ubyte), and gzipped: the same rule
    const renamed = path.join(root, 'src', 'n-renamed');
    await writeMnistIdx(renamed, 46, 11, true);
    for (const f of await fs.readdir(renamed)) await fs.rename(path.join(renamed, f), path.join(renamed, f.replace(/-idx(\d)-ubyte/, '.idx$1-ubyte')));
    expect((await fs.readdir(renamed)).sort()).toEqual(['t10k-images.idx3-ubyte.gz', 't10k-labels.idx1-ubyte.gz', 'train-images.idx3-ubyte.gz', 'train-labels.idx1-ubyte.gz']);
    const b = await lib.import(await filesIn(renamed));
    expect(b.name).toBe('IDX 28×28, 10 classes (2)');

    // files that share a word are named after it
    const emnist = path.join(root, 'src', 'n-prefixed');
    await writeMnistIdx(emnist, 47, 11);
    for (const f of await fs.readdir(emnist)) await fs.rename(path.join(emnist, f), path.join(emnist, `emnist-digits-${f}`));
    const c = await lib.import(await filesIn(emnist));
    expect(c.name).toBe('emnist-digits');

    // a name the person typed is theirs: a clash is an error, not a number
    await expect(lib.import(await filesIn(await writeMnistIdx(path.join(root, 'src', 'n-typed'), 48, 11)), { name: 'idx 28×28, 10 classes' })).rejects.toThrow(/already exists/);
    for (const m of [a, b, c]) await lib.delete(m.id);
  });

  it('names a CSV train/test pair by what the two share, and one CSV after itself', async () => {
    const dir = path.join(root, 'src', 'n-csv');
    await fs.mkdir(dir, { recursive: true });
    for (const [file, n] of [['iris-train.csv', 40], ['iris-test.csv', 12], ['train.csv', 41], ['test.csv', 13]] as const) await fs.writeFile(path.join(dir, file), csvText(n));
    const pair = await lib.import([path.join(dir, 'iris-train.csv'), path.join(dir, 'iris-test.csv')]);
    expect(pair.name).toBe('iris');
    expect(pair.test.count).toBe(12);
    const bare = await lib.import([path.join(dir, 'train.csv'), path.join(dir, 'test.csv')]);
    expect(bare.name).toBe('CSV 4 features, 3 classes');
    const single = await lib.import([path.join(dir, 'iris-train.csv')]);
    expect(single.name).toBe('iris-train');
    for (const m of [pair, bare, single]) await lib.delete(m.id);
  });
});

describe('cancel and progress', () => {
  it('cancels an import through its AbortSignal and leaves nothing behind', async () => {
    const dir = await writeImageFolder(path.join(root, 'src', 'cancel-me'), { perClass: 30 });
    const before = (await fs.readdir(lib.dir)).sort();
    const ac = new AbortController();
    let seen = 0;
    const p = lib.import([dir], {
      signal: ac.signal,
      onProgress: (e) => {
        if (e.phase === 'decoding' && ++seen === 1) ac.abort();
      },
    });
    await expect(p).rejects.toBeInstanceOf(ImportCancelledError);
    expect((await fs.readdir(lib.dir)).sort()).toEqual(before);
    // an already aborted signal does nothing at all
    await expect(lib.import([dir], { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(ImportCancelledError);
    expect((await fs.readdir(lib.dir)).sort()).toEqual(before);
  });

  it('reports progress with phases, counts and totals', async () => {
    const dir = await writeImageFolder(path.join(root, 'src', 'progress'), { perClass: 20 });
    const events: { phase: string; done: number; total: number | null }[] = [];
    const m = await lib.import([dir], { onProgress: (e) => events.push(e) });
    const decoding = events.filter((e) => e.phase === 'decoding');
    expect(decoding.length).toBeGreaterThan(0);
    expect(decoding[decoding.length - 1]).toEqual({ phase: 'decoding', done: 60, total: 60 });
    expect(events[events.length - 1]).toEqual({ phase: 'saving', done: 1, total: 1 });
    const meta = JSON.parse(await fs.readFile(path.join(lib.dir, m.id, 'meta.json'), 'utf8'));
    expect(meta).toEqual(m);
  });

  it('cleans leftovers of a process that died mid-import', async () => {
    const stale = path.join(lib.dir, '.staging-dead');
    await fs.mkdir(stale);
    const old = new Date(Date.now() - 2 * 86_400_000);
    await fs.utimes(stale, old, old);
    await fs.mkdir(path.join(lib.dir, '.staging-live'));
    expect(await lib.cleanLeftovers()).toBe(1);
    expect((await fs.readdir(lib.dir)).includes('.staging-live')).toBe(true);
    await fs.rm(path.join(lib.dir, '.staging-live'), { recursive: true });
  });
});
