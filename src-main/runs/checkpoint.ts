/**
 * Checkpoint files: everything needed to continue training exactly where it stopped.
 *
 * Layout of one `.ckpt` file (all integers little-endian):
 *   bytes 0..7     magic "MLPCKPT" + format version byte (1)
 *   bytes 8..11    uint32 length H of the JSON header
 *   H bytes        JSON header (epoch, step, optimizer step, RNG state, tensor lengths, test error;
 *                  for a stop inside an epoch, where that epoch stood)
 *   payload        the parameter tensors, then the optimizer-state tensors, as float32
 *   last 32 bytes  sha256 of every byte before it
 *
 * The checksum covers the header and the payload, so a torn, truncated or bit-flipped file
 * is refused with a message that names the file, instead of silently training on garbage.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import { z } from 'zod';
import type { TrainerCheckpoint } from '../engine/trainer';
import { writeFileAtomic, type AtomicWriteOptions } from './atomic';
import { StudioError } from '../engine/errors';

/** What the trainer hands over at the end of an epoch and takes back to resume. */
export type CheckpointState = TrainerCheckpoint;

export interface CheckpointInfo {
  epoch: number;
  step: number;
  /** test error measured after this epoch, when the test set was evaluated then (a report: it chooses nothing) */
  testError: number | null;
  createdAt: string;
  /** validation error after this epoch, when the run has a validation part (absent in older files) */
  validationError?: number | null;
  /** a number to predict: the validation loss after this epoch, which chooses the kept epoch */
  validationLoss?: number;
}

export interface LoadedCheckpoint extends CheckpointInfo {
  state: CheckpointState;
  file: string;
  /** the run it was written for, when the file records it */
  run?: string;
}

export class CheckpointError extends StudioError {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super('io', message);
    this.name = 'CheckpointError';
  }
}

const MAGIC = Buffer.from('MLPCKPT\x01', 'latin1');
const SHA_BYTES = 32;
const PREFIX_BYTES = MAGIC.length + 4;

const headerSchema = z.object({
  epoch: z.number().int().min(0),
  step: z.number().int().min(0),
  optimizerStep: z.number().int().min(0),
  rngState: z.array(z.number()),
  params: z.array(z.number().int().min(0)),
  optimizerState: z.array(z.number().int().min(0)),
  /** a fraction for a category; for a number to predict, the mean absolute error in the target's units */
  testError: z.number().min(0).nullable(),
  /** the validation error after this epoch (absent in files of runs without a validation part, or older) */
  validationError: z.number().min(0).nullable().optional(),
  /** a number to predict: the validation loss after this epoch (what chooses the kept epoch) */
  validationLoss: z.number().min(0).optional(),
  createdAt: z.string(),
  /** the run the checkpoint was written for (absent in files written before it was recorded) */
  run: z.string().optional(),
  /** where an epoch stood, for a checkpoint taken inside it (mid-epoch.ckpt) */
  partial: z
    .object({
      stepsDone: z.number().int().min(1),
      lossSum: z.number(),
      errorSum: z.number(),
      epochRngState: z.array(z.number()).length(4),
      seconds: z.number().min(0),
    })
    .optional(),
});
type Header = z.infer<typeof headerSchema>;

if (os.endianness() !== 'LE') {
  // float32 tensors are written as the machine stores them; every platform the studio ships on is little-endian
  throw new Error('MLP Studio checkpoints need a little-endian machine');
}

export function encodeCheckpoint(state: CheckpointState, testError: number | null, createdAt = new Date().toISOString(), run?: string): Uint8Array {
  const header: Header = {
    epoch: state.epoch,
    step: state.step,
    optimizerStep: state.optimizerStep,
    rngState: state.rngState.slice(),
    params: state.params.map((p) => p.length),
    optimizerState: state.optimizerState.map((p) => p.length),
    testError,
    ...(state.validationError !== undefined ? { validationError: state.validationError } : {}),
    ...(state.validationLoss !== undefined ? { validationLoss: state.validationLoss } : {}),
    createdAt,
    ...(run !== undefined ? { run } : {}),
    ...(state.partial ? { partial: { ...state.partial, epochRngState: state.partial.epochRngState.slice() } } : {}),
  };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const tensors = [...state.params, ...state.optimizerState];
  const payloadBytes = tensors.reduce((s, t) => s + t.byteLength, 0);
  const out = Buffer.alloc(PREFIX_BYTES + headerBytes.length + payloadBytes + SHA_BYTES);
  MAGIC.copy(out, 0);
  out.writeUInt32LE(headerBytes.length, MAGIC.length);
  headerBytes.copy(out, PREFIX_BYTES);
  let off = PREFIX_BYTES + headerBytes.length;
  for (const t of tensors) {
    out.set(new Uint8Array(t.buffer, t.byteOffset, t.byteLength), off);
    off += t.byteLength;
  }
  createHash('sha256').update(out.subarray(0, off)).digest().copy(out, off);
  return out;
}

