/**
 * Numeric limits, written once: each becomes a zod check (what the API and the engine accept)
 * and the plain words of the message that refuses a value outside it.
 */
import { z } from 'zod';

export interface Limit {
  min: number;
  max: number;
  /** the minimum itself is refused ("above 0") */
  minOpen?: boolean;
  /** the maximum itself is refused ("below 1") */
  maxOpen?: boolean;
  integer?: boolean;
}

/** The zod schema of a number within `l` (finite; whole when `l.integer`). */
export function numberSchema(l: Limit) {
  let s = z.number();
  if (l.integer) s = s.int();
  s = l.minOpen ? s.gt(l.min) : s.min(l.min);
  s = l.maxOpen ? s.lt(l.max) : s.max(l.max);
  return s.refine(Number.isFinite, 'must be a finite number');
}

/** Whether `v` is a number within `l` (the same answer as numberSchema). */
export function within(l: Limit, v: unknown): v is number {
  if (typeof v !== 'number' || !Number.isFinite(v)) return false;
  if (l.integer && !Number.isInteger(v)) return false;
  if (l.minOpen ? !(v > l.min) : !(v >= l.min)) return false;
  return l.maxOpen ? v < l.max : v <= l.max;
}

/** The range in words: "at least 0 and below 1", "a whole number from 1 to 65536", "above 0 and at most 10". */
export function rangeWords(l: Limit): string {
  const whole = l.integer ? 'a whole number ' : '';
  if (!l.minOpen && !l.maxOpen) return `${whole}from ${l.min} to ${l.max}`;
  const low = l.minOpen ? `above ${l.min}` : `at least ${l.min}`;
  const high = l.maxOpen ? `below ${l.max}` : `at most ${l.max}`;
  return `${whole}${low} and ${high}`;
}

/** A value as a message shows it: "(got 0)", and "(got nothing)" for an empty, missing or NaN value. */
export function got(v: unknown): string {
  const nothing = v === undefined || v === null || (typeof v === 'number' && Number.isNaN(v)) || (typeof v === 'string' && v.trim() === '');
  return nothing ? '(got nothing)' : `(got ${v})`;
}
