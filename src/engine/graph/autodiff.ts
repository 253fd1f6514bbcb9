/**
 * Reverse-mode automatic differentiation over the IR: one vector-Jacobian rule per operator,
 * each building its gradient out of ordinary IR operators in the same graph. Broadcasting is
 * undone by summing the gradient over the broadcast axes.
 *
 * Gradient graphs need static shapes (a training step has a fixed batch size).
 */
import { OP_NAMES, ShapeError, isFloat, isStatic, sizeOf, type Node, type OpName, type Shape, type Value } from './ir';
import * as op from './ops';

/**
 * Operators without a gradient rule: the comparisons. Their outputs are bool, and the rules of
 * Where and Cast send no gradient to a bool input, so no gradient ever reaches them.
 */
export const NON_DIFFERENTIABLE_OPS = ['Greater', 'Less', 'Equal'] as const satisfies readonly OpName[];

/** The operators that have a gradient rule: every other one. */
export type DiffOp = Exclude<OpName, (typeof NON_DIFFERENTIABLE_OPS)[number]>;

/**
 * The gradients of a node's inputs (undefined where an input gets none) from those of its
 * outputs: `gy` is the first output's, `more` the others' (undefined where nothing seeded
 * depends on one). LayerNormalization and Split have more than one output.
 */
type Rule = (node: Node, gy: Value, more: readonly (Value | undefined)[]) => (Value | undefined)[];

function staticShape(v: Value): number[] {
  if (!isStatic(v.shape)) throw new ShapeError(`gradients need static shapes; [${v.shape.join(', ')}] has a symbol`);
  return [...v.shape];
}

/** Sums `g` down to `shape` (the inverse of broadcasting). */
export function unbroadcast(g: Value, shape: Shape): Value {
  const target = [...shape];
  const lead = g.shape.length - target.length;
  const axes: number[] = [];
  g.shape.forEach((d, i) => {
    if (i < lead) axes.push(i);
    else if (target[i - lead] === 1 && d !== 1) axes.push(i);
  });
  if (axes.length === 0) return g;
  const summed = op.reduceSum(g, axes, true);
  return lead > 0 ? op.reshape(summed, target) : summed;
}

/** A zero tensor of `shape` (a broadcast scalar, no stored data). */
function zeros(like: Value, shape: readonly number[]): Value {
  return op.expand(like.graph.scalar(0, like.dtype), shape);
}

function input(node: Node, i: number): Value {
  return node.inputs[i]!;
}
function out(node: Node): Value {
  return node.outputs[0]!;
}
function attrInt(node: Node, name: string): number {
  const a = node.attrs[name] as { int: number };
  return a.int;
}
function attrInts(node: Node, name: string): number[] {
  return [...(node.attrs[name] as { ints: readonly number[] }).ints];
}

/** Broadcasts a reduced gradient back over the reduced axes of `x`. */
function expandReduced(node: Node, gy: Value): Value {
  const x = input(node, 0);
  const axes = attrInts(node, 'axes');
  const keep = attrInt(node, 'keepdims') === 1;
  const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const g = keep ? gy : op.reshape(gy, kept);
  return op.expand(g, staticShape(x));
}

function reducedKeep(node: Node, v: Value): Value {
  const x = input(node, 0);
  const axes = attrInts(node, 'axes');
  if (attrInt(node, 'keepdims') === 1) return v;
  return op.reshape(
    v,
    x.shape.map((d, i) => (axes.includes(i) ? 1 : d)),
  );
}

function matmulGrads(node: Node, gy: Value): Value[] {
  const a = input(node, 0);
  const b = input(node, 1);
  // The common case of a linear layer, [..., n, k] @ [k, m]: flatten the batch into one Gemm.
  if (b.shape.length === 2 && a.shape.length > 2) {
    const [k, m] = staticShape(b) as [number, number];
    const rows = sizeOf(staticShape(a)) / k;
    const a2 = op.reshape(a, [rows, k]);
    const g2 = op.reshape(gy, [rows, m]);
    const ga = op.reshape(op.gemm(g2, b, false, true), a.shape);
    const gb = op.gemm(a2, g2, true, false);
    return [ga, gb];
  }
  const ga = unbroadcast(op.matmul(gy, op.transposeLast2(b)), a.shape);
  const gb = unbroadcast(op.matmul(op.transposeLast2(a), gy), b.shape);
  return [ga, gb];
}

