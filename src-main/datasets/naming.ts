/**
 * What a new dataset is called when the person gave no name. A name should say what the data
 * is, not how it is stored or split:
 *   - a format that names its dataset (CIFAR-10, CIFAR-100) gives that name;
 *   - a dropped folder gives the folder's name ("fashion" for a folder of IDX files);
 *   - several loose files give what their names share once the words that only say
 *     "split" or "kind of file" are gone ("emnist-letters-train-images-idx3-ubyte" and
 *     "emnist-letters-t10k-labels-idx1-ubyte" give "emnist-letters"; "iris-train.csv" and
 *     "iris-test.csv" give "iris");
 *   - one file gives its own name without the storage endings ("flowers.csv" gives "flowers");
 *   - when nothing is left (MNIST's four files are named only by split and kind), a
 *     description of the data: "IDX 28×28, 10 classes", "CSV 4 features, 3 classes".
 * The library numbers a name that is taken ("… (2)").
 */
import path from 'node:path';
import type { ImportedData } from './context';
import { validateDatasetName, MAX_NAME_LENGTH } from './ids';
import { replaceUnsafe } from './safe-text';
import type { SourceFormat } from './types';

/** endings that say how a file is stored, not what it holds */
const STORAGE_ENDING = /\.(tar\.gz|tgz|gz|zip|tar|csv|tsv|txt|data|npz|npy|bin|xlsx|json)$/i;

/** words that only say which split or which kind of file this is */
const SPLIT_OR_KIND_WORD = /^(train|training|test|testing|t10k|images?|labels?|idx\d*|ubyte|x|y|data|features|targets?)$/i;

/** folder names that say nothing about the data (then the files inside are asked instead) */
const GENERIC_FOLDER_WORD = /^(datasets?|raw|files?|downloads?|uploads?|new|folder|untitled|copy)$/i;

const WORD = /[^-_.\s]+/g;

/** a file name without the endings that say how it is stored ("train-images-idx3-ubyte.gz" -> "train-images-idx3-ubyte") */
export function stemOf(fileName: string): string {
  let s = fileName;
  for (let prev = ''; prev !== s && s; ) {
    prev = s;
    s = s.replace(STORAGE_ENDING, '');
  }
  return s;
}

interface Word {
  text: string;
  index: number;
  start: number;
  end: number;
}

function wordsOf(s: string): Word[] {
  return [...s.matchAll(WORD)].map((m, index) => ({ text: m[0], index, start: m.index, end: m.index + m[0].length }));
}

const meaningful = (s: string): Word[] => wordsOf(s).filter((w) => !SPLIT_OR_KIND_WORD.test(w.text));

/**
 * What the names of several files share once split and kind words are removed: the longest
 * run of leading words (compared without case) that every name has. Written as in the first
 * file ("emnist-letters"); undefined when nothing is shared.
 */
export function sharedName(files: string[]): string | undefined {
  if (files.length === 0) return undefined;
  const lists = files.map((f) => meaningful(stemOf(path.basename(f))));
  const first = lists[0];
  let n = 0;
  while (n < first.length && lists.every((l) => n < l.length && l[n].text.toLowerCase() === first[n].text.toLowerCase())) n++;
  if (n === 0) return undefined;
  const kept = first.slice(0, n);
  const stem = stemOf(path.basename(files[0]));
  // keep the name's own separators when the kept words stand together in it
  const together = kept.every((w, i) => i === 0 || w.index === kept[i - 1].index + 1);
  return together ? stem.slice(kept[0].start, kept[n - 1].end) : kept.map((w) => w.text).join(' ');
}

const FORMAT_LABEL: Record<SourceFormat, string> = {
  idx: 'IDX',
  cifar10: 'CIFAR-10',
  cifar100: 'CIFAR-100',
  'image-folder': 'Images',
  csv: 'CSV',
  npy: 'NumPy',
  'bundled-mnist': 'MNIST',
};

/** A name that describes the data when the files say nothing: "IDX 28×28, 10 classes", "CSV 4 features, 3 classes". */
export function describingName(data: Pick<ImportedData, 'format' | 'kind' | 'sampleShape' | 'classNames'>): string {
  const classes = `${data.classNames.length} classes`;
  if (data.kind === 'image') {
    const [c, h, w] = data.sampleShape;
    const channels = c === 1 ? '' : c === 3 ? ' RGB' : ` ${c} channels`;
    return `${FORMAT_LABEL[data.format]} ${h}×${w}${channels}, ${classes}`;
  }
  const f = data.sampleShape.reduce((a, b) => a * b, 1);
  return `${FORMAT_LABEL[data.format]} ${f} feature${f === 1 ? '' : 's'}, ${classes}`;
}

/** A candidate cleaned into a valid dataset name, or undefined when nothing valid is left. */
function usable(candidate: string | undefined): string | undefined {
  if (candidate === undefined) return undefined;
  // path separators, control characters and characters that reorder text (safe-text.ts) become _
  const cleaned = replaceUnsafe(candidate.replace(/[/\\]/g, '_'), '_').trim().slice(0, MAX_NAME_LENGTH).trim();
  if (!cleaned || /^[-_.\s]+$/.test(cleaned)) return undefined;
  try {
    return validateDatasetName(cleaned);
  } catch {
    return undefined;
  }
}

export interface DroppedInput {
  /** the paths as the person dropped or gave them (absolute) */
  paths: string[];
  /** whether they dropped one folder (rather than files) */
  folder: boolean;
}

export type NamedData = Pick<ImportedData, 'format' | 'kind' | 'sampleShape' | 'classNames' | 'sources' | 'knownName'>;

/** The name of a dataset the person did not name (see the rules at the top of this file); not yet made unique. */
export function nameForImport(dropped: DroppedInput, data: NamedData): string {
  const known = usable(data.knownName);
  if (known) return known;
  if (dropped.folder) {
    const folder = path.basename(dropped.paths[0]);
    const says = wordsOf(folder).some((w) => !SPLIT_OR_KIND_WORD.test(w.text) && !GENERIC_FOLDER_WORD.test(w.text));
    const fromFolder = says ? usable(folder) : undefined;
    if (fromFolder) return fromFolder;
    // a folder named "data" or "train": the files inside may say more
    const fromFiles = data.sources.length > 1 ? usable(sharedName(data.sources)) : undefined;
    return fromFiles ?? describingName(data);
  }
  if (dropped.paths.length === 1) return usable(stemOf(path.basename(dropped.paths[0]))) ?? describingName(data);
  return usable(sharedName(dropped.paths)) ?? describingName(data);
}
