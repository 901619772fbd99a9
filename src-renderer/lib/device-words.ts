/**
 * Devices in everyday words (issue 16): "This computer's processor", "Graphics card (CUDA)";
 * the runtime's own name ("CPU (onnxruntime-node, 2 threads)") stays available as a detail.
 */
import type { DeviceInfo } from '../../src-main/api/contract';

const GPU_APIS: Record<string, string> = { webgpu: 'WebGPU', cuda: 'CUDA', tensorrt: 'TensorRT', dml: 'DirectML', coreml: 'Core ML' };

/** The name a person sees for a device of the studio; the window's own WebGPU keeps its name. */
export function plainDeviceName(d: Pick<DeviceInfo, 'id' | 'kind' | 'name'>): string {
  if (d.id === 'cpu') return 'This computer’s processor';
  const api = GPU_APIS[d.id];
  if (!api) return d.name;
  return d.kind === 'software-gpu' ? `Graphics emulated in software (${api}, slow)` : `Graphics card (${api})`;
}

/** The devices with plain names; the technical name goes to `technical` (shown on hover or under "Why?"). */
export function plainDevices<T extends DeviceInfo>(list: T[]): (T & { technical: string })[] {
  return list.map((d) => ({ ...d, name: plainDeviceName(d), technical: d.name }));
}
