/**
 * Issue 13 item 2: the import preview of pictures, before anything is stored — classes and
 * counts, the sizes and colours found, the chosen size, colour and fit (changeable with the
 * import's own options), pictures as the network will see them, and the files left out.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writePhotoFolder } from '../../tests/helpers/photo-fixtures';
import { DatasetGateway } from './datasets';

let home: string;
let gateway: DatasetGateway;
let dir: string;

beforeAll(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-studio-picture-preview-'));
  gateway = new DatasetGateway(home, () => undefined);
  dir = await writePhotoFolder(path.join(home, 'src', 'phone'), { photos: 3, w: 300, h: 400, odd: true });
  fs.writeFileSync(path.join(dir, 'a', 'notes.txt'), 'not a picture');
  fs.writeFileSync(path.join(dir, 'a', 'broken.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46]));
  fs.copyFileSync(path.join(dir, 'b', 'IMG_1000.jpg'), path.join(dir, 'b', 'copy.jpg'));
});
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

const datasetsOnDisk = () => (fs.existsSync(path.join(home, 'datasets')) ? fs.readdirSync(path.join(home, 'datasets')) : []);

describe('previewPictures', () => {
  it('shows what the import would make, and stores nothing', async () => {
    const p = await gateway.previewPictures({ paths: [dir] });
    expect(p.classes).toEqual([
      { name: 'a', train: 8, test: 0 },
      { name: 'b', train: 8, test: 0 },
    ]);
    expect(p.hasTest).toBe(false);
    // the phone photos are seen upright (EXIF applied): 300 wide, 400 high
    expect(p.sizes).toEqual([
      { size: [80, 60], count: 10 },
      { size: [400, 300], count: 6 },
    ]);
    expect(p.colour.grey).toBeGreaterThan(0);
    expect(p.colour.colour).toBeGreaterThan(0);
    // the most common size is small enough for a network: it is kept
    expect(p.settings).toEqual({ size: [80, 60], channels: 3, fit: 'pad', exif: true, alpha: 'white' });
    expect(p.sizeChosen).toMatch(/most common/);
    expect(p.duplicates).toBe(1);
    expect(p.unreadable).toBe(1);
    const skipped = Object.fromEntries(p.skipped.files.map((f) => [path.basename(f.path), f.reason]));
    expect(p.skipped.count).toBe(3);
    expect(skipped['notes.txt']).toBe('not an image');
    expect(skipped['broken.jpg']).toMatch(/^unreadable, left out/);
    // of two identical files one is kept, the other listed
    expect(skipped['copy.jpg'] ?? skipped['IMG_1000.jpg']).toMatch(/^identical to /);
    expect(p.samples).toHaveLength(8);
    expect(new Set(p.samples.map((s) => s.label))).toEqual(new Set([0, 1]));
    const first = p.samples[0];
    const png = Buffer.from(first.png.replace(/^data:image\/png;base64,/, ''), 'base64');
    const m = await sharp(png).metadata();
    expect([m.width, m.height]).toEqual([60, 80]);
    // nothing stored: no dataset, no staging folder left behind
    expect(datasetsOnDisk().filter((d) => !d.startsWith('.'))).toEqual([]);
    expect(datasetsOnDisk().filter((d) => d.startsWith('.staging'))).toEqual([]);
  });

  it('takes the import options: size, colour and crop, as the import will use them', async () => {
    const p = await gateway.previewPictures({ paths: [dir], imageSize: 16, channels: 1, crop: true });
    expect(p.settings).toEqual({ size: [16, 12], channels: 1, fit: 'crop', exif: true, alpha: 'white' });
    const { data, info } = await sharp(Buffer.from(p.samples[0].png.split(',')[1], 'base64')).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([12, 16]);
    // grey: every pixel's channels are equal
    for (let i = 0; i < data.length; i += info.channels) expect(new Set(data.subarray(i, i + info.channels)).size).toBe(1);
  });

  it('shows exactly the pixels the import stores for the same picture', async () => {
    const p = await gateway.previewPictures({ paths: [dir], imageSize: 16, channels: 1 });
    const meta = await gateway.library.import([dir], { imageLongSide: 16, imageChannels: 1, name: 'same pixels' });
    const all = (n: number) => [...Array(n).keys()];
    const stored = [...(await gateway.library.samplePngs(meta.id, 'train', all(meta.train.count))), ...(await gateway.library.samplePngs(meta.id, 'test', all(meta.test.count)))];
    const shown = await Promise.all(p.samples.map(async (s) => (await sharp(Buffer.from(s.png.split(',')[1], 'base64')).raw().toBuffer()).toString('hex')));
    const kept = await Promise.all(stored.map(async (png) => (await sharp(Buffer.from(png.split(',')[1], 'base64')).raw().toBuffer()).toString('hex')));
    for (const s of shown) expect(kept).toContain(s);
    await gateway.delete(meta.id);
  });

  it('refuses what is not pictures, by name, and a folder that is not there', async () => {
    const csv = path.join(home, 'src', 'table.csv');
    fs.writeFileSync(csv, 'a,b,label\n1,2,x\n3,4,y\n5,6,x\n');
    await expect(gateway.previewPictures({ paths: [csv] })).rejects.toMatchObject({ code: 'bad_request', message: expect.stringMatching(/not a folder or \.zip of pictures/) });
    await expect(gateway.previewPictures({ paths: [path.join(home, 'nowhere')] })).rejects.toMatchObject({ message: expect.stringMatching(/nowhere/) });
    expect(datasetsOnDisk().filter((d) => d.startsWith('.staging'))).toEqual([]);
  });
});
