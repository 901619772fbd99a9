/**
 * Shared helpers of the API, host and worker tests: a temporary studio home holding a tiny
 * MNIST subset (real digits, a few hundred samples) and a small, fast training request.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DatasetMeta } from '../../src-main/datasets/types';
import { DatasetLibrary } from '../../src-main/datasets/library';
import { writeMnistSubset } from './test-fixtures';
import { defaultTrainConfig } from '../../src-main/engine/spec';
import type { ModelSpec, TrainConfig } from '../../src-main/engine/types';
import type { StartRunRequest, StudioApi, StudioEvent } from '../../src-main/api/contract';
import type { StudioError } from '../../src-main/api/errors';
import { createLoopbackClient } from '../../src-main/api/loopback';
import type { StudioService } from '../../src-main/api/service';
import { isEnded } from '../../src-main/engine/run-status';
import { startWebHost } from '../../src-main/host/server';
import { connectWebHost } from '../../src-main/host/ws-client';

export interface TestHome {
  home: string;
  dataset: DatasetMeta;
  cleanup(): void;
}

/** A fresh studio home with a "Tiny MNIST" dataset (train 300, test 100) imported. */
export async function makeTestHome(opts: { train?: number; test?: number } = {}): Promise<TestHome> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-studio-api-'));
  const src = path.join(home, 'source');
  writeMnistSubset(src, opts.train ?? 300, opts.test ?? 100);
  const dataset = await new DatasetLibrary(home).import([src], { name: 'Tiny MNIST' });
  return { home, dataset, cleanup: () => fs.rmSync(home, { recursive: true, force: true }) };
}

export const tinyModel: ModelSpec = {
  inputShape: [1, 28, 28],
  layers: [{ kind: 'linear', units: 16, bias: true }, { kind: 'relu' }, { kind: 'linear', units: 10, bias: true }],
  classes: 10,
};

export function tinyConfig(over: Partial<TrainConfig> = {}): TrainConfig {
  return { ...defaultTrainConfig(), epochs: 2, batchSize: 50, lr: 0.1, seed: 1, ...over };
}

export function tinyRun(datasetId: string, over: Partial<TrainConfig> = {}): StartRunRequest {
  return { datasetId, model: tinyModel, config: tinyConfig(over), name: 'tiny' };
}

/** Collects events of one run; `waitFor` resolves at the first event matching `pred`. */
export function runEvents(api: StudioApi, runId: () => string | null) {
  const events: Extract<StudioEvent, { channel: 'run' }>[] = [];
  const waiters: { pred: (e: Extract<StudioEvent, { channel: 'run' }>) => boolean; resolve: (e: Extract<StudioEvent, { channel: 'run' }>) => void }[] = [];
  const off = api.onEvent((e) => {
    if (e.channel !== 'run' || (runId() !== null && e.runId !== runId())) return;
    events.push(e);
    for (const w of [...waiters]) {
      if (w.pred(e)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(e);
      }
    }
  });
  return {
    events,
    off,
    waitFor(pred: (e: Extract<StudioEvent, { channel: 'run' }>) => boolean, timeoutMs = 60_000): Promise<Extract<StudioEvent, { channel: 'run' }>> {
      const seen = events.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for a run event; saw: ${events.slice(-5).map((e) => `${e.status}/${e.event?.event ?? '-'}`).join(', ')}`)), timeoutMs);
        waiters.push({ pred, resolve: (e) => (clearTimeout(timer), resolve(e)) });
      });
    },
  };
}

export const isTerminal = (e: { status: string }) => isEnded(e.status);

/** A StudioApi client over one transport, and how to take it down. */
export interface Harness {
  api: StudioApi;
  close(): Promise<void>;
}

/** Both transports the UI uses: the in-process adapter (the dispatch path Electron IPC uses) and the web host's WebSocket. */
export const transports: [string, (service: StudioService) => Promise<Harness>][] = [
  ['in-process (IPC path)', async (service) => ({ api: createLoopbackClient(service), close: async () => undefined })],
  [
    'WebSocket web host',
    async (service) => {
      const host = await startWebHost({ api: service, staticDir: null });
      const conn = await connectWebHost(host.wsUrl);
      return {
        api: conn.api,
        close: async () => {
          await conn.close();
          await host.close();
        },
      };
    },
  ],
];

/** The error a call fails with; fails the test when the call succeeds. */
export async function rejection(p: Promise<unknown>): Promise<StudioError> {
  try {
    await p;
  } catch (err) {
    return err as StudioError;
  }
  throw new Error('expected the call to fail');
}
