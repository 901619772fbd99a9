/**
 * Device listing and the `auto` choice: the CPU is always there and measured; WebGPU on
 * SwiftShader is found and marked software; providers whose libraries are missing are
 * listed as unavailable with the reason; `auto` never picks a software adapter over the
 * CPU, however fast its timing claims to be.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { Rng, type ModelSpec, type TrainConfig, type TrainingData } from '../engine/index';
import type { DeviceInfo } from '../api/contract';
import { listDevices, probeDevice, shortError } from './devices';
import { selectRuntime } from './select';
import { softwareWebGpu } from './software';
import { useSwiftShader } from '../../tests/helpers/swiftshader';
import type { NodeDevice } from './node';

const swiftshader = useSwiftShader();

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-icd-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
function icd(dir: string, file: string, lib: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const f = path.join(dir, file);
  fs.writeFileSync(f, JSON.stringify({ file_format_version: '1.0.0', ICD: { library_path: lib, api_version: '1.3.0' } }));
  return f;
}

describe('software adapter detection', () => {
  it('VK_ICD_FILENAMES naming only SwiftShader or lavapipe is software; with a hardware driver it is not', () => {
    const swift = icd(path.join(tmp, 'a'), 'vk_swiftshader_icd.json', './libvk_swiftshader.so');
    const lvp = icd(path.join(tmp, 'a'), 'lvp_icd.x86_64.json', '/usr/lib/x86_64-linux-gnu/libvulkan_lvp.so');
    const nv = icd(path.join(tmp, 'a'), 'nvidia_icd.json', 'libGLX_nvidia.so.0');
    expect(softwareWebGpu({ VK_ICD_FILENAMES: swift }, 'linux')).toMatchObject({ software: true, reason: expect.stringContaining('vk_swiftshader_icd.json') });
    expect(softwareWebGpu({ VK_DRIVER_FILES: `${swift}:${lvp}` }, 'linux').software).toBe(true);
    expect(softwareWebGpu({ VK_ICD_FILENAMES: `${swift}:${nv}` }, 'linux')).toMatchObject({ software: false, reason: expect.stringContaining('nvidia_icd.json') });
  });

  it('reads the installed driver manifests when the environment names none', () => {
    const onlySoft = path.join(tmp, 'soft');
    icd(path.join(onlySoft, 'vulkan/icd.d'), 'lvp_icd.x86_64.json', '/usr/lib/x86_64-linux-gnu/libvulkan_lvp.so');
    expect(softwareWebGpu({ XDG_DATA_DIRS: onlySoft, XDG_DATA_HOME: path.join(tmp, 'none') }, 'linux').software).toBe(true);
    const mixed = path.join(tmp, 'mixed');
    icd(path.join(mixed, 'vulkan/icd.d'), 'lvp_icd.x86_64.json', 'libvulkan_lvp.so');
    icd(path.join(mixed, 'vulkan/icd.d'), 'radeon_icd.x86_64.json', 'libvulkan_radeon.so');
    expect(softwareWebGpu({ XDG_DATA_DIRS: mixed, XDG_DATA_HOME: path.join(tmp, 'none') }, 'linux')).toMatchObject({ software: false, reason: expect.stringContaining('radeon_icd') });
    expect(softwareWebGpu({}, 'darwin').software).toBe(false);
  });

  it('shortens ONNX Runtime errors to what a person can read', () => {
    const e = new Error('/onnxruntime_src/onnxruntime/core/providers/webgpu/webgpu_context.cc:136 onnxruntime::webgpu::WebGpuContext::Initialize(...)::<lambda()> adapter_result.status == wgpu::RequestAdapterStatus::Success was false. Failed to get a WebGPU adapter: No supported adapters\nstack');
    expect(shortError(e)).toBe('Failed to get a WebGPU adapter: No supported adapters');
  });
});

describe('listDevices', () => {
  it('lists the CPU with a speed, WebGPU on SwiftShader as a software GPU, and unloadable providers with the reason', async () => {
    const devices = await listDevices({ refresh: true });
    const cpu = devices.find((d) => d.id === 'cpu');
    expect(cpu).toMatchObject({ kind: 'cpu', available: true });
    expect(cpu!.stepsPerSecond).toBeGreaterThan(0);
    const supported = ort.listSupportedBackends().map((b) => b.name);
    expect(devices.map((d) => d.id).sort()).toEqual(supported.filter((n) => ['cpu', 'webgpu', 'cuda', 'tensorrt', 'dml', 'coreml'].includes(n)).sort());
    if (swiftshader) {
      const gpu = devices.find((d) => d.id === 'webgpu');
      expect(gpu, JSON.stringify(devices)).toMatchObject({ kind: 'software-gpu', available: true });
      expect(gpu!.stepsPerSecond).toBeGreaterThan(0);
      expect(gpu!.note).toMatch(/software.*never chooses it/);
    }
    for (const d of devices.filter((x) => !x.available)) expect(d.note, d.id).toMatch(/did not load|was installed without it|no WebGPU adapter/);
    // cached: the second call probes nothing
    expect(await listDevices()).toBe(await listDevices());
  }, 120_000);

  it('probes one device alone (what --device checks): a missing provider says what to install', async () => {
    const cuda = await probeDevice('cuda');
    if (!cuda.available) expect(cuda.note).toMatch(/(was installed without it|did not load|has no NVIDIA GPU \(CUDA\) provider).*CUDA 12/);
    if (!ort.listSupportedBackends().some((b) => b.name === 'dml')) {
      expect(await probeDevice('dml')).toMatchObject({ available: false, note: expect.stringMatching(/has no GPU \(DirectML\) provider \(DirectML needs Windows/) });
    }
    expect(await probeDevice('cpu')).toMatchObject({ id: 'cpu', available: true });
  });
});

function blobs(n: number): TrainingData {
  const rng = new Rng(5);
  const x = new Uint8Array(n * 12).map(() => rng.below(256));
  const y = Int32Array.from({ length: n }, () => rng.below(3));
  return { name: 'blobs', sampleShape: [12], sampleSize: 12, classNames: ['a', 'b', 'c'], train: { x, y, n }, test: { x, y, n: 0 }, preprocess: { scale: 1 / 255, mean: [0], std: [1] } };
}
const spec: ModelSpec = { inputShape: [12], classes: 3, layers: [{ kind: 'linear', units: 8, bias: true }, { kind: 'relu' }, { kind: 'linear', units: 3, bias: true }] };
const config: TrainConfig = { epochs: 1, batchSize: 16, lr: 0.1, optimizer: { kind: 'sgd' }, schedule: { kind: 'constant' }, evalEvery: 0, seed: 1, init: 'pytorch', device: 'auto' };

describe('auto device choice', () => {
  const fake = (gpuKind: DeviceInfo['kind']): (() => Promise<DeviceInfo[]>) => async () => [
    { id: 'cpu', kind: 'cpu', name: 'CPU', available: true },
    { id: 'webgpu', kind: gpuKind, name: 'GPU', available: true },
    { id: 'cuda', kind: 'gpu', name: 'CUDA', available: false, note: 'its libraries did not load' },
  ];
  const fakeTime = (timed: NodeDevice[]) => async (d: NodeDevice) => (timed.push(d), d === 'cpu' ? 10 : 1000);

  it('never picks a software adapter, even one that would time 100× faster, and never times it', async () => {
    const timed: NodeDevice[] = [];
    const s = await selectRuntime('auto', spec, config, blobs(64), { devices: fake('software-gpu'), time: fakeTime(timed) });
    expect(s.runtime.device).toBe('cpu');
    expect(timed).toEqual(['cpu']);
    expect(s.timings.find((t) => t.device === 'webgpu')).toMatchObject({ stepsPerSecond: null, skipped: expect.stringMatching(/software/) });
    expect(s.reason).toMatch(/auto chose cpu: cpu 10\.0 steps\/s, webgpu not timed \(software adapter.*cuda unavailable/);
  });

  it('picks a hardware GPU that is faster than the CPU', async () => {
    const timed: NodeDevice[] = [];
    const s = await selectRuntime('auto', spec, config, blobs(64), { devices: fake('gpu'), time: fakeTime(timed) });
    expect(s.device).toBe('webgpu');
    expect(s.runtime.device).toBe('webgpu');
    expect(timed).toEqual(['cpu', 'webgpu']);
  });

  it('picks the fastest of every available hardware device, a provider such as CUDA included, and says so for each', async () => {
    const timed: NodeDevice[] = [];
    const speeds: Partial<Record<NodeDevice, number>> = { cpu: 40, webgpu: 120, cuda: 300, tensorrt: 250 };
    const devices = async (): Promise<DeviceInfo[]> => [
      { id: 'cpu', kind: 'cpu', name: 'CPU', available: true },
      { id: 'webgpu', kind: 'gpu', name: 'GPU', available: true },
      { id: 'cuda', kind: 'gpu', name: 'CUDA', available: true },
      { id: 'tensorrt', kind: 'gpu', name: 'TensorRT', available: true },
      { id: 'coreml', kind: 'gpu', name: 'CoreML', available: false, note: 'CoreML needs macOS 10.15 or later' },
    ];
    const s = await selectRuntime('auto', spec, config, blobs(64), { devices, time: async (d) => (timed.push(d), speeds[d]!) });
    expect(s.device).toBe('cuda');
    // CUDA trains through the trainer's host-tensor path; its label names the provider
    expect(s.runtime.device).toBe('cpu');
    expect(s.runtime.label).toMatch(/CUDA/);
    expect(timed).toEqual(['cpu', 'webgpu', 'cuda', 'tensorrt']);
    expect(s.reason).toBe('auto chose cuda: cpu 40.0 steps/s, webgpu 120.0 steps/s, cuda 300.0 steps/s, tensorrt 250.0 steps/s, coreml unavailable (CoreML needs macOS 10.15 or later)');
  });

  it('lists a device whose timing fails with the error, and takes the next fastest', async () => {
    const s = await selectRuntime('auto', spec, config, blobs(64), {
      devices: fake('gpu'),
      time: async (d) => {
        if (d === 'webgpu') throw new Error('/onnxruntime_src/onnxruntime/core/x.cc:1 f() x was false. device lost\nstack');
        return 10;
      },
    });
    expect(s.device).toBe('cpu');
    expect(s.reason).toBe('auto chose cpu: cpu 10.0 steps/s, webgpu unavailable (device lost), cuda unavailable (its libraries did not load)');
  });

  it.runIf(swiftshader)('on this machine (SwiftShader only) chooses the CPU after timing the real model', async () => {
    const s = await selectRuntime('auto', spec, config, blobs(96));
    expect(s.runtime.device).toBe('cpu');
    expect(s.timings.find((t) => t.device === 'cpu')!.stepsPerSecond).toBeGreaterThan(0);
    expect(s.timings.find((t) => t.device === 'webgpu')).toMatchObject({ kind: 'software-gpu', skipped: expect.any(String) });
  }, 60_000);
});
