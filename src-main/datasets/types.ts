import type { TableChoices, TableSchema, Task } from '../engine/table';

/**
 * The on-disk dataset library (see DESIGN.md "Data on disk"). One folder per dataset under
 * `<home>/datasets/<id>/` holding `meta.json` and raw little-endian binaries:
 *   train-x.bin  uint8 N×C×H×W pixels (format 'image') or float32 N×F features (format 'tabular')
 *   train-y.bin  int32 labels; for a table with a number to predict (task 'number'), float32
 *                values in the target's units
 *   test-x.bin, test-y.bin  the same for the test split
 *   test-raw.csv tables since issue 11: the test rows' original cells, in test order (header included)
 * Format 'csv' is every table (CSV/TSV, .xlsx, .json); `table.source` says which.
 */
export type SourceFormat = 'idx' | 'cifar10' | 'cifar100' | 'image-folder' | 'csv' | 'npy' | 'bundled-mnist';

export interface SplitInfo {
  count: number;
  /** samples per class, indexed like classNames */
  perClass: number[];
}

export interface DatasetMeta {
  id: string;
  name: string;
  format: SourceFormat;
  sources: string[];
  /** 'image': uint8 pixels, sampleShape [C, H, W]; 'tabular': float32, sampleShape [F] */
  kind: 'image' | 'tabular';
  sampleShape: number[];
  classNames: string[];
  train: SplitInfo;
  test: SplitInfo;
  /** per-channel (image) or per-feature (tabular) mean and std of the train split, after scaling to [0,1] for images */
  mean: number[];
  std: number[];
  createdAt: string;
  /** sha256 over the stored binaries and shape; detects a dataset imported twice */
  contentHash: string;
  /** how samples were brought into shape (resize, pad/crop, channels), for export to repeat */
  preprocessing: Record<string, unknown>;
  /** when the source had no test set and one was split off */
  split?: { fraction: number; seed: number; stratified: true };
  /** up to 100 files the import passed over, and how many there were in all */
  skipped?: { count: number; files: SkippedFile[] };
  /** what is predicted (absent: 'category'); for 'number', classNames is [target name] and perClass [count] */
  task?: Task;
  /** tables imported since issue 11: the column schema (types, statistics of the train split, the target) */
  table?: TableSchema;
  /** a version made by adding pictures (versions.ts): the id of the first dataset of the line, which stays as it was */
  versionOf?: string;
  /** with versionOf: this version's number (the first dataset is version 1); preprocessing.version says how it was made */
  version?: number;
}

/** What a version records about how it was made (meta.preprocessing.version; datasets/versions.ts). */
export interface VersionRecord {
  /** the dataset the pictures were added to */
  madeFrom: string;
  madeFromName: string;
  /** new pictures that went to the training and the test split */
  added: { train: number; test: number };
  how: string;
}

/** Files an import passed over (not images, not inside a class folder, hidden files). */
export interface SkippedFile {
  path: string;
  reason: string;
}

export interface ImportProgress {
  /** 'scanning' | 'reading' | 'decoding' | 'encoding' (tables) | 'splitting' | 'checking' | 'saving' */
  phase: string;
  done: number;
  total: number | null;
}

export interface ImportOptions {
  name?: string;
  /** fraction of samples split off as the test set when the source has none (default 1/6) */
  testFraction?: number;
  /** seed of the split and of the image-folder sample order (default 0) */
  seed?: number;
  signal?: AbortSignal;
  onProgress?(p: ImportProgress): void;
  /**
   * image folders: [height, width] to bring every image to (default: the most common size when
   * its longest side is at most 96 px, else that aspect with the longest side 32 px for colour, 28 for greyscale)
   */
  imageSize?: [number, number];
  /** image folders: the longest side, 16 to 96 px, keeping the aspect of the most common size (instead of imageSize) */
  imageLongSide?: number;
  /** image folders: 1 (grayscale) or 3 (colour); default: colour if any picture has colour */
  imageChannels?: 1 | 3;
  /** image folders: keep the aspect by padding (default) or by a centre crop */
  resize?: 'pad' | 'crop';
  /** tables: the column to predict, by name or 0-based index (default: guessed, see table/infer.ts guessTarget; TableChoices.labelColumn wins) */
  labelColumn?: string | number;
  /** tables: drop rows with a cell that does not fit its column's type (text in a number column, a value beyond float32, not a date) instead of failing (they are counted) */
  dropBadRows?: boolean;
  /** tables: the column to predict, the task, column types and the sheet (see engine/table.ts TableChoices) */
  table?: TableChoices;
  /** pictures: only look (the import preview): probe every picture, decode this many per class, store nothing */
  previewSamplesPerClass?: number;
  /** CIFAR-100: which labels to use (default 'fine') */
  cifar100Labels?: 'fine' | 'coarse';
}

/** The words of previewPictures' refusal of a source that is not pictures: the window then imports it as it is. */
export const NOT_PICTURES = 'not a folder or .zip of pictures';

/**
 * What an import of pictures would make, before anything is stored (issue 13): the window's
 * import preview shows it, and the person may change size, colour and pad/crop and ask again.
 */
export interface PicturePreview {
  /** the classes found, with their pictures (after unreadable files and copies are left out) */
  classes: { name: string; train: number; test: number }[];
  /** whether the source has its own test set; else the import splits one off */
  hasTest: boolean;
  /** the picture sizes found ([height, width] as seen, after EXIF turns), most common first, at most 8 */
  sizes: { size: [number, number]; count: number }[];
  /** how many pictures hold colour and how many are grey */
  colour: { colour: number; grey: number };
  /** the size, colour mode and fit the import would use, and why that size, in words */
  settings: ImageSettings;
  sizeChosen: string;
  /** a few pictures per class as the network will see them (PNG data: URLs) */
  samples: { label: number; png: string; file: string }[];
  /** files the import passes over (first 100) and how many in all; unreadable pictures and copies among them */
  skipped: { count: number; files: SkippedFile[] };
  unreadable: number;
  duplicates: number;
}

/**
 * How an image dataset's pictures were brought to samples (meta.preprocessing.image): what
 * picture-decode's pictureToSample repeats for one new picture.
 */
export interface ImageSettings {
  /** [height, width] */
  size: [number, number];
  channels: 1 | 3;
  /** keep the aspect by padding (black borders) or by a centre crop */
  fit: 'pad' | 'crop';
  /** whether the EXIF orientation was applied (JPEG, WebP) */
  exif: boolean;
  /** what transparent pixels were composited on */
  alpha: 'white' | 'black';
}
