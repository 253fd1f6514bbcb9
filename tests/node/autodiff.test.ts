/**
 * Every operator's gradient against central finite differences, computed by ORT on the CPU.
 * float64 where ORT's CPU provider implements the operator for doubles; otherwise float32 with a
 * looser, stated tolerance. A test enumerates the operator list: each one has a gradient rule and
 * a case here, or is listed as not differentiable.
 */
import { describe, expect, it } from 'vitest';
import { DIFFERENTIABLE_OPS, gradients, NON_DIFFERENTIABLE_OPS, vjp } from '../../src/engine/graph/autodiff';
import { Graph, OP_NAMES, sizeOf, type DType, type OpName, type Value } from '../../src/engine/graph/ir';
import * as op from '../../src/engine/graph/ops';
import { compile, rng } from '../helpers/graph-eval';
import {
  forward,
  nextTokenNll,
  paramSpecs,
  type PatchTransformerConfig,
} from '../../src/engine/models/patch-transformer';

interface Case {
  /** Shapes of the differentiated inputs. */
  shapes: number[][];
  build: (xs: Value[], g: Graph) => Value;
  /** Keep inputs away from kinks and domain edges (log, sqrt, pow, relu). */
  positive?: boolean;
  dtype?: DType;
  /** Extra int32 input for Gather. */
  indices?: { shape: number[]; data: number[] };
}

/** A token language model small enough to check every weight: embedding lookup, one block, head, cross-entropy. */
const LM: PatchTransformerConfig = {
  dModel: 4,
  heads: 2,
  layers: 1,
  patchLen: 1,
  seqLen: 5,
  mlpHidden: 8,
  channels: 1,
  batch: 2,
  positions: 'learned',
  lnEps: 1e-5,
  initStd: 0.02,
  vocab: 6,
};
const LM_SPECS = paramSpecs(LM);
/** Two windows of five ids, every id of the vocabulary among the targets. */
const LM_IDS = [0, 3, 5, 1, 2, 4, 4, 0, 2, 5];

