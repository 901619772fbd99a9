/**
 * Decoding one picture for the image-folder importer: its size from the header first (a
 * picture declaring over 50 megapixels is refused before any pixel is decoded), its colour,
 * and its pixels at the target size. PNG and JPEG, WebP, GIF go through sharp, which decodes
 * on its own threads; small PNGs through pngjs and BMP through bmp-ts, on the caller's.
 * Whatever the picture's mode (greyscale, palette, 16-bit, CMYK, with transparency) it comes
 * out as 8-bit greyscale or sRGB; transparent pixels are composited on white (a cut-out on a
 * white page is how people see it; black would turn dark drawings into silhouettes); the
 * EXIF orientation of JPEG and WebP pictures is applied, so portrait phone photos stand up.
 */
import { decode as decodeBmp } from 'bmp-ts';
import { PNG } from 'pngjs';
import sharp, { type Metadata, type Sharp } from 'sharp';
import { DatasetImportError, fmtCount } from './errors';
import { IMAGE_KINDS, kindOfBytes, type FileKind } from './sniff';
import type { ImageSettings } from './types';

export interface Info {
  /** as the picture is seen: after its EXIF orientation where that is applied */
  width: number;
  height: number;
  channels: 1 | 3;
}

/**
 * A picture over one of the studio's limits (pixels, BMP size, file size): refused, not
 * skipped like a corrupt one, since these limits guard the machine (bombs) and say what to do.
 */
export class PictureLimitError extends DatasetImportError {}

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

/** sharp's own EXIF turn applies to these kinds; PNGs are read by pngjs when small, which has none, so never turned */
const exifKind = (kind: FileKind) => kind === 'jpeg' || kind === 'webp';

function unreadable(file: string, kind: FileKind, e: unknown): DatasetImportError {
  if (e instanceof DatasetImportError) return e;
  // the decoder's own words ("vipspng: libpng read error") mean nothing to a person: not repeated
  return new DatasetImportError(`${file}: the ${kind.toUpperCase()} picture is corrupt or truncated (its pixels cannot be decoded). Remove or replace it.`);
}

/**
 * An importer's refusal of one picture, for a picture given on its own (Try it, predict):
 * the advice about the import folder becomes `advice`.
 */
export function forOnePicture(message: string, advice: string): string {
  return message.replace(/ ?(Remove or replace it|Shrink it or remove it from the folder|Convert it to PNG, or shrink it, and import again)\.$/, ` ${advice}`);
}

/** the decoder's first line (libvips repeats its complaint over several) */

/** Width and height as the file's header declares them (turned by the EXIF orientation when `exif`), without decoding any pixel. */
async function declaredSize(file: string, buf: Buffer, kind: FileKind, exif: boolean): Promise<{ width: number; height: number; meta?: Metadata }> {
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
      const seen = exif && exifKind(kind) && meta.autoOrient ? meta.autoOrient : meta;
      width = seen.width ?? 0;
      height = seen.height ?? 0;
    } catch (e) {
      throw unreadable(file, kind, e);
    }
  }
  if (!(width > 0 && height > 0)) throw new DatasetImportError(`${file}: not a readable ${kind.toUpperCase()} image (its header gives no size); it is corrupt or truncated. Remove or replace it.`);
  if (width * height > MAX_PICTURE_PIXELS) {
    throw new PictureLimitError(
      `${file}: the picture declares ${fmtCount(width)}×${fmtCount(height)} pixels (${fmtCount(Math.round((width * height) / 1e6))} megapixels); ` +
        `the studio reads pictures of up to ${fmtCount(MAX_PICTURE_PIXELS / 1e6)} megapixels, so it was not decoded. Shrink it or remove it from the folder.`,
    );
  }
  if (kind === 'bmp' && width * height > MAX_BMP_PIXELS) {
    throw new PictureLimitError(
      `${file}: a BMP picture of ${fmtCount(width)}×${fmtCount(height)} pixels; BMP pictures are read up to ${fmtCount(MAX_BMP_PIXELS / 1e6)} megapixels ` +
        '(they cannot be decoded in the background). Convert it to PNG, or shrink it, and import again.',
    );
  }
  return { width, height, meta };
}

export interface ProbeOptions {
  /** apply the EXIF orientation (JPEG, WebP) */
  exif: boolean;
  /** the colour is already decided (chosen, or another picture has colour): skip looking at the pixels */
  colourKnown?: boolean;
}

/** Width, height and colour of an image: the size from its header, the colour from the pixels where the header cannot tell. */
export async function probe(file: string, buf: Buffer, kind: FileKind, o: ProbeOptions): Promise<Info> {
  const { width, height, meta } = await declaredSize(file, buf, kind, o.exif);
  try {
    if (kind === 'bmp' || (kind === 'png' && width * height <= SYNC_PNG_PIXELS)) {
      // decoding also proves the file is whole; these are small
      const rgb = kind === 'bmp' ? bmpToRgb(buf) : pngToRgb(buf, 255);
      return { width: rgb.width, height: rgb.height, channels: rgb.gray ? 1 : 3 };
    }
    const m = meta ?? (await sharp(buf, { pages: 1, limitInputPixels: MAX_PICTURE_PIXELS }).metadata());
    let gray = m.channels === 1 || m.channels === 2 || m.space === 'b-w' || m.space === 'grey16';
    if (!gray && !o.colourKnown) {
      // WebP, GIF, palette PNGs and many JPEGs store grey pictures as colour: look at the pixels,
      // shrunk on load (JPEGs decode at 1/8 scale), which is enough to see colour
      const { data, info } = await sharp(buf, { pages: 1, limitInputPixels: MAX_PICTURE_PIXELS })
        .resize(256, 256, { fit: 'inside', withoutEnlargement: true })
        .flatten({ background: '#ffffff' })
        .toColourspace('srgb')
        .raw({ depth: 'uchar' })
        .toBuffer({ resolveWithObject: true });
      const c = info.channels;
      gray = true;
      for (let i = 0; i + 2 < data.length && gray; i += c) if (data[i] !== data[i + 1] || data[i] !== data[i + 2]) gray = false;
    }
    return { width, height, channels: gray ? 1 : 3 };
  } catch (e) {
    throw unreadable(file, kind, e);
  }
}

