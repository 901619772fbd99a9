/**
 * Predicting with an exported model, the way a user of the .onnx file would: raw pixels from
 * PNG/JPEG (decoded with sharp, brought to the model's size and channels) or raw feature rows
 * from a CSV (papaparse), fed to onnxruntime-node; the model does its own preprocessing.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import Papa from 'papaparse';
import sharp from 'sharp';
import { cellValue, looksNumeric } from '../datasets/cells';
import { DatasetError, printable } from '../datasets/errors';
import { parseImageSettings } from '../datasets/meta-schema';
import { MAX_PICTURE_PIXELS, forOnePicture, pictureToSample } from '../datasets/picture-decode';
import type { ImageSettings } from '../datasets/types';
import { safeText } from '../datasets/safe-text';
import { decodeText } from '../datasets/text-encoding';
import { readOnnxInfo, type OnnxInfo } from './onnxinfo';
import { StudioError } from '../engine/errors';

export interface LoadedModel {
  file: string;
  info: OnnxInfo;
  inputName: string;
  /** per-sample shape, e.g. [1, 28, 28] or [13] */
  sampleShape: number[];
  sampleSize: number;
  classNames: string[];
  session: ort.InferenceSession;
  /**
   * how the dataset's pictures became samples, from the model's `image_preprocessing`
   * metadata (exports since issue 13): a picture then goes through the importer's own
   * preparation; older exports are stretched to the input size
   */
  imageSettings?: ImageSettings;
}

export interface Sample {
  /** where it came from: "digit.png" or "data.csv, line 3" */
  source: string;
  values: Float32Array;
  note?: string;
}

export interface Prediction {
  source: string;
  label: string;
  labelIndex: number;
  /** the k most probable classes, most probable first */
  top: { label: string; probability: number }[];
  note?: string;
}

export class PredictInputError extends StudioError {
  constructor(message: string) {
    super('bad_request', message);
    this.name = 'PredictInputError';
  }
}

const IMAGE_EXT = new Set(['.png', '.jpg', '.jpeg', '.webp', '.gif', '.bmp', '.tif', '.tiff']);

