/**
 * The tensor-graph IR: symbolic tensors with a dtype and a static shape (a dimension may be a
 * symbol such as 'batch'), nodes named after the ONNX operators they become, constants, and
 * named parameters with seeded initialisers. Nodes are appended in topological order.
 */

export type DType = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int32' | 'int64' | 'bool';
export type Dim = number | string;
export type Shape = readonly Dim[];

export type AttrValue =
  number | string | readonly number[] | { readonly int: number } | { readonly ints: readonly number[] };

export type ValueKind = 'input' | 'param' | 'const' | 'node';

/**
 * Every operator of the IR, named after the ONNX operator it becomes (Gelu below opset 20 is
 * lowered by emission). Node ops are typed by this list, so a misspelt name does not compile.
 */
export const OP_NAMES = [
  // Elementwise, with broadcasting.
  'Add',
  'Sub',
  'Mul',
  'Div',
  'Pow',
  'Max',
  'Min',
  'Where',
  // Comparisons: bool results.
  'Greater',
  'Less',
  'Equal',
  // Elementwise, one input.
  'Identity',
  'Neg',
  'Sqrt',
  'Exp',
  'Log',
  'Tanh',
  'Erf',
  'Reciprocal',
  'Relu',
  'Gelu',
  'Cast',
  // Products and normalisations.
  'MatMul',
  'Gemm',
  'Softmax',
  'LayerNormalization',
  // Reductions.
  'ReduceSum',
  'ReduceMean',
  'ReduceMax',
  'ReduceLogSumExp',
  // Layout and indexing.
  'Transpose',
  'Reshape',
  'Expand',
  'Concat',
  'Split',
  'Slice',
  'Gather',
] as const;

export type OpName = (typeof OP_NAMES)[number];

export type HostArray = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Uint16Array;

/** How a parameter's first values are drawn (see initialValues in runtime/trainer.ts). */
export type Initializer =
  { readonly kind: 'normal'; readonly std: number } | { readonly kind: 'zeros' } | { readonly kind: 'ones' };

export interface Value {
  readonly graph: Graph;
  readonly id: number;
  readonly dtype: DType;
  readonly shape: Shape;
  readonly kind: ValueKind;
  /** Inputs and parameters keep their names; other values are named at emission. */
  readonly name?: string;
}

export interface Node {
  readonly op: OpName;
  readonly inputs: readonly Value[];
  readonly outputs: readonly Value[];
  readonly attrs: Readonly<Record<string, AttrValue>>;
}

export interface ParamInfo {
  readonly value: Value;
  readonly init: Initializer;
  /** AdamW's decoupled weight decay applies to this parameter. */
  readonly decay: boolean;
}

export class ShapeError extends Error {
  override readonly name = 'ShapeError';
}

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) {
    if (typeof d !== 'number') throw new ShapeError(`shape [${shape.join(', ')}] has a symbolic dimension "${d}"`);
    n *= d;
  }
  return n;
}

export function isStatic(shape: Shape): shape is readonly number[] {
  return shape.every((d) => typeof d === 'number');
}

export function bytesPerElement(dtype: DType): number {
  switch (dtype) {
    case 'float64':
    case 'int64':
      return 8;
    case 'float32':
    case 'int32':
      return 4;
    case 'float16':
    case 'bfloat16':
      return 2;
    case 'bool':
      return 1;
  }
}

export function isFloat(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64' || dtype === 'float16' || dtype === 'bfloat16';
}

export class Graph {
  readonly nodes: Node[] = [];
  readonly inputs: Value[] = [];
  readonly params = new Map<string, ParamInfo>();
  readonly constants = new Map<Value, { readonly data: HostArray }>();
  private nextId = 0;
  private readonly scalarCache = new Map<string, Value>();

  /** A fresh value; only graph code calls this. @internal */
  newValue(dtype: DType, shape: Shape, kind: ValueKind, name?: string): Value {
    return { graph: this, id: this.nextId++, dtype, shape: [...shape], kind, ...(name === undefined ? {} : { name }) };
  }

  input(name: string, dtype: DType, shape: Shape): Value {
    this.assertFreeName(name);
    const v = this.newValue(dtype, shape, 'input', name);
    this.inputs.push(v);
    return v;
  }

  param(
    name: string,
    shape: readonly number[],
    init: Initializer,
    options: { dtype?: DType; decay?: boolean } = {},
  ): Value {
    this.assertFreeName(name);
    const v = this.newValue(options.dtype ?? 'float32', shape, 'param', name);
    this.params.set(name, { value: v, init, decay: options.decay ?? shape.length >= 2 });
    return v;
  }

  constant(data: HostArray, shape: readonly number[], dtype: DType): Value {
    if (data.length !== sizeOf(shape))
      throw new ShapeError(`constant has ${data.length} elements for shape [${shape.join(', ')}]`);
    const v = this.newValue(dtype, shape, 'const');
    this.constants.set(v, { data });
    return v;
  }

  /** A rank-0 constant, shared between uses. */
  scalar(x: number, dtype: DType = 'float32'): Value {
    const key = `${dtype}:${Object.is(x, -0) ? '-0' : x}`;
    let v = this.scalarCache.get(key);
    if (!v) {
      v = this.constant(hostArray(dtype, [x]), [], dtype);
      this.scalarCache.set(key, v);
    }
    return v;
  }

  /** Appends a node; inputs must belong to this graph. @internal */
  addNode(
    op: OpName,
    inputs: readonly Value[],
    outputs: readonly { dtype: DType; shape: Shape }[],
    attrs: Record<string, AttrValue> = {},
  ): Value[] {
    for (const i of inputs) if (i.graph !== this) throw new Error(`${op}: an input belongs to another graph`);
    const outs = outputs.map((o) => this.newValue(o.dtype, o.shape, 'node'));
    this.nodes.push({ op, inputs: [...inputs], outputs: outs, attrs });
    return outs;
  }

  private assertFreeName(name: string): void {
    if (this.params.has(name) || this.inputs.some((i) => i.name === name))
      throw new Error(`the graph already has a value named "${name}"`);
  }
}

/** A typed array of `dtype` holding `values`. */
export function hostArray(dtype: DType, values: readonly number[]): HostArray {
  switch (dtype) {
    case 'float32':
      return Float32Array.from(values);
    case 'float64':
      return Float64Array.from(values);
    case 'int32':
      return Int32Array.from(values);
    case 'int64':
      return BigInt64Array.from(values.map((v) => BigInt(v)));
    case 'bool':
      return Uint8Array.from(values.map((v) => (v ? 1 : 0)));
    case 'float16':
    case 'bfloat16':
      throw new Error(`${dtype} constants are written as uint16 bit patterns; use Cast from float32 instead`);
  }
}
