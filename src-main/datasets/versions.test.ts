/**
 * Dataset versions (issue 13 item 3): pictures added to a picture dataset make a new dataset
 * holding the old one's samples and the new pictures; the old dataset's files stay byte for
 * byte as they were, so runs that used it stay reproducible.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetLibrary } from './library';
import { pictureToSample } from './picture-decode';
import { imageSettingsOf, parseMeta } from './meta-schema';
import { tempDir, writeMnistIdx } from '../../tests/helpers/test-fixtures';
import { mergedClasses, nextVersion, versionName } from './versions';
import type { DatasetMeta } from './types';

let root: string;
let lib: DatasetLibrary;

beforeAll(async () => {
  root = await tempDir('mlps-versions-');
  lib = new DatasetLibrary(path.join(root, 'home'));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

/** a flat-coloured 40×30 PNG (the camera's pictures are PNGs too) */
function flatPng(rgb: [number, number, number], w = 40, h = 30): Promise<Buffer> {
  return sharp({ create: { width: w, height: h, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } }).png().toBuffer();
}

/** a folder of class folders: `counts[class]` flat pictures each, coloured by class */
async function classFolders(dir: string, counts: Record<string, number>): Promise<string> {
  const colours: [number, number, number][] = [[250, 20, 20], [20, 250, 20], [20, 20, 250], [200, 200, 0]];
  let k = 0;
  for (const [cls, n] of Object.entries(counts)) {
    await fs.mkdir(path.join(dir, cls), { recursive: true });
    const c = colours[k++ % colours.length];
    for (let i = 0; i < n; i++) await fs.writeFile(path.join(dir, cls, `${i}.png`), await flatPng([c[0], c[1], (c[2] + i * 3) % 256]));
  }
  return dir;
}

/** every file of a dataset folder with its sha256 */
async function fingerprint(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of (await fs.readdir(dir)).sort()) out[f] = createHash('sha256').update(await fs.readFile(path.join(dir, f))).digest('hex');
  return out;
}