export async function loadModel(file: string): Promise<LoadedModel> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (err) {
    throw new PredictInputError(`${file}: cannot read the model (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const info = readOnnxInfo(bytes, file);
  if (info.inputs.length !== 1) throw new PredictInputError(`${file}: the model has ${info.inputs.length} inputs; predict needs a model with one input (an MLP Studio export)`);
  if (!info.outputs.some((o) => o.name === 'probabilities')) throw new PredictInputError(`${file}: the model has no "probabilities" output; predict needs a model exported by MLP Studio`);
  const input = info.inputs[0];
  let sampleShape: number[];
  try {
    sampleShape = info.metadata.input_shape ? (JSON.parse(info.metadata.input_shape) as number[]) : input.dims.slice(1).map(Number);
  } catch {
    sampleShape = input.dims.slice(1).map(Number);
  }
  if (!sampleShape.length || sampleShape.some((d) => !Number.isInteger(d) || d < 1)) throw new PredictInputError(`${file}: cannot tell the input shape from the model (input dims ${JSON.stringify(input.dims)})`);
  const probs = info.outputs.find((o) => o.name === 'probabilities')!;
  let classNames: string[] = [];
  try {
    classNames = info.metadata.class_names ? (JSON.parse(info.metadata.class_names) as string[]) : [];
  } catch {
    classNames = [];
  }
  if (!classNames.length && typeof probs.dims[1] === 'number') classNames = Array.from({ length: probs.dims[1] }, (_, i) => String(i));
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'] });
  const imageSettings = imageSettingsFrom(info.metadata.image_preprocessing, sampleShape);
  return { file, info, inputName: input.name, sampleShape, sampleSize: sampleShape.reduce((a, b) => a * b, 1), classNames, session, ...(imageSettings ? { imageSettings } : {}) };
}

/** The recorded picture settings when they are valid and fit the input shape; otherwise none (a hand-edited model). */
function imageSettingsFrom(text: string | undefined, sampleShape: number[]): ImageSettings | null {
  if (!text || sampleShape.length !== 3) return null;
  let settings: ImageSettings | null;
  try {
    settings = parseImageSettings(JSON.parse(text));
  } catch {
    return null;
  }
  const [c, h, w] = sampleShape;
  return settings && settings.channels === c && settings.size[0] === h && settings.size[1] === w ? settings : null;
}

/** A picture prepared exactly as the dataset's import prepared its pictures (size, colour, pad or crop, EXIF, transparency). */
async function preparedImageSample(file: string, settings: ImageSettings): Promise<Sample> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (err) {
    throw new PredictInputError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  try {
    return { source: file, values: Float32Array.from(await pictureToSample(bytes, settings, file)) };
  } catch (err) {
    if (err instanceof DatasetError) throw new PredictInputError(forOnePicture(err.message, 'Export it again or give another file.'));
    throw err;
  }
}

/** An image file as raw 0–255 values in the model's layout (C×H×W). */
export async function readImageSample(file: string, sampleShape: number[]): Promise<Sample> {
  if (sampleShape.length !== 3) throw new PredictInputError(`${file}: this model takes ${sampleShape[0]} feature values per sample, not images; give a CSV file`);
  const [c, h, w] = sampleShape;
  if (c !== 1 && c !== 3) throw new PredictInputError(`${file}: the model expects ${c}-channel input, which images cannot provide`);
  let meta: Awaited<ReturnType<ReturnType<typeof sharp>['metadata']>>;
  try {
    meta = await sharp(file, { limitInputPixels: false }).metadata();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || /missing|no such file/i.test((err as Error).message)) throw new PredictInputError(`${file}: no such file`);
    throw new PredictInputError(`${file}: not a readable image (its content is not PNG, JPEG, WebP, GIF or TIFF); give a PNG or JPEG file`);
  }
  const mw = meta.width ?? 0;
  const mh = meta.height ?? 0;
  if (mw * mh > MAX_PICTURE_PIXELS) {
    throw new PredictInputError(`${file}: the picture declares ${mw.toLocaleString('en-US')}×${mh.toLocaleString('en-US')} pixels; pictures of up to ${MAX_PICTURE_PIXELS / 1e6} megapixels are read, so it was not decoded. Shrink it first`);
  }
  const notes: string[] = [];
  if (mw !== w || mh !== h) notes.push(`resized from ${mw}×${mh} to ${w}×${h}`);
  let img = sharp(file, { limitInputPixels: MAX_PICTURE_PIXELS, failOn: 'error' }).flatten({ background: '#000000' });
  img = c === 1 ? img.greyscale() : img.toColourspace('srgb');
  if (mw !== w || mh !== h) img = img.resize(w, h, { fit: 'fill' });
  let decoded: { data: Buffer; info: import('sharp').OutputInfo };
  try {
    decoded = await img.raw().toBuffer({ resolveWithObject: true });
  } catch {
    // the decoder's own words (e.g. "vipspng: libpng read error") mean nothing to a person
    throw new PredictInputError(`${file}: the ${meta.format ? `${meta.format.toUpperCase()} ` : ''}picture is corrupt or truncated (its pixels cannot be decoded); export it again or give another file`);
  }
  const { data, info } = decoded;
  const values = new Float32Array(c * h * w);
  const ch = info.channels;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let k = 0; k < c; k++) values[k * h * w + y * w + x] = data[(y * w + x) * ch + Math.min(k, ch - 1)];
  return { source: file, values, ...(notes.length ? { note: notes.join(', ') } : {}) };
}

/** Rows of raw feature values; a header row is detected, and a label column named label/class/target/y is dropped. */
export function parseCsvSamples(text: string, file: string, sampleSize: number): Sample[] {
  const parsed = Papa.parse<string[]>(text.replace(/^\uFEFF/, ''), { skipEmptyLines: 'greedy', dynamicTyping: false });
  const rows = parsed.data;
  if (rows.length === 0) throw new PredictInputError(`${file}: the file has no rows`);
  // a row of NaN, Infinity or 1e39 is data (refused below, cell by cell), not a header
  const hasHeader = rows[0].some((cell) => !looksNumeric(cell));
  let drop = -1;
  if (hasHeader) {
    const header = rows[0].map((h) => h.trim().toLowerCase());
    if (header.length === sampleSize + 1) drop = header.findIndex((h) => ['label', 'class', 'target', 'y'].includes(h));
  }
  const samples: Sample[] = [];
  // papaparse does not report line numbers of rows; count them ourselves (skipped empty lines shift them)
  const lineOf = lineNumbers(text);
  rows.forEach((row, r) => {
    if (hasHeader && r === 0) return;
    const line = lineOf[r] ?? r + 1;
    const cells = drop >= 0 ? row.filter((_, i) => i !== drop) : row;
    if (cells.length !== sampleSize) {
      throw new PredictInputError(
        `${file}, line ${line}: ${cells.length} values, but the model expects ${sampleSize} features per row${hasHeader && row.length === sampleSize + 1 ? ' (to leave out a label column, name it "label")' : ''}`,
      );
    }
    const values = new Float32Array(sampleSize);
    cells.forEach((cell, i) => {
      const v = cellValue(cell);
      if (typeof v === 'string') throw new PredictInputError(`${file}, line ${line}, column ${i + 1}: ${printable(v, 200)}`);
      values[i] = v;
    });
    samples.push({ source: `${path.basename(file)}, line ${line}`, values });
  });
  if (samples.length === 0) throw new PredictInputError(`${file}: only a header row, no samples`);
  return samples;
}

function lineNumbers(text: string): number[] {
  const out: number[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  lines.forEach((l, i) => {
    if (l.trim() !== '' && l.replace(/,/g, '').trim() !== '') out.push(i + 1);
  });
  return out;
}

export async function readSamples(inputs: string[], model: Pick<LoadedModel, 'sampleShape' | 'sampleSize' | 'imageSettings'>): Promise<Sample[]> {
  const samples: Sample[] = [];
  for (const input of inputs) {
    const ext = path.extname(input).toLowerCase();
    if (ext === '.csv' || ext === '.tsv' || ext === '.txt') {
      let text: string;
      try {
        text = decodeText(await fs.readFile(input)); // UTF-8 or UTF-16
      } catch (err) {
        throw new PredictInputError(`${input}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      }
      samples.push(...parseCsvSamples(text, input, model.sampleSize));
    } else if (IMAGE_EXT.has(ext) || model.sampleShape.length === 3) {
      samples.push(model.imageSettings ? await preparedImageSample(input, model.imageSettings) : await readImageSample(input, model.sampleShape));
    } else {
      throw new PredictInputError(`${input}: give PNG/JPEG images or a CSV file`);
    }
  }
  return samples;
}

