import { describe, expect, it } from 'vitest';
import type { DatasetMeta } from '../../src-main/datasets/types';
import { versionMade, versionWords } from '../../src-renderer/lib/dataset-versions';

const first = { id: 'ds-0000000000000001', name: 'Cats and dogs' };
const v2 = {
  versionOf: first.id,
  version: 2,
  preprocessing: { version: { madeFrom: first.id, madeFromName: 'Cats and dogs', added: { train: 5, test: 1 }, how: '…' } },
} as Pick<DatasetMeta, 'versionOf' | 'version' | 'preprocessing'>;

describe('dataset versions in words', () => {
  it('names the version and the dataset it came from, or says that one was removed', () => {
    expect(versionWords(v2, [first])).toBe('version 2 of “Cats and dogs”');
    expect(versionWords(v2, [])).toBe('version 2 of a removed dataset');
    expect(versionWords({}, [first])).toBeNull();
  });
  it('says how a version was made and that the first stays as it was', () => {
    expect(versionMade(v2)).toBe(
      'It holds the pictures of “Cats and dogs”, unchanged, and 6 new ones (5 for training, 1 for testing). “Cats and dogs” itself stays as it was, so runs trained on it can be repeated.',
    );
    expect(versionMade({ versionOf: undefined, preprocessing: {} })).toBeNull();
    expect(versionMade(null)).toBeNull();
  });
});
