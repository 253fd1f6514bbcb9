/**
 * Tensors of an ONNX model that keep their values outside the model (TensorProto.data_location
 * EXTERNAL, or external_data entries). ONNX Runtime reads such a tensor from the file it names,
 * relative to the working directory when the model comes as bytes: a model from elsewhere that
 * holds one can read any file into its weights, and so into its outputs.
 *
 * A walk over the protobuf wire format that descends only into the messages that can hold a
 * tensor, everywhere ONNX allows one (field numbers from onnx/onnx.proto3): the graph's
 * initializers and sparse initializers, the tensor and graph attributes of every node,
 * subgraphs at any depth, model-level functions and training graphs. Other fields are skipped
 * unread; bytes that are not protobuf are refused.
 */

/** The bytes are not a protobuf message: `at` is the byte offset where reading failed. */
export class MalformedProtobufError extends Error {
  override readonly name = 'MalformedProtobufError';
  constructor(
    readonly problem: string,
    readonly at: number,
  ) {
    super(`${problem} at byte ${at}`);
  }
}

/** A tensor that keeps its values elsewhere: where it is in the model, in words, and the file it names. */
export interface ExternalTensor {
  readonly where: string;
  readonly location: string | null;
}

/** As deep as protobuf's own parser (ONNX Runtime's) nests messages: a deeper model does not load anyway. */
const MAX_DEPTH = 100;

type Kind = 'model' | 'training' | 'function' | 'graph' | 'node' | 'attribute' | 'sparse' | 'tensor';

/** Per message: the fields (by number) that hold messages which may hold tensors. */
const CHILDREN: Readonly<Record<Kind, Readonly<Record<number, Kind>>>> = {
  // graph 7, training_info 20, functions 25
  model: { 7: 'graph', 20: 'training', 25: 'function' },
  // initialization 1, algorithm 2
  training: { 1: 'graph', 2: 'graph' },
  // node 7, attribute_proto 11 (attributes with default values)
  function: { 7: 'node', 11: 'attribute' },
  // node 1, initializer 5, sparse_initializer 15
  graph: { 1: 'node', 5: 'tensor', 15: 'sparse' },
  // attribute 5
  node: { 5: 'attribute' },
  // t 5, g 6, tensors 10, graphs 11, sparse_tensor 22, sparse_tensors 23
  attribute: { 5: 'tensor', 6: 'graph', 10: 'tensor', 11: 'graph', 22: 'sparse', 23: 'sparse' },
  // values 1, indices 2
  sparse: { 1: 'tensor', 2: 'tensor' },
  tensor: {},
};

/** The field that names a message, for the description of where a tensor is. */
const NAME_FIELD: Readonly<Partial<Record<Kind, number>>> = { function: 1, graph: 2, node: 3, attribute: 1, tensor: 8 };
const NODE_OP_TYPE = 4;
const TENSOR_EXTERNAL_DATA = 13;
const TENSOR_DATA_LOCATION = 14;

/** One field of a message: its number, wire type and, for length-delimited fields, the payload's bounds. */
interface Field {
  readonly no: number;
  readonly wire: number;
  readonly start: number;
  readonly end: number;
  /** The value of a varint field (exact up to 2^53, enough to tell 0 from not 0). */
  readonly value: number;
}

/** The fields of the message in `b[start, end)`, in order. */
function* fieldsOf(b: Uint8Array, start: number, end: number): Generator<Field> {
  let pos = start;
  const varint = (): number => {
    let n = 0;
    for (let i = 0, scale = 1; i < 10; i++, scale *= 128) {
      if (pos >= end) throw new MalformedProtobufError('the data ends inside a number', pos);
      const x = b[pos++]!;
      n += (x & 0x7f) * scale;
      if (x < 0x80) return n;
    }
    throw new MalformedProtobufError('a number runs over 10 bytes', pos);
  };
  while (pos < end) {
    const at = pos;
    const tag = varint();
    const no = Math.floor(tag / 8);
    const wire = tag % 8;
    if (no === 0 || no >= 2 ** 29) throw new MalformedProtobufError(`field number ${no} is not valid`, at);
    if (wire === 0) {
      const value = varint();
      yield { no, wire, start: at, end: pos, value };
    } else if (wire === 1 || wire === 5) {
      const next = pos + (wire === 1 ? 8 : 4);
      if (next > end) throw new MalformedProtobufError('the data ends inside a fixed-size value', pos);
      yield { no, wire, start: pos, end: (pos = next), value: 0 };
    } else if (wire === 2) {
      const length = varint();
      if (length > end - pos)
        throw new MalformedProtobufError(`a field of ${length} bytes runs past the end of its message`, at);
      yield { no, wire, start: pos, end: (pos += length), value: 0 };
    } else {
      // 3 and 4 are protobuf groups, which ONNX never writes; 6 and 7 do not exist.
      throw new MalformedProtobufError(`wire type ${wire} (field ${no}) is not one ONNX uses`, at);
    }
  }
}

