/** Devices in everyday words (issue 16 item 1). */
import { describe, expect, it } from 'vitest';
import { plainDeviceName, plainDevices, plainRunDevice } from '../../src-renderer/lib/device-words';

describe('device names for people', () => {
  it('says processor and graphics card, not the runtime', () => {
    expect(plainDeviceName({ id: 'cpu', kind: 'cpu', name: 'CPU (onnxruntime-node, 2 threads)' })).toBe('This computer’s processor');
    expect(plainDeviceName({ id: 'cuda', kind: 'gpu', name: 'CUDA (onnxruntime-node)' })).toBe('Graphics card (CUDA)');
    expect(plainDeviceName({ id: 'webgpu', kind: 'software-gpu', name: 'WebGPU (SwiftShader)' })).toBe('Graphics emulated in software (WebGPU, slow)');
    expect(plainDeviceName({ id: 'browser-webgpu', kind: 'gpu', name: 'GPU in this window (WebGPU)' })).toBe('GPU in this window (WebGPU)');
  });
  it('keeps the technical name as a detail', () => {
    const [d] = plainDevices([{ id: 'cpu', kind: 'cpu', name: 'CPU (onnxruntime-node, 2 threads)', available: true }]);
    expect(d).toMatchObject({ name: 'This computer’s processor', technical: 'CPU (onnxruntime-node, 2 threads)' });
  });
  it('names the device of a running run in everyday words, from the runtime label', () => {
    expect(plainRunDevice('CPU (onnxruntime-node, 2 threads)')).toBe('This computer’s processor');
    expect(plainRunDevice('CPU (onnxruntime-web WebAssembly, 1 thread)')).toBe('This window’s processor');
    expect(plainRunDevice('GPU (onnxruntime-node WebGPU, software adapter)')).toBe('Graphics emulated in software (WebGPU, slow)');
    expect(plainRunDevice('GPU (onnxruntime-web WebGPU, NVIDIA H100)')).toBe('Graphics card (WebGPU)');
    expect(plainRunDevice('GPU (onnxruntime-node CUDA)')).toBe('Graphics card (CUDA)');
    expect(plainRunDevice('GPU (onnxruntime-node DirectML)')).toBe('Graphics card (DirectML)');
    expect(plainRunDevice('something new')).toBe('something new');
  });
});
