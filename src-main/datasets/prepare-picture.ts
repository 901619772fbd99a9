/**
 * One picture file -> the network's input for a dataset, exactly as the dataset's own import
 * brought its pictures into shape: picture-decode's pictureToSample with the settings the
 * import recorded (size, colour, pad or centre crop, EXIF turn, transparency; see
 * meta-schema's imageSettingsOf). "Try it" sends dropped pictures through here, so a test
 * picture of the dataset gets the answer Evaluate gave its stored sample.
 */
import { BadRequestError, DatasetError, printable } from './errors';
import { imageSettingsOf } from './meta-schema';
import { forOnePicture, pictureToSample } from './picture-decode';
import type { DatasetMeta } from './types';

export interface PreparedPicture {
  /** the dataset's sample shape [C, H, W] */
  shape: number[];
  /** C×H×W pixel values 0..255, as getSample gives a stored sample */
  values: number[];
}

/** Decodes a picture (PNG, JPEG, WebP, GIF, BMP) to the dataset's sample, the way its import did. */
export async function preparePicture(meta: DatasetMeta, name: string, bytes: Buffer): Promise<PreparedPicture> {
  if (meta.kind !== 'image' || meta.sampleShape.length !== 3) {
    throw new BadRequestError(`"${printable(meta.name)}" holds rows of numbers, not pictures: try it with a test sample or typed values instead of a picture.`);
  }
  const shown = printable(name || 'the picture');
  if (bytes.length === 0) throw new BadRequestError(`${shown}: the file is empty; drop a PNG, JPEG, GIF, BMP or WebP picture.`);
  try {
    const chw = await pictureToSample(bytes, imageSettingsOf(meta), shown);
    return { shape: [...meta.sampleShape], values: Array.from(chw) };
  } catch (e) {
    // the decoder speaks to an import ("remove it from the folder"); here nothing is imported
    if (e instanceof DatasetError) throw new BadRequestError(forOnePicture(e.message, 'Try another picture.'));
    throw e;
  }
}
