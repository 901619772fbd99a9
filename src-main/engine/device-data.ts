/**
 * WebGPU: the preprocessed training set kept on the device, so that train.onnx's gather
 * variant picks each batch's rows there, and the note saying where batches are gathered.
 */
import type { InferenceSession, Tensor } from 'onnxruntime-common';
import { DATASET_X, DATASET_Y, SAMPLES } from './artifacts';
import { augmentActive, type AugmentConfig } from './augment';
import { GraphBuilder } from './onnx/builder';
import { gather, labelArray, type Affine } from './preprocess';
import type { RuntimeAdapter } from './runtime';
import type { DataSplit, TargetScale } from './types';

/**
 * 1 GiB: WebGPU guarantees only 256 MiB buffers and 128 MiB bindings, but adapters allow more
 * (SwiftShader and desktop GPUs 1 GiB or more; onnxruntime asks for the adapter's limits).
 * A set over an adapter's limit is caught by the upload check and trained from the host.
 */
export const DEVICE_DATA_BUDGET = 1024 * 1024 * 1024;

/** the preprocessed training set on the device, and the session that put it there */
export interface DeviceData {
  x: Tensor;
  y: Tensor;
  session: InferenceSession;
}

export const mb = (bytes: number): string => (bytes < 1e6 ? `${(bytes / 1e3).toFixed(1)} kB` : `${(bytes / 1e6).toFixed(bytes < 1e7 ? 1 : 0)} MB`);

/**
 * Whether the training set (float32 samples + int32 labels or float32 targets) is to be kept on the device, and
 * when not on a WebGPU device, why batches are gathered on the host ('' on CPU). A run that
 * varies its pictures (augmentation) varies each batch on the host and uploads it.
 */
export function deviceDataPlan(rt: RuntimeAdapter, n: number, d: number, budget: number, augment?: AugmentConfig): { onDevice: boolean; note: string } {
  if (rt.device === 'webgpu' && augmentActive(augment)) return { onDevice: false, note: 'batches gathered on the host: the pictures are varied there (augmentation) and each batch uploaded' };
  const dataBytes = n * d * 4 + n * 4;
  const onDevice = rt.device === 'webgpu' && dataBytes <= budget;
  if (rt.device !== 'webgpu' || onDevice) return { onDevice, note: '' };
  const note = budget > 0 ? `batches gathered on the host: the training set takes ${mb(dataBytes)}, over the ${mb(budget)} device-data budget` : 'batches gathered on the host';
  return { onDevice, note };
}

/**
 * Preprocesses the training set once, uploads it through a session of Identity nodes with
 * device outputs, and checks three rows gathered back against the host's copy. Any refusal (a
 * buffer over the adapter's limits, out of device memory) gives `data` null: batches are then
 * gathered on the host, and the note says why.
 */
export async function uploadTrainingSet(
  rt: RuntimeAdapter,
  split: DataSplit,
  d: number,
  aff: Affine,
  target?: TargetScale,
): Promise<{ data: DeviceData | null; note: string }> {
  const n = split.n;
  const b = new GraphBuilder('upload');
  const yType = target ? 'float32' : 'int32';
  const hx = b.input(`${DATASET_X}.host`, 'float32', [SAMPLES, d]);
  const hy = b.input(`${DATASET_Y}.host`, yType, [SAMPLES]);
  const check = b.input('check', 'int32', [3]);
  b.outputAs(hx, DATASET_X);
  b.outputAs(hy, DATASET_Y);
  b.outputAs(b.op('Gather', [DATASET_X, check], { shape: [3, d] }, { axis: 0 }), 'check.x');
  b.outputAs(b.op('Gather', [DATASET_Y, check], { dtype: yType, shape: [3] }, { axis: 0 }), 'check.y');
  let session: InferenceSession | null = null;
  let out: Record<string, Tensor> | null = null;
  try {
    const x = new Float32Array(n * d);
    const y = labelArray(target, n);
    gather(split, null, 0, n, d, aff, x, y, target);
    const rows = [0, n >> 1, n - 1];
    session = await rt.createSession(b.toModel(), { gpuOutputs: [DATASET_X, DATASET_Y] });
    out = await session.run({
      [`${DATASET_X}.host`]: new rt.Tensor('float32', x, [n, d]),
      [`${DATASET_Y}.host`]: y instanceof Float32Array ? new rt.Tensor('float32', y, [n]) : new rt.Tensor('int32', y, [n]),
      check: new rt.Tensor('int32', Int32Array.from(rows), [3]),
    });
    const cx = out['check.x'].data as Float32Array;
    const cy = out['check.y'].data as Int32Array | Float32Array;
    rows.forEach((r, k) => {
      if (cy[k] !== y[r] || cx.subarray(k * d, (k + 1) * d).some((v, j) => v !== x[r * d + j])) {
        throw new Error(`sample ${r} read back from the device differs from the host's`);
      }
    });
    return { data: { x: out[DATASET_X], y: out[DATASET_Y], session }, note: `training set on the device (${mb(x.byteLength + y.byteLength)}), batches gathered there` };
  } catch (err) {
    out?.[DATASET_X]?.dispose();
    out?.[DATASET_Y]?.dispose();
    await session?.release().catch(() => undefined);
    const why = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    return { data: null, note: `batches gathered on the host: the device did not take the training set (${why})` };
  }
}

export async function releaseDeviceData(dev: DeviceData): Promise<void> {
  dev.x.dispose();
  dev.y.dispose();
  await dev.session.release().catch(() => undefined);
}
