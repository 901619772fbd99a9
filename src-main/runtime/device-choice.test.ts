/**
 * The device-choice rules without onnxruntime: which explicit choice is refused and with what
 * reason, the lane an 'auto' run waits in, and where a resumed run continues.
 */
import { describe, expect, it } from 'vitest';
import type { DeviceInfo } from '../api/contract';
import { BROWSER_DEVICE } from '../api/contract';
import { NODE_DEVICES } from '../engine/types';
import { DEVICE_NAMES, PROVIDER_HINTS, deviceProblem, likelyAutoDevice, resumeChoice } from './device-choice';

const missing = 'onnxruntime-node was installed without it (libonnxruntime_providers_cuda.so is missing); install the CUDA 12 runtime and cuDNN 9';
const probe: DeviceInfo[] = [
  { id: 'cpu', kind: 'cpu', name: 'CPU (onnxruntime-node, 2 threads)', available: true, stepsPerSecond: 40 },
  { id: 'webgpu', kind: 'software-gpu', name: 'Software GPU (WebGPU)', available: true, stepsPerSecond: 400, note: 'SwiftShader' },
  { id: 'cuda', kind: 'gpu', name: 'NVIDIA GPU (CUDA)', available: false, note: missing },
  { id: 'tensorrt', kind: 'gpu', name: 'NVIDIA GPU (TensorRT)', available: true, stepsPerSecond: 90 },
];

describe('deviceProblem', () => {
  it('lets the CPU, an available device and a software adapter (chosen explicitly) through', () => {
    expect(deviceProblem('cpu', [])).toBeNull();
    expect(deviceProblem('tensorrt', probe)).toBeNull();
    expect(deviceProblem('webgpu', probe)).toBeNull();
  });

  it('names the device and gives the loader’s reason with what to install', () => {
    expect(deviceProblem('cuda', probe)).toBe(`NVIDIA GPU (CUDA) ("cuda") cannot be used on this computer: ${missing}`);
  });

  it('says so when onnxruntime-node does not offer the provider at all, with what it needs', () => {
    const p = deviceProblem('dml', probe)!;
    expect(p).toContain('GPU (DirectML) ("dml") is not part of onnxruntime-node on this computer');
    expect(p).toContain(PROVIDER_HINTS.dml);
  });

  it('has a name and a hint for every device of NODE_DEVICES', () => {
    for (const id of NODE_DEVICES) {
      expect(DEVICE_NAMES[id], id).toBeTruthy();
      if (id !== 'cpu') expect(deviceProblem(id, []), id).toMatch(/is not part of onnxruntime-node/);
    }
  });
});

describe('likelyAutoDevice (the queue lane of an auto run)', () => {
  it('is the fastest available hardware device by the probe’s reference speed, never a software adapter', () => {
    expect(likelyAutoDevice(probe)).toBe('tensorrt');
    expect(likelyAutoDevice(probe.filter((d) => d.id !== 'tensorrt'))).toBe('cpu');
    expect(likelyAutoDevice([])).toBe('cpu');
  });
});

describe('resumeChoice', () => {
  const devices = async () => probe;
  it('continues on the run’s device when it still works', async () => {
    expect(await resumeChoice('cpu', devices)).toEqual({ choice: 'cpu' });
    expect(await resumeChoice('tensorrt', devices)).toEqual({ choice: 'tensorrt' });
  });

  it('falls back to auto, saying why, when the run’s device cannot be used any more', async () => {
    const r = await resumeChoice('cuda', devices);
    expect(r.choice).toBe('auto');
    expect(r.note).toBe(`the run trained on cuda before, but NVIDIA GPU (CUDA) ("cuda") cannot be used on this computer: ${missing}`);
  });

  it('does not continue a run auto put on a WebGPU card on a software adapter (the card’s driver gone): auto, saying why', async () => {
    const r = await resumeChoice('webgpu', devices, 'auto chose webgpu: webgpu 900.0 steps/s, cpu 40.0 steps/s');
    expect(r.choice).toBe('auto');
    expect(r.note).toMatch(/^the run trained on webgpu before, but WebGPU here is now a software adapter/);
    const hardware = async () => probe.map((d) => (d.id === 'webgpu' ? { ...d, kind: 'gpu' as const } : d));
    expect(await resumeChoice('webgpu', hardware, 'auto chose webgpu: webgpu 900.0 steps/s')).toEqual({ choice: 'webgpu' });
    // a software adapter chosen explicitly (no reason recorded) stays the run's device
    expect(await resumeChoice('webgpu', devices)).toEqual({ choice: 'webgpu' });
  });

  it('continues a browser-trained run on the CPU, and one whose device was never chosen on auto', async () => {
    expect(await resumeChoice(BROWSER_DEVICE, devices)).toEqual({ choice: 'cpu' });
    expect(await resumeChoice('auto', devices)).toEqual({ choice: 'auto' });
  });
});
