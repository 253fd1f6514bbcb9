/**
 * The operators of the IR, each with its shape inference. Every function appends one node (or a
 * few, for composites such as `causalMask`) to the graph its inputs belong to.
 */
import { Graph, ShapeError, isFloat, type DType, type Dim, type OpName, type Shape, type Value } from './ir';

function fmt(s: Shape): string {
  return `[${s.join(', ')}]`;
}

function same(a: Dim, b: Dim): boolean {
  return a === b;
}

/** NumPy broadcasting of two shapes; symbolic dimensions broadcast only with themselves or 1. */
export function broadcastShapes(a: Shape, b: Shape): Dim[] {
  const rank = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (same(da, db) || db === 1) out.push(da);
    else if (da === 1) out.push(db);
    else throw new ShapeError(`cannot broadcast ${fmt(a)} with ${fmt(b)}`);
  }
  return out;
}

function graphOf(...vs: Value[]): Graph {
  const g = vs[0]!.graph;
  for (const v of vs) if (v.graph !== g) throw new Error('values from different graphs');
  return g;
}

function one(op: OpName, inputs: Value[], dtype: DType, shape: Shape, attrs = {}): Value {
  return graphOf(...inputs).addNode(op, inputs, [{ dtype, shape }], attrs)[0]!;
}

function sameDtype(op: OpName, a: Value, b: Value): void {
  if (a.dtype !== b.dtype) throw new ShapeError(`${op}: dtypes differ (${a.dtype} vs ${b.dtype})`);
}

/** Turns a number into a scalar constant of `like`'s dtype. */
function lift(x: Value | number, like: Value): Value {
  return typeof x === 'number' ? like.graph.scalar(x, like.dtype) : x;
}

function binary(op: OpName, a: Value | number, b: Value | number): Value {
  const av = typeof a === 'number' ? lift(a, b as Value) : a;
  const bv = lift(b, av);
  sameDtype(op, av, bv);
  return one(op, [av, bv], av.dtype, broadcastShapes(av.shape, bv.shape));
}

export const add = (a: Value | number, b: Value | number) => binary('Add', a, b);
export const sub = (a: Value | number, b: Value | number) => binary('Sub', a, b);
export const mul = (a: Value | number, b: Value | number) => binary('Mul', a, b);
export const div = (a: Value | number, b: Value | number) => binary('Div', a, b);
/** Elementwise power; the exponent may be a number (constant) or a tensor. */
export const pow = (a: Value, b: Value | number) => binary('Pow', a, b);
export const max = (a: Value | number, b: Value | number) => binary('Max', a, b);
export const min = (a: Value | number, b: Value | number) => binary('Min', a, b);

function compare(op: OpName, a: Value, b: Value | number): Value {
  const bv = lift(b, a);
  sameDtype(op, a, bv);
  return one(op, [a, bv], 'bool', broadcastShapes(a.shape, bv.shape));
}
export const greater = (a: Value, b: Value | number) => compare('Greater', a, b);
export const less = (a: Value, b: Value | number) => compare('Less', a, b);
export const equal = (a: Value, b: Value | number) => compare('Equal', a, b);

function unary(op: OpName, x: Value, attrs = {}): Value {
  if (!isFloat(x.dtype) && op !== 'Neg' && op !== 'Identity')
    throw new ShapeError(`${op} needs a float tensor, got ${x.dtype}`);
  return one(op, [x], x.dtype, x.shape, attrs);
}
export const sqrt = (x: Value) => unary('Sqrt', x);
export const exp = (x: Value) => unary('Exp', x);
export const log = (x: Value) => unary('Log', x);
export const tanh = (x: Value) => unary('Tanh', x);
export const erf = (x: Value) => unary('Erf', x);
export const neg = (x: Value) => unary('Neg', x);
export const reciprocal = (x: Value) => unary('Reciprocal', x);
export const relu = (x: Value) => unary('Relu', x);
export const identity = (x: Value) => unary('Identity', x);
/** The exact (erf) GELU; emitted as ONNX Gelu from opset 20, as Erf arithmetic before. */
export const gelu = (x: Value) => unary('Gelu', x);

export function where(cond: Value, a: Value | number, b: Value | number): Value {
  const av = typeof a === 'number' ? lift(a, b as Value) : a;
  const bv = lift(b, av);
  if (cond.dtype !== 'bool') throw new ShapeError(`Where: condition must be bool, got ${cond.dtype}`);
  sameDtype('Where', av, bv);
  return one('Where', [cond, av, bv], av.dtype, broadcastShapes(cond.shape, broadcastShapes(av.shape, bv.shape)));
}

export function cast(x: Value, to: DType): Value {
  if (x.dtype === to) return x;
  return one('Cast', [x], to, x.shape, { to });
}

