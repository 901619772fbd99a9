/**
 * The on-disk dataset library (see DESIGN.md "Data on disk"). One folder per dataset under
 * `<home>/datasets/<id>/` holding `meta.json` and raw little-endian binaries:
 *   train-x.bin  uint8 N×C×H×W pixels (format 'image') or float32 N×F features (format 'tabular')
 *   train-y.bin  int32 labels
 *   test-x.bin, test-y.bin  the same for the test split
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
}

/** Files an import passed over (not images, not inside a class folder, hidden files). */
export interface SkippedFile {
  path: string;
  reason: string;
}

export interface ImportProgress {
  /** 'scanning' | 'reading' | 'decoding' | 'splitting' | 'checking' | 'saving' */
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
  /** CSV: the label column, by name or 0-based index (default: the last) */
  labelColumn?: string | number;
  /** CSV: drop rows with missing or non-numeric cells instead of failing (they are counted) */
  dropBadRows?: boolean;
  /** CIFAR-100: which labels to use (default 'fine') */
  cifar100Labels?: 'fine' | 'coarse';
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
