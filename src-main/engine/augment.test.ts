import { describe, expect, it } from 'vitest';
import { augmentActive, augmentProblem, augmentSchema, describeAugment, flipsAllowed, parseAugment, validateAugment, type AugmentConfig } from './augment';
import { augmentSample, batchAugment, drawVariation, gatherAugmented, identityVariation, varySample } from './augment-sample';
import { affineFor, gather } from './preprocess';

/** a 1×8×8 picture: a 2×2 bright square at rows 2–3, columns 3–4, and one dim pixel at (6, 1) */
function pattern(): Uint8Array {
  const p = new Uint8Array(64);
  for (const [y, x] of [[2, 3], [2, 4], [3, 3], [3, 4]]) p[y * 8 + x] = 200;
  p[6 * 8 + 1] = 50;
  return p;
}
const at = (a: ArrayLike<number>, y: number, x: number) => a[y * 8 + x];

/** a random-looking 3×10×12 picture */
function noisyPicture(seed = 3): Uint8Array {
  const p = new Uint8Array(3 * 10 * 12);
  let s = seed;
  for (let i = 0; i < p.length; i++) p[i] = (s = (s * 1103515245 + 12345) >>> 0) >>> 24;
  return p;
}

describe('varying one picture', () => {
  it('a move of exactly (dx, dy) whole pixels moves the pattern by that much, black coming in', () => {
    const out = new Float32Array(64);
    varySample(pattern(), 0, [1, 8, 8], { ...identityVariation(), dx: 2, dy: -1 }, out);
    // the square from rows 2–3, columns 3–4 to rows 1–2, columns 5–6; the dim pixel from (6, 1) to (5, 3)
    expect([at(out, 1, 5), at(out, 1, 6), at(out, 2, 5), at(out, 2, 6)]).toEqual([200, 200, 200, 200]);
    expect(at(out, 5, 3)).toBe(50);
    expect(Array.from(out).reduce((a, b) => a + b, 0)).toBe(4 * 200 + 50);
    // a move that pushes the dim pixel out of the picture loses it
    varySample(pattern(), 0, [1, 8, 8], { ...identityVariation(), dx: -2 }, out);
    expect(Array.from(out).reduce((a, b) => a + b, 0)).toBe(4 * 200);
    expect(at(out, 2, 1)).toBe(200);
  });

  it('a mirror puts column x at column W−1−x, in every channel', () => {
    const src = noisyPicture();
    const out = new Float32Array(src.length);
    varySample(src, 0, [3, 10, 12], { ...identityVariation(), flip: true }, out);
    for (let c = 0; c < 3; c++) for (let y = 0; y < 10; y++) for (let x = 0; x < 12; x++) expect(out[c * 120 + y * 12 + x]).toBe(src[c * 120 + y * 12 + 11 - x]);
  });

  it('a quarter turn of a square picture moves each pixel to its rotated place (bilinear sampling exact on the grid)', () => {
    const out = new Float32Array(64);
    varySample(pattern(), 0, [1, 8, 8], { ...identityVariation(), angle: Math.PI / 2 }, out);
    // on an 8×8 grid (centre 3.5) output (x, y) samples source (y, 7 − x): the dim pixel at source (x 1, y 6) lands at (x 1, y 1),
    // the square at source columns 3–4, rows 2–3 at columns 4–5, rows 3–4
    expect(at(out, 1, 1)).toBeCloseTo(50, 3);
    for (const [y, x] of [[3, 4], [3, 5], [4, 4], [4, 5]]) expect(at(out, y, x)).toBeCloseTo(200, 3);
    expect(Array.from(out).reduce((a, b) => a + b, 0)).toBeCloseTo(4 * 200 + 50, 3);
  });

  it('settings of 0 copy the sample bit for bit, and the gathered batch equals the plain one', () => {
    const src = noisyPicture();
    const out = new Float32Array(src.length);
    augmentSample({ shift: 0, rotate: 0, scale: 0, brightness: 0, contrast: 0, noise: 0, flip: false }, 7, 3, 11, src, 0, [3, 10, 12], out);
    expect(Array.from(out)).toEqual(Array.from(src));
    varySample(src, 0, [3, 10, 12], identityVariation(), out);
    expect(Array.from(out)).toEqual(Array.from(src));
  });

  it('a batch gathered with augmentation holds each sample varied by its draw (epoch, position in the epoch), then preprocessed; labels as gathered plainly', () => {
    const d = 360;
    const shape = [3, 10, 12];
    const split = { x: new Uint8Array([...noisyPicture(3), ...noisyPicture(5), ...noisyPicture(9)]), y: new Int32Array([1, 0, 2]), n: 3 };
    const aff = affineFor({ scale: 1 / 255, mean: [0.2, 0.3, 0.4], std: [0.5, 0.6, 0.7] }, d);
    const order = Int32Array.from([2, 0, 1]);
    const plain = new Float32Array(2 * d);
    const ya = new Int32Array(2);
    gather(split, order, 1, 2, d, aff, plain, ya);
    const x = new Float32Array(2 * d);
    const yb = new Int32Array(2);
    gatherAugmented(batchAugment({ shift: 3 }, 9, shape)!, 4, split, order, 1, 2, d, aff, x, yb);
    expect(Array.from(yb)).toEqual(Array.from(ya));
    const one = new Float32Array(d);
    for (let r = 0; r < 2; r++) {
      varySample(split.x, order[1 + r] * d, shape, drawVariation({ shift: 3 }, 9, 4, 1 + r), one);
      expect(Array.from(x.subarray(r * d, (r + 1) * d))).toEqual(Array.from(one, (v, j) => Math.fround(v * aff.a[j] + aff.b[j])));
    }
    expect(x).not.toEqual(plain);
  });

  it('brightness, contrast and noise stay within 0–255', () => {
    const src = noisyPicture();
    const out = new Float32Array(src.length);
    varySample(src, 0, [3, 10, 12], { ...identityVariation(), brightness: 100, contrast: 1.5, noise: 60 }, out, 12345);
    expect(Math.min(...out)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...out)).toBeLessThanOrEqual(255);
    expect(out.some((v, j) => v !== src[j])).toBe(true);
  });
});

