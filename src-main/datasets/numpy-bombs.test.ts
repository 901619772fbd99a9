/**
 * Issue 15, items 3, 4 and 16 for NumPy and IDX files: an .npz declaring gigabytes is refused
 * from its zip directory before anything is expanded; float64 values beyond float32 are
 * refused naming the array and index; pickles dressed as .npy/.npz are refused, not skipped;
 * IDX labels {0, 255} become two classes, not 256 with 254 empty.
 */
import fsp from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { npzBombBytes, pickleBytes, tarHeaderOnly } from '../../tests/helpers/bomb-fixtures';
import { registerDatasetCommands } from './cli';
import { DatasetLibrary } from './library';
import { cifar10TarEntries, idxBytes, mnistSlice, npyBytes, npzBytes, tempDir, writeTarGz } from '../../tests/helpers/test-fixtures';

let root: string;
let lib: DatasetLibrary;
let before: string[];
let n = 0;

const y = (count: number) => npyBytes('<i8', [count], new BigInt64Array(Array.from({ length: count }, (_, i) => BigInt(i % 2))) as unknown as Uint8Array);

beforeAll(async () => {
  root = await tempDir();
  lib = new DatasetLibrary(path.join(root, 'home'));
  await fsp.mkdir(lib.dir, { recursive: true });
  before = await fsp.readdir(lib.dir);
});
afterAll(async () => {
  await fsp.rm(root, { recursive: true, force: true });
});
afterEach(async () => {
  vi.restoreAllMocks();
  // every refusal leaves the library as it was, staging included
  expect(await fsp.readdir(lib.dir)).toEqual(before);
});

async function file(name: string, data: Uint8Array): Promise<string> {
  const d = path.join(root, 'cases', `c${n++}`);
  await fsp.mkdir(d, { recursive: true });
  const f = path.join(d, name);
  await fsp.writeFile(f, data);
  return f;
}

describe('.npz bombs (issue 15, item 4)', () => {
  it('a small .npz declaring 3.3 GB is refused from its directory, naming the file, the entry and the sizes', async () => {
    const bomb = npzBombBytes([55000, 7500], y(55000));
    expect(bomb.length).toBeLessThan(100_000);
    const f = await file('bomb.npz', bomb);
    await expect(lib.import([f])).rejects.toThrow(/bomb\.npz: x\.npy declares 3\.3 GB from [\d,]+ bytes compressed \([\d,]+ to 1\).*not expanded/);
  });

  it('an .npz whose arrays would not fit on the disk is refused before expanding, naming the free space', async () => {
    const x = new Float32Array(2000 * 10).fill(0.5);
    const f = await file('big.npz', npzBytes({ x: npyBytes('<f4', [2000, 10], new Uint8Array(x.buffer)), y: y(2000) }));
    const fs = await import('node:fs/promises');
    vi.spyOn(fs.default, 'statfs').mockResolvedValue({ bavail: 4, bsize: 1024 } as never);
    await expect(lib.import([f])).rejects.toThrow(/big\.npz: the arrays declare 96,[\d,]+ bytes when expanded but only 4,096 bytes is free on the disk of the library; nothing was expanded/);
  });
});

describe('declared sizes against the disk and a sane ratio (issue 15, item 4)', () => {
  it('.npy arrays that would not fit on the disk once stored are refused before writing', async () => {
    const x = new Float32Array(2000 * 10).fill(0.5);
    const f = await file('x.npy', npyBytes('<f4', [2000, 10], new Uint8Array(x.buffer)));
    await fsp.writeFile(path.join(path.dirname(f), 'y.npy'), y(2000));
    const fs = await import('node:fs/promises');
    vi.spyOn(fs.default, 'statfs').mockResolvedValue({ bavail: 4, bsize: 1024 } as never);
    await expect(lib.import([f, path.join(path.dirname(f), 'y.npy')])).rejects.toThrow(/x\.npy, .*y\.npy: the arrays take 88,000 bytes once stored but only 4,096 bytes is free/);
  });

  it('a gzipped IDX whose header declares 157 MB from a few bytes is refused before expanding', async () => {
    const images = await file('train-images-idx3-ubyte.gz', gzipSync(idxBytes([200000, 28, 28], new Uint8Array(0))));
    await fsp.writeFile(path.join(path.dirname(images), 'train-labels-idx1-ubyte.gz'), gzipSync(idxBytes([200000], new Uint8Array(0))));
    await expect(lib.import([path.dirname(images)])).rejects.toThrow(/train-images-idx3-ubyte\.gz: the header declares 200,000×28×28 = 156\.8 MB from \d+ bytes of gzip \([\d,]+ to 1\).*not expanded/);
  });
});

