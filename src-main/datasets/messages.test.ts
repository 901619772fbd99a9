/** The numbers in dataset messages: counts and sizes with thousands separators (en-US). */
import { describe, expect, it } from 'vitest';
import { fmtBytes, fmtCount, fmtDims, fmtSize } from './errors';
import { parseIdx } from './idx';
import { parseNpy } from './numpy';
import { idxBytes, npyBytes } from '../../tests/helpers/test-fixtures';

describe('number formatting in dataset messages', () => {
  it('counts, exact byte counts, rounded sizes and shapes', () => {
    expect(fmtCount(47_040_000)).toBe('47,040,000');
    expect(fmtCount(4984)).toBe('4,984');
    expect(fmtCount(999)).toBe('999');
    expect(fmtCount(0)).toBe('0');
    expect(fmtBytes(47_040_000)).toBe('47,040,000 bytes');
    expect(fmtBytes(1)).toBe('1 byte');
    expect(fmtSize(784_000_000_000)).toBe('784.0 GB');
    expect(fmtSize(1_234_567_890_123)).toBe('1,234.6 GB');
    expect(fmtSize(12_500_000)).toBe('12.5 MB');
    expect(fmtSize(4984)).toBe('4,984 bytes');
    expect(fmtDims([60_000, 28, 28])).toBe('60,000×28×28');
  });

  it('the importers use them', () => {
    expect(() => parseIdx(idxBytes([60_000, 28, 28], new Uint8Array(4984)), 'train-images-idx3-ubyte')).toThrow(
      'train-images-idx3-ubyte: the header declares 60,000×28×28 = 47,040,000 values but the file holds 4,984 (the file is truncated).',
    );
    // NumPy shapes stay in Python's notation, where a comma separates dimensions
    expect(() => parseNpy(npyBytes('<f4', [20_000, 784], new Uint8Array(8)), 'x.npy')).toThrow(
      'x.npy: the header declares shape (20000, 784) = 62,720,000 bytes of data but the file holds 8 (truncated or corrupt).',
    );
  });
});
