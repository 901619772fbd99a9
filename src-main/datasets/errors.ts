/**
 * Errors of the dataset library: StudioErrors (engine/errors.ts) with a code,
 * so the API layer passes it through unchanged, and a message for a person: what happened,
 * where (file, row, record) and what to do.
 */
import { StudioError, type ErrorCode } from '../engine/errors';
import { safeText } from './safe-text';

export class DatasetError extends StudioError {
  constructor(code: ErrorCode, message: string) {
    super(code, message);
    this.name = 'DatasetError';
  }
}

/** The input was rejected by an importer; the message names the file and the problem. */
export class DatasetImportError extends DatasetError {
  constructor(message: string) {
    super('import_failed', message);
    this.name = 'DatasetImportError';
  }
}

export class DatasetNotFoundError extends DatasetError {
  constructor(idOrName: string) {
    super('not_found', `No dataset with id or name "${printable(idOrName)}" in the library. Run \`mlp-studio datasets\` to list them.`);
    this.name = 'DatasetNotFoundError';
  }
}

export class DuplicateDatasetError extends DatasetError {
  readonly existingId: string;
  constructor(existing: { id: string; name: string }) {
    super('conflict', `This data is already in the library as "${existing.name}" (${existing.id}); nothing was imported.`);
    this.name = 'DuplicateDatasetError';
    this.existingId = existing.id;
  }
}

export class ImportCancelledError extends DatasetError {
  constructor() {
    super('import_failed', 'The import was cancelled; nothing was added to the library.');
    this.name = 'ImportCancelledError';
  }
}

export class BadRequestError extends DatasetError {
  constructor(message: string) {
    super('bad_request', message);
    this.name = 'BadRequestError';
  }
}

/** A string safe to echo in a message: control and bidirectional characters escaped (safeText), long strings cut. */
export function printable(s: string, max = 120): string {
  const t = safeText(s);
  return t.length > max ? `${t.slice(0, max)}…` : t;
}

/** A count for a message, with thousands separators: 47040000 -> "47,040,000". */
export function fmtCount(n: number): string {
  return Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: 20 }) : String(n);
}

/** An exact size in bytes: "47,040,000 bytes", "1 byte". */
export function fmtBytes(n: number): string {
  return `${fmtCount(n)} byte${n === 1 ? '' : 's'}`;
}

/** A rounded size for large amounts (disk space): "784.0 GB", "12.5 MB", "4,984 bytes". */
export function fmtSize(n: number): string {
  const one = (x: number) => x.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  return n >= 1e9 ? `${one(n / 1e9)} GB` : n >= 1e6 ? `${one(n / 1e6)} MB` : fmtBytes(n);
}

/** A shape written with × and separated counts: [60000, 28, 28] -> "60,000×28×28". */
export function fmtDims(shape: readonly number[]): string {
  return shape.map(fmtCount).join('×');
}