describe('CIFAR archives: declared batch sizes before expanding (issue 15, item 4)', () => {
  it('a tar.gz whose header declares a 307 MB batch from a few bytes is refused before reading it', async () => {
    const f = await file('cifar.tar.gz', gzipSync(Buffer.concat([tarHeaderOnly('cifar-10-batches-bin/data_batch_1.bin', 3073 * 100000), Buffer.alloc(1024)])));
    await expect(lib.import([f])).rejects.toThrow(/cifar\.tar\.gz:cifar-10-batches-bin\/data_batch_1\.bin: the archive's batches declare 307\.3 MB from [\d,]+ bytes of archive .*not expanded/);
  });

  it('a CIFAR archive whose batches would not fit on the disk is refused naming the free space', async () => {
    const d = path.join(root, 'cases', `c${n++}`);
    await fsp.mkdir(d, { recursive: true });
    const f = await writeTarGz(path.join(d, 'cifar-10-binary.tar.gz'), cifar10TarEntries(20));
    const fs = await import('node:fs/promises');
    vi.spyOn(fs.default, 'statfs').mockResolvedValue({ bavail: 16, bsize: 1024 } as never);
    await expect(lib.import([f])).rejects.toThrow(/cifar-10-binary\.tar\.gz:.*(data|test)_batch(_\d)?\.bin: the archive's batches declare 61,460 bytes so far but only 16,384 bytes is free/);
  });
});

describe('NumPy values beyond float32 (issue 15, item 3)', () => {
  it('a float64 1e39 is refused naming the array and the index', async () => {
    const x = new Float64Array(40 * 2).map((_, i) => i);
    x[13 * 2 + 1] = 1e39;
    const d = path.dirname(await file('x.npy', npyBytes('<f8', [40, 2], new Uint8Array(x.buffer))));
    await fsp.writeFile(path.join(d, 'y.npy'), y(40));
    await expect(lib.import([path.join(d, 'x.npy'), path.join(d, 'y.npy')])).rejects.toThrow(
      /x\.npy: sample 13, feature 1 \(index \[13, 1\]\) is 1e\+39, beyond the range of 32-bit floats/,
    );
  });
});

describe('pickles are refused, never skipped (issue 15, item 16)', () => {
  it('a pickle named x.npy, dropped with y.npy', async () => {
    const f = await file('x.npy', pickleBytes());
    await fsp.writeFile(path.join(path.dirname(f), 'y.npy'), y(4));
    await expect(lib.import([f, path.join(path.dirname(f), 'y.npy')])).rejects.toThrow(/x\.npy: a Python pickle, not a NumPy array.*never opens them/);
  });

  it('a pickle named x.npy in a dropped folder', async () => {
    const f = await file('x.npy', pickleBytes());
    await fsp.writeFile(path.join(path.dirname(f), 'y.npy'), y(4));
    await expect(lib.import([path.dirname(f)])).rejects.toThrow(/x\.npy: a Python pickle/);
  });

  it('an .npz whose x.npy entry is a pickle', async () => {
    const f = await file('data.npz', npzBytes({ x: pickleBytes(), y: y(4) }));
    await expect(lib.import([f])).rejects.toThrow(/data\.npz:x\.npy: a Python pickle/);
  });

  it('an .npz with no x/y arrays lists what it holds', async () => {
    const f = await file('other.npz', npzBytes({ arr_0: y(4), arr_1: y(4) }));
    await expect(lib.import([f])).rejects.toThrow(/other\.npz: the archive holds no arrays named .*\(it holds: arr_0\.npy, arr_1\.npy\)/);
  });
});

describe('IDX labels {0, 255} (issue 15, item 16)', () => {
  it('become two classes named 0 and 255, and the import says how they were mapped', async () => {
    const count = 120;
    const { images } = mnistSlice('train', count);
    const labels = Uint8Array.from({ length: count }, (_, i) => (i % 3 === 0 ? 255 : 0));
    const d = path.dirname(await file('train-images-idx3-ubyte', images));
    await fsp.writeFile(path.join(d, 'train-labels-idx1-ubyte'), idxBytes([count], labels));
    const meta = await lib.import([d], { name: 'binary idx' });
    try {
      expect(meta.classNames).toEqual(['0', '255']);
      expect(meta.train.perClass.length).toBe(2);
      expect(meta.train.perClass[1] + meta.test.perClass[1]).toBe(40);
      expect(meta.preprocessing.labels).toMatch(/label values present \(0, 255\) were mapped to classes 0 to 1 \(0→0, 255→1\)/);
    } finally {
      await lib.delete(meta.id);
    }
  });

  it('the CLI import summary says how the labels were mapped', async () => {
    const count = 60;
    const d = path.dirname(await file('train-images-idx3-ubyte', mnistSlice('train', count).images));
    await fsp.writeFile(path.join(d, 'train-labels-idx1-ubyte'), idxBytes([count], Uint8Array.from({ length: count }, (_, i) => (i % 2 ? 255 : 0))));
    const saved = process.env.MLP_STUDIO_HOME;
    process.env.MLP_STUDIO_HOME = path.join(root, 'cli-home');
    let out = '';
    try {
      const program = new Command('mlp-studio').exitOverride().configureOutput({ writeOut: (t) => (out += t), writeErr: (t) => (out += t) });
      registerDatasetCommands(program);
      await program.parseAsync(['node', 'mlp-studio', 'import', d, '--no-progress']);
    } finally {
      if (saved === undefined) delete process.env.MLP_STUDIO_HOME;
      else process.env.MLP_STUDIO_HOME = saved;
    }
    expect(out).toMatch(/classes +2: 0, 255\n/);
    expect(out).toMatch(/labels +the label values present \(0, 255\) were mapped to classes 0 to 1 \(0→0, 255→1\)/);
  });

  it('a slice missing one digit keeps the ten digit classes', async () => {
    const count = 200;
    const { images } = mnistSlice('train', count);
    const labels = Uint8Array.from({ length: count }, (_, i) => [0, 1, 2, 3, 4, 5, 6, 8, 9][i % 9]);
    const d = path.dirname(await file('train-images-idx3-ubyte', images));
    await fsp.writeFile(path.join(d, 'train-labels-idx1-ubyte'), idxBytes([count], labels));
    const meta = await lib.import([d], { name: 'no sevens' });
    try {
      expect(meta.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
      expect(meta.preprocessing.labels).toBeUndefined();
    } finally {
      await lib.delete(meta.id);
    }
  });
});
