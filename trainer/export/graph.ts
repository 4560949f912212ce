/**
 * A small builder of ONNX graphs: initializers, nodes with attributes, typed graph inputs and
 * outputs, serialised to the bytes of an `.onnx` file (default domain only).
 */
import {
  encodeModel,
  ONNX_ATTRIBUTE_TYPE,
  ONNX_DTYPE,
  ONNX_IR_VERSION,
  type AttributeMessage,
  type NodeMessage,
  type OnnxDType,
  type TensorMessage,
  type ValueInfoMessage,
} from './onnx-proto.ts';

/** A node attribute: an int, a float, a string or a list of ints. */
export type AttributeValue = { i: number } | { f: number } | { s: string } | { ints: number[] };

/** Typed array of each element type, for initializer data (row-major). */
export type TensorData = Float32Array | Uint8Array | Int8Array | Int32Array | BigInt64Array;

/** A graph dimension: a size, or a symbol for a dynamic one (`'N'`). */
export type Dim = number | string;

function toAttribute(name: string, v: AttributeValue): AttributeMessage {
  if ('i' in v) return { name, type: ONNX_ATTRIBUTE_TYPE.INT, i: v.i };
  if ('f' in v) return { name, type: ONNX_ATTRIBUTE_TYPE.FLOAT, f: v.f };
  if ('s' in v) {
    return { name, type: ONNX_ATTRIBUTE_TYPE.STRING, s: new TextEncoder().encode(v.s) };
  }
  return { name, type: ONNX_ATTRIBUTE_TYPE.INTS, ints: v.ints };
}

function valueInfo(name: string, dtype: OnnxDType, shape?: Dim[]): ValueInfoMessage {
  const dim = shape?.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return {
    name,
    type: { tensorType: { elemType: ONNX_DTYPE[dtype], ...(dim ? { shape: { dim } } : {}) } },
  };
}

/** Collects the pieces of one ONNX graph; names must be unique across the graph. */
export class GraphBuilder {
  private readonly nodes: NodeMessage[] = [];
  private readonly initializers: TensorMessage[] = [];
  private readonly inputs: ValueInfoMessage[] = [];
  private readonly outputs: ValueInfoMessage[] = [];
  private readonly names = new Set<string>();

  constructor(readonly name: string) {}

  private claim(name: string): string {
    if (this.names.has(name)) throw new Error(`ONNX graph name '${name}' is used twice`);
    this.names.add(name);
    return name;
  }

  /** Adds a constant tensor; `data` has `product(dims)` elements, row-major. */
  initializer(name: string, dtype: OnnxDType, dims: number[], data: TensorData): string {
    const count = dims.reduce((a, b) => a * b, 1);
    if (data.length !== count) {
      throw new Error(
        `initializer '${name}' has ${data.length} values, dims [${dims}] need ${count}`,
      );
    }
    const raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
    this.initializers.push({
      name: this.claim(name),
      dims,
      dataType: ONNX_DTYPE[dtype],
      rawData: raw,
    });
    return name;
  }

  /** Adds a node; returns its first output's name. */
  node(
    opType: string,
    inputs: string[],
    outputs: string[],
    attrs: Record<string, AttributeValue> = {},
  ): string {
    outputs.forEach((o) => this.claim(o));
    const attribute = Object.entries(attrs).map(([k, v]) => toAttribute(k, v));
    this.nodes.push({
      name: `${opType}_${this.nodes.length}`,
      opType,
      input: inputs,
      output: outputs,
      attribute,
    });
    return outputs[0];
  }

  /** Declares a graph input. */
  input(name: string, dtype: OnnxDType, shape: Dim[]): string {
    this.inputs.push(valueInfo(this.claim(name), dtype, shape));
    return name;
  }

  /** Declares a graph output (a tensor some node produces); `shape` may be omitted. */
  output(name: string, dtype: OnnxDType, shape?: Dim[]): void {
    this.outputs.push(valueInfo(name, dtype, shape));
  }

  /** Serialises the graph as a model importing the default domain at `opset`. */
  toBytes(opset: number, docString: string, metadata: Record<string, string> = {}): Uint8Array {
    return encodeModel({
      irVersion: ONNX_IR_VERSION,
      producerName: 'fashion-similarity',
      producerVersion: '0.1.0',
      docString,
      opsetImport: [{ domain: '', version: opset }],
      metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
      graph: {
        name: this.name,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    });
  }
}
