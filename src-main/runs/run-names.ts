/**
 * A run's names: its folder id (a time stamp and a random suffix), the name people give it, and
 * the errors that say a run or its run.json cannot be found or read.
 */
import { randomBytes } from 'node:crypto';
import { StudioError } from '../engine/errors';

/** The longest run name kept. */
export const MAX_RUN_NAME = 120;

/** A run name as stored: one line (control characters become spaces, bidirectional controls go), spaces folded, trimmed, at most MAX_RUN_NAME characters. */
export function runName(name: string | undefined): string {
  // eslint-disable-next-line no-control-regex
  return (name ?? '').replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ').replace(/[\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '').replace(/\s+/g, ' ').trim().slice(0, MAX_RUN_NAME);
}

export class RunNotFoundError extends StudioError {
  constructor(readonly ref: string, message: string) {
    super('not_found', message);
    this.name = 'RunNotFoundError';
  }
}

export class RunFileError extends StudioError {
  constructor(readonly file: string, message: string) {
    super('io', message);
    this.name = 'RunFileError';
  }
}

const pad = (n: number) => String(n).padStart(2, '0');

export function newRunId(now = new Date()): string {
  const stamp = `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}-${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

/** a run folder name: letters, digits, '.', '_', '-', not only dots */
export const isRunId = (s: string): boolean => /^[\w.-]+$/.test(s) && !/^\.+$/.test(s);
