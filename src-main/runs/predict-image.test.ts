/**
 * Issue 15, item 16: `predict` on a corrupt picture names the file and says what is wrong in
 * plain words, never a decoder's raw message (`vipspng: libpng read error`); a picture
 * declaring more pixels than allowed is refused from its header.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pngBomb } from '../../tests/helpers/bomb-fixtures';
import { classImage, encodeImage, tempDir } from '../../tests/helpers/test-fixtures';
import { PredictInputError, readImageSample, readSamples } from './predict';

let root: string;
beforeAll(async () => {
  root = await tempDir('mlps-predict-');
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

describe('predict on bad pictures', () => {
  it('a truncated PNG (a valid header, cut pixel data) is named and called corrupt, without the decoder jargon', async () => {
    const good = await encodeImage(classImage(1, 28, 28, 1, 3), 28, 28, 1, 'png');
    const file = path.join(root, 'cut.png');
    await fs.writeFile(file, good.subarray(0, Math.floor(good.length * 0.6)));
    const err = await readImageSample(file, [1, 28, 28]).then(() => null, (e: Error) => e);
    expect(err).toBeInstanceOf(PredictInputError);
    expect(err!.message).toContain(file);
    expect(err!.message).toMatch(/corrupt or truncated/);
    expect(err!.message).not.toMatch(/vips|libpng|read error/i);
  });

  it('with the dataset’s picture settings (exports since issue 13) a truncated PNG is called corrupt in plain words too', async () => {
    const good = await encodeImage(classImage(1, 28, 28, 1, 3), 28, 28, 1, 'png');
    const file = path.join(root, 'cut-too.png');
    await fs.writeFile(file, good.subarray(0, Math.floor(good.length * 0.6)));
    const model = { sampleShape: [1, 28, 28], sampleSize: 784, imageSettings: { size: [28, 28] as [number, number], channels: 1 as const, fit: 'pad' as const, exif: false, alpha: 'black' as const } };
    const err = await readSamples([file], model).then(() => null, (e: Error) => e);
    expect(err).toBeInstanceOf(PredictInputError);
    expect(err!.message).toMatch(/cut-too\.png: the PNG picture is corrupt or truncated/);
    expect(err!.message).not.toMatch(/vips|libpng|read error|stream|Remove or replace/i);
  });

  it('a PNG declaring 30000×30000 is refused from its header', async () => {
    const file = path.join(root, 'huge.png');
    await fs.writeFile(file, pngBomb(30000, 30000));
    await expect(readImageSample(file, [1, 28, 28])).rejects.toThrow(/huge\.png: the picture declares 30,000×30,000 pixels/);
  }, 30_000);
});
