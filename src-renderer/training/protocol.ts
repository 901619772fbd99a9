/** Messages between the Train screen and the training worker (the engine on onnxruntime-web). */
import type { TrainerCheckpoint } from '../../src-main/engine/trainer';
import type { ModelSpec, TrainConfig, TrainEvent, TrainingData } from '../../src-main/engine/types';

export type ToTrainer =
  | {
      type: 'start';
      spec: ModelSpec;
      config: TrainConfig;
      data: TrainingData;
      /** batch events per second sent to the page (the host's worker runs send 20) */
      maxBatchEventsPerSecond: number;
      /** the person chose a software adapter (SwiftShader...) explicitly: use it anyway */
      allowSoftware: boolean;
    }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop'; reason: string };

export type FromTrainer =
  | { type: 'event'; event: TrainEvent }
  | { type: 'epoch'; checkpoint: TrainerCheckpoint; testError: number | null; validationError?: number | null; kept?: boolean; last?: boolean }
  /** where the epoch stands (a stop inside it, or the periodic save of a long one): checkpoint.partial is set */
  | { type: 'position'; checkpoint: TrainerCheckpoint }
  | { type: 'end'; status: 'finished' | 'stopped' | 'failed'; reason?: string; testError: number | null }
  /** the worker could not start training (no WebGPU adapter, software adapter not allowed...) */
  | { type: 'error'; message: string };
