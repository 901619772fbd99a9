/**
 * The studio's one error family (issue 14): every error the engine, the dataset library, the
 * runs and the API raise on purpose is a StudioError with a code and a message for people
 * (what happened, where, what to do). The API sends `{ code, message }` over the wire
 * (api/errors.ts); the CLI prints the message. Pure TypeScript: the engine raises these too.
 */

/** What kind of failure it is: one list, from which the API's ErrorCode type derives. */
export const ERROR_CODES = [
  /** the request or the settings are not valid (a layer's units, a learning rate, a payload) */
  'bad_request',
  'unknown_method',
  /** no dataset, run or file with that name */
  'not_found',
  /** the state forbids it: a run already running, a dataset imported twice, a file that exists */
  'conflict',
  /** an importer refused the input (the message names file, row and column) */
  'import_failed',
  'training_failed',
  'export_failed',
  /** a path outside the studio's folders, a missing token */
  'forbidden',
  /** another process or request holds what is needed; try again later */
  'busy',
  /** a file could not be read or written: a full or read-only disk, a corrupt checkpoint */
  'io',
  /** a bug: the message says what, never a stack */
  'internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

export class StudioError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'StudioError';
    this.code = code;
  }
  toShape(): { code: ErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}
