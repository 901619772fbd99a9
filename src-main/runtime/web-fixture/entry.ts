/**
 * Test page entry (bundled with esbuild by webgpu-web.test.ts): the engine's Trainer on
 * onnxruntime-web in Chromium. `globalThis.mlpTrain(job)` trains and returns the batch
 * losses, the final parameters and the test error, as plain JSON.
 */
import { Trainer, type ModelSpec, type TrainConfig, type TrainerCheckpoint, type TrainingData } from '../../engine/index';
import { createWebRuntime, probeWebGpu, type WebDevice } from '../../../src-renderer/engine/web-runtime';

export interface WebJob {
  device: WebDevice;
  spec: ModelSpec;
  config: TrainConfig;
  x: number[];
  y: number[];
  n: number;
  d: number;
  classNames: string[];
}

export interface WebJobResult {
  status: string;
  reason?: string;
  label: string;
  software: boolean;
  losses: number[];
  params: number[][];
  testError: number | null;
  ms: number;
}

async function mlpTrain(job: WebJob): Promise<WebJobResult> {
  const runtime = await createWebRuntime(job.device, { wasmPaths: '/ort/' });
  const x = Uint8Array.from(job.x);
  const y = Int32Array.from(job.y);
  const data: TrainingData = {
    name: 'random',
    sampleShape: [job.d],
    sampleSize: job.d,
    classNames: job.classNames,
    train: { x, y, n: job.n },
    test: { x, y, n: job.n },
    preprocess: { scale: 1 / 255, mean: [0], std: [1] },
  };
  const losses: number[] = [];
  let last: TrainerCheckpoint | null = null;
  const t0 = performance.now();
  const trainer = new Trainer({
    spec: job.spec,
    config: job.config,
    data,
    runtime,
    onEvent: (e) => void (e.event === 'batch' && losses.push(e.loss)),
    onEpochEnd: (c) => void (last = c),
  });
  const r = await trainer.run();
  const ms = performance.now() - t0;
  const params = last ? (last as TrainerCheckpoint).params.map((p) => Array.from(p)) : [];
  return { status: r.status, reason: r.reason, label: runtime.label, software: runtime.software ?? false, losses, params, testError: r.testError, ms };
}

const g = globalThis as unknown as Record<string, unknown>;
g.mlpTrain = mlpTrain;
g.mlpProbe = probeWebGpu;
g.mlpReady = true;
