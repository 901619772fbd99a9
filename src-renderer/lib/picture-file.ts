/**
 * Try it with picture files: the host brings each one to the dataset's sample exactly as the
 * import brought the dataset's own pictures (prepareImage), so a test picture gets the answer
 * Evaluate gave it.
 */
import { studio } from '../studio';
import { toBase64 } from './drop';

const PICTURE_NAME = /\.(png|jpe?g|jfif|bmp|dib|webp|gif)$/i;

export function looksLikePicture(file: File): boolean {
  return file.type.startsWith('image/') || PICTURE_NAME.test(file.name);
}

/** The picture as the network's input (C×H×W, 0-255), prepared on the host the way the dataset's import did it. */
export async function preparePictureFile(datasetId: string, file: File): Promise<Float32Array> {
  const base64 = await toBase64(file);
  if (!base64) throw new Error(`“${file.name}” is empty; drop a PNG, JPEG, GIF, BMP or WebP picture.`);
  const p = await studio().prepareImage(datasetId, { name: file.name, base64 });
  return Float32Array.from(p.values);
}

