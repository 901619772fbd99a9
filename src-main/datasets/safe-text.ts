/**
 * Text from files (class names, file names) made safe to show: line breaks and other control
 * characters (C0, DEL, C1 — which include terminal escape sequences) and the invisible
 * characters that reorder text (bidirectional embeddings, overrides, isolates and marks, as in
 * "cat\u202egpj.exe" shown as "catexe.jpg") are written as visible escapes (\x0a, \u202e).
 * Ordinary letters of any script are left alone. The one helper for class names stored in
 * meta.json, read back from it, and printed by the CLI; `printable` (errors.ts) builds on it.
 */

/** the characters safeText escapes (one of them; see `replaceUnsafe` for all) */
// eslint-disable-next-line no-control-regex
export const UNSAFE_TEXT = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const UNSAFE_ALL = new RegExp(UNSAFE_TEXT.source, 'g');

/** `s` with every character of UNSAFE_TEXT replaced by `by` (a string or a function of the character). */
export function replaceUnsafe(s: string, by: string | ((c: string) => string)): string {
  return typeof by === 'string' ? s.replace(UNSAFE_ALL, by) : s.replace(UNSAFE_ALL, by);
}

const escape = (c: string): string => {
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
};

/** `s` with every character of UNSAFE_TEXT written as a visible escape. */
export function safeText(s: string): string {
  return replaceUnsafe(s, escape);
}

/** Class names made safe, still distinct (a name that collides once escaped gets " (2)", " (3)"…). */
export function safeClassNames(names: readonly string[]): string[] {
  const seen = new Set<string>();
  return names.map((n) => {
    let s = safeText(n);
    for (let i = 2; seen.has(s); i++) s = `${safeText(n)} (${i})`;
    seen.add(s);
    return s;
  });
}
