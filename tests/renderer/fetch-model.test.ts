/** Try it fetches a run's network in parts, saying how much has come, and starts again if the run saved a newer one meanwhile. */
import { describe, expect, it } from 'vitest';
import type { ByteRange, InferenceModel } from '../../src-main/api/contract';
import { fetchModelInParts } from '../../src-renderer/inference/fetch-model';

const bytesOf = (n: number, seed: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff));

/** A host double answering ranges of `models[k]` while `which()` says k. */
function host(models: Buffer[], which: () => number) {
  const calls: ByteRange[] = [];
  const call = async (range: ByteRange): Promise<InferenceModel> => {
    calls.push(range);
    const k = which();
    const m = models[k];
    return { onnxBase64: m.subarray(range.from, range.from + range.count).toString('base64'), size: m.length, checkpoint: `best ${k + 1}`, inputShape: [1, 28, 28], classNames: ['0', '1'] };
  };
  return { calls, call };
}

describe('fetchModelInParts', () => {
  it('puts the parts together into the whole network and tells the progress after each', async () => {
    const model = bytesOf(2500, 1);
    const h = host([model], () => 0);
    const progress: [number, number][] = [];
    const m = await fetchModelInParts(h.call, (got, total) => progress.push([got, total]), 1000);
    expect(Buffer.from(m.bytes).equals(model)).toBe(true);
    expect(h.calls).toEqual([{ from: 0, count: 1000 }, { from: 1000, count: 1000 }, { from: 2000, count: 1000 }]);
    expect(progress).toEqual([[1000, 2500], [2000, 2500], [2500, 2500]]);
    expect([m.checkpoint, m.inputShape, m.classNames]).toEqual(['best 1', [1, 28, 28], ['0', '1']]);
  });

  it('starts again when the run saved a newer network between two parts', async () => {
    const models = [bytesOf(2500, 1), bytesOf(3000, 2)];
    let k = 0;
    const h = host(models, () => k);
    const m = await fetchModelInParts(h.call, () => {
      k = 1; // the run saved a newer checkpoint after the first part
    }, 1000);
    expect(Buffer.from(m.bytes).equals(models[1])).toBe(true);
    expect(m.checkpoint).toBe('best 2');
    expect(h.calls[0]).toEqual({ from: 0, count: 1000 });
    expect(h.calls[2]).toEqual({ from: 0, count: 1000 });
  });

  it('a part of the wrong length is an error, not a damaged network', async () => {
    const call = async (range: ByteRange): Promise<InferenceModel> => ({ onnxBase64: Buffer.alloc(range.from === 0 ? 1000 : 10).toString('base64'), size: 2500, checkpoint: 'best 1', inputShape: [2], classNames: ['a', 'b'] });
    await expect(fetchModelInParts(call, () => undefined, 1000)).rejects.toThrow('sent 10 bytes of the network where 1000 were asked for (from byte 1000)');
  });
});
