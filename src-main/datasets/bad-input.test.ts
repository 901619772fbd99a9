/**
 * The bad-input corpus: each case must be refused with a clear error that names the file
 * (or folder) and the problem, and must leave the library exactly as it was.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetError } from './errors';
import { DatasetLibrary } from './library';
import {
  cifar10TarEntries, cifarBatch, classImage, csvText, encodeImage, idxBytes, mnistSlice, npyBytes, npzBytes, tempDir, writeCifar10Folder,
  writeImageFolder, writeMnistIdx, writeTarGz,
} from '../../tests/helpers/test-fixtures';

let root: string;
let home: string;
let lib: DatasetLibrary;
let before: string[];
let n = 0;

beforeAll(async () => {
  root = await tempDir();
  home = path.join(root, 'home');
  lib = new DatasetLibrary(home);
  // one dataset already in the library, to show it is untouched
  await lib.import([await writeMnistIdx(path.join(root, 'good'), 60, 20)], { name: 'existing' });
  before = await fs.readdir(lib.dir);
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

/** A fresh folder for one case. */
async function caseDir(): Promise<string> {
  const d = path.join(root, 'cases', `c${n++}`);
  await fs.mkdir(d, { recursive: true });
  return d;
}

async function expectRefused(paths: string[], message: RegExp, names: string | null, opts: Parameters<DatasetLibrary['import']>[1] = {}): Promise<void> {
  let err: unknown;
  try {
    await lib.import(paths, opts);
  } catch (e) {
    err = e;
  }
  expect(err, 'the import should have failed').toBeInstanceOf(DatasetError);
  const msg = (err as Error).message;
  expect(msg).toMatch(message);
  if (names) expect(msg).toContain(names);
  // the library is unchanged: same folders, no staging left behind, same list
  expect((await fs.readdir(lib.dir)).sort()).toEqual([...before].sort());
  expect((await lib.list()).map((m) => m.name)).toEqual(['existing']);
}

async function idxPair(dir: string, images: Buffer, labels: Buffer): Promise<string> {
  await fs.writeFile(path.join(dir, 'train-images-idx3-ubyte'), images);
  await fs.writeFile(path.join(dir, 'train-labels-idx1-ubyte'), labels);
  return dir;
}

describe('IDX', () => {
  it('truncated images file', async () => {
    const s = mnistSlice('train', 50);
    const d = await idxPair(await caseDir(), s.images.subarray(0, s.images.length - 100), s.labels);
    await expectRefused([d], /truncated/, 'train-images-idx3-ubyte');
  });
  it('wrong magic number', async () => {
    const s = mnistSlice('train', 50);
    const bad = Buffer.from(s.images);
    bad[2] = 0x0d; // float data
    const d = await idxPair(await caseDir(), bad, s.labels);
    await expectRefused([d], /element type 0x0d .*not supported/, 'train-images-idx3-ubyte');
  });
  it('a file that is not IDX at all among IDX files', async () => {
    const s = mnistSlice('train', 50);
    const d = await caseDir();
    await fs.writeFile(path.join(d, 'train-images-idx3-ubyte'), s.images);
    const junk = path.join(d, 'train-labels-idx1-ubyte');
    await fs.writeFile(junk, Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9]));
    await expectRefused([path.join(d, 'train-images-idx3-ubyte'), junk], /different kinds|not a recognised/, 'train-labels-idx1-ubyte');
  });
  it('image and label counts that differ', async () => {
    const d = await idxPair(await caseDir(), mnistSlice('train', 50).images, mnistSlice('train', 40).labels);
    await expectRefused([d], /holds 50 images but .* holds 40 labels/, 'train-labels-idx1-ubyte');
  });
  it('a header that declares a billion items (plain): refused before allocating', async () => {
    const d = await idxPair(await caseDir(), idxBytes([1_000_000_000, 28, 28], new Uint8Array(784)), idxBytes([1_000_000_000], new Uint8Array(1)));
    const rss = process.memoryUsage().rss;
    await expectRefused([d], /declares 1,000,000,000×28×28 = 784,000,000,000 values but the file holds 784\b/, 'train-images-idx3-ubyte');
    expect(process.memoryUsage().rss - rss).toBeLessThan(200e6);
  });
  it('a header that declares a billion items (gzipped): refused for want of disk, nothing allocated', async () => {
    const d = await caseDir();
    await fs.writeFile(path.join(d, 'train-images-idx3-ubyte.gz'), gzipSync(idxBytes([1_000_000_000, 28, 28], new Uint8Array(784))));
    await fs.writeFile(path.join(d, 'train-labels-idx1-ubyte.gz'), gzipSync(idxBytes([1_000_000_000], new Uint8Array(10))));
    await expectRefused([d], /declare .* of data but only .* is free|truncated/, 'train-images-idx3-ubyte.gz');
  });
  it('zero samples', async () => {
    const d = await idxPair(await caseDir(), idxBytes([0, 28, 28], new Uint8Array(0)), idxBytes([0], new Uint8Array(0)));
    await expectRefused([d], /declares zero samples/, 'train-images-idx3-ubyte');
  });
  it('a truncated gzip stream', async () => {
    const s = mnistSlice('train', 200);
    const gz = gzipSync(s.images);
    const d = await caseDir();
    await fs.writeFile(path.join(d, 'train-images-idx3-ubyte.gz'), gz.subarray(0, gz.length >> 1));
    await fs.writeFile(path.join(d, 'train-labels-idx1-ubyte.gz'), gzipSync(s.labels));
    await expectRefused([d], /corrupt or truncated|truncated/, 'train-images-idx3-ubyte.gz');
  });
  it('labels without images', async () => {
    const d = await caseDir();
    await fs.writeFile(path.join(d, 'train-labels-idx1-ubyte'), mnistSlice('train', 10).labels);
    await expectRefused([path.join(d, 'train-labels-idx1-ubyte')], /no matching train images file/, 'train-labels-idx1-ubyte');
  });
  it('labels of a single class', async () => {
    const s = mnistSlice('train', 30);
    const one = idxBytes([30], new Uint8Array(30).fill(4));
    const d = await idxPair(await caseDir(), s.images, one);
    await expectRefused([d], /same label \("4"\).*at least two classes/, 'train-images-idx3-ubyte');
  });
});

