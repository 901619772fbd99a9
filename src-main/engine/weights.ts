/**
 * The parameters and optimizer state being trained, as runtime tensors. On CPU two sets
 * ping-pong (a step reads one and writes the other); on WebGPU sets[0] holds the current
 * ones, on the device, and a session of Identity nodes copies them to host memory.
 */
import type { InferenceSession, Tensor } from 'onnxruntime-common';
import type { Artifacts } from './artifacts';
import { GraphBuilder } from './onnx/builder';
import type { RuntimeAdapter } from './runtime';

/** the names of the trained tensors: the parameters, then the optimizer state */
export function tensorNames(art: Artifacts): string[] {
  return [...art.params.map((p) => p.name), ...art.state.map((s) => s.name)];
}

export function tensorShapes(art: Artifacts): number[][] {
  return [...art.params.map((p) => p.shape), ...art.state.map((s) => s.shape)];
}

export class Weights {
  /** CPU: the two ping-pong sets of parameter+state tensors; WebGPU: sets[0] holds the current ones */
  sets: Tensor[][] = [[], []];
  cur = 0;
  readonly names: string[];
  private readonly shapes: number[][];
  /** WebGPU: copies the device-resident parameters and state to host memory */
  private hostCopy: InferenceSession | null = null;

  constructor(
    private readonly rt: RuntimeAdapter,
    art: Artifacts,
  ) {
    this.names = tensorNames(art);
    this.shapes = tensorShapes(art);
  }

  /**
   * WebGPU: onnxruntime-node cannot download a gpu-buffer tensor with getData() (it aborts the
   * process); a session of Identity nodes with host outputs copies them instead.
   */
  async prepareHostCopy(): Promise<void> {
    const b = new GraphBuilder('snapshot');
    this.names.forEach((n, i) => b.outputAs(b.input(n, 'float32', this.shapes[i]), `${n}.host`));
    this.hostCopy = await this.rt.createSession(b.toModel());
  }

  /** Puts `values` (parameters then state) in the tensors; `pingPong` adds the second set (CPU). */
  load(values: Float32Array[], pingPong: boolean): void {
    values.forEach((v, i) => {
      if (v.length !== this.shapes[i].reduce((a, b) => a * b, 1)) throw new Error(`The checkpoint's ${this.names[i]} has the wrong size.`);
    });
    this.sets[0] = values.map((v, i) => new this.rt.Tensor('float32', v, this.shapes[i]));
    if (pingPong) this.sets[1] = values.map((v, i) => new this.rt.Tensor('float32', new Float32Array(v.length), this.shapes[i]));
  }

  /** the current parameters and optimizer state, copied to host memory */
  async values(): Promise<Float32Array[]> {
    const set = this.sets[this.cur];
    if (this.hostCopy) {
      const feeds: Record<string, Tensor> = {};
      this.names.forEach((n, i) => (feeds[n] = set[i]));
      const out = await this.hostCopy.run(feeds);
      return this.names.map((n) => new Float32Array(out[`${n}.host`].data as Float32Array));
    }
    return set.map((t) => new Float32Array(t.data as Float32Array));
  }

  async release(): Promise<void> {
    await this.hostCopy?.release().catch(() => undefined);
  }
}
