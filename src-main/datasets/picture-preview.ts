/**
 * The import preview of pictures (issue 13): what an import would make — classes and counts,
 * the sizes and colours found, the chosen size, colour mode and fit, a few pictures per class
 * decoded exactly as the import will decode them, and the files left out — with nothing stored.
 */
import { DatasetImportError } from './errors';
import { readPictureOrFail } from './image-files';
import { type Info, type Target, decodeTo } from './picture-decode';
import { chwPng, pngDataUrl } from './sample-png';
import type { FileKind } from './sniff';
import type { ImageSettings, PicturePreview, SkippedFile } from './types';

/** what probing found: per split, the pictures taken (file, class) */
export interface ProbedPictures {
  items: { split: 'train' | 'test' | 'all'; list: { file: string; label: number }[] }[];
  infos: Map<string, Info & { kind: FileKind }>;
  unreadable: number;
  duplicates: number;
}

/** The most pictures per class a preview decodes. */
export const MAX_PREVIEW_PER_CLASS = 8;

export async function picturePreview(
  probed: ProbedPictures,
  chosen: { settings: ImageSettings; sizeChosen: string },
  target: Target,
  classNames: string[],
  skipped: SkippedFile[],
  perClass: number,
): Promise<PicturePreview> {
  const classes = classNames.map((name) => ({ name, train: 0, test: 0 }));
  for (const { split, list } of probed.items) for (const it of list) classes[it.label][split === 'test' ? 'test' : 'train']++;
  const sizes = new Map<string, number>();
  const colour = { colour: 0, grey: 0 };
  for (const i of probed.infos.values()) {
    sizes.set(`${i.height}x${i.width}`, (sizes.get(`${i.height}x${i.width}`) ?? 0) + 1);
    colour[i.channels === 3 ? 'colour' : 'grey']++;
  }
  const n = Math.max(0, Math.min(MAX_PREVIEW_PER_CLASS, Math.floor(perClass)));
  // the first pictures of each class in the folder's order: the same ones every time it is asked
  const wanted: { file: string; label: number }[] = [];
  const train = probed.items.find((s) => s.split !== 'test')?.list ?? [];
  for (let c = 0; c < classNames.length; c++) wanted.push(...train.filter((it) => it.label === c).slice(0, n));
  const samples: PicturePreview['samples'] = [];
  for (const it of wanted) {
    try {
      const { chw } = await decodeTo(it.file, await readPictureOrFail(it.file), probed.infos.get(it.file)!, target);
      samples.push({ label: it.label, file: it.file, png: pngDataUrl(await chwPng(chw, [target.channels, target.height, target.width])) });
    } catch (e) {
      // the import would leave it out too: the skipped list says so
      if (!(e instanceof DatasetImportError)) throw e;
      skipped.push({ path: it.file, reason: `unreadable, left out: ${e.message}` });
    }
  }
  return {
    classes,
    hasTest: probed.items.some((s) => s.split === 'test'),
    sizes: [...sizes]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8)
      .map(([k, count]) => ({ size: k.split('x').map(Number) as [number, number], count })),
    colour,
    settings: chosen.settings,
    sizeChosen: chosen.sizeChosen,
    samples,
    skipped: { count: skipped.length, files: skipped.slice(0, 100) },
    unreadable: probed.unreadable,
    duplicates: probed.duplicates,
  };
}
