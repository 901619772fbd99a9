/** Samples drawn as PNG pictures (the Data screen's grid, the import preview, pictures of weights). */
import sharp from 'sharp';
import { DatasetError } from './errors';

export function pngDataUrl(png: Uint8Array): string {
  return `data:image/png;base64,${Buffer.from(png.buffer, png.byteOffset, png.byteLength).toString('base64')}`;
}

/** A [channels, height, width] uint8 image (1 or 3 channels) as PNG bytes: samples, and pictures of weights. */
export async function chwPng(pixels: Uint8Array, shape: number[]): Promise<Buffer> {
  const [c, h, w] = shape;
  if (shape.length !== 3 || (c !== 1 && c !== 3) || pixels.length !== c * h * w) throw new DatasetError('internal', `Cannot draw ${pixels.length} values as a ${shape.join('×')} image.`);
  const chw = Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength);
  let raw = chw;
  if (c > 1) {
    raw = Buffer.alloc(chw.length);
    const plane = h * w;
    for (let p = 0; p < plane; p++) for (let k = 0; k < c; k++) raw[p * c + k] = chw[k * plane + p];
  }
  return sharp(raw, { raw: { width: w, height: h, channels: c as 1 | 3 } }).png().toBuffer();
}