describe('CIFAR', () => {
  it('a batch file of the wrong length', async () => {
    const d = await writeCifar10Folder(await caseDir(), 10);
    await fs.writeFile(path.join(d, 'data_batch_3.bin'), cifarBatch(10, 'cifar10', 3).subarray(0, 3073 * 10 - 7));
    await expectRefused([d], /30,723 bytes is not a whole number of CIFAR-10 records \(3,073 bytes each/, 'data_batch_3.bin');
  });
  it('a batch with a label out of range', async () => {
    const d = await writeCifar10Folder(await caseDir(), 10);
    const b = cifarBatch(10, 'cifar10', 2);
    b[3073 * 4] = 42;
    await fs.writeFile(path.join(d, 'data_batch_2.bin'), b);
    await expectRefused([d], /record 4 has label 42/, 'data_batch_2.bin');
  });
  it('an archive with a truncated batch', async () => {
    const entries = cifar10TarEntries(5);
    entries[2].data = entries[2].data.subarray(0, 3073 * 5 - 1);
    const f = await writeTarGz(path.join(await caseDir(), 'cifar-10-binary.tar.gz'), entries);
    await expectRefused([f], /not a whole number of CIFAR-10 records/, 'cifar-10-binary.tar.gz:cifar-10-batches-bin/data_batch_1.bin');
  });
  it('a truncated .tar.gz archive', async () => {
    const f = await writeTarGz(path.join(await caseDir(), 'cifar-10-binary.tar.gz'), cifar10TarEntries(20));
    const b = await fs.readFile(f);
    await fs.writeFile(f, b.subarray(0, b.length - 2000));
    await expectRefused([f], /corrupt or truncated|truncated/, 'cifar-10-binary.tar.gz');
  });
});

describe('image folders', () => {
  it('only one class', async () => {
    const d = await writeImageFolder(await caseDir(), { classes: ['only'], perClass: 3 });
    await expectRefused([d], /only one class folder \("only"\)/, d);
  });
  it('an empty class folder', async () => {
    const d = await writeImageFolder(await caseDir(), { classes: ['a', 'b'], perClass: 3 });
    await fs.mkdir(path.join(d, 'c'));
    await expectRefused([d], /holds no images/, path.join(d, 'c'));
  });
  it('a class folder with no images, only other files', async () => {
    const d = await writeImageFolder(await caseDir(), { classes: ['a', 'b'], perClass: 3 });
    await fs.mkdir(path.join(d, 'c'));
    await fs.writeFile(path.join(d, 'c', 'readme.md'), '# nothing');
    await expectRefused([d], /holds no images \(1 other file\)/, path.join(d, 'c'));
  });
  // unreadable pictures beside readable ones are skipped and listed (photos.test.ts); a class of nothing else is refused naming one
  it('a corrupt PNG', async () => {
    const d = await writeImageFolder(await caseDir(), { classes: ['a', 'b'], perClass: 3 });
    const png = await encodeImage(classImage(0, 8, 8, 1, 9), 8, 8, 1, 'png');
    const bad = Buffer.from(png.subarray(0, png.length - 20));
    bad.fill(0x55, 40, 60);
    await fs.mkdir(path.join(d, 'c'));
    await fs.writeFile(path.join(d, 'c', 'broken.png'), bad);
    await expectRefused([d], /holds no images .*cannot be read, e\.g\. .*broken\.png: .*(cannot be decoded|not a readable)/, path.join(d, 'c', 'broken.png'));
  });
  it('a JPEG that is really text', async () => {
    const d = await writeImageFolder(await caseDir(), { classes: ['a', 'b'], perClass: 3 });
    await fs.mkdir(path.join(d, 'c'));
    await fs.writeFile(path.join(d, 'c', 'photo.jpg'), 'this is not a picture');
    await expectRefused([d], /named like a picture but it holds text/, path.join(d, 'c', 'photo.jpg'));
  });
  it('an unreadable file (a link to nothing)', async () => {
    const d = await writeImageFolder(await caseDir(), { classes: ['a', 'b'], perClass: 3 });
    await fs.symlink(path.join(d, 'missing.png'), path.join(d, 'a', 'gone.png'));
    await expectRefused([d], /broken symbolic link/, path.join(d, 'a', 'gone.png'));
  });
  it('an unreadable file (no permission)', async () => {
    if (process.getuid?.() === 0) {
      // root reads everything: make the file unreadable another way, as a folder-sized entry of the wrong kind
      const d = await writeImageFolder(await caseDir(), { classes: ['a', 'b'], perClass: 3 });
      await fs.mkdir(path.join(d, 'c'));
      await fs.writeFile(path.join(d, 'c', 'empty.png'), '');
      await expectRefused([d], /named like a picture but it is empty/, path.join(d, 'c', 'empty.png'));
      return;
    }
    const d = await writeImageFolder(await caseDir(), { classes: ['a', 'b'], perClass: 1 });
    const f = path.join(d, 'a', 'img0.png');
    await fs.chmod(f, 0o000);
    await expectRefused([d], /permission denied/, f);
  });
  it('a symbolic link loop', async () => {
    const d = await writeImageFolder(await caseDir(), { classes: ['a', 'b'], perClass: 3 });
    await fs.symlink(d, path.join(d, 'a', 'again'));
    await expectRefused([d], /symbolic link loop/, path.join(d, 'a', 'again'));
  });
  it('a link that points to itself', async () => {
    const d = await writeImageFolder(await caseDir(), { classes: ['a', 'b'], perClass: 3 });
    await fs.symlink(path.join(d, 'b', 'self'), path.join(d, 'b', 'self'));
    await expectRefused([d], /symbolic link loop/, path.join(d, 'b', 'self'));
  });
  it('a file name that is not UTF-8', async () => {
    const d = await writeImageFolder(await caseDir(), { classes: ['a', 'b'], perClass: 3 });
    const name = Buffer.concat([Buffer.from(path.join(d, 'a') + '/caf'), Buffer.from([0xe9]), Buffer.from('.png')]);
    await fs.writeFile(name, await encodeImage(classImage(0, 8, 8, 1, 2), 8, 8, 1, 'png'));
    await expectRefused([d], /not valid UTF-8 .*rename/, path.join(d, 'a', 'caf'));
  });
  it('test classes the training set lacks', async () => {
    const d = await writeImageFolder(await caseDir(), { classes: ['a', 'b'], perClass: 3, testPerClass: 1 });
    await writeImageFolder(path.join(d, 'test'), { classes: ['zebra'], perClass: 1 });
    await expectRefused([d], /class "zebra" has no folder/, path.join(d, 'test', 'zebra'));
  });
  it('a single image instead of a folder', async () => {
    const d = await writeImageFolder(await caseDir(), { classes: ['a', 'b'], perClass: 1 });
    await expectRefused([path.join(d, 'a', 'img0.png')], /a single image is not a dataset/, path.join(d, 'a', 'img0.png'));
  });
});

describe('CSV', () => {
  const csv = async (text: string, name = 'data.csv') => {
    const f = path.join(await caseDir(), name);
    await fs.writeFile(f, text);
    return f;
  };
  it('ragged rows', async () => {
    const f = await csv('a,b,label\n1,2,x\n3,4,y\n5,6,7,x\n');
    await expectRefused([f], /row 4 has 4 fields but the header has 3/, f);
  });
  it('a text cell in a column chosen as numbers', async () => {
    const f = await csv('a,b,label\n1,2,x\n3,abc,y\n5,6,x\n');
    await expectRefused([f], /row 3, column 2 \("b"\): "abc" is not a number\. Fix the cell, choose "category" for this column, or import with "drop rows with bad cells"/, f, {
      table: { columns: { b: 'number' } },
    });
  });
  it('a cell that is not a date in a column chosen as dates', async () => {
    const f = await csv('a,when,label\n1,2020-01-02,x\n3,2020-02-30,y\n5,2021-03-04,x\n');
    await expectRefused([f], /row 3, column 2 \("when"\): "2020-02-30" is not a date/, f, { table: { columns: { when: 'date' } } });
  });
  it('a single row', async () => {
    const f = await csv('1,2,3,x\n');
    await expectRefused([f], /single row/, f);
  });
  it('labels with only one class', async () => {
    const f = await csv(csvText(20, { classes: ['same'] }));
    await expectRefused([f], /every row has the label "same"/, f);
  });
  it('a label column that does not exist', async () => {
    const f = await csv(csvText(20));
    await expectRefused([f], /no column named "kind"/, f, { labelColumn: 'kind' });
  });
  it('two CSV files that are not named train and test', async () => {
    const a = await csv(csvText(20), 'one.csv');
    const b = path.join(path.dirname(a), 'two.csv');
    await fs.writeFile(b, csvText(20));
    await expectRefused([a, b], /must be named train… and test…/, a);
  });
  const NOT_A_DATASET = /not a dataset the studio can read; it is text but not a table .*The studio reads IDX files.*CIFAR-10\/100.*one subfolder of images per class.*table \(CSV\/TSV, Excel \.xlsx or a JSON array of records\) with a header row.*NumPy \.npy\/\.npz/;
  it('a text file of notes, not a table (said so, not "a single row")', async () => {
    const f = await csv('these are my shopping notes, not a dataset\n', 'notes.txt');
    await expectRefused([f], NOT_A_DATASET, 'notes.txt');
    await expectRefused([f], /\(it has a single line\)/, f);
  });
  it('an extension-less text file of several lines of prose', async () => {
    const f = await csv('Remember:\nbuy milk\ncall the bank\n', 'README');
    await expectRefused([f], NOT_A_DATASET, f);
    await expectRefused([f], /its first line is not values separated by commas, tabs, semicolons or \|/, f);
  });
  it('a .txt whose lines do not line up into columns', async () => {
    const f = await csv('Buy milk, eggs\nand bread\n', 'list.txt');
    await expectRefused([f], /its first line has 2 fields but its second has 1/, f);
  });
  it('a folder that holds only a text file of notes', async () => {
    const d = path.dirname(await csv('these are my shopping notes, not a dataset\n', 'notes.txt'));
    await expectRefused([d], /found no dataset in this folder/, d);
  });
  it('a test file with a different number of columns', async () => {
    const a = await csv(csvText(20), 'train.csv');
    const b = path.join(path.dirname(a), 'test.csv');
    await fs.writeFile(b, csvText(5, { features: 3 }));
    await expectRefused([a, b], /has 4 columns but the training file has 5/, b);
  });
});

describe('NumPy', () => {
  const f32 = (n: number) => new Uint8Array(new Float32Array(n).map((_, i) => i % 7).buffer);
  const i64 = (v: number[]) => new Uint8Array(BigInt64Array.from(v.map(BigInt)).buffer);
  it('.npz with mismatched lengths', async () => {
    const f = path.join(await caseDir(), 'data.npz');
    await fs.writeFile(f, npzBytes({ x: npyBytes('<f4', [10, 3], f32(30)), y: npyBytes('<i8', [9], i64([0, 1, 0, 1, 0, 1, 0, 1, 0])) }));
    await expectRefused([f], /holds 10 samples but .*y\.npy holds 9 labels/, 'data.npz:x.npy');
  });
  it('a truncated .npy', async () => {
    const d = await caseDir();
    const x = npyBytes('<f4', [10, 3], f32(30));
    await fs.writeFile(path.join(d, 'x.npy'), x.subarray(0, x.length - 8));
    await fs.writeFile(path.join(d, 'y.npy'), npyBytes('<i8', [10], i64([0, 1, 0, 1, 0, 1, 0, 1, 0, 1])));
    await expectRefused([d], /truncated or corrupt/, path.join(d, 'x.npy'));
  });
  it('a .npy header that declares a billion rows', async () => {
    const d = await caseDir();
    await fs.writeFile(path.join(d, 'x.npy'), npyBytes('<f4', [1_000_000_000, 784], f32(30)));
    await fs.writeFile(path.join(d, 'y.npy'), npyBytes('<i8', [10], i64([0, 1, 0, 1, 0, 1, 0, 1, 0, 1])));
    await expectRefused([d], /declares shape \(1000000000, 784\)/, path.join(d, 'x.npy'));
  });
  it('a pickled object array', async () => {
    const d = await caseDir();
    await fs.writeFile(path.join(d, 'x.npy'), npyBytes('|O', [2, 2], new Uint8Array(16)));
    await fs.writeFile(path.join(d, 'y.npy'), npyBytes('<i8', [2], i64([0, 1])));
    await expectRefused([d], /Python objects/, path.join(d, 'x.npy'));
  });
  it('an .npz without x and y', async () => {
    const f = path.join(await caseDir(), 'weights.npz');
    await fs.writeFile(f, npzBytes({ w1: npyBytes('<f4', [3], f32(3)) }));
    await expectRefused([f], /no arrays named x and y/, f);
  });
  it('images with values outside 0–255', async () => {
    const f = path.join(await caseDir(), 'imgs.npz');
    const x = new Float32Array(4 * 4 * 4).map((_, i) => i * 10 - 50);
    await fs.writeFile(f, npzBytes({ x: npyBytes('<f4', [4, 4, 4], new Uint8Array(x.buffer)), y: npyBytes('<i8', [4], i64([0, 1, 0, 1])) }));
    await expectRefused([f], /image values range from -50 to 580/, 'imgs.npz:x.npy');
  });
});

describe('paths and names', () => {
  it('a path that does not exist', async () => {
    const p = path.join(root, 'nowhere', 'mnist');
    await expectRefused([p], /no such file or folder/, p);
  });
  it('an empty folder', async () => {
    const d = await caseDir();
    await expectRefused([d], /the folder is empty/, d);
  });
  it('an empty file', async () => {
    const f = path.join(await caseDir(), 'data.csv');
    await fs.writeFile(f, '');
    await expectRefused([f], /the file is empty/, f);
  });
  it('binary data of an unknown kind', async () => {
    const f = path.join(await caseDir(), 'blob.bin');
    await fs.writeFile(f, Buffer.from([0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3, 0xff, 0xfe]));
    await expectRefused([f], /not a recognised dataset file/, f);
  });
  it('a gzip file that holds neither IDX nor tar', async () => {
    const f = path.join(await caseDir(), 'notes.gz');
    await fs.writeFile(f, gzipSync(Buffer.from('just some notes\n')));
    await expectRefused([f], /gzip file that holds neither IDX data nor a tar archive/, f);
  });
  it('a dataset name with ../ in it', async () => {
    const d = await writeMnistIdx(await caseDir(), 30, 10);
    await expectRefused([d], /path separator/, '../evil', { name: '../evil' });
  });
  it('a dataset name that is empty', async () => {
    const d = await writeMnistIdx(await caseDir(), 30, 10);
    await expectRefused([d], /cannot be empty/, null, { name: '   ' });
  });
  it('a test fraction outside (0, 1)', async () => {
    const d = await writeMnistIdx(await caseDir(), 30, 0);
    await expectRefused([d], /test fraction must be between 0 and 1/, null, { testFraction: 1.5 });
  });
  it('the same data imported twice: the error names the existing dataset', async () => {
    const d = await writeMnistIdx(await caseDir(), 60, 20);
    await expectRefused([d], /already in the library as "existing" \(ds-[0-9a-f]{16}\)/, 'existing');
  });
});
