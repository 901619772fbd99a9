/** Issue 13, item 1: a .zip of class folders imports; entries leading outside the archive's root are refused before anything is expanded. */
import fs from 'node:fs/promises';
import path from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetLibrary } from './library';
import { greyPng, sidewaysJpeg } from '../../tests/helpers/photo-fixtures';
import { tempDir } from '../../tests/helpers/test-fixtures';

let root: string;
let lib: DatasetLibrary;

beforeAll(async () => {
  root = await tempDir('mlps-picture-zip-');
  lib = new DatasetLibrary(path.join(root, 'home'));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

async function pictures(): Promise<Record<string, Uint8Array>> {
  const entries: Record<string, Uint8Array> = {};
  for (let i = 0; i < 4; i++) {
    entries[`pets/cat/${i}.jpg`] = await sidewaysJpeg(0, 120, 160, i + 1);
    entries[`pets/dog/${i}.jpg`] = await sidewaysJpeg(1, 120, 160, i + 11);
  }
  entries['pets/dog/broken.png'] = new TextEncoder().encode('not a picture');
  return entries;
}

describe('a .zip of class folders', () => {
  it('imports (inside its one top folder), named by the archive, and leaves nothing expanded behind', async () => {
    const file = path.join(root, 'pets.zip');
    await fs.writeFile(file, zipSync({ ...(await pictures()), '__MACOSX/pets/._x': new Uint8Array(3) }));
    const m = await lib.import([file]);
    expect(m.classNames).toEqual(['cat', 'dog']);
    expect(m.train.count + m.test.count).toBe(8);
    expect(m.sampleShape).toEqual([3, 32, 24]);
    expect(m.sources).toEqual([file]);
    expect(m.skipped!.files.map((f) => f.path)).toContain(`${file}:pets/dog/broken.png`);
    const stored = await fs.readdir(path.join(lib.dir, m.id));
    expect(stored.filter((n) => n === 'unzipped')).toEqual([]);
  });

  it('an entry declaring far more than pictures compress to is refused before anything is expanded', async () => {
    const file = path.join(root, 'bomb.zip');
    await fs.writeFile(file, zipSync({ ...(await pictures()), 'pets/cat/huge.png': new Uint8Array(20 << 20) }));
    await expect(lib.import([file])).rejects.toThrow(/bomb\.zip: "pets\/cat\/huge\.png" declares 2\d[.\d]* MB from .* compressed \(\d+ to 1\); pictures do not shrink that much/);
    expect((await fs.readdir(lib.dir)).filter((n) => n.startsWith('.staging'))).toEqual([]);
  });

  it('an entry with .. or an absolute path refuses the archive, naming the entry, with nothing written', async () => {
    for (const evil of ['../evil.png', '/tmp/evil.png', 'pets/../../evil.png']) {
      const file = path.join(root, 'evil.zip');
      await fs.writeFile(file, zipSync({ ...(await pictures()), [evil]: await greyPng(0, 8, 8, 1) }));
      await expect(lib.import([file])).rejects.toThrow(new RegExp(`evil\\.zip: the entry "${evil.replace(/[.*/]/g, '\\$&')}" leads outside the archive`));
      await expect(fs.stat(path.join(root, 'evil.png'))).rejects.toThrow();
      expect((await fs.readdir(lib.dir)).filter((n) => n.startsWith('.staging'))).toEqual([]);
    }
  });
});
