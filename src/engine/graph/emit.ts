/**
 * ONNX emission of an IR graph: names every value, turns IR attributes that ONNX takes as
 * inputs (Slice bounds, Reshape/Expand shapes, reduction axes from opset 18) into int64
 * initializers, and lowers Gelu to Erf arithmetic below opset 20. An IR graph is emitted as a
 * model of its own (emitOnnx) or as the body of an ONNX `Loop` (emitLoop).
 */
import {
  encodeModel,
  OnnxDataType,
  type AttributeValue,
  type GraphSpec,
  type InitializerSpec,
  type NodeSpec,
  type ValueInfo,
} from '../onnx/proto';
import { APP_VERSION } from '../app-meta';
import type { DType, Graph, HostArray, Node, OpName, Value } from './ir';

export const MIN_OPSET = 17;
export const MAX_OPSET = 21;
export const DEFAULT_OPSET = 20;

export interface EmitOptions {
  readonly name: string;
  /** Graph outputs, by name. */
  readonly outputs: Readonly<Record<string, Value>>;
  readonly opset?: number;
  /**
   * 'inputs': every parameter is a graph input (train steps, where the runtime owns the weights);
   * 'initializers': parameters are stored in the model with these values (standalone inference).
   */
  readonly params?:
    { readonly as: 'inputs' } | { readonly as: 'initializers'; readonly values: ReadonlyMap<string, HostArray> };
  readonly metadata?: Readonly<Record<string, string>>;
}

export interface EmittedModel {
  readonly bytes: Uint8Array;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Number of ONNX nodes, for diagnostics. */
  readonly nodeCount: number;
}

function bytesOf(a: HostArray): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

function onnxDtype(d: DType): keyof typeof OnnxDataType {
  return d;
}

export function emitOnnx(graph: Graph, options: EmitOptions): EmittedModel {
  const opset = options.opset ?? DEFAULT_OPSET;
  const g = emitGraph(graph, options);
  const bytes = encodeModel({
    graphName: options.name,
    opset,
    inputs: g.inputs,
    outputs: g.outputs,
    nodes: g.nodes,
    initializers: g.initializers ?? [],
    producerVersion: APP_VERSION,
    ...(options.metadata ? { metadata: options.metadata } : {}),
  });
  return {
    bytes,
    inputNames: g.inputs.map((i) => i.name),
    outputNames: g.outputs.map((o) => o.name),
    nodeCount: g.nodes.length,
  };
}

