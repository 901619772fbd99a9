/**
 * Try it with picture files: the host brings each one to the dataset's sample exactly as the
 * import brought the dataset's own pictures (prepareImage), so a test picture gets the answer
 * Evaluate gave it. Also the folder table's rows and their CSV.
 */
import { studio } from '../studio';

const PICTURE_NAME = /\.(png|jpe?g|jfif|bmp|dib|webp|gif)$/i;

/** 28×28 greyscale with the classes 0 to 9: the only datasets where MNIST's centring and inverting apply. */
export function isDigitDataset(shape: number[], classNames: string[]): boolean {
  return shape.length === 3 && shape[0] === 1 && shape[1] === 28 && shape[2] === 28 && classNames.length === 10 && classNames.every((c, i) => c.trim() === String(i));
}

export function looksLikePicture(file: File): boolean {
  return file.type.startsWith('image/') || PICTURE_NAME.test(file.name);
}

function toBase64(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => {
      const s = String(r.result);
      resolve(s.slice(s.indexOf(',') + 1));
    };
    r.onerror = () => reject(r.error ?? new Error('could not read the file'));
    r.readAsDataURL(file);
  });
}

/** The picture as the network's input (C×H×W, 0-255), prepared on the host the way the dataset's import did it. */
export async function preparePictureFile(datasetId: string, file: File): Promise<Float32Array> {
  const base64 = await toBase64(file);
  if (!base64) throw new Error(`“${file.name}” is empty; drop a PNG, JPEG, GIF, BMP or WebP picture.`);
  const p = await studio().prepareImage(datasetId, { name: file.name, base64 });
  return Float32Array.from(p.values);
}

/** Dark ink on light paper (a scan, a photo of a written digit): the corners are light. */
export function lightBackground(values: Float32Array, w = 28, h = 28): boolean {
  let sum = 0, n = 0;
  for (const [x0, y0] of [[0, 0], [w - 3, 0], [0, h - 3], [w - 3, h - 3]]) {
    for (let y = y0; y < y0 + 3; y++) for (let x = x0; x < x0 + 3; x++) { sum += values[y * w + x]; n++; }
  }
  return sum / n > 128;
}

export function inverted(values: Float32Array): Float32Array {
  return values.map((v) => 255 - v);
}

export interface FolderRow {
  file: string;
  /** the top class, or null when the file could not be tried */
  answer: string | null;
  /** the top class's probability, 0-1 */
  certainty: number | null;
  problem?: string;
}

function csvField(s: string): string {
  // a leading = + - @ would be a formula in a spreadsheet
  const t = /^[=+\-@]/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
}

export function folderCsv(rows: FolderRow[]): string {
  const lines = ['file,answer,certainty,problem'];
  for (const r of rows) lines.push([r.file, r.answer ?? '', r.certainty === null ? '' : r.certainty.toFixed(4), r.problem ?? ''].map(csvField).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
