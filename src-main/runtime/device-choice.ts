/**
 * Device choice without onnxruntime: the devices' names, what to install for each provider,
 * whether a chosen device can be used (from the probe's DeviceInfo list), which device a
 * resumed run continues on, and the queue lane of an 'auto' run. The main process imports
 * this (the service never loads onnxruntime-node itself: probes and timings run in workers),
 * and so do the CLI and the workers.
 */
import { BROWSER_DEVICE, type DeviceInfo } from '../api/contract';
import { isNodeDevice, type DeviceChoice, type NodeDevice } from '../engine/types';

export const DEVICE_NAMES: Record<NodeDevice, string> = {
  cpu: 'CPU',
  webgpu: 'GPU (WebGPU)',
  cuda: 'NVIDIA GPU (CUDA)',
  tensorrt: 'NVIDIA GPU (TensorRT)',
  dml: 'GPU (DirectML)',
  coreml: 'Apple Neural Engine / GPU (CoreML)',
};

/** What a person installs (or needs) to have each provider load. */
export const PROVIDER_HINTS: Record<Exclude<NodeDevice, 'cpu'>, string> = {
  webgpu: 'WebGPU needs a GPU driver Dawn can open (Vulkan, Metal or Direct3D 12)',
  cuda: 'install the CUDA 12 runtime and cuDNN 9, and onnxruntime-node’s CUDA provider (npm install with --onnxruntime-node-install=cuda12)',
  tensorrt: 'install TensorRT 10 with the CUDA 12 runtime, and onnxruntime-node’s CUDA provider (--onnxruntime-node-install=cuda12)',
  dml: 'DirectML needs Windows 10 1903 or later with a DirectX 12 GPU',
  coreml: 'CoreML needs macOS 10.15 or later',
};

/** The first line of an ONNX Runtime error, without the build-machine source path. */
export function shortError(err: unknown): string {
  const line = (err instanceof Error ? err.message : String(err)).split('\n')[0];
  return line.replace(/^(Error: )?\/onnxruntime_src\/\S+ /, '').replace(/^.*? was false\. /, '').trim();
}

/**
 * Why `device` cannot train here, or null when it can: onnxruntime-node does not offer it on
 * this computer, or offers it but its libraries did not load (the probe's note says which
 * and what to install). A software WebGPU adapter can be used (it is slow, and only `auto`
 * refuses it).
 */
export function deviceProblem(device: NodeDevice, devices: readonly DeviceInfo[]): string | null {
  if (device === 'cpu') return null;
  const d = devices.find((x) => x.id === device);
  const name = `${d?.name ?? DEVICE_NAMES[device]} ("${device}")`;
  if (!d) return `${name} is not part of onnxruntime-node on this computer (${PROVIDER_HINTS[device]})`;
  if (d.available) return null;
  return `${name} cannot be used on this computer: ${d.note ?? 'it did not pass the device check'}`;
}

/**
 * The device an 'auto' run most likely gets, from the probe's reference speeds: the queue
 * lane it waits in. The worker then times the run's own model and may pick another one.
 */
export function likelyAutoDevice(devices: readonly DeviceInfo[]): NodeDevice {
  const best = devices
    .filter((d): d is DeviceInfo & { id: NodeDevice } => isNodeDevice(d.id) && d.available && d.kind !== 'software-gpu')
    .sort((a, b) => (b.stepsPerSecond ?? 0) - (a.stepsPerSecond ?? 0))[0];
  return best?.id ?? 'cpu';
}

/**
 * Where a stopped or failed run continues: on the device it trained on when that still
 * works (a WebGPU that auto chose, and that is now only a software adapter, does not count);
 * otherwise 'auto', with a note saying why. A run trained in a browser window
 * continues on the CPU; one whose device was never chosen (its worker ended first) on 'auto'.
 */
export async function resumeChoice(
  recorded: string,
  devices: (device: NodeDevice) => Promise<DeviceInfo[]>,
  /** the run's device reason: a run that auto put on WebGPU trained on a hardware adapter (auto never takes a software one) */
  recordedReason?: string,
): Promise<{ choice: DeviceChoice; note?: string }> {
  if (recorded === 'cpu' || recorded === BROWSER_DEVICE) return { choice: 'cpu' };
  if (!isNodeDevice(recorded)) return { choice: 'auto' };
  const list = await devices(recorded);
  const problem = deviceProblem(recorded, list);
  if (problem) return { choice: 'auto', note: `the run trained on ${recorded} before, but ${problem}` };
  // a GPU driver gone, and Dawn now finds only a software renderer: the CPU is faster than that
  // (a run whose software adapter was chosen explicitly stays on it)
  if (recordedReason?.includes('auto chose') && list.find((d) => d.id === recorded)?.kind === 'software-gpu') {
    return { choice: 'auto', note: `the run trained on ${recorded} before, but WebGPU here is now a software adapter (no graphics card), which auto never chooses` };
  }
  return { choice: recorded };
}