export async function predict(model: LoadedModel, samples: Sample[], top = 3): Promise<Prediction[]> {
  if (samples.length === 0) return [];
  const x = new Float32Array(samples.length * model.sampleSize);
  samples.forEach((s, i) => x.set(s.values, i * model.sampleSize));
  const out = await model.session.run({ [model.inputName]: new ort.Tensor('float32', x, [samples.length, ...model.sampleShape]) });
  const probs = out.probabilities.data as Float32Array;
  const k = probs.length / samples.length;
  const labels = out.label ? Array.from(out.label.data as BigInt64Array | Int32Array, Number) : null;
  const name = (i: number) => model.classNames[i] ?? String(i);
  return samples.map((s, i) => {
    const row = Array.from(probs.subarray(i * k, (i + 1) * k));
    const order = row.map((p, c) => [p, c] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
    const idx = labels ? labels[i] : order[0][1];
    return {
      source: s.source,
      label: name(idx),
      labelIndex: idx,
      top: order.slice(0, Math.max(1, top)).map(([p, c]) => ({ label: name(c), probability: p })),
      ...(s.note ? { note: s.note } : {}),
    };
  });
}

export function predictionLine(p: Prediction): string {
  // class names come from the model's metadata, file names from the disk: both escaped (safeText)
  const tops = p.top.map((t) => `${safeText(t.label)} ${(t.probability * 100).toFixed(2)}%`).join(', ');
  return `${safeText(p.source)}: ${safeText(p.label)}   (top: ${tops})${p.note ? `   [${p.note}]` : ''}`;
}
