/**
 * Dataset ids and names. Ids are opaque (`ds-` + 16 lowercase hex digits) and are the only
 * thing ever joined onto the library folder; anything else is refused before it reaches the
 * file system. Names are what people see; they never become paths.
 */
import { randomBytes } from 'node:crypto';
import { BadRequestError, printable } from './errors';

export const DATASET_ID_PATTERN = /^ds-[0-9a-f]{16}$/;

export function newDatasetId(): string {
  return `ds-${randomBytes(8).toString('hex')}`;
}

export function isDatasetId(value: unknown): value is string {
  return typeof value === 'string' && DATASET_ID_PATTERN.test(value);
}

/** Throws a bad-request error unless `value` is a well-formed dataset id. */
export function assertDatasetId(value: unknown): string {
  if (!isDatasetId(value)) {
    const shown = typeof value === 'string' ? `"${printable(value)}"` : String(typeof value);
    throw new BadRequestError(`${shown} is not a dataset id (ids look like ds-0123456789abcdef).`);
  }
  return value;
}

/** An id-or-name argument: any string without control characters, at most 200 characters. */
export function assertIdOrName(value: unknown): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what it refuses
  if (typeof value !== 'string' || value.length === 0 || value.length > 200 || /[\u0000-\u001f\u007f]/.test(value)) {
    const shown = typeof value === 'string' ? `"${printable(value)}"` : String(typeof value);
    throw new BadRequestError(`${shown} is not a dataset id or name.`);
  }
  return value;
}

export const MAX_NAME_LENGTH = 100;

/** Checks a dataset name a person typed; returns it trimmed. */
export function validateDatasetName(value: unknown): string {
  if (typeof value !== 'string') throw new BadRequestError('A dataset name must be text.');
  const name = value.trim();
  if (!name) throw new BadRequestError('A dataset name cannot be empty.');
  if (name.length > MAX_NAME_LENGTH) throw new BadRequestError(`A dataset name can have at most ${MAX_NAME_LENGTH} characters (this one has ${name.length}).`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) throw new BadRequestError(`The dataset name "${printable(name)}" contains control characters; use letters, digits, spaces and punctuation.`);
  if (/[/\\]/.test(name) || name === '.' || name === '..') {
    throw new BadRequestError(`The dataset name "${printable(name)}" contains a path separator or "..": names cannot contain "/" or "\\".`);
  }
  if (DATASET_ID_PATTERN.test(name)) throw new BadRequestError(`"${name}" looks like a dataset id; choose another name.`);
  return name;
}
