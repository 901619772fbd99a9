/**
 * Decoding one picture for the image-folder importer: its size from the header first (a
 * picture declaring over 50 megapixels is refused before any pixel is decoded), its colour,
 * and its pixels at the target size. PNG and JPEG, WebP, GIF go through sharp, which decodes
 * on its own threads; small PNGs through pngjs and BMP through bmp-ts, on the caller's.
 */
import { decode as decodeBmp } from 'bmp-ts';
import { PNG } from 'pngjs';
import sharp, { type Metadata, type Sharp } from 'sharp';
import { DatasetImportError, fmtCount } from './errors';
import type { FileKind } from './sniff';

export interface Info {
  width: number;
  height: number;
  channels: 1 | 3;
}

/** The most pixels one picture may declare; checked from the header, before anything is decoded. */
export const MAX_PICTURE_PIXELS = 50_000_000;
/**
 * PNGs up to this many pixels are decoded by pngjs on the calling thread (for the small
 * pictures MLPs take it is several times faster than a sharp pipeline); larger ones go
 * through sharp, which decodes on its own threads and leaves the event loop free.
 */
const SYNC_PNG_PIXELS = 1 << 20;
/**
 * BMP has no off-thread decoder here (sharp does not read it): bmp-ts blocks the event loop
 * for about 0.1 s per megapixel, so larger BMPs are refused with a way out (convert to PNG).
 */
export const MAX_BMP_PIXELS = 4_000_000;

/** Width and height as the file's header declares them, without decoding any pixel. */
async function declaredSize(file: string, buf: Buffer, kind: FileKind): Promise<{ width: number; height: number; meta?: Metadata }> {
  let width = 0;
  let height = 0;
  let meta: Metadata | undefined;
  if (kind === 'png') {
    // IHDR is the first chunk: width and height right after its type
    if (buf.length >= 24 && buf.toString('latin1', 12, 16) === 'IHDR') {
      width = buf.readUInt32BE(16);
      height = buf.readUInt32BE(20);
    }
  } else if (kind === 'bmp') {
    const headerSize = buf.length >= 18 ? buf.readUInt32LE(14) : 0;
    if (headerSize === 12 && buf.length >= 22) {
      width = buf.readUInt16LE(18);
      height = buf.readUInt16LE(20);
    } else if (headerSize >= 40 && buf.length >= 26) {
      width = buf.readInt32LE(18);
      height = Math.abs(buf.readInt32LE(22));
    }
  } else {
    try {
      meta = await sharp(buf, { pages: 1, limitInputPixels: false }).metadata();
      width = meta.width ?? 0;
      height = meta.height ?? 0;
    } catch (e) {
      throw new DatasetImportError(`${file}: not a readable ${kind.toUpperCase()} image (${(e as Error).message}); it is corrupt or truncated. Remove or replace it.`);
    }
  }
  if (!(width > 0 && height > 0)) throw new DatasetImportError(`${file}: not a readable ${kind.toUpperCase()} image (its header gives no size); it is corrupt or truncated. Remove or replace it.`);
  if (width * height > MAX_PICTURE_PIXELS) {
    throw new DatasetImportError(
      `${file}: the picture declares ${fmtCount(width)}×${fmtCount(height)} pixels (${fmtCount(Math.round((width * height) / 1e6))} megapixels); ` +
        `the studio reads pictures of up to ${fmtCount(MAX_PICTURE_PIXELS / 1e6)} megapixels, so it was not decoded. Shrink it or remove it from the folder.`,
    );
  }
  if (kind === 'bmp' && width * height > MAX_BMP_PIXELS) {
    throw new DatasetImportError(
      `${file}: a BMP picture of ${fmtCount(width)}×${fmtCount(height)} pixels; BMP pictures are read up to ${fmtCount(MAX_BMP_PIXELS / 1e6)} megapixels ` +
        '(they cannot be decoded in the background). Convert it to PNG, or shrink it, and import again.',
    );
  }
  return { width, height, meta };
}

/** Width, height and colour of an image: the size from its header, the colour from the pixels where the header cannot tell. */
export async function probe(file: string, buf: Buffer, kind: FileKind): Promise<Info> {
  const { width, height, meta } = await declaredSize(file, buf, kind);
  try {
    if (kind === 'bmp' || (kind === 'png' && width * height <= SYNC_PNG_PIXELS)) {
      const rgb = kind === 'bmp' ? bmpToRgba(buf) : pngToRgb(buf);
      return { width: rgb.width, height: rgb.height, channels: rgb.gray ? 1 : 3 };
    }
    const m = meta ?? (await sharp(buf, { pages: 1, limitInputPixels: MAX_PICTURE_PIXELS }).metadata());
    let gray = m.channels === 1 || m.channels === 2 || m.space === 'b-w' || m.space === 'grey16';
    if (!gray) {
      // WebP, GIF, palette PNGs and many JPEGs store grey pictures as colour: look at the pixels
      const { data, info } = await sharp(buf, { pages: 1, limitInputPixels: MAX_PICTURE_PIXELS })
        .flatten({ background: '#000000' })
        .toColourspace('srgb')
        .raw()
        .toBuffer({ resolveWithObject: true });
      const c = info.channels;
      gray = true;
      for (let i = 0; i + 2 < data.length && gray; i += c) if (data[i] !== data[i + 1] || data[i] !== data[i + 2]) gray = false;
    }
    return { width, height, channels: gray ? 1 : 3 };
  } catch (e) {
    if (e instanceof DatasetImportError) throw e;
    throw new DatasetImportError(`${file}: not a readable ${kind.toUpperCase()} image (${(e as Error).message}); it is corrupt or truncated. Remove or replace it.`);
  }
}

