/**
 * Where the studio trains: onnxruntime-node's execution providers (the CPU, WebGPU through
 * Dawn, CUDA, TensorRT, DirectML, CoreML). The one list every device enum derives from (the
 * API schema, the worker protocol, the CLI's --device, the Train screen).
 */
export const NODE_DEVICES = ['cpu', 'webgpu', 'cuda', 'tensorrt', 'dml', 'coreml'] as const;
export type NodeDevice = (typeof NODE_DEVICES)[number];

/** A device, or 'auto': the fastest available hardware device for the actual model (timed), never a software adapter. */
export type DeviceChoice = 'auto' | NodeDevice;
export const DEVICE_CHOICES: readonly [DeviceChoice, ...DeviceChoice[]] = ['auto', ...NODE_DEVICES];

export const isNodeDevice = (v: unknown): v is NodeDevice => (NODE_DEVICES as readonly unknown[]).includes(v);
export const isDeviceChoice = (v: unknown): v is DeviceChoice => v === 'auto' || isNodeDevice(v);
