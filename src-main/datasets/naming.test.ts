/** Names of datasets the person did not name: from the folder, from what the files share, or a description. */
import { describe, expect, it } from 'vitest';
import { describingName, nameForImport, sharedName, stemOf } from './naming';
import type { NamedData } from './naming';

const mnistLike: NamedData = { format: 'idx', kind: 'image', sampleShape: [1, 28, 28], classNames: Array.from({ length: 10 }, (_, i) => String(i)), sources: [] };
const at = (...names: string[]) => names.map((n) => `/home/ada/Downloads/${n}`);
const MNIST_FILES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];

describe('stemOf', () => {
  it('removes the endings that say how a file is stored, however many', () => {
    expect(stemOf('train-images-idx3-ubyte.gz')).toBe('train-images-idx3-ubyte');
    expect(stemOf('cifar-10-binary.tar.gz')).toBe('cifar-10-binary');
    expect(stemOf('iris.csv.gz')).toBe('iris');
    expect(stemOf('.csv')).toBe('');
  });
});

describe('sharedName', () => {
  it('keeps what the names share once split and kind words are gone, with their own separators', () => {
    const emnist = ['emnist-letters-train-images-idx3-ubyte', 'emnist-letters-train-labels-idx1-ubyte', 'emnist-letters-test-images-idx3-ubyte.gz', 'emnist-letters-test-labels-idx1-ubyte.gz'];
    expect(sharedName(at(...emnist))).toBe('emnist-letters');
    expect(sharedName(at('fashion_train.npy', 'fashion_test.npy'))).toBe('fashion');
    expect(sharedName(at('x_train_Cats.npy', 'y_train_cats.npy', 'x_test_CATS.npy', 'y_test_cats.npy'))).toBe('Cats');
    expect(sharedName(at('Iris-Train.csv', 'iris-TEST.csv'))).toBe('Iris');
    // the kept words are not next to each other in the first name: joined with a space
    expect(sharedName(at('digits-train-2024.csv', 'digits-test-2024.csv'))).toBe('digits 2024');
  });

  it('finds nothing in names made only of split and kind words, or that share no word', () => {
    expect(sharedName(at(...MNIST_FILES))).toBeUndefined();
    expect(sharedName(at(...MNIST_FILES.map((f) => `${f}.gz`)))).toBeUndefined();
    expect(sharedName(at('train-images.idx3-ubyte', 'train-labels.idx1-ubyte', 't10k-images.idx3-ubyte', 't10k-labels.idx1-ubyte'))).toBeUndefined();
    expect(sharedName(at('train.csv', 'test.csv'))).toBeUndefined();
    expect(sharedName(at('abc.csv', 'abd.csv'))).toBeUndefined();
    expect(sharedName([])).toBeUndefined();
  });
});

describe('describingName', () => {
  it('says the format, the sample shape and the classes', () => {
    expect(describingName(mnistLike)).toBe('IDX 28×28, 10 classes');
    expect(describingName({ format: 'npy', kind: 'image', sampleShape: [3, 32, 32], classNames: ['a', 'b'] })).toBe('NumPy 32×32 RGB, 2 classes');
    expect(describingName({ format: 'csv', kind: 'tabular', sampleShape: [4], classNames: ['a', 'b', 'c'] })).toBe('CSV 4 features, 3 classes');
    expect(describingName({ format: 'csv', kind: 'tabular', sampleShape: [1], classNames: ['a', 'b'] })).toBe('CSV 1 feature, 2 classes');
  });
});

describe('nameForImport', () => {
  it('names a dropped folder after the folder', () => {
    expect(nameForImport({ paths: ['/home/ada/data/Fashion MNIST'], folder: true }, { ...mnistLike, sources: at(...MNIST_FILES) })).toBe('Fashion MNIST');
  });

  it('asks the files inside when the folder name says nothing, then describes the data', () => {
    const inside = ['kmnist-train-imgs-idx3-ubyte', 'kmnist-train-labels-idx1-ubyte'].map((f) => `/d/data/${f}`);
    expect(nameForImport({ paths: ['/d/data'], folder: true }, { ...mnistLike, sources: inside })).toBe('kmnist');
    expect(nameForImport({ paths: ['/d/train'], folder: true }, { ...mnistLike, sources: MNIST_FILES.map((f) => `/d/train/${f}`) })).toBe('IDX 28×28, 10 classes');
    expect(nameForImport({ paths: ['/d/raw'], folder: true }, { ...mnistLike, format: 'image-folder', sources: ['/d/raw'] })).toBe('Images 28×28, 10 classes');
  });

  it('names loose files by what they share, never by the folder around them', () => {
    expect(nameForImport({ paths: at(...MNIST_FILES), folder: false }, mnistLike)).toBe('IDX 28×28, 10 classes');
    expect(nameForImport({ paths: at('emnist-digits-train-images-idx3-ubyte', 'emnist-digits-train-labels-idx1-ubyte'), folder: false }, mnistLike)).toBe('emnist-digits');
    expect(nameForImport({ paths: at('iris-train.csv', 'iris-test.csv'), folder: false }, { format: 'csv', kind: 'tabular', sampleShape: [4], classNames: ['a', 'b', 'c'], sources: [] })).toBe('iris');
  });

  it('names one file after itself, split words and all', () => {
    const csv: NamedData = { format: 'csv', kind: 'tabular', sampleShape: [4], classNames: ['a', 'b'], sources: [] };
    expect(nameForImport({ paths: at('flowers.csv'), folder: false }, csv)).toBe('flowers');
    expect(nameForImport({ paths: at('train.csv'), folder: false }, csv)).toBe('train');
    // a workbook and JSON records are named like a CSV, without their endings
    expect(nameForImport({ paths: at('penguins.xlsx'), folder: false }, csv)).toBe('penguins');
    expect(nameForImport({ paths: at('houses.json'), folder: false }, csv)).toBe('houses');
    expect(nameForImport({ paths: at('.csv'), folder: false }, csv)).toBe('CSV 4 features, 2 classes');
  });

  it('prefers the name a format gives its dataset, and never returns an invalid name', () => {
    expect(nameForImport({ paths: ['/d/my-cifar'], folder: true }, { ...mnistLike, format: 'cifar10', knownName: 'CIFAR-10' })).toBe('CIFAR-10');
    // a name that looks like a dataset id, or is all separators, is not used
    expect(nameForImport({ paths: at('ds-0123456789abcdef.csv'), folder: false }, { ...mnistLike, format: 'csv', kind: 'tabular', sampleShape: [2] })).toBe('CSV 2 features, 10 classes');
    expect(nameForImport({ paths: ['/d/---'], folder: true }, mnistLike)).toBe('IDX 28×28, 10 classes');
    expect(nameForImport({ paths: [`/d/${'long '.repeat(40)}`], folder: true }, mnistLike).length).toBeLessThanOrEqual(100);
  });
});
