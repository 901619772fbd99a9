/** The picture import preview's choices (issue 13): which drops open it, and the request they make. */
import { describe, expect, it } from 'vitest';
import { isPictureDrop, pictureRequest, settingsWords } from '../../src-renderer/lib/picture-import';

describe('picture import choices', () => {
  it('opens the preview for a folder of pictures or a .zip, not for tables or loose files', () => {
    expect(isPictureDrop(['pets/cat/1.jpg', 'pets/dog/2.png'])).toBe(true);
    expect(isPictureDrop(['pets.zip'])).toBe(true);
    expect(isPictureDrop(['iris.csv'])).toBe(false);
    expect(isPictureDrop(['train-images-idx3-ubyte', 'train-labels-idx1-ubyte'])).toBe(false);
    expect(isPictureDrop(['cifar/data_batch_1.bin', 'cifar/test_batch.bin'])).toBe(false);
  });

  it('asks for exactly what was chosen, and nothing else', () => {
    expect(pictureRequest({})).toEqual({});
    expect(pictureRequest({ longSide: 48, channels: 1, fit: 'crop' })).toEqual({ imageSize: 48, channels: 1, crop: true });
    expect(pictureRequest({ fit: 'pad' })).toEqual({ crop: false });
  });

  it('says what every picture becomes', () => {
    const words = settingsWords({ settings: { size: [32, 24], channels: 3, fit: 'pad', exif: true, alpha: 'white' }, sizeChosen: 'photos brought down to a longest side of 32 px' });
    expect(words).toBe('Every picture becomes 24 × 32 pixels in colour (small enough for the network): 2304 numbers for the network; pictures of another shape keep all of it, with black borders.');
    expect(settingsWords({ settings: { size: [16, 16], channels: 1, fit: 'crop', exif: true, alpha: 'white' }, sizeChosen: 'by the user' })).toMatch(/^Every picture becomes 16 × 16 pixels in greyscale \(as you chose\): 256 numbers .* cut to fill it\.$/);
  });
});

describe('a source that is not pictures', () => {
  it('is told apart by the refusal the studio sends', async () => {
    const { isNotPictures } = await import('../../src-renderer/lib/picture-import');
    const { NOT_PICTURES } = await import('../../src-main/datasets/types');
    expect(isNotPictures({ code: 'bad_request', message: `/x/mnist: ${NOT_PICTURES}; import it directly.` })).toBe(true);
    expect(isNotPictures({ code: 'import_failed', message: `/x/pets: the class folder "cat" holds no images` })).toBe(false);
    expect(isNotPictures(null)).toBe(false);
  });
});
