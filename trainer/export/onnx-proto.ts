/**
 * The part of onnx.proto (ONNX IR version 8, proto2) that the exporter writes, as a protobufjs
 * schema. Field numbers are those of onnx/onnx.proto; fields the exporter never sets are left
 * out (protobuf readers skip nothing they need: absent optional fields take their defaults).
 */
import protobuf from 'protobufjs';

/** ONNX IR version written into `ModelProto.ir_version` (onnx 1.10–1.12 write 8). */
export const ONNX_IR_VERSION = 8;

/** `TensorProto.DataType` values of the element types the exporter uses. */
export const ONNX_DTYPE = { float32: 1, uint8: 2, int8: 3, int32: 6, int64: 7 } as const;

/** An element type the exporter writes. */
export type OnnxDType = keyof typeof ONNX_DTYPE;

/** `AttributeProto.AttributeType` values of the attribute kinds the exporter uses. */
export const ONNX_ATTRIBUTE_TYPE = { FLOAT: 1, INT: 2, STRING: 3, INTS: 7 } as const;

// proto2 (explicit presence: a zero that is set is written; repeated scalars unpacked), as
// onnx.proto. protobufjs reads a JSON field without an edition as proto3.
const f = (id: number, type: string, rule?: 'repeated') =>
  rule ? { id, type, rule, edition: 'proto2' } : { id, type, edition: 'proto2' };

const SCHEMA = {
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: {
            irVersion: f(1, 'int64'),
            producerName: f(2, 'string'),
            producerVersion: f(3, 'string'),
            docString: f(6, 'string'),
            graph: f(7, 'GraphProto'),
            opsetImport: f(8, 'OperatorSetIdProto', 'repeated'),
            metadataProps: f(14, 'StringStringEntryProto', 'repeated'),
          },
        },
        OperatorSetIdProto: { fields: { domain: f(1, 'string'), version: f(2, 'int64') } },
        StringStringEntryProto: { fields: { key: f(1, 'string'), value: f(2, 'string') } },
        GraphProto: {
          fields: {
            node: f(1, 'NodeProto', 'repeated'),
            name: f(2, 'string'),
            initializer: f(5, 'TensorProto', 'repeated'),
            docString: f(10, 'string'),
            input: f(11, 'ValueInfoProto', 'repeated'),
            output: f(12, 'ValueInfoProto', 'repeated'),
          },
        },
        NodeProto: {
          fields: {
            input: f(1, 'string', 'repeated'),
            output: f(2, 'string', 'repeated'),
            name: f(3, 'string'),
            opType: f(4, 'string'),
            attribute: f(5, 'AttributeProto', 'repeated'),
            domain: f(7, 'string'),
          },
        },
        AttributeProto: {
          fields: {
            name: f(1, 'string'),
            f: f(2, 'float'),
            i: f(3, 'int64'),
            s: f(4, 'bytes'),
            ints: f(8, 'int64', 'repeated'),
            type: f(20, 'int32'),
          },
        },
        TensorProto: {
          fields: {
            dims: f(1, 'int64', 'repeated'),
            dataType: f(2, 'int32'),
            name: f(8, 'string'),
            rawData: f(9, 'bytes'),
          },
        },
        ValueInfoProto: { fields: { name: f(1, 'string'), type: f(2, 'TypeProto') } },
        TypeProto: {
          fields: { tensorType: f(1, 'TypeProtoTensor') },
        },
        TypeProtoTensor: { fields: { elemType: f(1, 'int32'), shape: f(2, 'TensorShapeProto') } },
        TensorShapeProto: { fields: { dim: f(1, 'Dimension', 'repeated') } },
        Dimension: {
          oneofs: { value: { oneof: ['dimValue', 'dimParam'] } },
          fields: { dimValue: f(1, 'int64'), dimParam: f(2, 'string') },
        },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(SCHEMA);
const ModelProto = root.lookupType('onnx.ModelProto');

/** Plain-object `ModelProto` as the exporter builds it (camelCase field names). */
export interface ModelMessage {
  irVersion: number;
  producerName: string;
  producerVersion: string;
  docString?: string;
  graph: GraphMessage;
  opsetImport: { domain: string; version: number }[];
  metadataProps?: { key: string; value: string }[];
}

/** Plain-object `GraphProto`. */
export interface GraphMessage {
  name: string;
  node: NodeMessage[];
  initializer: TensorMessage[];
  input: ValueInfoMessage[];
  output: ValueInfoMessage[];
}

/** Plain-object `NodeProto`. */
export interface NodeMessage {
  name: string;
  opType: string;
  input: string[];
  output: string[];
  attribute: AttributeMessage[];
  domain?: string;
}

/** Plain-object `AttributeProto` (one of `f`, `i`, `s`, `ints` set, matching `type`). */
export interface AttributeMessage {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  ints?: number[];
}

/** Plain-object `TensorProto`; `rawData` is little-endian, row-major. */
export interface TensorMessage {
  name: string;
  dims: number[];
  dataType: number;
  rawData: Uint8Array;
}

/** Plain-object `ValueInfoProto` of a tensor; a string dimension is symbolic (`'N'`). */
export interface ValueInfoMessage {
  name: string;
  type: {
    tensorType: {
      elemType: number;
      shape?: { dim: ({ dimValue: number } | { dimParam: string })[] };
    };
  };
}

/** Serialises a model to the bytes of an `.onnx` file. */
export function encodeModel(model: ModelMessage): Uint8Array {
  const err = ModelProto.verify(model);
  if (err) throw new Error(`ONNX ModelProto is malformed: ${err}`);
  // A copy: under Node, protobufjs returns a Buffer that may share a pooled ArrayBuffer, and
  // Buffer#slice does not copy.
  return new Uint8Array(ModelProto.encode(ModelProto.fromObject(model)).finish());
}

/**
 * Parses the bytes of an `.onnx` file (only the fields listed in this schema), for tests and
 * tools. Int64 fields come back as numbers.
 */
export function decodeModel(bytes: Uint8Array): ModelMessage {
  return ModelProto.toObject(ModelProto.decode(bytes), {
    longs: Number,
    bytes: Uint8Array,
    defaults: false,
    arrays: true,
  }) as ModelMessage;
}
