/**
 * How one training sample is varied (augment.ts holds the settings). It works on the raw pixel
 * values (0–255, as stored) before preprocessing: the geometry first (move, turn, resize,
 * mirror; bilinear sampling, black outside the picture), then contrast, brightness and noise,
 * clipped to 0–255; the preprocessing's multiply-add follows as for any batch. Working on the
 * raw values keeps black borders black whatever the dataset's mean and std.
 *
 * Every random number comes from a counter-based hash of (the run's seed, the epoch, the
 * sample's position in the epoch, which number): no generator state, so a run stopped inside
 * an epoch and continued varies the rest of it exactly as it would have, with nothing more in
 * its checkpoint; and the same settings and seed vary the same samples the same way on every
 * device. Settings of 0 copy the sample unchanged, bit for bit.
 */
import { augmentActive, type AugmentConfig } from './augment';
import { gatherLabels, type Affine } from './preprocess';
import type { DataSplit, TargetScale } from './types';

/** What one sample's variation is: drawn by drawVariation, or chosen by a test. */
export interface Variation {
  /** whole pixels to the right and down */
  dx: number;
  dy: number;
  /** radians, counter-clockwise on the screen */
  angle: number;
  /** 1: the same size */
  scale: number;
  flip: boolean;
  /** added to every value (0–255 units) */
  brightness: number;
  /** the multiplier of the distance from the picture's mean (1: unchanged) */
  contrast: number;
  /** standard deviation of the noise (0–255 units); 0: none */
  noise: number;
}

const IDENTITY: Variation = { dx: 0, dy: 0, angle: 0, scale: 1, flip: false, brightness: 0, contrast: 1, noise: 0 };

/** which random number of a sample each draw uses (noise uses NOISE_FROM + 2·value and the next) */
const R = { dx: 0, dy: 1, angle: 2, scale: 3, flip: 4, brightness: 5, contrast: 6, noiseKey: 7 } as const;
const NOISE_FROM = 16;

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** one round of MurmurHash3's 32-bit mixing */
function mix(h: number, k: number): number {
  k = Math.imul(k >>> 0, 0xcc9e2d51);
  k = rotl(k, 15);
  k = Math.imul(k, 0x1b873593);
  h = (h ^ k) >>> 0;
  h = rotl(h, 13);
  return (Math.imul(h, 5) + 0xe6546b64) >>> 0;
}

/** MurmurHash3's finaliser: every input bit reaches every output bit */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The key of one sample's random numbers: (seed, epoch, position in the epoch), hashed. */
export function sampleKey(seed: number, epochIndex: number, position: number): number {
  // a constant of its own keeps these numbers apart from any other use of the seed
  return mix(mix(mix(0x41554731, seed), epochIndex), position);
}

/** The sample's random number `k`, uniform in [0, 1) with 32 bits. */
export function uniformAt(key: number, k: number): number {
  return fmix(mix(key, k) ^ 4) / 4294967296;
}

/** The variation of the sample at `position` of epoch `epochIndex` (both from 0) of a run with seed `seed`. */
export function drawVariation(a: AugmentConfig, seed: number, epochIndex: number, position: number): Variation {
  const key = sampleKey(seed, epochIndex, position);
  const u = (k: number) => uniformAt(key, k);
  const sym = (k: number, half: number) => (half > 0 ? (2 * u(k) - 1) * half : 0);
  const shift = a.shift ?? 0;
  const whole = (k: number) => (shift > 0 ? Math.min(shift, Math.floor(u(k) * (2 * shift + 1)) - shift) : 0);
  return {
    dx: whole(R.dx),
    dy: whole(R.dy),
    angle: (sym(R.angle, a.rotate ?? 0) * Math.PI) / 180,
    scale: 1 + sym(R.scale, a.scale ?? 0) / 100,
    flip: a.flip === true && u(R.flip) < 0.5,
    brightness: (sym(R.brightness, a.brightness ?? 0) / 100) * 255,
    contrast: 1 + sym(R.contrast, a.contrast ?? 0) / 100,
    noise: ((a.noise ?? 0) / 100) * 255,
  };
}

/**
 * Writes sample `src[from .. from + C·H·W)` ([C, H, W], raw values), varied by `v`, into
 * `out[0 .. C·H·W)`. `noiseKey` (sampleKey) draws the noise.
 */
export function varySample(src: ArrayLike<number>, from: number, shape: readonly number[], v: Variation, out: Float32Array, noiseKey = 0): void {
  const [c, h, w] = shape;
  if (v.angle === 0 && v.scale === 1) shiftCopy(src, from, c, h, w, v, out);
  else warp(src, from, c, h, w, v, out);
  const n = c * h * w;
  if (v.contrast === 1 && v.brightness === 0 && v.noise === 0) return;
  let mean = 0;
  for (let j = 0; j < n; j++) mean += out[j];
  mean /= n;
  for (let j = 0; j < n; j++) {
    let x = (out[j] - mean) * v.contrast + mean + v.brightness;
    if (v.noise > 0) x += v.noise * gaussianAt(noiseKey, j);
    out[j] = x < 0 ? 0 : x > 255 ? 255 : x;
  }
}

