/** UTF-16 tables (issue 15, item 16): read as text (LE and BE, with a BOM; LE or BE without one), not as "binary data of an unknown kind". */
import { describe, expect, it } from 'vitest';
import { scratchLibrary } from '../../tests/helpers/scratch-library';
import { DatasetError } from './errors';
import { kindOfBytes } from './sniff';
import { csvText } from '../../tests/helpers/test-fixtures';

const scratch = scratchLibrary();
const file = scratch.file;

describe('UTF-16 tables (item 16)', () => {
  const text = () => csvText(30, { features: 3 });
  const utf16be = (s: string) => {
    const le = Buffer.from(s, 'utf16le');
    for (let i = 0; i + 1 < le.length; i += 2) [le[i], le[i + 1]] = [le[i + 1], le[i]];
    return le;
  };
  const cases: [string, () => Buffer][] = [
    ['UTF-16 LE with a BOM', () => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text(), 'utf16le')])],
    ['UTF-16 BE with a BOM', () => Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(text())])],
    ['UTF-16 LE without a BOM', () => Buffer.from(text(), 'utf16le')],
    ['UTF-16 BE without a BOM', () => utf16be(text())],
  ];
  it.each(cases)('%s is read as text, like the same table in UTF-8', async (label, make) => {
    expect(kindOfBytes(make())).toBe('text');
    const f = await file(make(), `${label.replace(/\W+/g, '-')}.csv`);
    const meta = await scratch.lib.import([f], { name: label });
    const ref = await scratch.lib.import([await file(text(), 'ref.csv')], { name: `${label} ref`, dropBadRows: false }).catch((e) => {
      // the same content is a duplicate of the UTF-16 import: that proves the data is identical
      expect((e as DatasetError).code).toBe('conflict');
      return null;
    });
    expect(ref).toBeNull();
    expect(meta.classNames).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(meta.preprocessing.featureNames).toEqual(['feature 0', 'feature 1', 'feature 2']);
    await scratch.lib.delete(meta.id);
  });

  it('a UTF-16 .txt table is recognised as a table too', async () => {
    const f = await file(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text(), 'utf16le')]), 'table.txt');
    const meta = await scratch.lib.import([f], { name: 'utf16 txt' });
    expect(meta.sampleShape).toEqual([3]);
    await scratch.lib.delete(meta.id);
  });
});
