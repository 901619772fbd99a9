/** Issue 13, item 2 (CLI half): `import` takes --image-size (longest side or HxW), --channels and --crop for picture folders. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { datasetCli } from '../../tests/helpers/dataset-cli';
import { writePhotoFolder } from '../../tests/helpers/photo-fixtures';

const cli = datasetCli('mlps-photos-cli-');
const run = cli.run;

describe('mlp-studio import of a photo folder', () => {
  it('imports with no option, and with --image-size N / HxW, --channels, --crop', async () => {
    const dir = await writePhotoFolder(path.join(cli.root, 'phone'), { photos: 2, w: 300, h: 400 });
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
