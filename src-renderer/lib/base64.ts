/** Base64 text decoded into bytes (no DOM types beyond atob, so it is tested under Node too). */

/** Decodes `b64` into `target` when given (it must be long enough), else into a new array. */
export function base64ToBytes(b64: string, target?: Uint8Array): Uint8Array {
  const bin = atob(b64);
  const out = target ?? new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
