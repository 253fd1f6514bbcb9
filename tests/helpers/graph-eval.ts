import * as ort from 'onnxruntime-node';
import { emitOnnx } from '../../src/engine/graph/emit';
import type { Graph, HostArray, Value } from '../../src/engine/graph/ir';

/** Deterministic pseudo-random numbers for tests (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Compiles `graph` with the given outputs into a CPU session; `run` feeds host arrays by name. */
export async function compile(
  graph: Graph,
  outputs: Record<string, Value>,
  options: { opset?: number; ep?: string } = {},
) {
  const model = emitOnnx(graph, { name: 'test', outputs, ...(options.opset ? { opset: options.opset } : {}) });
  const session = await ort.InferenceSession.create(model.bytes, {
    executionProviders: [options.ep ?? 'cpu'],
    logSeverityLevel: 3,
    graphOptimizationLevel: 'disabled',
  });
  const typeOf = (a: HostArray): ort.Tensor.Type =>
    a instanceof Float64Array
      ? 'float64'
      : a instanceof Float32Array
        ? 'float32'
        : a instanceof Int32Array
          ? 'int32'
          : a instanceof BigInt64Array
            ? 'int64'
            : 'bool';
  return {
    session,
    async run(
      feeds: Record<string, { data: HostArray; dims: readonly number[] }>,
    ): Promise<Record<string, Float64Array>> {
      const tensors: Record<string, ort.Tensor> = {};
      for (const [k, f] of Object.entries(feeds)) tensors[k] = new ort.Tensor(typeOf(f.data), f.data as never, f.dims);
      const out = await session.run(tensors);
      const res: Record<string, Float64Array> = {};
      for (const [k, t] of Object.entries(out)) res[k] = Float64Array.from(t.data as Float32Array);
      return res;
    },
  };
}