/** Named by the operator they check (with a suffix for variants); any operator `build` uses counts as covered. */
const cases: Record<string, Case> = {
  Identity: { shapes: [[2, 3]], build: ([a]) => op.identity(a!) },
  Add: { shapes: [[2, 3], [3]], build: ([a, b]) => op.add(a!, b!) },
  Sub: {
    shapes: [
      [2, 1, 3],
      [4, 1],
    ],
    build: ([a, b]) => op.sub(a!, b!),
  },
  Mul: {
    shapes: [
      [2, 3],
      [2, 1],
    ],
    build: ([a, b]) => op.mul(a!, b!),
  },
  Div: { shapes: [[2, 3], [3]], build: ([a, b]) => op.div(a!, b!), positive: true },
  PowConst: { shapes: [[2, 3]], build: ([a]) => op.pow(a!, 3), positive: true },
  PowTensor: { shapes: [[2, 3], [3]], build: ([a, b]) => op.pow(a!, b!), positive: true },
  Sqrt: { shapes: [[2, 3]], build: ([a]) => op.sqrt(a!), positive: true },
  Exp: { shapes: [[2, 3]], build: ([a]) => op.exp(a!) },
  Log: { shapes: [[2, 3]], build: ([a]) => op.log(a!), positive: true },
  Tanh: { shapes: [[2, 3]], build: ([a]) => op.tanh(a!) },
  Erf: { shapes: [[2, 3]], build: ([a]) => op.erf(a!), dtype: 'float32' },
  Neg: { shapes: [[2, 3]], build: ([a]) => op.neg(a!) },
  Reciprocal: { shapes: [[2, 3]], build: ([a]) => op.reciprocal(a!), positive: true },
  Relu: { shapes: [[2, 3]], build: ([a]) => op.relu(op.sub(a!, 0.5)), positive: true },
  Gelu: { shapes: [[2, 3]], build: ([a]) => op.gelu(a!), dtype: 'float32' },
  Max: { shapes: [[2, 3], [3]], build: ([a, b]) => op.max(a!, b!) },
  Min: {
    shapes: [
      [2, 3],
      [2, 3],
    ],
    build: ([a, b]) => op.min(a!, b!),
  },
  Where: {
    shapes: [
      [2, 3],
      [2, 3],
    ],
    build: ([a, b]) => op.where(op.greater(a!, 0), a!, op.mul(b!, 2)),
  },
  MatMul: {
    shapes: [
      [2, 3, 4],
      [4, 5],
    ],
    build: ([a, b]) => op.matmul(a!, b!),
  },
  MatMulBatched: {
    shapes: [
      [2, 2, 3, 4],
      [2, 1, 4, 2],
    ],
    build: ([a, b]) => op.matmul(a!, b!),
  },
  Gemm: {
    shapes: [
      [4, 3],
      [5, 4],
    ],
    build: ([a, b]) => op.gemm(a!, b!, true, true),
  },
  Softmax: { shapes: [[2, 5]], build: ([a]) => op.softmax(a!, -1) },
  LayerNormalization: { shapes: [[3, 6], [6], [6]], build: ([x, s, b]) => op.layerNorm(x!, s!, b!), dtype: 'float32' },
  // The node's other outputs, mean and inverse standard deviation, on the path too.
  LayerNormalizationStats: {
    shapes: [[3, 6], [6], [6]],
    build: ([x, s, b], g) => {
      const y = op.layerNorm(x!, s!, b!);
      const [, mean, invStd] = g.nodes.at(-1)!.outputs;
      return op.add(y, op.add(op.mul(mean!, 2), op.mul(invStd!, 0.5)));
    },
    dtype: 'float32',
  },
  ReduceSum: { shapes: [[2, 3, 4]], build: ([a]) => op.reduceSum(a!, [0, 2]) },
  ReduceMean: { shapes: [[2, 3, 4]], build: ([a]) => op.reduceMean(a!, [1], true) },
  ReduceMax: { shapes: [[2, 5]], build: ([a]) => op.reduceMax(a!, [1]) },
  ReduceLogSumExp: { shapes: [[2, 5]], build: ([a]) => op.reduceLogSumExp(a!, [-1]) },
  Transpose: { shapes: [[2, 3, 4]], build: ([a]) => op.transpose(a!, [2, 0, 1]) },
  Reshape: { shapes: [[2, 6]], build: ([a]) => op.reshape(a!, [3, 4]) },
  Expand: { shapes: [[3, 1]], build: ([a]) => op.expand(a!, [2, 3, 4]) },
  Concat: {
    shapes: [
      [2, 3],
      [2, 2],
    ],
    build: ([a, b]) => op.concat([a!, b!], 1),
  },
  Slice: { shapes: [[4, 5]], build: ([a]) => op.slice(a!, 1, 1, 4) },
  // Every part used but the second: its gradient is zeros.
  Split: {
    shapes: [[3, 7]],
    build: ([a]) => {
      const [p, , r] = op.split(a!, 1, [2, 1, 4]);
      return op.concat([op.mul(p!, p!), op.neg(r!)], 1);
    },
  },
  Gather: {
    shapes: [[5, 3]],
    build: ([a], g) =>
      op.gather(
        a!,
        g.inputs.find((i) => i.name === 'idx')!,
      ),
    indices: { shape: [2, 2], data: [4, 0, 4, 2] },
  },
  Cast: { shapes: [[2, 3]], build: ([a]) => op.cast(op.mul(op.cast(a!, 'float64'), 3), 'float32'), dtype: 'float32' },
  SliceNegativeAxisConcat: {
    shapes: [
      [2, 3, 4],
      [3, 4],
    ],
    build: ([a, b]) =>
      op.add(op.mul(op.concat([op.neg(op.slice(a!, -1, 2, 4)), op.slice(a!, -1, 0, 2)], -1), b!), op.mul(a!, b!)),
  },
  CausalMaskSoftmax: { shapes: [[2, 4, 4]], build: ([a]) => op.softmax(op.causalMask(a!)) },
  // The token model's loss: softmax cross-entropy of the next id, the target picked by a one-hot product.
  NextTokenNll: {
    shapes: [[2, 5, 6]],
    build: ([z], g) => nextTokenNll(z!, g.constant(Float64Array.from(LM_IDS), [2, 5, 1], 'float64'), LM),
  },
  // Every weight of a token model through its loss: the [vocab, D] lookup, a block, the head.
  TokenModelLoss: {
    shapes: LM_SPECS.map((p) => [...p.shape]),
    build: (xs, g) => {
      const ids = g.constant(Float32Array.from(LM_IDS), [2, 5, 1], 'float32');
      const params = new Map(LM_SPECS.map((p, i) => [p.name, xs[i]!]));
      return nextTokenNll(forward(ids, params, LM), ids, LM);
    },
    dtype: 'float32',
  },
};

/** A case's graph up to its output `y`, before the loss is attached, and the operators in it. */
function buildCase(c: Case) {
  const dtype: DType = c.dtype ?? 'float64';
  const g = new Graph();
  const xs = c.shapes.map((s, i) => g.input(`x${i}`, dtype, s));
  if (c.indices) g.input('idx', 'int32', c.indices.shape);
  const y = c.build(xs, g);
  return { g, xs, y, dtype, ops: new Set(g.nodes.map((n) => n.op)) };
}

