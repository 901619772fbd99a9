/**
 * Generated "phone photos" for the photo-import tests and bench/photo-import.ts: large JPEGs
 * stored sideways with an EXIF orientation, and the odd pictures people mix in (greyscale,
 * palette, 16-bit and transparent PNGs, CMYK JPEGs). Each class has its own bright band so a
 * picture that trains sideways is visible in the pixels.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';

/**
 * The picture as it should be seen (portrait, `w`×`h`), class 0 with a bright top third,
 * class 1 with a bright bottom third, tinted red so it is colour; plus noise from `seed`.
 */
export function photoPixels(cls: 0 | 1, w: number, h: number, seed: number, channels: 1 | 3 = 3): Buffer {
  const out = Buffer.alloc(w * h * channels);
  let s = seed * 2654435761 || 1;
  for (let y = 0; y < h; y++) {
    const band = cls === 0 ? y < h / 3 : y >= (2 * h) / 3;
    for (let x = 0; x < w; x++) {
      s = (s * 1103515245 + 12345) >>> 0;
      const n = (s >>> 24) % 24;
      const v = band ? 230 - n : 20 + n;
      const p = (y * w + x) * channels;
      if (channels === 1) out[p] = v;
      else {
        out[p] = Math.min(255, v + 20);
        out[p + 1] = Math.max(0, v - 20);
        out[p + 2] = Math.max(0, v - 20);
      }
    }
  }
  return out;
}

/** A JPEG whose pixels are stored turned 90° anticlockwise with EXIF orientation 6 (turn clockwise to view), as phones write portrait shots. */
export async function sidewaysJpeg(cls: 0 | 1, w: number, h: number, seed: number): Promise<Buffer> {
  const upright = sharp(photoPixels(cls, w, h, seed), { raw: { width: w, height: h, channels: 3 } });
  const stored = await upright.rotate(-90).raw().toBuffer({ resolveWithObject: true });
  return sharp(stored.data, { raw: { width: stored.info.width, height: stored.info.height, channels: 3 } })
    .jpeg({ quality: 85 })
    .withMetadata({ orientation: 6 })
    .toBuffer();
}

export async function greyPng(cls: 0 | 1, w: number, h: number, seed: number): Promise<Buffer> {
  return sharp(photoPixels(cls, w, h, seed, 1), { raw: { width: w, height: h, channels: 1 } }).png().toBuffer();
}

export async function palettePng(cls: 0 | 1, w: number, h: number, seed: number): Promise<Buffer> {
  return sharp(photoPixels(cls, w, h, seed), { raw: { width: w, height: h, channels: 3 } }).png({ palette: true, colours: 16 }).toBuffer();
}

export async function png16(cls: 0 | 1, w: number, h: number, seed: number): Promise<Buffer> {
  return sharp(photoPixels(cls, w, h, seed), { raw: { width: w, height: h, channels: 3 } }).toColourspace('rgb16').png().toBuffer();
}

/** RGBA: the class band opaque, everything else fully transparent (it must come out white, not black). */
export async function transparentPng(cls: 0 | 1, w: number, h: number, seed: number): Promise<Buffer> {
  const rgb = photoPixels(cls, w, h, seed);
  const rgba = Buffer.alloc(w * h * 4);
  for (let y = 0; y < h; y++) {
    const band = cls === 0 ? y < h / 3 : y >= (2 * h) / 3;
    for (let x = 0; x < w; x++) {
      const p = y * w + x;
      // inside the band: dark opaque pixels, so the band stays the dark part of a white picture
      rgba[p * 4] = band ? 255 - rgb[p * 3] : rgb[p * 3];
      rgba[p * 4 + 1] = band ? 255 - rgb[p * 3 + 1] : rgb[p * 3 + 1];
      rgba[p * 4 + 2] = band ? 255 - rgb[p * 3 + 2] : rgb[p * 3 + 2];
      rgba[p * 4 + 3] = band ? 255 : 0;
    }
  }
  return sharp(rgba, { raw: { width: w, height: h, channels: 4 } }).png().toBuffer();
}

export async function cmykJpeg(cls: 0 | 1, w: number, h: number, seed: number): Promise<Buffer> {
  return sharp(photoPixels(cls, w, h, seed), { raw: { width: w, height: h, channels: 3 } }).toColourspace('cmyk').jpeg().toBuffer();
}

/**
 * A folder of class subfolders `a` (bright top) and `b` (bright bottom): `photos` sideways
 * EXIF JPEGs of w×h each, plus (with `odd`) one greyscale, palette, 16-bit, transparent PNG
 * and CMYK JPEG per class.
 */
export async function writePhotoFolder(dir: string, opts: { photos: number; w: number; h: number; odd?: boolean }): Promise<string> {
  for (const [cls, name] of [[0, 'a'], [1, 'b']] as const) {
    const d = path.join(dir, name);
    await fs.mkdir(d, { recursive: true });
    for (let i = 0; i < opts.photos; i++) await fs.writeFile(path.join(d, `IMG_${1000 + i}.jpg`), await sidewaysJpeg(cls, opts.w, opts.h, i + 1 + cls * 100));
    if (!opts.odd) continue;
    await fs.writeFile(path.join(d, 'grey.png'), await greyPng(cls, 60, 80, 7));
    await fs.writeFile(path.join(d, 'palette.png'), await palettePng(cls, 60, 80, 8));
    await fs.writeFile(path.join(d, 'deep.png'), await png16(cls, 60, 80, 9));
    await fs.writeFile(path.join(d, 'cutout.png'), await transparentPng(cls, 60, 80, 10));
    await fs.writeFile(path.join(d, 'print.jpg'), await cmykJpeg(cls, 60, 80, 11));
  }
  return dir;
}