export function decodeCheckpoint(bytes: Uint8Array, file: string): LoadedCheckpoint {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const advice = 'the file is damaged (an interrupted write or a disk problem); the studio falls back to the previous checkpoint';
  if (buf.length < PREFIX_BYTES + SHA_BYTES || !buf.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new CheckpointError(file, `${file}: not an MLP Studio checkpoint (${buf.length} bytes, wrong signature); ${advice}`);
  }
  const body = buf.subarray(0, buf.length - SHA_BYTES);
  const stored = buf.subarray(buf.length - SHA_BYTES);
  const actual = createHash('sha256').update(body).digest();
  if (!actual.equals(stored)) {
    throw new CheckpointError(
      file,
      `${file}: checksum mismatch (stored sha256 ${stored.toString('hex').slice(0, 12)}…, contents hash to ${actual.toString('hex').slice(0, 12)}…); ${advice}`,
    );
  }
  const headerLen = buf.readUInt32LE(MAGIC.length);
  if (PREFIX_BYTES + headerLen > body.length) throw new CheckpointError(file, `${file}: header length ${headerLen} runs past the end of the file; ${advice}`);
  let header: Header;
  try {
    header = headerSchema.parse(JSON.parse(body.subarray(PREFIX_BYTES, PREFIX_BYTES + headerLen).toString('utf8')));
  } catch (err) {
    throw new CheckpointError(file, `${file}: unreadable checkpoint header (${(err as Error).message.split('\n')[0]}); ${advice}`);
  }
  const lengths = [...header.params, ...header.optimizerState];
  const payloadBytes = lengths.reduce((s, n) => s + 4 * n, 0);
  if (PREFIX_BYTES + headerLen + payloadBytes !== body.length) {
    throw new CheckpointError(file, `${file}: header announces ${payloadBytes} bytes of tensors but the file holds ${body.length - PREFIX_BYTES - headerLen}; ${advice}`);
  }
  // copy into fresh, aligned buffers: callers own them and the source buffer may be unaligned
  let off = PREFIX_BYTES + headerLen;
  const tensors = lengths.map((n) => {
    const t = new Float32Array(n);
    new Uint8Array(t.buffer).set(body.subarray(off, off + 4 * n));
    off += 4 * n;
    return t;
  });
  return {
    file,
    epoch: header.epoch,
    step: header.step,
    testError: header.testError,
    createdAt: header.createdAt,
    ...(header.run !== undefined ? { run: header.run } : {}),
    ...(header.validationError !== undefined ? { validationError: header.validationError } : {}),
    ...(header.validationLoss !== undefined ? { validationLoss: header.validationLoss } : {}),
    state: {
      epoch: header.epoch,
      step: header.step,
      optimizerStep: header.optimizerStep,
      rngState: header.rngState,
      params: tensors.slice(0, header.params.length),
      optimizerState: tensors.slice(header.params.length),
      ...(header.partial ? { partial: header.partial } : {}),
      ...(header.validationError !== undefined ? { validationError: header.validationError } : {}),
    ...(header.validationLoss !== undefined ? { validationLoss: header.validationLoss } : {}),
    },
  };
}

export async function writeCheckpoint(
  file: string,
  state: CheckpointState,
  testError: number | null,
  opts: AtomicWriteOptions = {},
  run?: string,
): Promise<void> {
  await writeFileAtomic(file, encodeCheckpoint(state, testError, undefined, run), opts);
}

export async function readCheckpoint(file: string): Promise<LoadedCheckpoint> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (err) {
    throw new CheckpointError(file, `${file}: cannot read checkpoint (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return decodeCheckpoint(bytes, file);
}

/** Reads only the header (no checksum check): cheap listing of what a folder holds. */
export async function peekCheckpoint(file: string): Promise<CheckpointInfo | null> {
  let fh: fs.FileHandle | undefined;
  try {
    fh = await fs.open(file, 'r');
    const prefix = Buffer.alloc(PREFIX_BYTES);
    await fh.read(prefix, 0, PREFIX_BYTES, 0);
    if (!prefix.subarray(0, MAGIC.length).equals(MAGIC)) return null;
    const len = prefix.readUInt32LE(MAGIC.length);
    if (len > 1 << 24) return null;
    const hb = Buffer.alloc(len);
    const { bytesRead } = await fh.read(hb, 0, len, PREFIX_BYTES);
    if (bytesRead !== len) return null;
    const h = headerSchema.parse(JSON.parse(hb.toString('utf8')));
    return { epoch: h.epoch, step: h.step, testError: h.testError, createdAt: h.createdAt, ...(h.validationError !== undefined ? { validationError: h.validationError } : {}), ...(h.validationLoss !== undefined ? { validationLoss: h.validationLoss } : {}) };
  } catch {
    return null;
  } finally {
    await fh?.close();
  }
}
