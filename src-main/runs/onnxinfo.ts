/**
 * Reads what an exported model says about itself (graph inputs/outputs, opset, metadata_props)
 * with the onnx-proto protobuf definitions, so `predict` needs nothing but the .onnx file.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto as unknown as typeof import('onnx-proto');

export interface ValueInfo {
  name: string;
  /** ONNX TensorProto.DataType: 1 float, 2 uint8, 6 int32, 7 int64 */
  elemType: number;
  /** a number, or the name of a symbolic dimension (e.g. 'batch') */
  dims: (number | string)[];
}

export interface OnnxInfo {
  irVersion: number;
  opsets: { domain: string; version: number }[];
  producer: string;
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  metadata: Record<string, string>;
  initializers: number;
}

function valueInfo(v: import('onnx-proto').onnx.IValueInfoProto): ValueInfo {
  const t = v.type?.tensorType;
  return {
    name: v.name ?? '',
    elemType: t?.elemType ?? 0,
    dims: (t?.shape?.dim ?? []).map((d) => (d.dimParam ? d.dimParam : Number(d.dimValue ?? 0))),
  };
}

export function readOnnxInfo(bytes: Uint8Array, file = 'model.onnx'): OnnxInfo {
  let m: import('onnx-proto').onnx.ModelProto;
  try {
    m = onnx.ModelProto.decode(bytes);
  } catch (err) {
    throw new Error(`${file}: not an ONNX model (${(err as Error).message}); give the .onnx file written by "mlp-studio export"`);
  }
  if (!m.graph) throw new Error(`${file}: the ONNX model has no graph`);
  const initNames = new Set((m.graph.initializer ?? []).map((i) => i.name));
  return {
    irVersion: Number(m.irVersion),
    opsets: (m.opsetImport ?? []).map((o) => ({ domain: o.domain ?? '', version: Number(o.version ?? 0) })),
    producer: `${m.producerName ?? ''} ${m.producerVersion ?? ''}`.trim(),
    inputs: (m.graph.input ?? []).filter((i) => !initNames.has(i.name ?? '')).map(valueInfo),
    outputs: (m.graph.output ?? []).map(valueInfo),
    metadata: Object.fromEntries((m.metadataProps ?? []).map((p) => [p.key ?? '', p.value ?? ''])),
    initializers: initNames.size,
  };
}
