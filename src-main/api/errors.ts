/**
 * Typed errors of the Studio API. Whatever goes wrong behind the API reaches the caller as
 * a StudioErrorShape {code, message}; never as an exception crossing a process boundary.
 */
import type { ErrorCode, StudioErrorShape } from './contract';

export const ERROR_CODES: readonly ErrorCode[] = [
  'bad_request',
  'unknown_method',
  'not_found',
  'conflict',
  'import_failed',
  'training_failed',
  'export_failed',
  'forbidden',
  'busy',
  'internal',
] as const;

export class StudioError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'StudioError';
    this.code = code;
  }
  toShape(): StudioErrorShape {
    return { code: this.code, message: this.message };
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

/**
 * Turns anything thrown by a service into the shape sent over the wire. Errors that carry a
 * known `code` keep it (the dataset library's errors all do); the engine's SpecError is a bad
 * request, a missing file is not found; the rest are internal, with
 * their message (services write messages for people) but never a stack.
 */
export function toErrorShape(err: unknown): StudioErrorShape {
  if (err instanceof StudioError) return err.toShape();
  if (err && typeof err === 'object') {
    const e = err as { code?: unknown; message?: unknown; name?: unknown };
    const message = typeof e.message === 'string' && e.message ? e.message : String(err);
    if (isErrorCode(e.code)) return { code: e.code, message };
    if (e.name === 'SpecError' || e.name === 'ZodError') return { code: 'bad_request', message };
    if (e.code === 'ENOENT') return { code: 'not_found', message };
    return { code: 'internal', message };
  }
  return { code: 'internal', message: String(err) };
}

/** Rebuilds a StudioError on the calling side from a wire shape (anything malformed is internal). */
export function fromErrorShape(shape: unknown): StudioError {
  if (shape && typeof shape === 'object') {
    const s = shape as { code?: unknown; message?: unknown };
    const code = isErrorCode(s.code) ? s.code : 'internal';
    return new StudioError(code, typeof s.message === 'string' ? s.message : 'The studio sent an unreadable error.');
  }
  return new StudioError('internal', 'The studio sent an unreadable error.');
}