/** Batched matrix product over the last two axes, batch axes broadcast. Both inputs of rank >= 2. */
export function matmul(a: Value, b: Value): Value {
  sameDtype('MatMul', a, b);
  if (a.shape.length < 2 || b.shape.length < 2)
    throw new ShapeError(`MatMul needs rank >= 2, got ${fmt(a.shape)} and ${fmt(b.shape)}`);
  const [n, k1] = a.shape.slice(-2) as [Dim, Dim];
  const [k2, m] = b.shape.slice(-2) as [Dim, Dim];
  if (!same(k1, k2)) throw new ShapeError(`MatMul: inner dimensions differ in ${fmt(a.shape)} @ ${fmt(b.shape)}`);
  const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2));
  return one('MatMul', [a, b], a.dtype, [...batch, n, m]);
}

/** 2-D matrix product with optional transposes (ONNX Gemm without C): op(a) @ op(b). */
export function gemm(a: Value, b: Value, transA = false, transB = false): Value {
  sameDtype('Gemm', a, b);
  if (a.shape.length !== 2 || b.shape.length !== 2)
    throw new ShapeError(`Gemm needs 2-D inputs, got ${fmt(a.shape)} and ${fmt(b.shape)}`);
  const [n, k1] = transA ? [a.shape[1]!, a.shape[0]!] : [a.shape[0]!, a.shape[1]!];
  const [k2, m] = transB ? [b.shape[1]!, b.shape[0]!] : [b.shape[0]!, b.shape[1]!];
  if (!same(k1, k2)) throw new ShapeError(`Gemm: inner dimensions differ (${k1} vs ${k2})`);
  return one('Gemm', [a, b], a.dtype, [n, m], { transA: { int: transA ? 1 : 0 }, transB: { int: transB ? 1 : 0 } });
}

function normAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new ShapeError(`axis ${axis} out of range for rank ${rank}`);
  return a;
}

export function softmax(x: Value, axis = -1): Value {
  return unary('Softmax', x, { axis: { int: normAxis(axis, x.shape.length) } });
}

/**
 * LayerNormalization over the last axis with scale and bias. The node also outputs the mean and
 * inverse standard deviation, which the backward pass reuses.
 */
export function layerNorm(x: Value, scale: Value, bias: Value, epsilon = 1e-5): Value {
  const d = x.shape.at(-1)!;
  if (scale.shape.length !== 1 || !same(scale.shape[0]!, d) || bias.shape.length !== 1 || !same(bias.shape[0]!, d)) {
    throw new ShapeError(`LayerNormalization: scale ${fmt(scale.shape)} and bias ${fmt(bias.shape)} must be [${d}]`);
  }
  const stats = [...x.shape.slice(0, -1), 1];
  const statType: DType = x.dtype === 'float16' || x.dtype === 'bfloat16' ? 'float32' : x.dtype;
  return graphOf(x, scale, bias).addNode(
    'LayerNormalization',
    [x, scale, bias],
    [
      { dtype: x.dtype, shape: x.shape },
      { dtype: statType, shape: stats },
      { dtype: statType, shape: stats },
    ],
    { axis: { int: -1 }, epsilon, stash_type: { int: statType === 'float64' ? 11 : 1 } },
  )[0]!;
}

function reduced(x: Value, axes: readonly number[], keepdims: boolean): { axes: number[]; shape: Dim[] } {
  const norm = [...new Set(axes.map((a) => normAxis(a, x.shape.length)))].sort((p, q) => p - q);
  const shape: Dim[] = [];
  x.shape.forEach((d, i) => {
    if (!norm.includes(i)) shape.push(d);
    else if (keepdims) shape.push(1);
  });
  return { axes: norm, shape };
}

function reduce(op: OpName, x: Value, axes: readonly number[], keepdims: boolean): Value {
  const r = reduced(x, axes, keepdims);
  return one(op, [x], x.dtype, r.shape, { axes: { ints: r.axes }, keepdims: { int: keepdims ? 1 : 0 } });
}
export const reduceSum = (x: Value, axes: readonly number[], keepdims = false) =>
  reduce('ReduceSum', x, axes, keepdims);
export const reduceMean = (x: Value, axes: readonly number[], keepdims = false) =>
  reduce('ReduceMean', x, axes, keepdims);
export const reduceMax = (x: Value, axes: readonly number[], keepdims = false) =>
  reduce('ReduceMax', x, axes, keepdims);
export const reduceLogSumExp = (x: Value, axes: readonly number[], keepdims = false) =>
  reduce('ReduceLogSumExp', x, axes, keepdims);
/** Sum over every axis, to a scalar. */
export const sumAll = (x: Value) =>
  reduceSum(
    x,
    x.shape.map((_, i) => i),
  );

export function transpose(x: Value, perm: readonly number[]): Value {
  if (perm.length !== x.shape.length || [...perm].sort().some((p, i) => p !== i)) {
    throw new ShapeError(`Transpose: perm [${perm.join(', ')}] does not fit rank ${x.shape.length}`);
  }
  return one(
    'Transpose',
    [x],
    x.dtype,
    perm.map((p) => x.shape[p]!),
    { perm: { ints: perm } },
  );
}

/** Swaps the last two axes. */
export function transposeLast2(x: Value): Value {
  const r = x.shape.length;
  const perm = x.shape.map((_, i) => i);
  perm[r - 2] = r - 1;
  perm[r - 1] = r - 2;
  return transpose(x, perm);
}

