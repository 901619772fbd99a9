/**
 * Where runs train: the devices (probed once in a worker), the device plan of a run (its
 * device and queue lane, or a clear refusal), and the epoch-time estimates. Moved out of
 * service.ts unchanged.
 */
import type { DatasetMeta } from '../datasets/types';
import { NODE_DEVICES, type DeviceChoice, type NodeDevice } from '../engine/types';
import type { DeviceInfo, EpochEstimate, EstimateRequest } from './contract';
import { StudioError } from './errors';
import type { SpawnWorker } from '../worker/handle';
import { runWorkerTask } from '../worker/task-runner';
import { DEVICE_NAMES, deviceProblem, likelyAutoDevice } from '../runtime/device-choice';

/** Where a run goes: its device (or 'auto', chosen in the worker), the queue lane, what 'auto' considers. */
export interface DevicePlan {
  device: DeviceChoice;
  lane: NodeDevice;
  devices?: DeviceInfo[];
  note?: string;
}

export class DevicePlanner {
  private probed: Promise<DeviceInfo[]> | null = null;
  private estimating: Promise<unknown> = Promise.resolve();
  private readonly devicesProbe: () => Promise<DeviceInfo[]>;

  constructor(
    private readonly spawnWorker: SpawnWorker,
    private readonly home: string,
    private readonly dataset: (id: string) => Promise<DatasetMeta>,
    /** devices training may use; default: probed once in a worker */
    devices?: () => Promise<DeviceInfo[]>,
  ) {
    this.devicesProbe = devices ?? (() => this.probe());
  }

  list(): Promise<DeviceInfo[]> {
    return this.devicesProbe();
  }

  /**
   * CPU always; WebGPU, CUDA, TensorRT, DirectML, CoreML where onnxruntime-node has them and
   * a session runs on them (probed once, in a worker, with the reference model's speed).
   */
  private probe(): Promise<DeviceInfo[]> {
    if (!this.probed) {
      this.probed = runWorkerTask<DeviceInfo[]>(this.spawnWorker, { kind: 'probe' }, 60_000).catch((err: unknown) => {
        this.probed = null;
        const note = `the device check failed: ${err instanceof Error ? err.message : String(err)}`;
        return NODE_DEVICES.map((id): DeviceInfo => (id === 'cpu' ? { id, kind: 'cpu', name: 'CPU (onnxruntime-node)', available: true } : { id, kind: 'gpu', name: DEVICE_NAMES[id], available: false, note }));
      });
    }
    return this.probed;
  }


  /**
   * Where a run with this device choice trains. The CPU always works; any other explicit
   * device must have passed the probe, else the request is refused with the probe's reason
   * and what to install. 'auto' goes to the worker with the probed list: the worker times
   * the run's own model on each available hardware device once its data is loaded.
   */
  async plan(choice: DeviceChoice, note?: string): Promise<DevicePlan> {
    if (choice === 'cpu') return { device: 'cpu', lane: 'cpu' };
    const devices = await this.devicesProbe();
    if (choice === 'auto') return { device: 'auto', lane: likelyAutoDevice(devices), devices, ...(note ? { note } : {}) };
    const problem = deviceProblem(choice, devices);
    if (problem) throw new StudioError('bad_request', `${problem}. Choose “CPU” or “Best available” (auto) instead.`);
    return { device: choice, lane: choice };
  }

  /**
   * Times a few training steps of the model in a worker and scales to one epoch; for 'auto',
   * on each available hardware device, answering for the one auto would choose.
   */
  async estimate(req: EstimateRequest): Promise<EpochEstimate> {
    const dataset = await this.dataset(req.datasetId);
    const plan = await this.plan(req.device);
    if (req.model.inputShape.reduce((a, b) => a * b, 1) !== dataset.sampleShape.reduce((a, b) => a * b, 1) || req.model.classes !== dataset.classNames.length) {
      throw new StudioError('bad_request', `The model does not fit "${dataset.name}" (samples ${dataset.sampleShape.join('×')}, ${dataset.classNames.length} classes).`);
    }
    // One estimate at a time, and none beside the device check: timings taken side by side
    // share the CPU and each comes out several times too slow (the UI asks again at every edit).
    const run = this.estimating.then(async () => {
      await this.probed?.catch(() => undefined);
      return runWorkerTask<EpochEstimate>(
        this.spawnWorker,
        {
          kind: 'estimate',
          home: this.home,
          datasetId: dataset.id,
          model: req.model,
          batchSize: req.batchSize,
          device: plan.device,
          ...(plan.devices ? { devices: plan.devices } : {}),
          ...(req.optimizer ? { optimizer: req.optimizer } : {}),
          ...(req.validation !== undefined ? { validation: req.validation } : {}),
        },
        120_000,
      );
    });
    this.estimating = run.catch(() => undefined);
    return run;
  }
}
