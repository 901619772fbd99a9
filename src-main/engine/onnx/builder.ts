/**
 * A typed ONNX graph builder over onnx-proto (protobufjs-generated bindings of onnx.proto).
 * It records every node it emits (the "tape" autodiff walks), tracks static shapes (with
 * symbolic dims such as 'batch'), and serialises a ModelProto. No protobuf is hand-encoded.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

export const OPSET = 17;
export const IR_VERSION = 8;
/** The ai.onnx.ml operator set an exported table model imports (LabelEncoder-2 is current there). */
export const ML_DOMAIN = 'ai.onnx.ml';
export const ML_OPSET = 3;

export type Dim = number | string;
export type Shape = Dim[];
export type DType = 'float32' | 'float64' | 'int32' | 'int64' | 'bool' | 'uint8' | 'string';

const ELEM: Record<DType, number> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  float64: onnx.TensorProto.DataType.DOUBLE,
  int32: onnx.TensorProto.DataType.INT32,
  int64: onnx.TensorProto.DataType.INT64,
  bool: onnx.TensorProto.DataType.BOOL,
  uint8: onnx.TensorProto.DataType.UINT8,
  string: onnx.TensorProto.DataType.STRING,
};

export type AttrValue = number | number[] | string | { float: number } | { ints: number[] } | { floats: number[] } | { strings: string[] };

export interface GraphNode {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs: Record<string, AttrValue>;
  /** the operator set's domain when it is not the default ai.onnx (e.g. ML_DOMAIN) */
  domain?: string;
}

export interface ValueInfo {
  name: string;
  dtype: DType;
  shape: Shape;
}

interface Initializer {
  name: string;
  dtype: DType;
  dims: number[];
  data: Float32Array | Float64Array | Int32Array | BigInt64Array;
}

function valueInfoProto(v: ValueInfo): onnxProto.onnx.IValueInfoProto {
  return {
    name: v.name,
    type: {
      tensorType: {
        elemType: ELEM[v.dtype],
        shape: { dim: v.shape.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  };
}

function attributeProto(name: string, v: AttrValue): onnxProto.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new Error(`attribute ${name}: use { float: ${v} } for a float attribute`);
    return { name, type: T.INT, i: v };
  }
  if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: T.INTS, ints: v };
  if ('float' in v) return { name, type: T.FLOAT, f: v.float };
  if ('ints' in v) return { name, type: T.INTS, ints: v.ints };
  if ('strings' in v) return { name, type: T.STRINGS, strings: v.strings.map((x) => new TextEncoder().encode(x)) };
  return { name, type: T.FLOATS, floats: v.floats };
}

export class GraphBuilder {
  readonly nodes: GraphNode[] = [];
  readonly inputs: ValueInfo[] = [];
  readonly outputs: ValueInfo[] = [];
  private readonly initializers: Initializer[] = [];
  private readonly shapes = new Map<string, Shape>();
  private readonly dtypes = new Map<string, DType>();
  private readonly used = new Set<string>();
  /** values of constants, so gradient rules can read e.g. a ReduceSum's axes */
  readonly constValues = new Map<string, number[]>();
  private counter = 0;

  constructor(readonly name: string) {}

  /** A fresh value name with a readable prefix. */
  fresh(prefix: string): string {
    let n: string;
    do n = `${prefix}_${this.counter++}`;
    while (this.used.has(n));
    this.used.add(n);
    return n;
  }

  private claim(name: string): void {
    if (this.used.has(name)) throw new Error(`graph ${this.name}: the value name "${name}" is already used`);
    this.used.add(name);
  }

  input(name: string, dtype: DType, shape: Shape): string {
    this.claim(name);
    this.inputs.push({ name, dtype, shape });
    this.setInfo(name, dtype, shape);
    return name;
  }

  output(name: string, dtype?: DType, shape?: Shape): void {
    const dt = dtype ?? this.dtypeOf(name);
    const sh = shape ?? this.shapeOf(name);
    this.outputs.push({ name, dtype: dt, shape: sh });
  }

  /** Renames the value `from` to the graph output `to` through an Identity node. */
  outputAs(from: string, to: string): void {
    this.claim(to);
    this.nodes.push({ op: 'Identity', inputs: [from], outputs: [to], attrs: {} });
    this.setInfo(to, this.dtypeOf(from), this.shapeOf(from));
    this.output(to);
  }

