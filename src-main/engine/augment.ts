/**
 * Augmentation (issue 13 item 4): the pictures of the training set varied a little at every
 * epoch — moved, turned, scaled, mirrored, made brighter or darker, given more or less
 * contrast, given noise — so that the network learns what stays the same. This file is the
 * one definition of the settings: their limits, defaults (every setting 0 or off), plain words
 * for the Train screen and the CLI, the zod schema the API checks them with, and the checks of
 * a setting against a dataset. How a sample is varied: augment-sample.ts.
 */
import { z } from 'zod';
import { SpecError } from './spec';

/** The numeric settings, each ± a range around "unchanged"; 0 or absent: not varied. */
export const AUGMENT_RANGES = {
  shift: {
    label: 'Move',
    unit: 'px',
    min: 0,
    max: 8,
    step: 1,
    integer: true,
    help: 'Moves each picture by a whole number of pixels, up to this many, left or right and up or down. The edge that comes in is black.',
    phrase: (v: number) => `move them up to ${v} pixel${v === 1 ? '' : 's'}`,
  },
  rotate: {
    label: 'Turn',
    unit: '°',
    min: 0,
    max: 30,
    step: 1,
    integer: false,
    help: 'Turns each picture about its centre by up to this many degrees, either way.',
    phrase: (v: number) => `turn them up to ${v}°`,
  },
  scale: {
    label: 'Resize',
    unit: '%',
    min: 0,
    max: 30,
    step: 1,
    integer: false,
    help: 'Makes each picture up to this many per cent larger or smaller, about its centre.',
    phrase: (v: number) => `make them up to ${v} % larger or smaller`,
  },
  brightness: {
    label: 'Brightness',
    unit: '%',
    min: 0,
    max: 50,
    step: 1,
    integer: false,
    help: 'Makes each picture brighter or darker by up to this many per cent of full white.',
    phrase: (v: number) => `make them up to ${v} % brighter or darker`,
  },
  contrast: {
    label: 'Contrast',
    unit: '%',
    min: 0,
    max: 50,
    step: 1,
    integer: false,
    help: 'Gives each picture up to this many per cent more or less contrast (around its own mean grey).',
    phrase: (v: number) => `give them up to ${v} % more or less contrast`,
  },
  noise: {
    label: 'Noise',
    unit: '%',
    min: 0,
    max: 20,
    step: 0.5,
    integer: false,
    help: 'Adds random grain to every pixel: its typical size (standard deviation) as a per cent of full white.',
    phrase: (v: number) => `add grain of about ${v} % of full white`,
  },
} as const;

export type AugmentRange = keyof typeof AUGMENT_RANGES;
export const AUGMENT_RANGE_KEYS = Object.keys(AUGMENT_RANGES) as AugmentRange[];

export const FLIP_FIELD = {
  label: 'Mirror left–right',
  help: 'Mirrors half of the pictures left to right. Only for pictures whose mirror image is still the same thing (animals, objects); never for digits or text.',
  phrase: 'mirror half of them',
} as const;

/** The settings a training run varies its pictures with (TrainConfig.augment). */
export type AugmentConfig = { [K in AugmentRange]?: number } & { flip?: boolean };

/** The settings as the API and run.json check them: every field optional (absent: 0 or off). */
export const augmentSchema = z.strictObject({
  ...(Object.fromEntries(
    AUGMENT_RANGE_KEYS.map((k) => {
      const r = AUGMENT_RANGES[k];
      const limits = `${r.label} must be from ${r.min} to ${r.max} ${r.unit}`;
      const n = r.integer ? z.number({ error: `${limits}, a whole number.` }).int({ error: `${limits}, a whole number.` }) : z.number({ error: `${limits}.` });
      return [k, n.min(r.min, { error: `${limits}.` }).max(r.max, { error: `${limits}.` }).optional()];
    }),
  ) as { [K in AugmentRange]: z.ZodOptional<z.ZodNumber> }),
  flip: z.boolean().optional(),
});

/** Whether the settings vary anything (absent, empty or all zero: the run trains on the pictures as they are). */
export function augmentActive(a: AugmentConfig | undefined): a is AugmentConfig {
  return !!a && (a.flip === true || AUGMENT_RANGE_KEYS.some((k) => (a[k] ?? 0) !== 0));
}