/**
 * PNG through pngjs: for the small images MLPs take it is several times faster than a sharp
 * pipeline (no thread hop per image). Alpha is flattened onto black, as sharp does below.
 */
function pngToRgb(buf: Buffer): { data: Buffer; width: number; height: number; gray: boolean } {
  const img = PNG.sync.read(buf);
  const { width, height } = img;
  const src = img.data;
  const data = Buffer.alloc(width * height * 3);
  let gray = true;
  for (let p = 0, q = 0; q < data.length; p += 4, q += 3) {
    const a = src[p + 3];
    if (a === 255) {
      data[q] = src[p];
      data[q + 1] = src[p + 1];
      data[q + 2] = src[p + 2];
    } else {
      data[q] = Math.round((src[p] * a) / 255);
      data[q + 1] = Math.round((src[p + 1] * a) / 255);
      data[q + 2] = Math.round((src[p + 2] * a) / 255);
    }
    if (gray && (data[q] !== data[q + 1] || data[q] !== data[q + 2])) gray = false;
  }
  return { data, width, height, gray };
}

function bmpToRgba(buf: Buffer): { data: Buffer; width: number; height: number; gray: boolean } {
  const img = decodeBmp(buf, { toRGBA: true });
  const width = img.width;
  const height = Math.abs(img.height);
  if (img.data.length < width * height * 4 || width <= 0 || height <= 0) throw new Error('truncated pixel data');
  // BMP alpha is unused in most files (24-bit ones decode with alpha 0): keep RGB only
  const data = Buffer.alloc(width * height * 3);
  let gray = true;
  for (let p = 0, q = 0; q < data.length; p += 4, q += 3) {
    data[q] = img.data[p];
    data[q + 1] = img.data[p + 1];
    data[q + 2] = img.data[p + 2];
    if (gray && (data[q] !== data[q + 1] || data[q] !== data[q + 2])) gray = false;
  }
  return { data, width, height, gray };
}

export interface Target {
  width: number;
  height: number;
  channels: 1 | 3;
  fit: 'contain' | 'cover';
}

/** Decodes one image to C×H×W uint8 at the target size. */
export async function decodeTo(file: string, buf: Buffer, src: Info & { kind: FileKind }, t: Target): Promise<{ chw: Uint8Array; resized: boolean }> {
  const kind = src.kind;
  const smallPng = kind === 'png' && src.width * src.height <= SYNC_PNG_PIXELS;
  try {
    if (smallPng) {
      const b = pngToRgb(buf);
      if (b.width === t.width && b.height === t.height) {
        const plane = b.width * b.height;
        const chw = new Uint8Array(t.channels * plane);
        if (t.channels === 3) for (let p = 0; p < plane; p++) for (let k = 0; k < 3; k++) chw[k * plane + p] = b.data[p * 3 + k];
        else if (b.gray) for (let p = 0; p < plane; p++) chw[p] = b.data[p * 3];
        else for (let p = 0; p < plane; p++) chw[p] = Math.round(0.2126 * b.data[p * 3] + 0.7152 * b.data[p * 3 + 1] + 0.0722 * b.data[p * 3 + 2]);
        return { chw, resized: false };
      }
    }
    let img: Sharp;
    if (kind === 'bmp' || smallPng) {
      const b = kind === 'bmp' ? bmpToRgba(buf) : pngToRgb(buf);
      img = sharp(b.data, { raw: { width: b.width, height: b.height, channels: 3 } });
    } else img = sharp(buf, { pages: 1, failOn: 'error', limitInputPixels: MAX_PICTURE_PIXELS });
    img = img.flatten({ background: '#000000' });
    if (t.channels === 1) img = img.toColourspace('b-w');
    else img = img.toColourspace('srgb');
    const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
    let raw = data;
    let w = info.width;
    let h = info.height;
    let resized = false;
    if (w !== t.width || h !== t.height) {
      const r = await sharp(raw, { raw: { width: w, height: h, channels: info.channels as 1 | 3 } })
        .resize(t.width, t.height, { fit: t.fit, position: 'centre', background: { r: 0, g: 0, b: 0, alpha: 1 } })
        .raw()
        .toBuffer({ resolveWithObject: true });
      raw = r.data;
      w = r.info.width;
      h = r.info.height;
      resized = true;
    }
    const c = raw.length / (w * h);
    const plane = w * h;
    const chw = new Uint8Array(t.channels * plane);
    if (c === t.channels && c === 1) chw.set(raw);
    else if (c === 1) for (let k = 0; k < 3; k++) chw.set(raw, k * plane);
    else for (let p = 0; p < plane; p++) for (let k = 0; k < t.channels; k++) chw[k * plane + p] = t.channels === 1 ? raw[p * c] : raw[p * c + k];
    return { chw, resized };
  } catch (e) {
    throw new DatasetImportError(`${file}: the image cannot be decoded (${(e as Error).message}); it is corrupt or truncated. Remove or replace it.`);
  }
}