describe('the random draws', () => {
  const a: AugmentConfig = { shift: 2, rotate: 10, scale: 10, brightness: 20, contrast: 20, noise: 5, flip: true };

  it('are reproducible from (seed, epoch, position) alone', () => {
    const src = noisyPicture();
    const one = new Float32Array(src.length);
    const two = new Float32Array(src.length);
    augmentSample(a, 42, 3, 17, src, 0, [3, 10, 12], one);
    // other draws in between change nothing: there is no generator state
    for (let p = 0; p < 50; p++) augmentSample(a, 42, 3, p, src, 0, [3, 10, 12], two);
    augmentSample(a, 42, 3, 17, src, 0, [3, 10, 12], two);
    expect(Array.from(two)).toEqual(Array.from(one));
  });

  it('differ between epochs, positions and seeds', () => {
    const v = drawVariation(a, 42, 0, 5);
    expect(drawVariation(a, 42, 1, 5)).not.toEqual(v);
    expect(drawVariation(a, 42, 0, 6)).not.toEqual(v);
    expect(drawVariation(a, 43, 0, 5)).not.toEqual(v);
  });

  it('stay within the settings, use every whole move from −2 to 2, and mirror about half', () => {
    const moves = new Set<number>();
    let flips = 0;
    for (let p = 0; p < 2000; p++) {
      const v = drawVariation(a, 1, 0, p);
      moves.add(v.dx).add(v.dy);
      expect(Number.isInteger(v.dx) && Math.abs(v.dx) <= 2 && Math.abs(v.dy) <= 2).toBe(true);
      expect(Math.abs(v.angle)).toBeLessThanOrEqual((10 * Math.PI) / 180);
      expect(Math.abs(v.scale - 1)).toBeLessThanOrEqual(0.1 + 1e-12);
      expect(Math.abs(v.brightness)).toBeLessThanOrEqual(0.2 * 255 + 1e-9);
      if (v.flip) flips++;
    }
    expect([...moves].sort()).toEqual([-1, -2, 0, 1, 2].sort());
    expect(flips).toBeGreaterThan(900);
    expect(flips).toBeLessThan(1100);
  });
});

describe('the settings', () => {
  it('are off by default and in plain words', () => {
    expect(augmentActive(undefined)).toBe(false);
    expect(augmentActive({})).toBe(false);
    expect(augmentActive({ shift: 0, flip: false })).toBe(false);
    expect(augmentActive({ shift: 2 })).toBe(true);
    expect(describeAugment({ shift: 2, rotate: 10 })).toBe('Vary the pictures while learning: move them up to 2 pixels, turn them up to 10°.');
  });

  it('refuse values past their limits in plain words', () => {
    expect(augmentProblem({ shift: 9 }, { sampleShape: [1, 28, 28] })).toBe('Move must be from 0 to 8 px.');
    expect(augmentProblem({ shift: 1.5 }, { sampleShape: [1, 28, 28] })).toMatch(/Move must be from 0 to 8 px, a whole number/);
    expect(augmentProblem({ rotate: -1 }, { sampleShape: [1, 28, 28] })).toBe('Turn must be from 0 to 30 °.');
    expect(augmentSchema.safeParse({ shift: 2, wobble: 3 }).success).toBe(false);
    expect(() => validateAugment({ noise: 50 }, { sampleShape: [3, 32, 32] })).toThrow('Noise must be from 0 to 20 %.');
  });

  it('never mirror digits: 28×28 greyscale pictures refuse flips, colour pictures take them', () => {
    expect(flipsAllowed([1, 28, 28])).toBe(false);
    expect(flipsAllowed([3, 32, 32])).toBe(true);
    expect(flipsAllowed([1, 64, 64])).toBe(true);
    expect(augmentProblem({ flip: true }, { name: 'MNIST', sampleShape: [1, 28, 28] })).toMatch(/"MNIST" holds 28×28 greyscale pictures.*mirroring is not offered/);
    expect(augmentProblem({ flip: true }, { sampleShape: [3, 32, 32] })).toBeNull();
  });

  it('are refused for a table, and settings that vary nothing are not', () => {
    expect(augmentProblem({ shift: 2 }, { name: 'penguins', sampleShape: [7], kind: 'tabular' })).toBe(
      '"penguins" is a table, not pictures: varying the samples (augmentation) works on pictures only. Turn it off to train on this dataset.',
    );
    expect(augmentProblem({ shift: 0 }, { name: 'penguins', sampleShape: [7], kind: 'tabular' })).toBeNull();
  });

  it('are read from the command line as name=number pairs, with plain refusals', () => {
    expect(parseAugment('shift=2,rotate=10, flip')).toEqual({ shift: 2, rotate: 10, flip: true });
    expect(parseAugment('noise=1.5,flip=false')).toEqual({ noise: 1.5, flip: false });
    expect(() => parseAugment('shift=2,wobble=3')).toThrow('"wobble=3" in the augmentation settings is not understood');
    expect(() => parseAugment('shift=two')).toThrow('"shift=two" in the augmentation settings is not understood');
    expect(() => parseAugment('shift=12')).toThrow('Move must be from 0 to 8 px.');
  });
});