const INV_SQRT2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

const rules: Record<DiffOp, Rule> = {
  Identity: (_n, gy) => [gy],
  Add: (n, gy) => [unbroadcast(gy, input(n, 0).shape), unbroadcast(gy, input(n, 1).shape)],
  Sub: (n, gy) => [unbroadcast(gy, input(n, 0).shape), unbroadcast(op.neg(gy), input(n, 1).shape)],
  Mul: (n, gy) => [
    unbroadcast(op.mul(gy, input(n, 1)), input(n, 0).shape),
    unbroadcast(op.mul(gy, input(n, 0)), input(n, 1).shape),
  ],
  Div: (n, gy) => {
    const [a, b] = [input(n, 0), input(n, 1)];
    const ga = op.div(gy, b);
    // d(a/b)/db = -a/b² = -(a/b)/b
    const gb = op.neg(op.div(op.mul(gy, out(n)), b));
    return [unbroadcast(ga, a.shape), unbroadcast(gb, b.shape)];
  },
  Pow: (n, gy) => {
    const [x, p] = [input(n, 0), input(n, 1)];
    const gx = op.mul(gy, op.mul(p, op.pow(x, op.sub(p, 1))));
    // d(x^p)/dp = x^p ln x, only when the exponent is a computed tensor.
    const gp = p.kind === 'const' ? undefined : unbroadcast(op.mul(gy, op.mul(out(n), op.log(x))), p.shape);
    return [unbroadcast(gx, x.shape), gp];
  },
  Sqrt: (n, gy) => [op.div(gy, op.mul(out(n), 2))],
  Exp: (n, gy) => [op.mul(gy, out(n))],
  Log: (n, gy) => [op.div(gy, input(n, 0))],
  Tanh: (n, gy) => [op.mul(gy, op.sub(1, op.mul(out(n), out(n))))],
  Erf: (n, gy) => {
    const x = input(n, 0);
    return [op.mul(gy, op.mul(op.exp(op.neg(op.mul(x, x))), 2 / Math.sqrt(Math.PI)))];
  },
  Neg: (_n, gy) => [op.neg(gy)],
  Reciprocal: (n, gy) => [op.neg(op.mul(gy, op.mul(out(n), out(n))))],
  Relu: (n, gy) => [op.where(op.greater(input(n, 0), 0), gy, 0)],
  Gelu: (n, gy) => {
    const x = input(n, 0);
    const cdf = op.mul(op.add(op.erf(op.mul(x, INV_SQRT2)), 1), 0.5);
    const pdf = op.mul(op.exp(op.mul(op.mul(x, x), -0.5)), INV_SQRT_2PI);
    return [op.mul(gy, op.add(cdf, op.mul(x, pdf)))];
  },
  Max: (n, gy) => {
    const [a, b] = [input(n, 0), input(n, 1)];
    const pickA = op.greater(a, b);
    return [unbroadcast(op.where(pickA, gy, 0), a.shape), unbroadcast(op.where(pickA, 0, gy), b.shape)];
  },
  Min: (n, gy) => {
    const [a, b] = [input(n, 0), input(n, 1)];
    const pickA = op.less(a, b);
    return [unbroadcast(op.where(pickA, gy, 0), a.shape), unbroadcast(op.where(pickA, 0, gy), b.shape)];
  },
  Where: (n, gy) => {
    const [c, a, b] = [input(n, 0), input(n, 1), input(n, 2)];
    return [undefined, unbroadcast(op.where(c, gy, 0), a.shape), unbroadcast(op.where(c, 0, gy), b.shape)];
  },
  Cast: (n, gy) => [isFloat(input(n, 0).dtype) ? op.cast(gy, input(n, 0).dtype) : undefined],
  MatMul: matmulGrads,
  Gemm: (n, gy) => {
    const [a, b] = [input(n, 0), input(n, 1)];
    const ta = attrInt(n, 'transA') === 1;
    const tb = attrInt(n, 'transB') === 1;
    // Y = op(A) op(B): dop(A) = dY op(B)^T, dop(B) = op(A)^T dY, then undo the transposes.
    const ga = ta ? op.gemm(b, gy, tb, true) : op.gemm(gy, b, false, !tb);
    const gb = tb ? op.gemm(gy, a, true, ta) : op.gemm(a, gy, !ta, false);
    return [ga, gb];
  },
  Softmax: (n, gy) => {
    const y = out(n);
    const axis = attrInt(n, 'axis');
    const dot = op.reduceSum(op.mul(gy, y), [axis], true);
    return [op.mul(y, op.sub(gy, dot))];
  },
  LayerNormalization: (n, gy, [gMean, gInvStd]) => {
    const [x, scale] = [input(n, 0), input(n, 1)];
    const [, mean, invStd] = n.outputs as [Value, Value, Value];
    const xhat = op.mul(op.sub(x, mean), invStd);
    const dxhat = op.mul(gy, scale);
    const m1 = op.reduceMean(dxhat, [-1], true);
    const m2 = op.reduceMean(op.mul(dxhat, xhat), [-1], true);
    let gx = op.mul(invStd, op.sub(op.sub(dxhat, m1), op.mul(xhat, m2)));
    // The statistics, where something uses them: mean = Σx / D, and invStd = (var + ε)^-½ with
    // d var / dx = 2 (x - mean) / D, so d invStd / dx = -invStd² · x̂ / D.
    const width = () => staticShape(x).at(-1)!;
    if (gMean) gx = op.add(gx, op.div(gMean, width()));
    if (gInvStd) gx = op.sub(gx, op.div(op.mul(op.mul(gInvStd, op.mul(invStd, invStd)), xhat), width()));
    const rows = x.shape.map((_, i) => i).slice(0, -1);
    const gscale = op.reduceSum(op.mul(gy, xhat), rows);
    const gbias = op.reduceSum(gy, rows);
    return [gx, gscale, gbias];
  },
  ReduceSum: (n, gy) => [expandReduced(n, gy)],
  ReduceMean: (n, gy) => {
    const x = staticShape(input(n, 0));
    const count = attrInts(n, 'axes').reduce((c, a) => c * x[a]!, 1);
    return [op.div(expandReduced(n, gy), count)];
  },
  ReduceMax: (n, gy) => {
    const x = input(n, 0);
    const hit = op.cast(op.equal(x, reducedKeep(n, out(n))), x.dtype);
    // Ties share the gradient equally.
    const ties = op.reduceSum(hit, attrInts(n, 'axes'), true);
    return [op.mul(expandReduced(n, gy), op.div(hit, ties))];
  },
  ReduceLogSumExp: (n, gy) => {
    const x = input(n, 0);
    return [op.mul(expandReduced(n, gy), op.exp(op.sub(x, reducedKeep(n, out(n)))))];
  },
  Transpose: (n, gy) => {
    const perm = attrInts(n, 'perm');
    const inverse = perm.map((_, i) => perm.indexOf(i));
    return [op.transpose(gy, inverse)];
  },
  Reshape: (n, gy) => [op.reshape(gy, input(n, 0).shape)],
  Expand: (n, gy) => [unbroadcast(gy, input(n, 0).shape)],
  Concat: (n, gy) => {
    const axis = attrInt(n, 'axis');
    let start = 0;
    return n.inputs.map((x) => {
      const d = x.shape[axis] as number;
      const g = op.slice(gy, axis, start, start + d);
      start += d;
      return g;
    });
  },
  // The parts' gradients side by side again (zeros for a part nothing depends on).
  Split: (n, gy, more) => {
    const axis = attrInt(n, 'axis');
    const parts = n.outputs.map((o, i) => (i === 0 ? gy : (more[i - 1] ?? zeros(o, staticShape(o)))));
    return [op.concat(parts, axis)];
  },
  Slice: (n, gy) => {
    const x = input(n, 0);
    const axis = attrInt(n, 'axis');
    const [s, e] = [attrInt(n, 'start'), attrInt(n, 'end')];
    const full = staticShape(x);
    const parts: Value[] = [];
    const padShape = (len: number) => full.map((d, i) => (i === axis ? len : d));
    if (s > 0) parts.push(zeros(gy, padShape(s)));
    parts.push(gy);
    if (e < full[axis]!) parts.push(zeros(gy, padShape(full[axis]! - e)));
    return [parts.length === 1 ? gy : op.concat(parts, axis)];
  },
  Gather: (n, gy) => {
    const [data, idx] = [input(n, 0), input(n, 1)];
    if (attrInt(n, 'axis') !== 0) throw new ShapeError('the gradient of Gather is implemented for axis 0');
    const rows = staticShape(data);
    const k = sizeOf(staticShape(idx));
    const flatIdx = op.reshape(idx, [k]);
    const rest = rows.slice(1);
    const g2 = op.reshape(gy, [k, ...rest]);
    // One-hot [rows0, k] @ g2 [k, rest]: scatter-add written as a matrix product, all on the GPU.
    const iota = data.graph.constant(
      Int32Array.from({ length: rows[0]! }, (_, i) => i),
      [rows[0]!, 1],
      'int32',
    );
    const onehot = op.cast(op.equal(iota, op.reshape(flatIdx, [1, k])), data.dtype);
    const flatRest = rest.reduce((a, b) => a * b, 1);
    const gd = op.gemm(onehot, op.reshape(g2, [k, flatRest]));
    return [op.reshape(gd, rows), undefined];
  },
};

