/**
 * Issue 13, item 1: a folder of phone photos imports as it is. Large JPEGs stored sideways
 * with an EXIF turn, greyscale, palette, 16-bit, transparent PNGs and CMYK JPEGs mixed in,
 * a corrupt picture and a copy of another: it imports with no option (the longest side
 * brought to 32 px, colour because some pictures are colour, EXIF applied, transparency on
 * white), lists what it skipped, and trains with the defaults.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Trainer, defaultTrainConfig } from '../engine';
import { createNodeRuntime } from '../runtime/node';
import { imageSettingsOf } from './meta-schema';
import { DatasetLibrary } from './library';
import { greyPng, photoPixels, png16, sidewaysJpeg, transparentPng, writePhotoFolder } from '../../tests/helpers/photo-fixtures';
import { pictureToSample } from './picture-decode';
import { tempDir } from '../../tests/helpers/test-fixtures';

let root: string;
let lib: DatasetLibrary;

beforeAll(async () => {
  root = await tempDir('mlps-photos-');
  lib = new DatasetLibrary(path.join(root, 'home'));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

/** mean of the first channel over rows [r0, r1) of a C×H×W sample */
function rowsMean(x: ArrayLike<number>, h: number, w: number, r0: number, r1: number): number {
  let s = 0;
  for (let r = r0; r < r1; r++) for (let c = 0; c < w; c++) s += x[r * w + c];
  return s / ((r1 - r0) * w);
}

describe('a folder of phone photos', () => {
  it('imports with no option: EXIF turns applied, mixed colour modes brought to colour, longest side 32, bad and duplicate files listed', async () => {
    const dir = await writePhotoFolder(path.join(root, 'phone'), { photos: 6, w: 600, h: 800, odd: true });
    const broken = path.join(dir, 'a', 'IMG_2000.jpg');
    const good = await fs.readFile(path.join(dir, 'a', 'IMG_1000.jpg'));
    await fs.writeFile(broken, Buffer.concat([good.subarray(0, 200), Buffer.alloc(300, 0x11)]));
    await fs.writeFile(path.join(dir, 'b', 'notes.png'), 'not a picture at all');
    await fs.writeFile(path.join(dir, 'b', 'IMG_1000 copy.jpg'), await fs.readFile(path.join(dir, 'b', 'IMG_1000.jpg')));
    const m = await lib.import([dir], { seed: 1 });
    expect(m.sampleShape).toEqual([3, 32, 24]);
    expect(m.train.count + m.test.count).toBe(22);
    expect(m.preprocessing.image).toEqual({ size: [32, 24], channels: 3, fit: 'pad', exif: true, alpha: 'white' });
    const skipped = m.skipped!.files.map((f) => `${path.basename(f.path)}: ${f.reason}`);
    expect(skipped).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^IMG_2000\.jpg: .*(corrupt|truncated|cannot be decoded)/),
        expect.stringMatching(/^notes\.png: .*not a picture|^notes\.png: .*holds text/),
        expect.stringMatching(/^IMG_1000( copy)?\.jpg: identical to .*IMG_1000( copy)?\.jpg/),
      ]),
    );
    // the photos stand upright: class a (label 0) is bright at the top, class b at the bottom
    const d = await lib.loadTrainingData(m.id);
    const plane = 32 * 24;
    const brightTop = [0, 0];
    for (let i = 0; i < d.train.n; i++) {
      const x = d.train.x.subarray(i * 3 * plane, (i + 1) * 3 * plane);
      const top = rowsMean(x, 32, 24, 2, 9);
      const bottom = rowsMean(x, 32, 24, 23, 30);
      // sideways, the band would run down the side and top and bottom look alike
      expect(Math.abs(top - bottom), `sample ${i}`).toBeGreaterThan(80);
      // class a's photos are bright at the top (its transparent cut-out, dark band on white, the other way)
      if (top > bottom) brightTop[d.train.y[i]]++;
    }
    expect(brightTop[0]).toBeGreaterThan(brightTop[1]);
    // and it trains with the defaults (one epoch, to keep the test short)
    const classes = d.classNames.length;
    const trainer = new Trainer({
      spec: { inputShape: d.sampleShape, classes, layers: [{ kind: 'linear', units: 16, bias: true }, { kind: 'relu' }, { kind: 'linear', units: classes, bias: true }] },
      config: { ...defaultTrainConfig(), epochs: 1 },
      data: d,
      runtime: createNodeRuntime('cpu', { threads: 1 }),
    });
    expect((await trainer.run()).status).toBe('finished');
  });

  it('a folder of greyscale pictures only stays greyscale, longest side 28', async () => {
    const dir = path.join(root, 'grey');
    for (const [cls, name] of [[0, 'a'], [1, 'b']] as const) {
      await fs.mkdir(path.join(dir, name), { recursive: true });
      for (let i = 0; i < 3; i++) await fs.writeFile(path.join(dir, name, `${i}.png`), await greyPng(cls, 300, 200, i));
    }
    const m = await lib.import([dir]);
    expect(m.sampleShape).toEqual([1, 19, 28]);
    expect(imageSettingsOf(m)).toEqual({ size: [19, 28], channels: 1, fit: 'pad', exif: true, alpha: 'white' });
  });

  it('honours a chosen longest side, channel count and centre crop', async () => {
    const dir = await writePhotoFolder(path.join(root, 'chosen'), { photos: 2, w: 300, h: 400 });
    const m = await lib.import([dir], { imageLongSide: 48, imageChannels: 1, resize: 'crop' });
    expect(m.sampleShape).toEqual([1, 48, 36]);
    expect(m.preprocessing.image).toEqual({ size: [48, 36], channels: 1, fit: 'crop', exif: true, alpha: 'white' });
    await expect(lib.import([dir], { imageLongSide: 200, name: 'too big' })).rejects.toThrow(/16 to 96/);
  });
});