  constant(dtype: 'float32' | 'float64' | 'int32' | 'int64', values: ArrayLike<number> | number, dims: number[] = [], prefix = 'const'): string {
    const name = this.fresh(prefix);
    const arr = typeof values === 'number' ? [values] : Array.from(values);
    const data =
      dtype === 'float32'
        ? Float32Array.from(arr)
        : dtype === 'float64'
          ? Float64Array.from(arr)
          : dtype === 'int32'
            ? Int32Array.from(arr)
            : BigInt64Array.from(arr.map((v) => BigInt(v)));
    this.initializers.push({ name, dtype, dims, data });
    this.setInfo(name, dtype, dims);
    this.constValues.set(name, arr);
    return name;
  }

  /** A named float initializer (trained weights in an exported model). */
  initializer(name: string, data: Float32Array, dims: number[]): string {
    this.claim(name);
    this.initializers.push({ name, dtype: 'float32', dims, data });
    this.setInfo(name, 'float32', dims);
    return name;
  }

  setInfo(name: string, dtype: DType, shape: Shape): void {
    this.dtypes.set(name, dtype);
    this.shapes.set(name, shape);
  }

  shapeOf(name: string): Shape {
    const s = this.shapes.get(name);
    if (!s) throw new Error(`graph ${this.name}: no shape recorded for "${name}"`);
    return s;
  }

  dtypeOf(name: string): DType {
    const d = this.dtypes.get(name);
    if (!d) throw new Error(`graph ${this.name}: no type recorded for "${name}"`);
    return d;
  }

  /** Emits one node with one output, recording the output's type and shape. */
  op(op: string, inputs: string[], out: { dtype?: DType; shape: Shape; prefix?: string; domain?: string }, attrs: Record<string, AttrValue> = {}): string {
    for (const i of inputs) if (i !== '' && !this.dtypes.has(i)) throw new Error(`graph ${this.name}: ${op} uses unknown value "${i}"`);
    const name = this.fresh(out.prefix ?? op.toLowerCase());
    this.nodes.push(out.domain ? { op, inputs, outputs: [name], attrs, domain: out.domain } : { op, inputs, outputs: [name], attrs });
    this.setInfo(name, out.dtype ?? this.dtypeOf(inputs[0]), out.shape);
    return name;
  }

  /** The nodes in an order where every value is produced before it is used (ONNX requires it). */
  private sortedNodes(): GraphNode[] {
    const ready = new Set<string>([...this.inputs.map((i) => i.name), ...this.initializers.map((t) => t.name), '']);
    const pending = this.nodes.slice();
    const out: GraphNode[] = [];
    while (pending.length) {
      const before = pending.length;
      for (let i = 0; i < pending.length; ) {
        const n = pending[i];
        if (n.inputs.every((x) => ready.has(x))) {
          out.push(n);
          n.outputs.forEach((o) => ready.add(o));
          pending.splice(i, 1);
        } else i++;
      }
      if (pending.length === before) throw new Error(`graph ${this.name}: a cycle, or a value used but never produced (${pending[0].op} needs ${pending[0].inputs.filter((x) => !ready.has(x)).join(', ')})`);
    }
    return out;
  }

  toModel(metadata: Record<string, string> = {}, docString = ''): Uint8Array {
    const graph: onnxProto.onnx.IGraphProto = {
      name: this.name,
      node: this.sortedNodes().map((n, i) => ({
        name: `${n.op}_${i}`,
        opType: n.op,
        input: n.inputs,
        output: n.outputs,
        ...(n.domain ? { domain: n.domain } : {}),
        attribute: Object.entries(n.attrs).map(([k, v]) => attributeProto(k, v)),
      })),
      input: this.inputs.map(valueInfoProto),
      output: this.outputs.map(valueInfoProto),
      initializer: this.initializers.map((t) => ({
        name: t.name,
        dataType: ELEM[t.dtype],
        dims: t.dims,
        rawData: new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength),
      })),
    };
    const model = onnx.ModelProto.create({
      irVersion: IR_VERSION,
      opsetImport: [{ domain: '', version: OPSET }, ...(this.nodes.some((n) => n.domain === ML_DOMAIN) ? [{ domain: ML_DOMAIN, version: ML_OPSET }] : [])],
      producerName: 'mlp-studio',
      producerVersion: '0.1.0',
      docString,
      graph,
      metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
    });
    return onnx.ModelProto.encode(model).finish();
  }
}
