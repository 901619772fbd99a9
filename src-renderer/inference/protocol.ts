/** Messages between the UI and the inference worker. */
export type ToWorker =
  | { type: 'warm'; id: number; preferGpu: boolean }
  | { type: 'load'; id: number; model: ArrayBuffer; inputShape: number[]; preferGpu: boolean }
  | { type: 'run'; id: number; input: Float32Array };

export type FromWorker =
  | { type: 'warm'; id: number }
  | { type: 'loaded'; id: number; backend: 'webgpu' | 'wasm'; note?: string }
  | { type: 'result'; id: number; probabilities: Float32Array; ms: number }
  | { type: 'error'; id: number; message: string };