async function checkCase(name: string, c: Case) {
  const { g, xs, y, dtype } = buildCase(c);
  const r = rng(42);
  const weightsData = Array.from({ length: sizeOf(y.shape) }, () => r() * 2 - 1);
  const weights = g.constant(
    dtype === 'float64' ? Float64Array.from(weightsData) : Float32Array.from(weightsData),
    y.shape as number[],
    dtype,
  );
  const loss = op.sumAll(op.mul(y, weights));
  const grads = gradients(loss, xs);
  const outputs: Record<string, Value> = { loss };
  xs.forEach((x, i) => (outputs[`g${i}`] = grads.get(x)!));
  const model = await compile(g, outputs);

  const draw = (s: number[]) => Array.from({ length: sizeOf(s) }, () => (c.positive ? 0.5 + r() : r() * 2 - 1));
  const values = c.shapes.map((s) => (dtype === 'float64' ? Float64Array.from(draw(s)) : Float32Array.from(draw(s))));
  const feeds = () => {
    const f: Record<string, { data: Float64Array | Float32Array | Int32Array; dims: number[] }> = {};
    values.forEach((v, i) => (f[`x${i}`] = { data: v, dims: c.shapes[i]! }));
    if (c.indices) f.idx = { data: Int32Array.from(c.indices.data), dims: c.indices.shape };
    return f;
  };
  const analytic = await model.run(feeds());
  const h = dtype === 'float64' ? 1e-6 : 1e-2;
  const tol = dtype === 'float64' ? 1e-6 : 2e-2;
  let worst = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    for (let k = 0; k < v.length; k++) {
      const orig = v[k]!;
      v[k] = orig + h;
      const up = (await model.run(feeds())).loss![0]!;
      v[k] = orig - h;
      const down = (await model.run(feeds())).loss![0]!;
      v[k] = orig;
      const numeric = (up - down) / (2 * h);
      const got = analytic[`g${i}`]![k]!;
      const err = Math.abs(got - numeric) / Math.max(1, Math.abs(numeric));
      worst = Math.max(worst, err);
      if (err > tol)
        throw new Error(
          `${name}: d/dx${i}[${k}] analytic ${got} vs numeric ${numeric} (${dtype}, error ${err.toExponential(2)} > ${tol})`,
        );
    }
  }
  return worst;
}

describe('the operator list', () => {
  it('has every operator either differentiable (with a gradient rule) or listed as not, never both', () => {
    const notDifferentiable: readonly OpName[] = NON_DIFFERENTIABLE_OPS;
    expect(OP_NAMES.filter((o) => DIFFERENTIABLE_OPS.includes(o) === notDifferentiable.includes(o))).toEqual([]);
  });

  it('has a finite-difference case for every differentiable operator', () => {
    const checked = new Set(Object.values(cases).flatMap((c) => [...buildCase(c).ops]));
    expect(DIFFERENTIABLE_OPS.filter((o) => !checked.has(o))).toEqual([]);
  });
});

describe('gradients against central finite differences (ORT CPU)', () => {
  it.each(Object.entries(cases))('%s', async (name, c) => {
    const worst = await checkCase(name, c);
    expect(worst).toBeLessThan(c.dtype === 'float32' ? 2e-2 : 1e-6);
  });

  it('accumulates gradients of a value used twice and ignores values off the path', async () => {
    const g = new Graph();
    const x = g.input('x', 'float64', [3]);
    const unused = g.input('u', 'float64', [3]);
    const loss = op.sumAll(op.add(op.mul(x, x), op.exp(x)));
    const grads = gradients(loss, [x, unused]);
    const m = await compile(g, { gx: grads.get(x)!, gu: grads.get(unused)! });
    const xs = Float64Array.of(0.1, -0.5, 2);
    const out = await m.run({ x: { data: xs, dims: [3] }, u: { data: new Float64Array(3), dims: [3] } });
    expect([...out.gx!]).toEqual([...xs].map((v) => 2 * v + Math.exp(v)).map((v) => expect.closeTo(v, 12)));
    expect([...out.gu!]).toEqual([0, 0, 0]);
  });

  it("seeds several values at once, a node's later outputs included", async () => {
    const g = new Graph();
    const x = g.input('x', 'float32', [2, 4]);
    op.layerNorm(
      x,
      g.constant(new Float32Array(4).fill(1), [4], 'float32'),
      g.constant(new Float32Array(4), [4], 'float32'),
    );
    const [, mean] = g.nodes.at(-1)!.outputs;
    const e = op.exp(x);
    const seedMean = Float32Array.of(1, -3);
    const seedE = Float32Array.of(1, 2, 3, 4, -1, -2, -3, -4);
    const grads = vjp(
      [
        { value: mean!, grad: g.constant(seedMean, [2, 1], 'float32') },
        { value: e, grad: g.constant(seedE, [2, 4], 'float32') },
      ],
      [x],
    );
    const m = await compile(g, { gx: grads.get(x)! });
    const xs = Float32Array.of(0.1, -0.5, 2, 0.3, 1, 0, -1, 0.25);
    const out = await m.run({ x: { data: xs, dims: [2, 4] } });
    // d mean / dx = 1/4 on each row; d exp(x) / dx = exp(x).
    const expected = [...xs].map((v, k) => seedMean[Math.floor(k / 4)]! / 4 + seedE[k]! * Math.exp(v));
    expect([...out.gx!]).toEqual(expected.map((v) => expect.closeTo(v, 5)));
    expect(() => vjp([{ value: e, grad: g.scalar(1) }], [x])).toThrow(
      /float32 \[\] does not match its value float32 \[2, 4\]/,
    );
  });
});
