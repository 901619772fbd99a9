/**
 * The size and colour an image folder's pictures are brought to. By default: colour if any
 * picture has colour, else greyscale; the most common picture size when its longest side is
 * at most 96 px (MNIST- or CIFAR-like folders stay as they are), else that aspect with the
 * longest side at 32 px for colour and 28 px for greyscale (phone photos of 4000×3000 would
 * be 36 million inputs: far more than an MLP can learn from).
 */
import { DatasetImportError, fmtCount } from './errors';
import type { Info } from './picture-decode';
import type { ImageSettings, ImportOptions } from './types';

/** the longest side a folder keeps without being asked, and the range a person may choose */
export const LONG_SIDE_RANGE = [16, 96] as const;
export const DEFAULT_LONG_SIDE = { 1: 28, 3: 32 } as const;
const MAX_INPUTS = 1 << 22;

export interface ChosenSettings {
  settings: ImageSettings;
  /** how the size was chosen, in words, for the dataset's record */
  sizeChosen: string;
}

function mostCommonSize(infos: Iterable<Info>): [number, number] {
  const sizes = new Map<string, number>();
  for (const i of infos) sizes.set(`${i.height}x${i.width}`, (sizes.get(`${i.height}x${i.width}`) ?? 0) + 1);
  const best = [...sizes].sort((a, b) => b[1] - a[1])[0][0];
  return best.split('x').map(Number) as [number, number];
}

/** [h, w] scaled so the longest side is `n`, keeping the aspect */
export function withLongSide([h, w]: [number, number], n: number): [number, number] {
  const f = n / Math.max(h, w);
  return [Math.max(1, Math.round(h * f)), Math.max(1, Math.round(w * f))];
}

export function chooseImageSettings(root: string, infos: Info[], opts: ImportOptions): ChosenSettings {
  const channels: 1 | 3 = opts.imageChannels ?? (infos.some((i) => i.channels === 3) ? 3 : 1);
  const common = mostCommonSize(infos);
  let size: [number, number];
  let sizeChosen: string;
  if (opts.imageSize) {
    size = opts.imageSize;
    if (!size.every((d) => Number.isInteger(d) && d >= 1 && d <= 1024)) throw new DatasetImportError(`Image size ${size.join('×')}: height and width must be whole numbers from 1 to 1024.`);
    sizeChosen = 'by the user';
  } else if (opts.imageLongSide !== undefined) {
    const n = opts.imageLongSide;
    if (!(Number.isInteger(n) && n >= LONG_SIDE_RANGE[0] && n <= LONG_SIDE_RANGE[1])) {
      throw new DatasetImportError(`Image size ${n}: the longest side must be a whole number of pixels from ${LONG_SIDE_RANGE[0]} to ${LONG_SIDE_RANGE[1]}.`);
    }
    size = withLongSide(common, n);
    sizeChosen = `by the user: the longest side ${n} px, the aspect of the most common size (${common.join('×')})`;
  } else if (Math.max(...common) <= LONG_SIDE_RANGE[1]) {
    size = common;
    sizeChosen = 'the most common size';
  } else {
    const n = DEFAULT_LONG_SIDE[channels];
    size = withLongSide(common, n);
    sizeChosen = `the most common size (${common.join('×')}) brought down to a longest side of ${n} px`;
  }
  if (size[0] * size[1] * channels > MAX_INPUTS) {
    throw new DatasetImportError(`${root}: the chosen image size ${size.join('×')} gives ${fmtCount(size[0] * size[1] * channels)} inputs, too many for an MLP (over 4 million); choose a smaller size.`);
  }
  return { settings: { size, channels, fit: opts.resize === 'crop' ? 'crop' : 'pad', exif: true, alpha: 'white' }, sizeChosen };
}
