/** Issue 13, item 1: one folder of pictures plus a CSV of filename,label (as Kaggle ships them). */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetLibrary } from './library';
import { greyPng, sidewaysJpeg } from '../../tests/helpers/photo-fixtures';
import { tempDir } from '../../tests/helpers/test-fixtures';

let root: string;
let lib: DatasetLibrary;

beforeAll(async () => {
  root = await tempDir('mlps-picture-csv-');
  lib = new DatasetLibrary(path.join(root, 'home'));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

describe('a folder of pictures and a CSV of filename,label', () => {
  it('Kaggle layout: train/ of pictures named by id, train.csv of id,label without extensions', async () => {
    const dir = path.join(root, 'kaggle');
    await fs.mkdir(path.join(dir, 'train'), { recursive: true });
    const lines = ['id,label'];
    for (let i = 0; i < 8; i++) {
      const cls = (i % 2) as 0 | 1;
      await fs.writeFile(path.join(dir, 'train', `${1000 + i}.jpg`), await sidewaysJpeg(cls, 120, 160, i + 1));
      lines.push(`${1000 + i},${cls ? 'dog' : 'cat'}`);
    }
    lines.push('9999,cat'); // no such picture
    await fs.writeFile(path.join(dir, 'train', 'stray.jpg'), await sidewaysJpeg(0, 120, 160, 50)); // not in the CSV
    await fs.writeFile(path.join(dir, 'train.csv'), lines.join('\n') + '\n');
    // Kaggle also ships test/ and a sample_submission.csv naming its pictures with a dummy label
    await fs.mkdir(path.join(dir, 'test'));
    await fs.writeFile(path.join(dir, 'test', '5000.jpg'), await sidewaysJpeg(0, 120, 160, 77));
    await fs.writeFile(path.join(dir, 'sample_submission.csv'), 'id,label\n5000,0\n');
    const m = await lib.import([dir]);
    expect(m.format).toBe('image-folder');
    expect(m.classNames).toEqual(['cat', 'dog']);
    expect(m.train.count + m.test.count).toBe(8);
    expect(m.sampleShape).toEqual([3, 32, 24]);
    expect(m.preprocessing.labels).toBe('from train.csv (filename,label)');
    const reasons = m.skipped!.files.map((f) => `${path.basename(f.path)}: ${f.reason}`);
    expect(reasons).toEqual(expect.arrayContaining([expect.stringMatching(/^9999: line 10 of train\.csv names it, but there is no such picture/), 'stray.jpg: not listed in train.csv']));
  });

  it('pictures beside labels.csv with a named label column; names outside the folder are not followed', async () => {
    const dir = path.join(root, 'beside');
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(path.join(root, 'outside.png'), await greyPng(0, 20, 20, 1));
    const lines = ['filename,size,species'];
    for (let i = 0; i < 6; i++) {
      await fs.writeFile(path.join(dir, `p${i}.png`), await greyPng((i % 2) as 0 | 1, 20, 20, i));
      lines.push(`p${i}.png,${i},${i % 2 ? 'fern' : 'moss'}`);
    }
    lines.push('../outside.png,9,moss');
    await fs.writeFile(path.join(dir, 'labels.csv'), lines.join('\r\n'));
    const m = await lib.import([dir]);
    expect(m.classNames).toEqual(['fern', 'moss']);
    expect(m.sampleShape).toEqual([1, 20, 20]);
    expect(m.train.count + m.test.count).toBe(6);
    expect(m.skipped!.files.map((f) => f.reason)).toEqual(expect.arrayContaining([expect.stringMatching(/line 8 of labels\.csv names it, but there is no such picture/)]));
  });

  it('a CSV whose every picture has one label is refused, naming the CSV', async () => {
    const dir = path.join(root, 'one-label');
    await fs.mkdir(dir, { recursive: true });
    for (let i = 0; i < 3; i++) await fs.writeFile(path.join(dir, `p${i}.png`), await greyPng(0, 20, 20, i));
    await fs.writeFile(path.join(dir, 'labels.csv'), 'file,label\np0.png,moss\np1.png,moss\np2.png,moss\n');
    await expect(lib.import([dir])).rejects.toThrow(/labels\.csv: every listed picture has the label "moss"/);
  });
});