describe('adding pictures to a picture dataset', () => {
  let v1: DatasetMeta;
  let v2: DatasetMeta;
  let before: Record<string, string>;

  it('makes a new dataset (version 2) holding the old samples then the new pictures; the old dataset stays byte-identical', async () => {
    v1 = await lib.import([await classFolders(path.join(root, 'first'), { cats: 6, dogs: 6 })], { name: 'Cats and dogs' });
    expect(v1.sampleShape).toEqual([3, 30, 40]);
    const oldData = await lib.loadTrainingData(v1.id);
    before = await fingerprint(path.join(lib.dir, v1.id));

    // one new dog, and a new class with three pictures; a file that is no picture is listed and left out
    const added = await classFolders(path.join(root, 'more'), { dogs: 1, birds: 3 });
    await fs.writeFile(path.join(added, 'birds', 'notes.png'), 'not a picture');
    v2 = await lib.addVersion(v1.id, [added]);

    expect(v2.id).not.toBe(v1.id);
    expect(v2.name).toBe('Cats and dogs (version 2)');
    expect(v2.versionOf).toBe(v1.id);
    expect(v2.version).toBe(2);
    expect(v2.classNames).toEqual(['cats', 'dogs', 'birds']);
    expect(v2.sampleShape).toEqual(v1.sampleShape);
    expect(v2.train.count + v2.test.count).toBe(v1.train.count + v1.test.count + 4);
    // the single new dog stays in training; the three birds are split per class
    expect(v2.train.perClass[1]).toBe(v1.train.perClass[1] + 1);
    expect(v2.train.perClass[2] + v2.test.perClass[2]).toBe(3);
    expect(v2.test.perClass[2]).toBeGreaterThan(0);
    expect(v2.skipped?.files.map((f) => path.basename(f.path))).toEqual(['notes.png']);
    const record = v2.preprocessing.version as { madeFrom: string; how: string; added: { train: number; test: number } };
    expect(record.madeFrom).toBe(v1.id);
    expect(record.how).toMatch(/stored samples of "Cats and dogs"/);
    expect(record.added.train + record.added.test).toBe(4);

    // the old dataset: same files, same bytes, same samples
    expect(await fingerprint(path.join(lib.dir, v1.id))).toEqual(before);
    const again = await lib.loadTrainingData(v1.id);
    expect(Buffer.from(again.train.x.buffer).equals(Buffer.from(oldData.train.x.buffer))).toBe(true);

    // the new version starts with the old samples, in their order, then the new ones
    const data = await lib.loadTrainingData(v2.id);
    const n = oldData.train.n * 3 * 30 * 40;
    expect(Buffer.from(data.train.x.buffer, 0, n).equals(Buffer.from(oldData.train.x.buffer, 0, n))).toBe(true);
    expect(Array.from(data.train.y.subarray(0, oldData.train.n))).toEqual(Array.from(oldData.train.y));
    expect(Array.from(data.test.y.subarray(0, oldData.test.n))).toEqual(Array.from(oldData.test.y));
  });

  it('brings each new picture to the old dataset’s size and colour, as Try it prepares a picture', async () => {
    const data = await lib.loadTrainingData(v2.id);
    const dog = await fs.readFile(path.join(root, 'more', 'dogs', '0.png'));
    const expected = await pictureToSample(dog, imageSettingsOf(v1));
    // the one new dog is the last training sample
    const size = 3 * 30 * 40;
    const last = data.train.x.subarray((data.train.n - 1) * size, data.train.n * size);
    expect(data.train.y[data.train.n - 1]).toBe(1);
    expect(Array.from(last)).toEqual(Array.from(expected));
  });

  it('numbers the next version of the line from any of its versions, and leaves both untouched', async () => {
    const fp2 = await fingerprint(path.join(lib.dir, v2.id));
    const v3 = await lib.addVersion(v2.id, [await classFolders(path.join(root, 'third'), { cats: 2 })]);
    expect(v3.version).toBe(3);
    expect(v3.versionOf).toBe(v1.id);
    expect(v3.name).toBe('Cats and dogs (version 3)');
    expect(await fingerprint(path.join(lib.dir, v1.id))).toEqual(before);
    expect(await fingerprint(path.join(lib.dir, v2.id))).toEqual(fp2);
  });

  it('converts new colour pictures to a greyscale dataset’s colour mode and size', async () => {
    const mnist = await lib.import([await writeMnistIdx(path.join(root, 'mnist'), 30, 10)], { name: 'digits' });
    const before = await fingerprint(path.join(lib.dir, mnist.id));
    const v = await lib.addVersion(mnist.id, [await classFolders(path.join(root, 'digits-more'), { '7': 2, stars: 2 })]);
    expect(v.sampleShape).toEqual([1, 28, 28]);
    expect(v.classNames.slice(-1)).toEqual(['stars']);
    expect(v.format).toBe('image-folder');
    expect(await fingerprint(path.join(lib.dir, mnist.id))).toEqual(before);
  });

  it('stores a hostile class folder name as the import would: line breaks and reordering characters written visibly', async () => {
    const dir = await classFolders(path.join(root, 'hostile'), { 'cat\u202egpj.exe': 1, 'two\nlines': 1, cats: 1 });
    const v = await lib.addVersion(v1.id, [dir]);
    expect(v.classNames).toEqual(['cats', 'dogs', 'cat\\u202egpj.exe', 'two\\x0alines']);
    expect(v.train.perClass[0]).toBeGreaterThan(v1.train.perClass[0]);
    // the same folder name again finds its class (not a second class shown the same way)
    const again = await lib.addVersion(v.id, [await classFolders(path.join(root, 'hostile-again'), { 'two\nlines': 1 })]);
    expect(again.classNames).toEqual(v.classNames);
    expect(again.train.perClass[3]).toBe(v.train.perClass[3] + 1);
  });

  it('refuses in plain words and leaves nothing behind: not pictures, no class folders, an unknown dataset', async () => {
    const count = (await lib.list()).length;
    const table = path.join(root, 't.csv');
    await fs.writeFile(table, 'a,b\n1,x\n2,y\n3,x\n4,y\n5,x\n6,y\n');
    const t = await lib.import([table]);
    await expect(lib.addVersion(t.id, [await classFolders(path.join(root, 'x1'), { a: 1 })])).rejects.toThrow(/not a dataset of pictures/);
    const empty = path.join(root, 'empty');
    await fs.mkdir(empty);
    await fs.writeFile(path.join(empty, 'loose.png'), await flatPng([1, 2, 3]));
    await expect(lib.addVersion(v1.id, [empty])).rejects.toThrow(/no pictures in class folders/);
    const junk = path.join(root, 'junk');
    await fs.mkdir(path.join(junk, 'cats'), { recursive: true });
    await fs.writeFile(path.join(junk, 'cats', 'a.png'), 'text, not a picture');
    await expect(lib.addVersion(v1.id, [junk])).rejects.toThrow(/none of the 1 files could be read as a picture/);
    await expect(lib.addVersion('ds-0000000000000000', [junk])).rejects.toThrow(/ds-0000000000000000/);
    await expect(lib.addVersion('../etc', [junk])).rejects.toThrow(/not a dataset id/);
    expect((await lib.list()).length).toBe(count + 1);
    expect((await fs.readdir(lib.dir)).filter((e) => e.startsWith('.staging-'))).toEqual([]);
  });
});

describe('version bookkeeping', () => {
  const meta = (id: string, name: string, extra: Partial<DatasetMeta> = {}) => ({ id, name, ...extra }) as DatasetMeta;
  it('keeps the old classes in order and appends new ones', () => {
    const m = mergedClasses(['a', 'b'], ['b', 'c']);
    expect(m.classNames).toEqual(['a', 'b', 'c']);
    expect([...m.labelOf]).toEqual([['b', 1], ['c', 2]]);
  });
  it('a meta.json with versionOf needs version, and the other way round', async () => {
    const v = JSON.parse(await fs.readFile(path.join(lib.dir, (await lib.list()).find((m) => m.version === 2)!.id, 'meta.json'), 'utf8'));
    expect(parseMeta(v).version).toBe(2);
    expect(() => parseMeta({ ...v, version: undefined })).toThrow(/both versionOf and version/);
    expect(() => parseMeta({ ...v, versionOf: undefined })).toThrow(/both versionOf and version/);
    expect(() => parseMeta({ ...v, version: 1 })).toThrow();
  });
  it('numbers versions after the highest of the line and names them after its first dataset', () => {
    const all = [meta('ds-1', 'Pets'), meta('ds-2', 'Pets (version 2)', { versionOf: 'ds-1', version: 2 }), meta('ds-4', 'x', { versionOf: 'ds-1', version: 4 })];
    expect(nextVersion(all, 'ds-1')).toBe(5);
    expect(nextVersion(all, 'ds-9')).toBe(2);
    expect(versionName(all, all[1], 5)).toBe('Pets (version 5)');
    // the first dataset removed: the name is taken from the version added to
    expect(versionName(all.slice(1), all[1], 5)).toBe('Pets (version 5)');
    expect(versionName([], meta('ds-7', 'n'.repeat(100)), 2)).toHaveLength(100);
  });
});