describe('pictureToSample (one picture, the dataset\'s settings)', () => {
  const settings = { size: [32, 24] as [number, number], channels: 3 as const, fit: 'pad' as const, exif: true, alpha: 'white' as const };

  it('applies the EXIF turn', async () => {
    const x = await pictureToSample(await sidewaysJpeg(0, 600, 800, 3), settings);
    expect(x.length).toBe(3 * 32 * 24);
    expect(rowsMean(x, 32, 24, 2, 9) - rowsMean(x, 32, 24, 23, 30)).toBeGreaterThan(80);
  });

  it('puts transparent pixels on white', async () => {
    const x = await pictureToSample(await transparentPng(1, 60, 80, 2), settings);
    expect(rowsMean(x, 32, 24, 1, 9)).toBeGreaterThan(245);
    expect(rowsMean(x, 32, 24, 24, 31)).toBeLessThan(80);
    // a large one goes through the other decoder: the same answer
    const big = await pictureToSample(await transparentPng(1, 900, 1200, 2), settings);
    expect(rowsMean(big, 32, 24, 1, 9)).toBeGreaterThan(245);
  });

  it('scales 16-bit pictures to 8-bit (not clipped), small and large', async () => {
    for (const [w, h] of [[60, 80], [900, 1200]]) {
      const x = await pictureToSample(await png16(0, w, h, 4), settings);
      const ref = await pictureToSample(await sharp(photoPixels(0, w, h, 4), { raw: { width: w, height: h, channels: 3 } }).png().toBuffer(), settings);
      let diff = 0;
      for (let i = 0; i < x.length; i++) diff = Math.max(diff, Math.abs(x[i] - ref[i]));
      expect(diff, `${w}×${h}`).toBeLessThanOrEqual(2);
    }
  });

  it('names the picture when it cannot be read', async () => {
    await expect(pictureToSample(Buffer.from('hello'), settings, 'hello.png')).rejects.toThrow(/hello\.png: .*not a picture/);
  });
});