/** An IR graph as an ONNX graph description (for a model, or as the body of a Loop). */
function emitGraph(graph: Graph, options: EmitOptions): GraphSpec {
  const opset = options.opset ?? DEFAULT_OPSET;
  if (opset < MIN_OPSET || opset > MAX_OPSET)
    throw new Error(`opset ${opset} is outside the supported ${MIN_OPSET}..${MAX_OPSET}`);
  const paramMode = options.params ?? { as: 'inputs' as const };

  const names = new Map<Value, string>();
  const nameOf = (v: Value): string => {
    let n = names.get(v);
    if (!n) {
      n = v.name ?? `t${v.id}`;
      names.set(v, n);
    }
    return n;
  };
  const info = (v: Value, name = nameOf(v)): ValueInfo => ({
    name,
    dtype: onnxDtype(v.dtype),
    shape: v.shape.map((d) => (typeof d === 'number' ? d : d)),
  });

  const initializers: InitializerSpec[] = [];
  const nodes: NodeSpec[] = [];
  let auxId = 0;
  const int64Const = (values: readonly number[]): string => {
    const name = `c_i64_${auxId++}`;
    initializers.push({
      name,
      dtype: 'int64',
      dims: [values.length],
      bytes: bytesOf(BigInt64Array.from(values.map(BigInt))),
    });
    return name;
  };
  const f32Like = (like: Value, x: number): string => {
    const name = `c_s_${auxId++}`;
    const arr = like.dtype === 'float64' ? Float64Array.of(x) : Float32Array.of(x);
    initializers.push({ name, dtype: like.dtype === 'float64' ? 'float64' : 'float32', dims: [], bytes: bytesOf(arr) });
    return name;
  };

  // Values computed by a node take their output name directly; no copy is needed for them.
  const produced = new Set(graph.nodes.flatMap((n) => n.outputs));
  const direct = new Set<string>();
  for (const [name, v] of Object.entries(options.outputs)) {
    if (produced.has(v) && !names.has(v)) {
      names.set(v, name);
      direct.add(name);
    }
  }

  for (const [v, c] of graph.constants) {
    initializers.push({
      name: nameOf(v),
      dtype: onnxDtype(v.dtype),
      dims: v.shape as number[],
      bytes: bytesOf(c.data),
    });
  }

  const graphInputs: ValueInfo[] = graph.inputs.map((v) => info(v));
  for (const [name, p] of graph.params) {
    if (paramMode.as === 'inputs') {
      graphInputs.push(info(p.value));
    } else {
      const data = paramMode.values.get(name);
      if (!data) throw new Error(`no value for parameter "${name}"`);
      initializers.push({
        name,
        dtype: onnxDtype(p.value.dtype),
        dims: p.value.shape as number[],
        bytes: bytesOf(data),
      });
    }
  }

  const attr = (n: Node, k: string) => n.attrs[k] as AttributeValue;
  const intAttr = (n: Node, k: string) => (n.attrs[k] as { int: number }).int;
  const intsAttr = (n: Node, k: string) => (n.attrs[k] as { ints: readonly number[] }).ints;

  for (const n of graph.nodes) {
    const ins = n.inputs.map(nameOf);
    const outs = n.outputs.map((o) => nameOf(o));
    const push = (op: OpName, inputs: string[], attributes: Record<string, AttributeValue> = {}, outputs = outs) =>
      nodes.push({ op, inputs, outputs, attributes });
    switch (n.op) {
      case 'Split':
        // Opset 13 on: the sizes are an input.
        push('Split', [ins[0]!, int64Const(intsAttr(n, 'sizes'))], { axis: { int: intAttr(n, 'axis') } });
        break;
      case 'Slice':
        push('Slice', [
          ins[0]!,
          int64Const([intAttr(n, 'start')]),
          int64Const([intAttr(n, 'end')]),
          int64Const([intAttr(n, 'axis')]),
        ]);
        break;
      case 'Reshape':
        push('Reshape', [ins[0]!, int64Const(n.outputs[0]!.shape.map((d) => (typeof d === 'number' ? d : -1)))]);
        break;
      case 'Expand':
        push('Expand', [ins[0]!, int64Const(n.outputs[0]!.shape as number[])]);
        break;
      case 'Cast':
        push('Cast', ins, { to: { int: OnnxDataType[attr(n, 'to') as DType] } });
        break;
      case 'ReduceSum':
      case 'ReduceMean':
      case 'ReduceMax':
      case 'ReduceLogSumExp': {
        const axesAsInput = n.op === 'ReduceSum' || opset >= 18;
        const keepdims = { int: intAttr(n, 'keepdims') };
        if (axesAsInput) push(n.op, [ins[0]!, int64Const(intsAttr(n, 'axes'))], { keepdims });
        else push(n.op, ins, { keepdims, axes: { ints: intsAttr(n, 'axes') } });
        break;
      }
      case 'Gelu':
        if (opset >= 20) {
          push('Gelu', ins);
        } else {
          const x = n.inputs[0]!;
          const t = (s: string) => `${outs[0]}_${s}`;
          push('Mul', [ins[0]!, f32Like(x, Math.SQRT1_2)], {}, [t('s')]);
          push('Erf', [t('s')], {}, [t('e')]);
          push('Add', [t('e'), f32Like(x, 1)], {}, [t('p')]);
          push('Mul', [ins[0]!, t('p')], {}, [t('xp')]);
          push('Mul', [t('xp'), f32Like(x, 0.5)]);
        }
        break;
      case 'LayerNormalization':
        push('LayerNormalization', ins, n.attrs as Record<string, AttributeValue>);
        break;
      default:
        push(n.op, ins, n.attrs as Record<string, AttributeValue>);
    }
  }

  const graphOutputs: ValueInfo[] = [];
  for (const [name, v] of Object.entries(options.outputs)) {
    if (direct.has(name)) {
      graphOutputs.push(info(v, name));
    } else {
      // Inputs, constants and values already named otherwise reach the output through an Identity.
      nodes.push({ op: 'Identity', inputs: [nameOf(v)], outputs: [name] });
      graphOutputs.push(info(v, name));
    }
  }

  return { name: options.name, inputs: graphInputs, outputs: graphOutputs, nodes, initializers };
}

