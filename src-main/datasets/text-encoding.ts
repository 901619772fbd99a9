/**
 * The encoding of a text file, from its first bytes: a byte-order mark decides (UTF-8,
 * UTF-16 LE, UTF-16 BE); without one, text whose every other byte is NUL is UTF-16 (what
 * Excel's "Unicode text" and Windows tools write), otherwise it is read as UTF-8. Readers
 * use `textStream`/`decodeText` so a UTF-16 table reads like the same table in UTF-8.
 */
import { createReadStream } from 'node:fs';
import { Transform } from 'node:stream';

export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be';

/** The encoding of text starting with these bytes: UTF-16 by its mark or its NUL pattern, else UTF-8. */
export function textEncodingOf(b: Uint8Array): TextEncoding {
  if (b.length >= 2 && b[0] === 0xff && b[1] === 0xfe && !(b.length >= 4 && b[2] === 0 && b[3] === 0)) return 'utf-16le';
  if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) return 'utf-16be';
  if (b.length < 4) return 'utf-8';
  // no mark: ASCII text in UTF-16 has a NUL in every high byte and none in the low bytes
  let zeroEven = 0;
  let zeroOdd = 0;
  const n = b.length & ~1;
  for (let i = 0; i < n; i += 2) {
    if (b[i] === 0) zeroEven++;
    if (b[i + 1] === 0) zeroOdd++;
  }
  const pairs = n / 2;
  if (zeroEven === 0 && zeroOdd >= pairs * 0.9) return 'utf-16le';
  if (zeroOdd === 0 && zeroEven >= pairs * 0.9) return 'utf-16be';
  return 'utf-8';
}

/** Whether these first bytes are UTF-16 text (marked or not): valid, without NUL or other control characters than tab and line breaks. */
export function looksLikeUtf16Text(b: Uint8Array): boolean {
  const enc = textEncodingOf(b);
  if (enc === 'utf-8') return false;
  const even = b.subarray(0, b.length & ~1);
  let text: string;
  try {
    text = new TextDecoder(enc, { fatal: true }).decode(even);
  } catch {
    try {
      // a surrogate pair cut at the very end
      text = new TextDecoder(enc, { fatal: true }).decode(even.subarray(0, Math.max(0, even.length - 2)));
    } catch {
      return false;
    }
  }
  // eslint-disable-next-line no-control-regex
  return !/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(text);
}

/** Text of a whole buffer in its encoding (see `textEncodingOf`), without a byte-order mark. */
export function decodeText(b: Uint8Array): string {
  return new TextDecoder(textEncodingOf(b.subarray(0, 4096))).decode(b);
}

/**
 * A readable stream of the text of a file, as strings, decoded as `encoding` (from
 * `textEncodingOf` of its first bytes). UTF-8 keeps a byte-order mark as U+FEFF; readers strip it.
 */
export function textStream(file: string, encoding: TextEncoding, highWaterMark = 1 << 20): NodeJS.ReadableStream & { destroy(): void } {
  if (encoding === 'utf-8') return createReadStream(file, { encoding: 'utf8', highWaterMark });
  const raw = createReadStream(file, { highWaterMark });
  const decoder = new TextDecoder(encoding);
  const out = new Transform({
    readableObjectMode: true,
    transform(chunk: Buffer, _enc, done) {
      const s = decoder.decode(chunk, { stream: true });
      done(null, s.length ? s : undefined);
    },
    flush(done) {
      const s = decoder.decode();
      done(null, s.length ? s : undefined);
    },
  });
  raw.on('error', (e) => out.destroy(e));
  out.on('close', () => raw.destroy());
  return raw.pipe(out);
}
