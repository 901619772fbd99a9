/**
 * Try it with picture files, the pure part (no DOM): which datasets get MNIST's centring and
 * inverting, and the folder table's rows and their CSV. picture-file.ts sends the files.
 */

/** 28×28 greyscale with the classes 0 to 9: the only datasets where MNIST's centring and inverting apply. */
export function isDigitDataset(shape: number[], classNames: string[]): boolean {
  return shape.length === 3 && shape[0] === 1 && shape[1] === 28 && shape[2] === 28 && classNames.length === 10 && classNames.every((c, i) => c.trim() === String(i));
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