/**
 * Reshape to `shape`. One dimension may be symbolic: it must be the same symbol as in the input
 * and is emitted as -1 (so an inference graph keeps a free batch size).
 */
export function reshape(x: Value, shape: Shape): Value {
  const known = (s: Shape) => s.reduce<number>((n, d) => (typeof d === 'number' ? n * d : n), 1);
  const symIn = x.shape.filter((d) => typeof d !== 'number');
  const symOut = shape.filter((d) => typeof d !== 'number');
  if (
    symOut.length > 1 ||
    symIn.length !== symOut.length ||
    symIn.some((d, i) => d !== symOut[i]) ||
    known(x.shape) !== known(shape)
  ) {
    throw new ShapeError(`Reshape: cannot reshape ${fmt(x.shape)} to ${fmt(shape)}`);
  }
  return one('Reshape', [x], x.dtype, shape);
}

export function expand(x: Value, shape: readonly number[]): Value {
  const out = broadcastShapes(x.shape, shape);
  if (out.length !== shape.length || out.some((d, i) => d !== shape[i]))
    throw new ShapeError(`Expand: ${fmt(x.shape)} does not expand to ${fmt(shape)}`);
  return one('Expand', [x], x.dtype, shape);
}

export function concat(xs: readonly Value[], axis: number): Value {
  if (xs.length === 0) throw new ShapeError('Concat of nothing');
  const first = xs[0]!;
  const ax = normAxis(axis, first.shape.length);
  let total = 0;
  for (const x of xs) {
    sameDtype('Concat', first, x);
    if (x.shape.length !== first.shape.length || x.shape.some((d, i) => i !== ax && !same(d, first.shape[i]!))) {
      throw new ShapeError(`Concat: ${fmt(x.shape)} does not match ${fmt(first.shape)} off axis ${ax}`);
    }
    const d = x.shape[ax];
    if (typeof d !== 'number') throw new ShapeError('Concat along a symbolic axis');
    total += d;
  }
  const shape = [...first.shape];
  shape[ax] = total;
  return one('Concat', [...xs], first.dtype, shape, { axis: { int: ax } });
}

/** x cut along `axis` into consecutive parts of the given sizes (one node, however many parts). */
export function split(x: Value, axis: number, sizes: readonly number[]): Value[] {
  const ax = normAxis(axis, x.shape.length);
  const d = x.shape[ax];
  if (typeof d !== 'number') throw new ShapeError('Split along a symbolic axis');
  if (sizes.length === 0 || sizes.some((s) => !Number.isInteger(s) || s < 1))
    throw new ShapeError(`Split: sizes must be positive integers, got [${sizes.join(', ')}]`);
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total !== d) throw new ShapeError(`Split: sizes add up to ${total}, the axis is ${d} long`);
  const outs = sizes.map((s) => ({ dtype: x.dtype, shape: x.shape.map((dim, i) => (i === ax ? s : dim)) }));
  return graphOf(x).addNode('Split', [x], outs, { axis: { int: ax }, sizes: { ints: [...sizes] } });
}

/** x[..., start:end, ...] along one axis (step 1); negative indices count from the end. */
export function slice(x: Value, axis: number, start: number, end: number): Value {
  const ax = normAxis(axis, x.shape.length);
  const d = x.shape[ax];
  if (typeof d !== 'number') throw new ShapeError('Slice along a symbolic axis');
  const s = start < 0 ? start + d : start;
  const e = Math.min(end < 0 ? end + d : end, d);
  if (s < 0 || e <= s) throw new ShapeError(`Slice: [${start}, ${end}) is empty or out of range for size ${d}`);
  const shape = [...x.shape];
  shape[ax] = e - s;
  return one('Slice', [x], x.dtype, shape, { axis: { int: ax }, start: { int: s }, end: { int: e } });
}

/** Rows of `data` (along `axis`) picked by int32 `indices`; the result has shape indices ++ rest. */
export function gather(data: Value, indices: Value, axis = 0): Value {
  if (indices.dtype !== 'int32') throw new ShapeError(`Gather: indices must be int32, got ${indices.dtype}`);
  const ax = normAxis(axis, data.shape.length);
  const shape = [...data.shape.slice(0, ax), ...indices.shape, ...data.shape.slice(ax + 1)];
  return one('Gather', [data, indices], data.dtype, shape, { axis: { int: ax } });
}

/**
 * Causal masking of attention scores [..., S, S]: position i may attend to j <= i only.
 * Adds a constant with -1e9 above the diagonal (so softmax gives those entries exactly 0).
 */
export function causalMask(scores: Value): Value {
  const [s1, s2] = scores.shape.slice(-2);
  if (typeof s1 !== 'number' || s1 !== s2)
    throw new ShapeError(`causalMask needs square static [..., S, S] scores, got ${fmt(scores.shape)}`);
  const data = new Float64Array(s1 * s1);
  for (let i = 0; i < s1; i++) for (let j = i + 1; j < s1; j++) data[i * s1 + j] = -1e9;
  const mask = scores.graph.constant(
    scores.dtype === 'float64' ? data : Float32Array.from(data),
    [s1, s1],
    scores.dtype,
  );
  return add(scores, mask);
}
