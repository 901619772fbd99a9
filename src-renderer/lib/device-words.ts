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

/**
 * A running run's device in everyday words, from the runtime's label in its start event
 * ("CPU (onnxruntime-node, 2 threads)" → "This computer’s processor"); the label itself stays
 * available on hover. A label it does not know is shown as it is.
 */
export function plainRunDevice(label: string): string {
  if (/^CPU \(onnxruntime-web/.test(label)) return 'This window’s processor';
  if (/^CPU\b/.test(label)) return 'This computer’s processor';
  const gpu = /^GPU \(onnxruntime-(?:node|web) (\w+)/.exec(label);
  if (!gpu) return label;
  const api = GPU_APIS[gpu[1].toLowerCase()] ?? gpu[1];
  return /software/.test(label) ? `Graphics emulated in software (${api}, slow)` : `Graphics card (${api})`;
}