/** a standard normal number from the key's random numbers NOISE_FROM + 2j and the next (Box–Muller) */
function gaussianAt(key: number, j: number): number {
  const u1 = 1 - uniformAt(key, NOISE_FROM + 2 * j);
  const u2 = uniformAt(key, NOISE_FROM + 2 * j + 1);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** whole-pixel moves and the mirror: each value copied from its source pixel, 0 outside */
function shiftCopy(src: ArrayLike<number>, from: number, c: number, h: number, w: number, v: Variation, out: Float32Array): void {
  for (let ch = 0; ch < c; ch++) {
    const plane = from + ch * h * w;
    const o = ch * h * w;
    for (let y = 0; y < h; y++) {
      const sy = y - v.dy;
      for (let x = 0; x < w; x++) {
        const mx = x - v.dx;
        const sx = v.flip ? w - 1 - mx : mx;
        out[o + y * w + x] = sy >= 0 && sy < h && sx >= 0 && sx < w ? src[plane + sy * w + sx] : 0;
      }
    }
  }
}

/** turn, resize, move and mirror about the centre: each output pixel sampled bilinearly at its source point, 0 outside */
function warp(src: ArrayLike<number>, from: number, c: number, h: number, w: number, v: Variation, out: Float32Array): void {
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  // the inverse map: output point → source point (undo the move, then the turn and the size)
  const cos = Math.cos(v.angle) / v.scale;
  const sin = Math.sin(v.angle) / v.scale;
  const at = (plane: number, yy: number, xx: number) => (yy >= 0 && yy < h && xx >= 0 && xx < w ? src[plane + yy * w + xx] : 0);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const ux = x - cx - v.dx;
      const uy = y - cy - v.dy;
      let sx = cos * ux + sin * uy + cx;
      const sy = -sin * ux + cos * uy + cy;
      if (v.flip) sx = w - 1 - sx;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      for (let ch = 0; ch < c; ch++) {
        const plane = from + ch * h * w;
        const top = at(plane, y0, x0) * (1 - fx) + at(plane, y0, x0 + 1) * fx;
        const bottom = at(plane, y0 + 1, x0) * (1 - fx) + at(plane, y0 + 1, x0 + 1) * fx;
        out[ch * h * w + y * w + x] = top * (1 - fy) + bottom * fy;
      }
    }
  }
}

/** The sample at `position` of epoch `epochIndex` (from 0), varied as the run's settings say (raw values). */
export function augmentSample(a: AugmentConfig, seed: number, epochIndex: number, position: number, src: ArrayLike<number>, from: number, shape: readonly number[], out: Float32Array): void {
  if (!augmentActive(a)) {
    for (let j = 0, n = shape[0] * shape[1] * shape[2]; j < n; j++) out[j] = src[from + j];
    return;
  }
  varySample(src, from, shape, drawVariation(a, seed, epochIndex, position), out, sampleKey(seed, epochIndex, position) ^ R.noiseKey);
}

/** The variation that changes nothing. */
export function identityVariation(): Variation {
  return { ...IDENTITY };
}

/** What a run varies its training batches with: the settings, the seed and the picture shape. */
export interface BatchAugment {
  config: AugmentConfig;
  seed: number;
  shape: readonly number[];
  /** a reused buffer of one sample */
  scratch: Float32Array;
}

export function batchAugment(config: AugmentConfig | undefined, seed: number, shape: readonly number[]): BatchAugment | null {
  if (!augmentActive(config)) return null;
  return { config, seed, shape, scratch: new Float32Array(shape.reduce((p, q) => p * q, 1)) };
}

/**
 * preprocess.gather with each sample varied first: samples `order[from..from+count)` of
 * `split` (positions `from..` of epoch `epochIndex`, from 0): their labels or standardised
 * targets into `y` as gather does, and into each row of `x` the varied sample, preprocessed.
 */
export function gatherAugmented(
  aug: BatchAugment,
  epochIndex: number,
  split: DataSplit,
  order: Int32Array,
  from: number,
  count: number,
  d: number,
  aff: Affine,
  x: Float32Array,
  y: Int32Array | Float32Array,
  target?: TargetScale,
): void {
  gatherLabels(split, order, from, count, y, target);
  const { a, b } = aff;
  const s = aug.scratch;
  for (let r = 0; r < count; r++) {
    augmentSample(aug.config, aug.seed, epochIndex, from + r, split.x, order[from + r] * d, aug.shape, s);
    const dst = r * d;
    for (let j = 0; j < d; j++) x[dst + j] = s[j] * a[j] + b[j];
  }
}