export interface LoopOptions {
  /** The model's graph name. */
  readonly name: string;
  /** The body's graph name. */
  readonly bodyName: string;
  /** The body's outputs, by name: the next values of the carried values, and the scan outputs. */
  readonly outputs: Readonly<Record<string, Value>>;
  readonly opset?: number;
  /** Prefixed to every value name in the body but those of `shared` (names unique across the two scopes). */
  readonly prefix: string;
  /** Body inputs that are model inputs the body reads from the enclosing graph. */
  readonly shared: readonly string[];
  /** Body inputs that take one row per iteration: the model takes them [maxTrips, …] and the body gathers row `iter`. */
  readonly perIteration: readonly string[];
  readonly maxTrips: number;
  /** The model input (int64 scalar) giving the iterations to run, 1 to maxTrips; the scan outputs' first dimension. */
  readonly trips: string;
  /** The loop-carried values: a body input, and the body output that is its next value (the model's output after the last iteration). */
  readonly carried: readonly (readonly [input: string, output: string])[];
  /** Body outputs that come out of the model stacked, one row per iteration. */
  readonly scans: readonly string[];
}

/**
 * A model of one ONNX `Loop` whose body is an IR graph. Model inputs: `shared`, `perIteration`,
 * `trips`, then the carried inputs; outputs: the carried values after the last iteration, then
 * the scan outputs.
 */
export function emitLoop(graph: Graph, options: LoopOptions): EmittedModel {
  const one = emitGraph(graph, {
    name: options.bodyName,
    outputs: options.outputs,
    ...(options.opset ? { opset: options.opset } : {}),
  });
  const find = (infos: readonly ValueInfo[], name: string): ValueInfo => {
    const v = infos.find((i) => i.name === name);
    if (!v) throw new Error(`the loop body has no value "${name}"`);
    return v;
  };
  const input = (name: string) => find(one.inputs, name);
  const output = (name: string) => find(one.outputs, name);
  const local = (n: string) => `${options.prefix}${n}`;
  const shared = new Set(options.shared);
  const rename = (n: string) => (shared.has(n) ? n : local(n));
  const carriedIn = options.carried.map(([i]) => i);
  const carriedOut = options.carried.map(([, o]) => o);
  const [iter, cond, condOut] = [local('iter'), local('cond'), local('cond_out')];
  const body: GraphSpec = {
    name: options.bodyName,
    inputs: [
      { name: iter, dtype: 'int64', shape: [] },
      { name: cond, dtype: 'bool', shape: [] },
      ...carriedIn.map((n) => ({ ...input(n), name: rename(n) })),
    ],
    outputs: [
      { name: condOut, dtype: 'bool', shape: [] },
      ...[...carriedOut, ...options.scans].map((n) => ({ ...output(n), name: rename(n) })),
    ],
    nodes: [
      { op: 'Identity', inputs: [cond], outputs: [condOut] },
      ...options.perIteration.map((n) => ({
        op: 'Gather',
        inputs: [n, iter],
        outputs: [rename(n)],
        attributes: { axis: { int: 0 } },
      })),
      ...one.nodes.map((n, i) => ({
        ...n,
        name: local(`${n.op}_${i}`),
        inputs: n.inputs.map(rename),
        outputs: n.outputs.map(rename),
      })),
    ],
    initializers: (one.initializers ?? []).map((t) => ({ ...t, name: rename(t.name) })),
  };
  const inputs: ValueInfo[] = [
    ...options.shared.map(input),
    ...options.perIteration.map((n) => {
      const v = input(n);
      return { ...v, shape: [options.maxTrips, ...v.shape] };
    }),
    { name: options.trips, dtype: 'int64', shape: [] },
    ...carriedIn.map(input),
  ];
  const outputs: ValueInfo[] = [
    ...carriedOut.map(output),
    ...options.scans.map((n) => {
      const v = output(n);
      return { ...v, shape: [options.trips, ...v.shape] };
    }),
  ];
  const bytes = encodeModel({
    graphName: options.name,
    opset: options.opset ?? DEFAULT_OPSET,
    inputs,
    outputs,
    nodes: [
      {
        op: 'Loop',
        inputs: [options.trips, 'cond', ...carriedIn],
        outputs: [...carriedOut, ...options.scans],
        attributes: { body: { graph: body } },
      },
    ],
    initializers: [{ name: 'cond', dtype: 'bool', dims: [], bytes: Uint8Array.of(1) }],
    producerVersion: APP_VERSION,
  });
  return {
    bytes,
    inputNames: inputs.map((i) => i.name),
    outputNames: outputs.map((o) => o.name),
    nodeCount: body.nodes.length + 2,
  };
}
