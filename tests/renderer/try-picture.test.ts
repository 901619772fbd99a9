/** Try it's picture helpers (issue 13, item 5): MNIST's centring and inverting only for digit datasets; the folder table's CSV. */
import { describe, expect, it } from 'vitest';
import { folderCsv, isDigitDataset, lightBackground } from '../../src-renderer/lib/try-picture';

const digits = Array.from({ length: 10 }, (_, i) => String(i));
const fashion = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

describe('Try it with pictures', () => {
  it('offers MNIST centring only on 28×28 greyscale datasets whose classes are 0 to 9', () => {
    expect(isDigitDataset([1, 28, 28], digits)).toBe(true);
    expect(isDigitDataset([1, 28, 28], fashion)).toBe(false); // Fashion-MNIST: the sneaker stays a sneaker
    expect(isDigitDataset([3, 28, 28], digits)).toBe(false);
    expect(isDigitDataset([1, 32, 32], digits)).toBe(false);
    expect(isDigitDataset([1, 28, 28], digits.slice(0, 9))).toBe(false);
  });

  it('sees a light background (dark ink on paper) from the corners', () => {
    expect(lightBackground(new Float32Array(784).fill(240))).toBe(true);
    expect(lightBackground(new Float32Array(784))).toBe(false);
  });

  it('writes the table as CSV: quoted where needed, no spreadsheet formulas, certainty as a fraction', () => {
    const csv = folderCsv([
      { file: 'shoes/a, b.png', answer: 'Sneaker', certainty: 0.9412 },
      { file: '=cmd.png', answer: 'say "hi"', certainty: 0.5 },
      { file: 'broken.png', answer: null, certainty: null, problem: 'broken.png: the image cannot be decoded' },
    ]);
    expect(csv.split('\r\n')).toEqual([
      'file,answer,certainty,problem',
      '"shoes/a, b.png",Sneaker,0.9412,',
      `'=cmd.png,"say ""hi""",0.5000,`,
      'broken.png,,,broken.png: the image cannot be decoded',
      '',
    ]);
  });
});
