/**
 * Issue 15, items 2 and 4: pictures that declare more pixels than anyone could want, and
 * archives that declare more bytes than the disk holds, are refused from their headers,
 * quickly, naming the file; the host's event loop keeps turning meanwhile, and nothing is
 * left in the library's staging area.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bmpHeaderOnly, gifHeaderOnly, pngBomb } from '../../tests/helpers/bomb-fixtures';
import { registerDatasetCommands } from './cli';
import { DatasetLibrary } from './library';
import { classImage, encodeImage, tempDir, writeImageFolder } from '../../tests/helpers/test-fixtures';

let root: string;
let lib: DatasetLibrary;
let n = 0;
let bomb: Buffer;

beforeAll(async () => {
  root = await tempDir();
  lib = new DatasetLibrary(path.join(root, 'home'));
  bomb = pngBomb(30000, 30000);
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

async function caseDir(): Promise<string> {
  const d = path.join(root, 'cases', `c${n++}`);
  await fs.mkdir(d, { recursive: true });
  return d;
}

async function leftovers(dir: string): Promise<string[]> {
  return (await fs.readdir(dir).catch(() => [] as string[])).filter((e) => e.startsWith('.staging-'));
}

describe('picture bombs (issue 15, item 2)', () => {
  it('the bomb really is one: about 110 KB declaring 30000×30000', () => {
    expect(bomb.length).toBeLessThan(200_000);
    expect(bomb.readUInt32BE(16)).toBe(30000);
  });

  it('a 1-bit PNG declaring 30000×30000 in a class folder is refused from its header, naming the file, while the event loop keeps turning', async () => {
    const dir = await writeImageFolder(await caseDir(), { classes: ['a', 'b'], perClass: 4 });
    const bad = path.join(dir, 'a', 'huge.png');
    await fs.writeFile(bad, bomb);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const before = await fs.readdir(lib.dir).catch(() => []);
    let err: Error | null = null;
    try {
      await lib.import([dir]);
    } catch (e) {
      err = e as Error;
    } finally {
      clearInterval(timer);
    }
    expect(err?.message).toContain(bad);
    expect(err?.message).toMatch(/30,000×30,000 pixels \(900 megapixels\).*up to 50 megapixels/);
    expect(ticks).toBeGreaterThan(0);
    expect(await fs.readdir(lib.dir)).toEqual(before);
    expect(await leftovers(lib.dir)).toEqual([]);
  }, 60_000);

  it.each([
    ['BMP', 'huge.bmp', () => bmpHeaderOnly(20000, 20000)],
    ['GIF', 'huge.gif', () => gifHeaderOnly(40000, 40000)],
  ])('a %s header declaring too many pixels is refused before decoding', async (_kind, name, make) => {
    const dir = await writeImageFolder(await caseDir(), { classes: ['a', 'b'], perClass: 3 });
    await fs.writeFile(path.join(dir, 'b', name), make());
    await expect(lib.import([dir])).rejects.toThrow(new RegExp(`${name}: the picture declares .* megapixels`));
    expect(await leftovers(lib.dir)).toEqual([]);
  });

  it('a BMP over 4 megapixels (decoded on the event loop) is refused with a way out', async () => {
    const dir = await writeImageFolder(await caseDir(), { classes: ['a', 'b'], perClass: 3 });
    await fs.writeFile(path.join(dir, 'a', 'scan.bmp'), bmpHeaderOnly(3000, 2000));
    await expect(lib.import([dir])).rejects.toThrow(/scan\.bmp: a BMP picture of 3,000×2,000 pixels; BMP pictures are read up to 4 megapixels .*Convert it to PNG/);
    expect(await leftovers(lib.dir)).toEqual([]);
  });

  it('a PNG over a megapixel is decoded by sharp (off the event loop) and still imports', async () => {
    const dir = await writeImageFolder(await caseDir(), { classes: ['a', 'b'], perClass: 3, size: 8 });
    const big = await encodeImage(classImage(0, 1200, 1000, 1, 7), 1200, 1000, 1, 'png');
    await fs.writeFile(path.join(dir, 'a', 'big.png'), big);
    const meta = await lib.import([dir], { name: 'with a big one' });
    expect(meta.sampleShape).toEqual([1, 8, 8]);
    expect(meta.preprocessing.resized).toBe(1);
    expect(meta.train.count + meta.test.count).toBe(7);
    await lib.delete(meta.id);
  });

  it('a 3 GB file that is not a picture, in a class folder, is skipped after reading its first bytes only', async () => {
    const dir = await writeImageFolder(await caseDir(), { classes: ['a', 'b'], perClass: 3 });
    const film = path.join(dir, 'a', 'holiday.mp4');
    await fs.writeFile(film, Buffer.from('\x00\x00\x00\x18ftypmp42', 'latin1'));
    await fs.truncate(film, 3 * 2 ** 30); // sparse: no disk used
    const meta = await lib.import([dir], { name: 'with a film' });
    expect(meta.skipped?.files).toContainEqual({ path: film, reason: 'not an image' });
    await lib.delete(meta.id);
  });

  it('a picture file over 256 MB is refused naming it, without reading it', async () => {
    const dir = await writeImageFolder(await caseDir(), { classes: ['a', 'b'], perClass: 3 });
    const big = path.join(dir, 'b', 'poster.png');
    await fs.writeFile(big, await encodeImage(classImage(1, 8, 8, 1, 2), 8, 8, 1, 'png'));
    await fs.truncate(big, 300 * 2 ** 20);
    await expect(lib.import([dir])).rejects.toThrow(/poster\.png: a picture file of 314\.6 MB; the studio reads picture files of up to 268\.4 MB/);
    expect(await leftovers(lib.dir)).toEqual([]);
  });

  it('the CLI refuses the bomb and leaves no staging folder', async () => {
    const home = path.join(root, 'cli-home');
    const saved = process.env.MLP_STUDIO_HOME;
    process.env.MLP_STUDIO_HOME = home;
    try {
      const dir = await writeImageFolder(await caseDir(), { classes: ['a', 'b'], perClass: 3 });
      await fs.writeFile(path.join(dir, 'b', 'huge.png'), bomb);
      let out = '';
      const program = new Command('mlp-studio').exitOverride().configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (out += s) });
      registerDatasetCommands(program);
      const err = await program.parseAsync(['node', 'mlp-studio', 'import', dir, '--no-progress']).then(() => null, (e: Error) => e);
      expect(`${err?.message ?? ''}${out}`).toMatch(/huge\.png: the picture declares 30,000×30,000 pixels/);
      expect(await leftovers(path.join(home, 'datasets'))).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env.MLP_STUDIO_HOME;
      else process.env.MLP_STUDIO_HOME = saved;
    }
  }, 60_000);
});
