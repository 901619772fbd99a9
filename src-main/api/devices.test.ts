/**
 * Device choice through the Studio API, with the service's device list injected (what the
 * probe would answer on a machine with an NVIDIA GPU, or one where CUDA's libraries are
 * missing) and real workers: 'auto' times the run's own model in the worker and records the
 * choice with every device's speed or why it was skipped; an unavailable device is refused
 * before a run exists; a provider that passed the probe but cannot create a session fails
 * the run with the reason; a resumed run whose device is gone continues on 'auto'.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NODE_DEVICES } from '../engine/types';
import { runsDir } from '../paths';
import { probeDevice } from '../runtime/devices';
import type { DeviceInfo, StudioEvent } from './contract';
import { argumentSchemas } from './schemas';
import { StudioService } from './service';
import { isTerminal, makeTestHome, rejection, runEvents, tinyRun, type TestHome } from '../../tests/helpers/testkit';

const MISSING = 'onnxruntime-node was installed without it (libonnxruntime_providers_cuda.so is missing); install the CUDA 12 runtime and cuDNN 9';
const probe = (cudaLoads: boolean): DeviceInfo[] => [
  { id: 'cpu', kind: 'cpu', name: 'CPU (onnxruntime-node)', available: true, stepsPerSecond: 50 },
  // a software adapter that claims to be fast: auto must neither time nor choose it
  { id: 'webgpu', kind: 'software-gpu', name: 'Software GPU (WebGPU)', available: true, stepsPerSecond: 5000, note: 'SwiftShader' },
  cudaLoads ? { id: 'cuda', kind: 'gpu', name: 'NVIDIA GPU (CUDA)', available: true, stepsPerSecond: 10 } : { id: 'cuda', kind: 'gpu', name: 'NVIDIA GPU (CUDA)', available: false, note: MISSING },
];
const AUTO_REASON = /^auto chose cpu: cpu \d+\.\d steps\/s, webgpu not timed \(software adapter, never chosen automatically\), cuda unavailable \(onnxruntime-node was installed without it \(libonnxruntime_providers_cuda\.so is missing\); install the CUDA 12 runtime and cuDNN 9\)$/;

describe('the device in the API schemas', () => {
  it('accepts auto and every device of NODE_DEVICES, and nothing else', () => {
    const req = tinyRun('ds-1');
    const start = (device: string) => argumentSchemas.startRun.safeParse([{ ...req, config: { ...req.config, device } }]).success;
    const estimate = (device: string) => argumentSchemas.estimateEpochSeconds.safeParse([{ datasetId: 'ds-1', model: req.model, batchSize: 10, device }]).success;
    for (const device of ['auto', ...NODE_DEVICES]) {
      expect(start(device), device).toBe(true);
      expect(estimate(device), device).toBe(true);
    }
    for (const device of ['gpu', 'CUDA', 'rocm', 'browser-webgpu', 'cpu ', '']) {
      expect(start(device), device).toBe(false);
      expect(estimate(device), device).toBe(false);
    }
  });
});

describe('device choice through the service', () => {
  let t: TestHome;
  let missing: StudioService;
  let realCudaLoads = false;
  beforeAll(async () => {
    t = await makeTestHome({ train: 300, test: 100 });
    missing = new StudioService({ home: t.home, devices: async () => probe(false) });
    realCudaLoads = (await probeDevice('cuda')).available;
  });
  afterAll(async () => {
    await missing.close();
    t.cleanup();
  });

  async function train(service: StudioService, start: () => Promise<{ id: string }>) {
    let runId: string | null = null;
    const ev = runEvents(service, () => runId);
    runId = (await start()).id;
    const end = await ev.waitFor(isTerminal, 120_000);
    ev.off();
    return { runId, end, events: ev.events };
  }

  it('auto times the run’s model in the worker, trains on the fastest hardware device and records why', async () => {
    const { runId, end, events } = await train(missing, () => missing.startRun(tinyRun(t.dataset.id, { device: 'auto', epochs: 1 })));
    expect(end.status, end.reason).toBe('finished');
    // the choice reached the windows before training started
    const chosen = events.findIndex((e) => e.deviceReason !== undefined);
    expect(events[chosen]).toMatchObject({ device: 'cpu', deviceReason: expect.stringMatching(AUTO_REASON) });
    expect(chosen).toBeLessThan(events.findIndex((e) => e.event?.event === 'start'));
    // and it is in run.json, the run's summary and its details
    const detail = await missing.getRun(runId);
    expect(detail.device).toBe('cpu');
    expect(detail.deviceReason).toMatch(AUTO_REASON);
    expect((await missing.listRuns()).find((r) => r.id === runId)?.deviceReason).toBe(detail.deviceReason);
    expect((await missing.runs.get(runId)).deviceReason).toBe(detail.deviceReason);
  }, 120_000);

  it('refuses an unavailable device before creating anything, naming it, the reason and what to install', async () => {
    const runFolders = () => (fs.existsSync(runsDir(t.home)) ? fs.readdirSync(runsDir(t.home)).sort() : []);
    const before = runFolders();
    const err = await rejection(missing.startRun(tinyRun(t.dataset.id, { device: 'cuda' })));
    expect(err.code).toBe('bad_request');
    expect(err.message).toBe(`NVIDIA GPU (CUDA) ("cuda") cannot be used on this computer: ${MISSING}. Choose “CPU” or “Best available” (auto) instead.`);
    expect(runFolders()).toEqual(before);
    // onnxruntime-node does not offer DirectML here at all
    expect((await rejection(missing.startRun(tinyRun(t.dataset.id, { device: 'dml' })))).message).toMatch(/^GPU \(DirectML\) \("dml"\) is not part of onnxruntime-node on this computer \(DirectML needs Windows/);
    expect((await rejection(missing.estimateEpochSeconds({ datasetId: t.dataset.id, model: tinyRun(t.dataset.id).model, batchSize: 50, device: 'cuda' }))).message).toContain(MISSING);
    expect(runFolders()).toEqual(before);
  });

  it('estimates an epoch with auto on the device auto would choose', async () => {
    const est = await missing.estimateEpochSeconds({ datasetId: t.dataset.id, model: tinyRun(t.dataset.id).model, batchSize: 50, device: 'auto' });
    expect(est.device).toBe('cpu');
    expect(est.deviceReason).toMatch(AUTO_REASON);
    expect(est.deviceReason).toContain(`cpu ${est.stepsPerSecond.toFixed(1)} steps/s`);
    expect(est.seconds).toBeCloseTo(6 / est.stepsPerSecond, 6);
  }, 60_000);

  it('a provider that passed the probe but cannot create a session fails the run with the reason; resuming it where the provider is gone continues on auto', async (ctx) => {
    if (realCudaLoads) ctx.skip('CUDA really works on this machine: its session would not fail');
    const loads = new StudioService({ home: t.home, devices: async () => probe(true) });
    let runId: string;
    try {
      const r = await train(loads, () => loads.startRun(tinyRun(t.dataset.id, { device: 'cuda', epochs: 1 })));
      runId = r.runId;
      expect(r.end.status).toBe('failed');
      expect(r.end.reason).toMatch(/onnxruntime-node's CUDA provider could not create a session: .*Failed to load/);
      expect(await loads.getRun(runId)).toMatchObject({ status: 'failed', device: 'cuda', reason: expect.stringContaining('CUDA provider could not create a session') });
    } finally {
      await loads.close();
    }
    const r = await train(missing, () => missing.resumeRun(runId));
    expect(r.end.status, r.end.reason).toBe('finished');
    const detail = await missing.getRun(runId);
    expect(detail.device).toBe('cpu');
    expect(detail.deviceReason).toMatch(/^the run trained on cuda before, but NVIDIA GPU \(CUDA\) \("cuda"\) cannot be used on this computer: .*; auto chose cpu: cpu \d+\.\d steps\/s, /);
    expect(r.events.some((e: Extract<StudioEvent, { channel: 'run' }>) => e.deviceReason === detail.deviceReason)).toBe(true);
  }, 180_000);
});