/**
 * PNG through pngjs: for the small images MLPs take it is several times faster than a sharp
 * pipeline (no thread hop per image). pngjs expands palettes and scales 16-bit samples to
 * 8-bit; alpha is composited on `bg` (255: white, 0: black for datasets imported before).
 */
function pngToRgb(buf: Buffer, bg: number): { data: Buffer; width: number; height: number; gray: boolean } {
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
      const under = bg * (255 - a);
      data[q] = Math.round((src[p] * a + under) / 255);
      data[q + 1] = Math.round((src[p + 1] * a + under) / 255);
      data[q + 2] = Math.round((src[p + 2] * a + under) / 255);
    }
    if (gray && (data[q] !== data[q + 1] || data[q] !== data[q + 2])) gray = false;
  }
  return { data, width, height, gray };
}

function bmpToRgb(buf: Buffer): { data: Buffer; width: number; height: number; gray: boolean } {
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
  /** apply the EXIF orientation (JPEG, WebP) */
  exif: boolean;
  /** what transparent pixels are composited on */
  alpha: 'white' | 'black';
}

/** Interleaved H×W×C (C 1 or 3) to planar C×H×W with `channels` planes. */
function toChw(raw: Uint8Array, plane: number, channels: 1 | 3): Uint8Array {
  const c = raw.length / plane;
  const chw = new Uint8Array(channels * plane);
  if (c === channels && c === 1) chw.set(raw);
  else if (c === 1) for (let k = 0; k < 3; k++) chw.set(raw, k * plane);
  else if (channels === 1) for (let p = 0; p < plane; p++) chw[p] = Math.round(0.2126 * raw[p * c] + 0.7152 * raw[p * c + 1] + 0.0722 * raw[p * c + 2]);
  else for (let p = 0; p < plane; p++) for (let k = 0; k < 3; k++) chw[k * plane + p] = raw[p * c + k];
  return chw;
}

/** Decodes one image to C×H×W uint8 at the target size. */
export async function decodeTo(file: string, buf: Buffer, src: Info & { kind: FileKind }, t: Target): Promise<{ chw: Uint8Array; resized: boolean }> {
  const kind = src.kind;
  const bg = t.alpha === 'white' ? 255 : 0;
  const smallPng = kind === 'png' && src.width * src.height <= SYNC_PNG_PIXELS;
  const resized = src.width !== t.width || src.height !== t.height;
  try {
    let img: Sharp;
    if (kind === 'bmp' || smallPng) {
      const b = kind === 'bmp' ? bmpToRgb(buf) : pngToRgb(buf, bg);
      if (!resized) return { chw: toChw(b.gray && t.channels === 1 ? pickFirst(b.data) : b.data, b.width * b.height, t.channels), resized };
      img = sharp(b.data, { raw: { width: b.width, height: b.height, channels: 3 } });
    } else {
      // one pipeline: sharp shrinks JPEGs while decoding them, so a 12-megapixel photo costs a fraction of its full decode
      img = sharp(buf, { pages: 1, failOn: 'error', limitInputPixels: MAX_PICTURE_PIXELS, autoOrient: t.exif && exifKind(kind) });
    }
    if (resized) img = img.resize(t.width, t.height, { fit: t.fit, position: 'centre', background: { r: 0, g: 0, b: 0, alpha: 1 } });
    img = img.flatten({ background: t.alpha === 'white' ? '#ffffff' : '#000000' });
    img = img.toColourspace(t.channels === 1 ? 'b-w' : 'srgb');
    const { data, info } = await img.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    if (info.width !== t.width || info.height !== t.height) throw new Error(`decoded to ${info.width}×${info.height}, not ${t.width}×${t.height}`);
    return { chw: toChw(data, t.width * t.height, t.channels), resized };
  } catch (e) {
    if (e instanceof DatasetImportError) throw e;
    throw new DatasetImportError(`${file}: the picture is corrupt or truncated (its pixels cannot be decoded). Remove or replace it.`);
  }
}

/** the first of every three bytes (a grey picture held as RGB) */
function pickFirst(rgb: Buffer): Buffer {
  const out = Buffer.alloc(rgb.length / 3);
  for (let p = 0; p < out.length; p++) out[p] = rgb[p * 3];
  return out;
}

/**
 * One picture file's bytes to the sample vector (C×H×W uint8) of a dataset imported with
 * `settings` (meta-schema's imageSettingsOf(meta)): the same decoding, EXIF turn, colour
 * conversion, resize and transparency as the import. `name` names the picture in errors.
 */
export async function pictureToSample(bytes: Buffer, settings: ImageSettings, name = 'the picture'): Promise<Uint8Array> {
  const kind = kindOfBytes(bytes.subarray(0, 4096));
  if (!IMAGE_KINDS.has(kind)) throw new DatasetImportError(`${name}: not a picture (its content is not PNG, JPEG, BMP, WebP or GIF); give a picture file.`);
  const info = await probe(name, bytes, kind, { exif: settings.exif, colourKnown: true });
  const [height, width] = settings.size;
  const t: Target = { width, height, channels: settings.channels, fit: settings.fit === 'crop' ? 'cover' : 'contain', exif: settings.exif, alpha: settings.alpha };
  return (await decodeTo(name, bytes, { ...info, kind }, t)).chw;
}
