/**
 * Typed errors of the Studio API. Whatever goes wrong behind the API reaches the caller as
 * a StudioErrorShape {code, message}; never as an exception crossing a process boundary.
 */
import type { StudioErrorShape } from './contract';
import { StudioError, isErrorCode } from '../engine/errors';

export { ERROR_CODES, StudioError, isErrorCode } from '../engine/errors';

/** System error codes of a file that could not be read or written (not a missing one). */
const IO_CODES = new Set(['EACCES', 'EPERM', 'ENOSPC', 'EDQUOT', 'EROFS', 'EIO', 'EISDIR', 'ENOTDIR', 'EMFILE']);

/**
 * Turns anything thrown by a service into the shape sent over the wire. Errors that carry a
 * known `code` keep it (every StudioError does: the engine's, the dataset library's, the runs');
 * a zod failure is a bad request, a missing file is not found, an unreadable or unwritable
 * one is io; the rest are internal, with
 * their message (services write messages for people) but never a stack.
 */
export function toErrorShape(err: unknown): StudioErrorShape {
  if (err instanceof StudioError) return err.toShape();
  if (err && typeof err === 'object') {
    const e = err as { code?: unknown; message?: unknown; name?: unknown };
    const message = typeof e.message === 'string' && e.message ? e.message : String(err);
    if (isErrorCode(e.code)) return { code: e.code, message };
    if (e.name === 'ZodError') return { code: 'bad_request', message };
    if (e.code === 'ENOENT') return { code: 'not_found', message };
    if (typeof e.code === 'string' && IO_CODES.has(e.code)) return { code: 'io', message };
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
