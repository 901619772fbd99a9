/** Issue 13, item 2 (CLI half): `import` takes --image-size (longest side or HxW), --channels and --crop for picture folders. */
import fs from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerDatasetCommands } from './cli';
import { writePhotoFolder } from './photo-fixtures';
import { tempDir } from './test-fixtures';

let root: string;
const saved = process.env.MLP_STUDIO_HOME;

beforeAll(async () => {
  root = await tempDir('mlps-photos-cli-');
  process.env.MLP_STUDIO_HOME = path.join(root, 'home');
});
afterAll(async () => {
  if (saved === undefined) delete process.env.MLP_STUDIO_HOME;
  else process.env.MLP_STUDIO_HOME = saved;
  await fs.rm(root, { recursive: true, force: true });
});

async function run(...args: string[]): Promise<{ out: string; error: string | null }> {
  let out = '';
  const program = new Command('mlp-studio').exitOverride().configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (out += s) });
  registerDatasetCommands(program);
  try {
    await program.parseAsync(['node', 'mlp-studio', ...args]);
    return { out, error: null };
  } catch (e) {
    return { out, error: (e as Error).message };
  }
}

describe('mlp-studio import of a photo folder', () => {
  it('imports with no option, and with --image-size N / HxW, --channels, --crop', async () => {
    const dir = await writePhotoFolder(path.join(root, 'phone'), { photos: 2, w: 300, h: 400 });
    const plain = await run('import', dir, '--no-progress');
    expect(plain.error).toBeNull();
    expect(plain.out).toMatch(/samples\s+3×32×24 pixels/);
    expect(plain.out).toMatch(/pictures\s+brought to 32×24, colour, padded, EXIF turns applied/);
    const long = await run('import', dir, '--name', 'small', '--image-size', '16', '--channels', '1', '--crop', '--no-progress', '--json');
    expect(long.error).toBeNull();
    const m = JSON.parse(long.out);
    expect(m.sampleShape).toEqual([1, 16, 12]);
    expect(m.preprocessing.image).toMatchObject({ size: [16, 12], channels: 1, fit: 'crop' });
    const exact = JSON.parse((await run('import', dir, '--name', 'square', '--image-size', '20x20', '--no-progress', '--json')).out);
    expect(exact.sampleShape).toEqual([3, 20, 20]);
    expect((await run('import', dir, '--image-size', '200')).error).toMatch(/16 to 96 pixels/);
    expect((await run('import', dir, '--image-size', 'big')).error).toMatch(/longest side in pixels/);
  });
});
