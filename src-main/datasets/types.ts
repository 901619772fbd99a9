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
}