/** The operators that have a gradient rule, in the order of OP_NAMES. */
export const DIFFERENTIABLE_OPS: readonly OpName[] = OP_NAMES.filter((o) => Object.hasOwn(rules, o));

/** A value to differentiate and the gradient it starts with: the loss and 1, or an output and an upstream gradient. */
export interface Seed {
  readonly value: Value;
  readonly grad: Value;
}

/**
 * Gradients of the scalar `loss` with respect to each of `wrt`, as new values in the same graph.
 * A value that does not influence the loss gets a zero gradient.
 */
export function gradients(loss: Value, wrt: readonly Value[]): Map<Value, Value> {
  if (loss.shape.length !== 0) throw new ShapeError(`the loss must be a scalar, got [${loss.shape.join(', ')}]`);
  return vjp([{ value: loss, grad: loss.graph.scalar(1, loss.dtype) }], wrt);
}

/**
 * Vector-Jacobian products: the gradients of Σ sum(seed.grad · seed.value) over the seeds with
 * respect to each of `wrt`. Any value may be seeded, a node's second or third output as well as
 * its first; a value seeded twice gets the sum. Seed gradients are taken as constants.
 */
export function vjp(seeds: readonly Seed[], wrt: readonly Value[]): Map<Value, Value> {
  if (seeds.length === 0) throw new Error('vjp needs at least one seed');
  const g = seeds[0]!.value.graph;
  for (const { value, grad } of seeds) {
    if (value.graph !== g || grad.graph !== g) throw new Error('vjp: seeds from different graphs');
    if (
      grad.dtype !== value.dtype ||
      grad.shape.length !== value.shape.length ||
      grad.shape.some((d, i) => d !== value.shape[i])
    ) {
      throw new ShapeError(
        `vjp: a seed gradient ${grad.dtype} [${grad.shape.join(', ')}] does not match its value ${value.dtype} [${value.shape.join(', ')}]`,
      );
    }
  }
  const nodes = [...g.nodes];

  // Values that depend on some `wrt` (forward) and that the seeds depend on (backward).
  const dependsOnWrt = new Set<Value>(wrt);
  for (const nd of nodes)
    if (nd.inputs.some((i) => dependsOnWrt.has(i))) for (const o of nd.outputs) dependsOnWrt.add(o);

  const grads = new Map<Value, Value>();
  const accumulate = (v: Value, d: Value) => {
    const prev = grads.get(v);
    grads.set(v, prev ? op.add(prev, d) : d);
  };
  for (const s of seeds) accumulate(s.value, s.grad);

  for (let i = nodes.length - 1; i >= 0; i--) {
    const nd = nodes[i]!;
    const [gy, ...more] = nd.outputs.map((o) => grads.get(o));
    if ((!gy && !more.some(Boolean)) || !nd.inputs.some((x) => dependsOnWrt.has(x))) continue;
    const rule = (rules as Partial<Record<OpName, Rule>>)[nd.op];
    if (!rule) throw new Error(`no gradient rule for ${nd.op}`);
    // Only a later output has a gradient (a LayerNorm's mean, say): the first one's is zero.
    const first = nd.outputs[0]!;
    const gin = rule(nd, gy ?? zeros(first, staticShape(first)), more);
    nd.inputs.forEach((x, k) => {
      const d = gin[k];
      if (d && dependsOnWrt.has(x)) accumulate(x, d);
    });
  }

  return new Map(wrt.map((w) => [w, grads.get(w) ?? zeros(w, staticShape(w))]));
}