const utf8 = new TextDecoder();

/** The text of the first length-delimited field `no` of a message ('' without one). */
function textField(b: Uint8Array, start: number, end: number, no: number | undefined): string {
  if (no === undefined) return '';
  for (const f of fieldsOf(b, start, end))
    if (f.no === no && f.wire === 2) return utf8.decode(b.subarray(f.start, f.end));
  return '';
}

/** A name inside a message: quoted, at most 60 characters, no control characters. */
function quoted(name: string): string {
  const one = name.length > 60 ? `${name.slice(0, 59)}…` : name;
  return JSON.stringify(one);
}

/** The `location` of a tensor's external_data entries (StringStringEntryProto: key 1, value 2), if any names one. */
function locationOf(b: Uint8Array, entries: readonly Field[]): string | null {
  for (const e of entries) {
    if (e.wire !== 2) continue;
    let key = '';
    let value = '';
    for (const f of fieldsOf(b, e.start, e.end)) {
      if (f.wire !== 2) continue;
      if (f.no === 1) key = utf8.decode(b.subarray(f.start, f.end));
      if (f.no === 2) value = utf8.decode(b.subarray(f.start, f.end));
    }
    if (key === 'location') return value;
  }
  return null;
}

/**
 * Walks one message of kind `kind`. `role` is what a tensor is to its container ("initializer",
 * "tensor"), `context` where the container is ("the main graph", "attribute \"value\" of node …").
 */
function walk(
  b: Uint8Array,
  start: number,
  end: number,
  kind: Kind,
  role: string,
  context: string,
  depth: number,
): ExternalTensor | null {
  if (depth > MAX_DEPTH) throw new MalformedProtobufError(`messages nest deeper than ${MAX_DEPTH} levels`, start);
  const name = textField(b, start, end, NAME_FIELD[kind]);
  if (kind === 'tensor') {
    const entries: Field[] = [];
    let external = false;
    for (const f of fieldsOf(b, start, end)) {
      if (f.no === TENSOR_EXTERNAL_DATA) entries.push(f);
      // EXTERNAL is 1; a data_location that is not a plain varint is refused too.
      if (f.no === TENSOR_DATA_LOCATION && (f.wire !== 0 || f.value !== 0)) external = true;
    }
    if (!external && entries.length === 0) return null;
    return { where: `${role}${name ? ` ${quoted(name)}` : ''} of ${context}`, location: locationOf(b, entries) };
  }
  // What the children of this message are inside of.
  const label =
    kind === 'node'
      ? `node ${quoted(name || textField(b, start, end, NODE_OP_TYPE))} of ${context}`
      : kind === 'attribute'
        ? `attribute ${quoted(name)} of ${context}`
        : kind === 'function'
          ? `function ${quoted(name)}`
          : kind === 'graph' && context !== 'the main graph'
            ? `graph ${quoted(name)} in ${context}`
            : context;
  for (const f of fieldsOf(b, start, end)) {
    const child = CHILDREN[kind][f.no];
    // A field of the wrong wire type is an unknown field to protobuf: ONNX Runtime ignores it too.
    if (!child || f.wire !== 2) continue;
    const childRole =
      kind === 'graph'
        ? child === 'sparse'
          ? 'sparse initializer'
          : 'initializer'
        : kind === 'attribute'
          ? child === 'sparse'
            ? 'sparse tensor'
            : 'tensor'
          : role;
    const childContext =
      kind !== 'model'
        ? label
        : child === 'graph'
          ? 'the main graph'
          : child === 'training'
            ? 'the training info'
            : 'the model';
    const found = walk(b, f.start, f.end, child, childRole, childContext, depth + 1);
    if (found) return found;
  }
  return null;
}

/**
 * The first tensor of an ONNX model (ModelProto bytes) that keeps its values outside the model,
 * null when every tensor is inside. Throws MalformedProtobufError when the bytes are not protobuf.
 */
export function findExternalData(bytes: Uint8Array): ExternalTensor | null {
  return walk(bytes, 0, bytes.length, 'model', '', '', 0);
}