/** The settings in plain words: "Vary the pictures while learning: move them up to 2 pixels, turn them up to 10°." */
export function describeAugment(a: AugmentConfig | undefined): string {
  if (!augmentActive(a)) return 'The pictures are used as they are.';
  const parts: string[] = AUGMENT_RANGE_KEYS.filter((k) => (a[k] ?? 0) !== 0).map((k) => AUGMENT_RANGES[k].phrase(a[k]!));
  if (a.flip) parts.push(FLIP_FIELD.phrase);
  return `Vary the pictures while learning: ${parts.join(', ')}.`;
}

/**
 * Whether mirroring is offered for pictures of this shape: not for greyscale 28×28 pictures
 * (handwritten digits and letters, MNIST and its kind), whose mirror image is another symbol
 * or none; nor for anything that is not a picture.
 */
export function flipsAllowed(sampleShape: readonly number[]): boolean {
  return isPictureShape(sampleShape) && !(sampleShape[0] === 1 && sampleShape[1] === 28 && sampleShape[2] === 28);
}

/** [C, H, W] with 1 or 3 channels: samples that can be varied as pictures. */
export function isPictureShape(sampleShape: readonly number[]): boolean {
  return sampleShape.length === 3 && (sampleShape[0] === 1 || sampleShape[0] === 3) && sampleShape[1] >= 2 && sampleShape[2] >= 2;
}

/**
 * Why these settings cannot vary the samples of this dataset, in plain words, or null: the
 * limits, a table (only pictures are varied), mirroring of digit-like pictures.
 */
export function augmentProblem(a: AugmentConfig | undefined, data: { name?: string; sampleShape: readonly number[]; kind?: 'image' | 'tabular' }): string | null {
  if (a === undefined) return null;
  const parsed = augmentSchema.safeParse(a);
  if (!parsed.success) return parsed.error.issues.map((i) => (i.path.length ? i.message : `The augmentation settings are not valid: ${i.message}`)).join(' ');
  if (!augmentActive(a)) return null;
  const called = data.name ? `"${data.name}"` : 'This dataset';
  if (data.kind === 'tabular' || !isPictureShape(data.sampleShape)) {
    return `${called} is a table, not pictures: varying the samples (augmentation) works on pictures only. Turn it off to train on this dataset.`;
  }
  if (a.flip && !flipsAllowed(data.sampleShape)) {
    return `${called} holds 28×28 greyscale pictures like handwritten digits, whose mirror image is another symbol: mirroring is not offered for it. Turn "${FLIP_FIELD.label}" off.`;
  }
  return null;
}

/** Throws a SpecError (a bad request) when augmentProblem finds one. */
export function validateAugment(a: AugmentConfig | undefined, data: { name?: string; sampleShape: readonly number[]; kind?: 'image' | 'tabular' }): void {
  const problem = augmentProblem(a, data);
  if (problem) throw new SpecError(problem);
}

/**
 * The settings as written on the command line: "shift=2,rotate=10,flip" (a name without a
 * value turns mirroring on; names as in AUGMENT_RANGES). Throws a SpecError naming the part
 * that is not understood or out of its limits.
 */
export function parseAugment(text: string): AugmentConfig {
  const names = [...AUGMENT_RANGE_KEYS, 'flip'].join(', ');
  const out: Record<string, number | boolean> = {};
  for (const part of text.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const [name, value, ...rest] = part.split('=').map((s) => s.trim());
    if (name === 'flip' && (value === undefined || value === 'true' || value === 'false') && rest.length === 0) {
      out.flip = value !== 'false';
      continue;
    }
    if (!(AUGMENT_RANGE_KEYS as string[]).includes(name) || value === undefined || rest.length > 0 || value === '' || !Number.isFinite(Number(value))) {
      throw new SpecError(`"${part}" in the augmentation settings is not understood: write name=number for ${AUGMENT_RANGE_KEYS.join(', ')}, and flip to mirror, separated by commas (e.g. shift=2,rotate=10). Known names: ${names}.`);
    }
    out[name] = Number(value);
  }
  const parsed = augmentSchema.safeParse(out);
  if (!parsed.success) throw new SpecError(parsed.error.issues.map((i) => i.message).join(' '));
  return parsed.data;
}
