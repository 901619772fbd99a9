/**
 * Fetching a run's network for Try it in parts (no DOM types here, so the logic is tested
 * under Node): about a megabyte per call, each part decoded into one buffer as it comes, so the
 * window can say how much of the network has arrived and no single message or decode blocks the
 * page. Parts carry the checkpoint they were cut from; if the run saved a newer one while the
 * parts came (it is still training), the fetch starts again on the newer one.
 */
import type { ByteRange, InferenceModel } from '../../src-main/api/contract';
import { base64ToBytes } from '../lib/base64';

/** Bytes of the network asked for in one call. */
export const PART_BYTES = 1024 * 1024;
/** How often a fetch starts again because the run saved a newer checkpoint meanwhile. */
const RESTARTS = 3;

export type ModelPartCall = (range: ByteRange) => Promise<InferenceModel>;

export interface FetchedModel {
  bytes: Uint8Array;
  checkpoint: string;
  inputShape: number[];
  classNames: string[];
}

/** Bytes a base64 text decodes to. */
const decodedLength = (b64: string): number => (b64.length / 4) * 3 - (b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0);

/** Fetches the whole network through `call` in parts of `partBytes`; `onProgress(received, total)` after each part. */
export async function fetchModelInParts(call: ModelPartCall, onProgress: (received: number, total: number) => void, partBytes = PART_BYTES): Promise<FetchedModel> {
  for (let attempt = 0; attempt <= RESTARTS; attempt++) {
    const first = await call({ from: 0, count: partBytes });
    const bytes = new Uint8Array(first.size);
    let received = 0;
    let part: InferenceModel | null = first;
    while (part) {
      const n = Math.min(partBytes, first.size - received);
      if (decodedLength(part.onnxBase64) !== n) throw new Error(`The studio sent ${decodedLength(part.onnxBase64)} bytes of the network where ${n} were asked for (from byte ${received}).`);
      base64ToBytes(part.onnxBase64, bytes.subarray(received, received + n));
      received += n;
      onProgress(received, first.size);
      part = received < first.size ? await call({ from: received, count: partBytes }) : null;
      // the run saved a newer network meanwhile: these parts do not belong together
      if (part && (part.checkpoint !== first.checkpoint || part.size !== first.size)) break;
    }
    if (!part) return { bytes, checkpoint: first.checkpoint, inputShape: first.inputShape, classNames: first.classNames };
  }
  throw new Error(`The run saved a newer network ${RESTARTS + 1} times while this window fetched it; try again when the epoch ends.`);
}
