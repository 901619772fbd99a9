/** `predict` on CSV rows (issue 15, items 3 and 16): NaN, Infinity and values beyond float32 are refused naming the line and column. */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PredictInputError, parseCsvSamples, predictionLine, readSamples } from './predict';

const refusal = (text: string, size: number): string => {
  try {
    parseCsvSamples(text, 'samples.csv', size);
  } catch (e) {
    expect(e).toBeInstanceOf(PredictInputError);
    return (e as Error).message;
  }
  throw new Error('expected a refusal');
};

describe('predict on CSV rows', () => {
  it('a single row of NaN is not "only a header row": the NaN is named', () => {
    const msg = refusal('NaN,NaN,NaN\n', 3);
    expect(msg).not.toMatch(/only a header/);
    expect(msg).toMatch(/samples\.csv, line 1, column 1: "NaN" is not a number/);
  });
  it('a header then a row of NaN names the NaN on line 2', () => {
    expect(refusal('a,b,c\nNaN,NaN,NaN\n', 3)).toMatch(/samples\.csv, line 2, column 1: "NaN"/);
  });
  it.each(['1e39', '-1e39', 'Infinity'])('%s is refused, never passed to the model as Infinity', (cell) => {
    expect(refusal(`1,2,3\n4,${cell},6\n`, 3)).toMatch(new RegExp(`samples\\.csv, line 2, column 2: "${cell}"`));
  });
  it('ordinary rows are read as before', () => {
    const s = parseCsvSamples('a,b,label\n1,2.5,x\n', 'samples.csv', 2);
    expect(Array.from(s[0].values)).toEqual([1, 2.5]);
  });
  it('a UTF-16 CSV (with a byte-order mark) is read as text', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mlps-predict-'));
    try {
      const f = path.join(dir, 'samples.csv');
      await fs.writeFile(f, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a,b,label\n1,2.5,x\n', 'utf16le')]));
      const s = await readSamples([f], { sampleShape: [2], sampleSize: 2 });
      expect(Array.from(s[0].values)).toEqual([1, 2.5]);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
  it('a prediction line escapes class names from the model and file names (newlines, bidi overrides)', () => {
    const line = predictionLine({ source: 'a\u202egnp.exe', label: 'cat\nrm', labelIndex: 0, top: [{ label: 'cat\nrm', probability: 1 }, { label: 'd\u2066og', probability: 0 }] });
    expect(line).not.toMatch(/[\n\u202e\u2066]/);
    expect(line).toContain('cat\\x0arm');
  });
});
