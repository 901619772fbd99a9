/** Issue 13, item 2: the Studio API's import takes the picture options the CLI has (imageSize, channels, crop). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writePhotoFolder } from '../../tests/helpers/photo-fixtures';
import type { StudioEvent } from './contract';
import { DatasetGateway } from './datasets';
import { importRequestSchema } from './schemas';

let home: string;
let gateway: DatasetGateway;
const events: StudioEvent[] = [];

beforeAll(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-studio-import-options-'));
  gateway = new DatasetGateway(home, (e) => events.push(e));
});
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

async function importAndWait(req: Parameters<DatasetGateway['startImport']>[0]): Promise<Extract<StudioEvent, { channel: 'import' }>> {
  const { importId } = await gateway.startImport(req);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const end = events.find((e) => e.channel === 'import' && e.importId === importId && e.event !== 'progress');
    if (end && end.channel === 'import') return end;
    if (Date.now() > deadline) throw new Error('the import did not end');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('importDataset with picture options', () => {
  it('the schema takes a longest side of 16 to 96, an exact [h, w], channels 1 or 3 and crop', () => {
    const p = [path.join(home, 'x')];
    expect(importRequestSchema.safeParse({ paths: p, imageSize: 48, channels: 1, crop: true }).success).toBe(true);
    expect(importRequestSchema.safeParse({ paths: p, imageSize: [28, 28] }).success).toBe(true);
    expect(importRequestSchema.safeParse({ paths: p, imageSize: 200 }).success).toBe(false);
    expect(importRequestSchema.safeParse({ paths: p, channels: 2 }).success).toBe(false);
  });

  it('imports a photo folder with them, and with none', async () => {
    const dir = await writePhotoFolder(path.join(home, 'src', 'phone'), { photos: 2, w: 300, h: 400 });
    const plain = await importAndWait({ paths: [dir] });
    expect(plain.event).toBe('done');
    if (plain.event === 'done') expect(plain.dataset.sampleShape).toEqual([3, 32, 24]);
    const chosen = await importAndWait({ paths: [dir], name: 'small grey', imageSize: 16, channels: 1, crop: true });
    expect(chosen.event).toBe('done');
    if (chosen.event === 'done') expect(chosen.dataset.preprocessing.image).toEqual({ size: [16, 12], channels: 1, fit: 'crop', exif: true, alpha: 'white' });
  });
});
