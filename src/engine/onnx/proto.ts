/**
 * The subset of onnx.proto (IR version 8+, field numbers from onnx/onnx.proto3) that
 * StackLab writes, as a protobufjs schema, and a plain-object encoder on top of it.
 */
import protobuf from 'protobufjs/light.js';

/** ONNX TensorProto.DataType codes used by the engine. */
export const OnnxDataType = {
  float32: 1,
  uint8: 2,
  int8: 3,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
  float64: 11,
  bfloat16: 16,
} as const;
export type OnnxDType = keyof typeof OnnxDataType;

const schema = {
  nested: {
    onnx: {
      nested: {
        AttributeProto: {
          fields: {
            name: { type: 'string', id: 1 },
            type: { type: 'int32', id: 20 },
            f: { type: 'float', id: 2 },
            i: { type: 'int64', id: 3 },
            s: { type: 'bytes', id: 4 },
            t: { type: 'TensorProto', id: 5 },
            g: { type: 'GraphProto', id: 6 },
            floats: { rule: 'repeated', type: 'float', id: 7 },
            ints: { rule: 'repeated', type: 'int64', id: 8 },
            strings: { rule: 'repeated', type: 'bytes', id: 9 },
          },
        },
        ValueInfoProto: {
          fields: {
            name: { type: 'string', id: 1 },
            type: { type: 'TypeProto', id: 2 },
          },
        },
        NodeProto: {
          fields: {
            input: { rule: 'repeated', type: 'string', id: 1 },
            output: { rule: 'repeated', type: 'string', id: 2 },
            name: { type: 'string', id: 3 },
            opType: { type: 'string', id: 4 },
            domain: { type: 'string', id: 7 },
            attribute: { rule: 'repeated', type: 'AttributeProto', id: 5 },
          },
        },
        StringStringEntryProto: {
          fields: { key: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } },
        },
        ModelProto: {
          fields: {
            irVersion: { type: 'int64', id: 1 },
            opsetImport: { rule: 'repeated', type: 'OperatorSetIdProto', id: 8 },
            producerName: { type: 'string', id: 2 },
            producerVersion: { type: 'string', id: 3 },
            docString: { type: 'string', id: 6 },
            graph: { type: 'GraphProto', id: 7 },
            metadataProps: { rule: 'repeated', type: 'StringStringEntryProto', id: 14 },
          },
        },
        GraphProto: {
          fields: {
            node: { rule: 'repeated', type: 'NodeProto', id: 1 },
            name: { type: 'string', id: 2 },
            initializer: { rule: 'repeated', type: 'TensorProto', id: 5 },
            input: { rule: 'repeated', type: 'ValueInfoProto', id: 11 },
            output: { rule: 'repeated', type: 'ValueInfoProto', id: 12 },
          },
        },
        TensorProto: {
          fields: {
            dims: { rule: 'repeated', type: 'int64', id: 1 },
            dataType: { type: 'int32', id: 2 },
            name: { type: 'string', id: 8 },
            rawData: { type: 'bytes', id: 9 },
          },
        },
        TensorShapeProto: {
          fields: { dim: { rule: 'repeated', type: 'Dimension', id: 1 } },
          nested: {
            Dimension: {
              oneofs: { value: { oneof: ['dimValue', 'dimParam'] } },
              fields: {
                dimValue: { type: 'int64', id: 1 },
                dimParam: { type: 'string', id: 2 },
              },
            },
          },
        },
        TypeProto: {
          fields: { tensorType: { type: 'Tensor', id: 1 } },
          nested: {
            Tensor: {
              fields: {
                elemType: { type: 'int32', id: 1 },
                shape: { type: 'TensorShapeProto', id: 2 },
              },
            },
          },
        },
        OperatorSetIdProto: {
          fields: { domain: { type: 'string', id: 1 }, version: { type: 'int64', id: 2 } },
        },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(schema);
const ModelProto = root.lookupType('onnx.ModelProto');

/** A dimension: a fixed size or a symbolic name (for example the batch). */
export type Dim = number | string;

export interface ValueInfo {
  readonly name: string;
  readonly dtype: OnnxDType;
  readonly shape: readonly Dim[];
}

/** A subgraph (the body of a Loop): its own nodes, initializers, inputs and outputs; names may refer to the enclosing graph's values. */
export interface GraphSpec {
  readonly name: string;
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  readonly nodes: readonly NodeSpec[];
  readonly initializers?: readonly InitializerSpec[];
}

export type AttributeValue =
  | number
  | readonly number[]
  | string
  | { readonly int: number }
  | { readonly ints: readonly number[] }
  | { readonly graph: GraphSpec };

export interface NodeSpec {
  readonly op: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly name?: string;
  readonly domain?: string;
  /** Numbers are floats unless wrapped as `{ int }` / `{ ints }`; strings are STRING attributes. */
  readonly attributes?: Readonly<Record<string, AttributeValue>>;
}

export interface InitializerSpec {
  readonly name: string;
  readonly dtype: OnnxDType;
  readonly dims: readonly number[];
  /** Little-endian element bytes, row-major. */
  readonly bytes: Uint8Array;
}

export interface ModelSpec {
  readonly graphName: string;
  readonly opset: number;
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  readonly nodes: readonly NodeSpec[];
  readonly initializers?: readonly InitializerSpec[];
  readonly producerVersion?: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

/** IR version paired with the opsets the engine emits (17..21 need IR 8..10; 8 is accepted by all). */
const IR_VERSION = 8;

const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, GRAPH: 5, FLOATS: 6, INTS: 7 } as const;

function encodeAttribute(name: string, value: AttributeValue): Record<string, unknown> {
  if (typeof value === 'number') return { name, type: AttributeType.FLOAT, f: value };
  if (typeof value === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: AttributeType.FLOATS, floats: value };
  if ('int' in value) return { name, type: AttributeType.INT, i: value.int };
  if ('graph' in value) return { name, type: AttributeType.GRAPH, g: encodeGraph(value.graph) };
  return { name, type: AttributeType.INTS, ints: (value as { ints: readonly number[] }).ints };
}

function encodeGraph(g: GraphSpec): Record<string, unknown> {
  return {
    name: g.name,
    node: g.nodes.map((n, i) => ({
      name: n.name ?? `${g.name}/${n.op}_${i}`,
      opType: n.op,
      domain: n.domain ?? '',
      input: n.inputs,
      output: n.outputs,
      attribute: Object.entries(n.attributes ?? {}).map(([k, v]) => encodeAttribute(k, v)),
    })),
    initializer: (g.initializers ?? []).map((t) => ({
      name: t.name,
      dataType: OnnxDataType[t.dtype],
      dims: t.dims,
      rawData: t.bytes,
    })),
    input: g.inputs.map(encodeValueInfo),
    output: g.outputs.map(encodeValueInfo),
  };
}

function encodeValueInfo(v: ValueInfo): Record<string, unknown> {
  return {
    name: v.name,
    type: {
      tensorType: {
        elemType: OnnxDataType[v.dtype],
        shape: { dim: v.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/** Serialises a model description to ONNX protobuf bytes, ready for `InferenceSession.create`. */
export function encodeModel(spec: ModelSpec): Uint8Array {
  const message = ModelProto.fromObject({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: spec.opset }],
    producerName: 'stacklab',
    producerVersion: spec.producerVersion ?? '0',
    metadataProps: Object.entries(spec.metadata ?? {}).map(([key, value]) => ({ key, value })),
    graph: {
      name: spec.graphName,
      node: spec.nodes.map((n, i) => ({
        name: n.name ?? `${n.op}_${i}`,
        opType: n.op,
        domain: n.domain ?? '',
        input: n.inputs,
        output: n.outputs,
        attribute: Object.entries(n.attributes ?? {}).map(([k, v]) => encodeAttribute(k, v)),
      })),
      initializer: (spec.initializers ?? []).map((t) => ({
        name: t.name,
        dataType: OnnxDataType[t.dtype],
        dims: t.dims,
        rawData: t.bytes,
      })),
      input: spec.inputs.map(encodeValueInfo),
      output: spec.outputs.map(encodeValueInfo),
    },
  });
  return ModelProto.encode(message).finish();
}

/** A graph input or output as a model declares it: a dimension is a size, a symbolic name or null (not given); shape null: none declared. */
export interface DeclaredValue {
  readonly name: string;
  /** TensorProto.DataType code (0: not a tensor or not given). */
  readonly elemType: number;
  readonly shape: readonly (number | string | null)[] | null;
}

/** What a reader of a model file needs before loading it: its metadata and its graph's declared inputs and outputs. */
export interface ModelInfo {
  readonly metadata: Record<string, string>;
  readonly inputs: readonly DeclaredValue[];
  readonly outputs: readonly DeclaredValue[];
}

interface DecodedValueInfo {
  name?: string;
  type?: {
    tensorType?: {
      elemType?: number;
      shape?: { dim?: { dimValue?: number | { toString(): string } | null; dimParam?: string | null }[] };
    };
  };
}

function declared(v: DecodedValueInfo): DeclaredValue {
  const t = v.type?.tensorType;
  const dims = t?.shape?.dim;
  return {
    name: v.name ?? '',
    elemType: t?.elemType ?? 0,
    // int64 sizes decode as Long objects where the long package is present.
    // Fields not on the wire read as defaults from the prototype: only own properties were given.
    shape: dims
      ? dims.map((d) =>
          Object.hasOwn(d, 'dimValue') && d.dimValue != null
            ? Number(d.dimValue.toString())
            : Object.hasOwn(d, 'dimParam') && d.dimParam != null
              ? d.dimParam
              : null,
        )
      : null,
  };
}

/** The metadata_props and the graph's declared inputs and outputs of an ONNX model (the whole model is parsed; fine for exported scoring models). */
export function readModelInfo(bytes: Uint8Array): ModelInfo {
  const msg = ModelProto.decode(bytes) as unknown as {
    metadataProps?: { key: string; value: string }[];
    graph?: { input?: DecodedValueInfo[]; output?: DecodedValueInfo[] };
  };
  return {
    metadata: Object.fromEntries((msg.metadataProps ?? []).map((p) => [p.key, p.value])),
    inputs: (msg.graph?.input ?? []).map(declared),
    outputs: (msg.graph?.output ?? []).map(declared),
  };
}
