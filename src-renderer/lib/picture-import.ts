/**
 * Importing pictures through a preview (issue 13): which drops are pictures, and the choices a
 * person makes before anything is stored (size, colour, fit). The same choices go to
 * previewPictures (to show what the import would do) and to importDataset (to do it).
 */
import type { ImportRequest } from '../../src-main/api/contract';
import { NOT_PICTURES, type PicturePreview } from '../../src-main/datasets/types';

export interface PictureChoices {
  /** the longest side in pixels (16 to 96); absent: the studio's choice */
  longSide?: number;
  channels?: 1 | 3;
  fit?: 'pad' | 'crop';
}

/** The longest sides offered in the preview's menu (the importer takes 16 to 96). */
export const PICTURE_SIZES = [16, 20, 24, 28, 32, 40, 48, 64, 96] as const;

const PICTURE_FILE = /\.(png|jpe?g|jfif|bmp|dib|webp|gif)$/i;

/** Whether a drop is pictures with a preview: a folder holding pictures (names with a folder in them), or one .zip. */
export function isPictureDrop(names: string[]): boolean {
  if (names.length === 1) return /\.zip$/i.test(names[0]);
  return names.some((n) => n.includes('/') && PICTURE_FILE.test(n));
}

/** The import request's picture options for these choices (what the CLI's --image-size, --channels and --crop say). */
export function pictureRequest(c: PictureChoices): Pick<ImportRequest, 'imageSize' | 'channels' | 'crop'> {
  return {
    ...(c.longSide !== undefined ? { imageSize: c.longSide } : {}),
    ...(c.channels !== undefined ? { channels: c.channels } : {}),
    ...(c.fit !== undefined ? { crop: c.fit === 'crop' } : {}),
  };
}

/** What the import will make of every picture, in a sentence. */
export function settingsWords(p: Pick<PicturePreview, 'settings' | 'sizeChosen'>): string {
  const [h, w] = p.settings.size;
  const colour = p.settings.channels === 3 ? 'in colour' : 'in greyscale';
  const fit = p.settings.fit === 'crop' ? 'pictures of another shape are cut to fill it' : 'pictures of another shape keep all of it, with black borders';
  const why = /^by the user/.test(p.sizeChosen) ? 'as you chose' : p.sizeChosen === 'the most common size' ? 'the most common size' : 'small enough for the network';
  return `Every picture becomes ${w} × ${h} pixels ${colour} (${why}): ${h * w * p.settings.channels} numbers for the network; ${fit}.`;
}

/** previewPictures' refusal of a source that is not pictures (then it is imported as it is). */
export function isNotPictures(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  return e?.code === 'bad_request' && typeof e.message === 'string' && e.message.includes(NOT_PICTURES);
}
