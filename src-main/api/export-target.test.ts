/** Where an export may be written: "~" and "~/…" are the home folder, as in a shell (issue 16 item 4). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expandHome, exportsDir, resolveExportTarget } from './export-target';
import { exportTargetSchema } from './schemas';

const studioHome = fs.mkdtempSync(path.join(os.tmpdir(), 'export-target-'));
afterAll(() => fs.rmSync(studioHome, { recursive: true, force: true }));

describe('export targets', () => {
  it('expands ~ and ~/… to the home folder and leaves other text alone', () => {
    expect(expandHome('~', '/home/ada')).toBe('/home/ada');
    expect(expandHome('~/Desktop/digits.onnx', '/home/ada')).toBe(path.join('/home/ada', 'Desktop', 'digits.onnx'));
    expect(expandHome('digits.onnx', '/home/ada')).toBe('digits.onnx');
    expect(expandHome('/tmp/~/a.onnx', '/home/ada')).toBe('/tmp/~/a.onnx');
    // another user's home is not guessed
    expect(expandHome('~bob/a.onnx', '/home/ada')).toBe('~bob/a.onnx');
  });

  it('takes ~/Desktop/digits.onnx as a full path (it was refused as "not a full path")', async () => {
    const wanted = path.join(os.homedir(), 'Desktop', 'digits.onnx');
    expect(exportTargetSchema.safeParse('~/Desktop/digits.onnx').success).toBe(true);
    // a place the host vouches for (Electron: confirmed in the save dialog) is written there
    expect(await resolveExportTarget(studioHome, '~/Desktop/digits.onnx', (f) => f === wanted)).toBe(wanted);
    // elsewhere, the web host's rule for a full path outside the exports folder: refused as such, naming the place
    await expect(resolveExportTarget(studioHome, '~/Desktop/digits.onnx')).rejects.toMatchObject({ code: 'forbidden', message: expect.stringContaining(wanted) });
  });

  it('keeps the rules for plain names, full paths and other endings', async () => {
    expect(await resolveExportTarget(studioHome, 'digits.onnx')).toBe(path.join(exportsDir(studioHome), 'digits.onnx'));
    const inside = path.join(exportsDir(studioHome), 'inside.onnx');
    expect(await resolveExportTarget(studioHome, inside)).toBe(inside);
    await expect(resolveExportTarget(studioHome, '~/Desktop/digits.txt')).rejects.toMatchObject({ code: 'bad_request', message: expect.stringContaining('.onnx') });
    await expect(resolveExportTarget(studioHome, 'Desktop/digits.onnx')).rejects.toMatchObject({ code: 'bad_request' });
    expect(await resolveExportTarget(studioHome, null)).toBeUndefined();
  });
});
