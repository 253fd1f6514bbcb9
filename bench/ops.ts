/**
 * `npm run bench -- ops [--device D]`: time the matrix products a train step is made of, alone,
 * on one provider, to find slow kernels (results are per call, inputs and outputs on the device).
 */
import * as ort from 'onnxruntime-node';
import { parseArgs } from 'node:util';
import { emitOnnx } from '../src/engine/graph/emit';
import { Graph, type Value } from '../src/engine/graph/ir';
import * as op from '../src/engine/graph/ops';
import { DeviceTensors, sessionOptions } from '../src/engine/runtime/device';
import { resolveDevice } from '../src/engine/runtime/resolve';
import type { DeviceChoice } from '../src/shared/system';

interface Case {
  name: string;
  inputs: [string, number[]][];
  dtype?: 'float16';
  build: (xs: Value[]) => Value;
  flops: number;
}

const N = 8192,
  D = 512,
  F = 2048,
  B = 32,
  H = 8,
  S = 256,
  DH = 64;
const cases: Case[] = [
  {
    name: 'MatMul [32,256,512]@[512,2048]',
    inputs: [
      ['a', [B, S, D]],
      ['b', [D, F]],
    ],
    build: ([a, b]) => op.matmul(a!, b!),
    flops: 2 * N * D * F,
  },
  {
    name: 'Gemm [8192,512]@[512,2048]',
    inputs: [
      ['a', [N, D]],
      ['b', [D, F]],
    ],
    build: ([a, b]) => op.gemm(a!, b!),
    flops: 2 * N * D * F,
  },
  {
    name: 'Gemm transA [8192,512]^T@[8192,2048]',
    inputs: [
      ['a', [N, D]],
      ['b', [N, F]],
    ],
    build: ([a, b]) => op.gemm(a!, b!, true, false),
    flops: 2 * N * D * F,
  },
  {
    name: 'MatMul(Transpose) [512,8192]@[8192,2048]',
    inputs: [
      ['a', [N, D]],
      ['b', [N, F]],
    ],
    build: ([a, b]) => op.matmul(op.transpose(a!, [1, 0]), b!),
    flops: 2 * N * D * F,
  },
  {
    name: 'Gemm(Transpose(A)) [512,8192]@[8192,2048]',
    inputs: [
      ['a', [N, D]],
      ['b', [N, F]],
    ],
    build: ([a, b]) => op.gemm(op.transpose(a!, [1, 0]), b!),
    flops: 2 * N * D * F,
  },
  {
    name: 'Gemm(g, Transpose(W)) [8192,2048]@[2048,512]',
    inputs: [
      ['a', [N, F]],
      ['b', [D, F]],
    ],
    build: ([a, b]) => op.gemm(a!, op.transpose(b!, [1, 0])),
    flops: 2 * N * D * F,
  },
  {
    name: 'Gemm transB [8192,2048]@[512,2048]^T',
    inputs: [
      ['a', [N, F]],
      ['b', [D, F]],
    ],
    build: ([a, b]) => op.gemm(a!, b!, false, true),
    flops: 2 * N * D * F,
  },
  {
    name: 'MatMul(Transpose) [8192,2048]@[2048,512]',
    inputs: [
      ['a', [N, F]],
      ['b', [D, F]],
    ],
    build: ([a, b]) => op.matmul(a!, op.transpose(b!, [1, 0])),
    flops: 2 * N * D * F,
  },
  {
    name: 'attn QK^T [32,8,256,64]@[..,64,256]',
    inputs: [
      ['q', [B, H, S, DH]],
      ['k', [B, H, S, DH]],
    ],
    build: ([q, k]) => op.matmul(q!, op.transposeLast2(k!)),
    flops: 2 * B * H * S * S * DH,
  },
  {
    name: 'attn QK^T, K given transposed',
    inputs: [
      ['q', [B, H, S, DH]],
      ['kt', [B, H, DH, S]],
    ],
    build: ([q, k]) => op.matmul(q!, k!),
    flops: 2 * B * H * S * S * DH,
  },
  {
    name: 'attn QK^T as [256,256,64]@[256,64,256]',
    inputs: [
      ['q', [B * H, S, DH]],
      ['kt', [B * H, DH, S]],
    ],
    build: ([q, k]) => op.matmul(q!, k!),
    flops: 2 * B * H * S * S * DH,
  },
  {
    name: 'attn AV [32,8,256,256]@[32,8,256,64]',
    inputs: [
      ['a', [B, H, S, S]],
      ['v', [B, H, S, DH]],
    ],
    build: ([a, v]) => op.matmul(a!, v!),
    flops: 2 * B * H * S * S * DH,
  },
  {
    name: 'fp16 MatMul [8192,512]@[512,2048]',
    inputs: [
      ['a', [N, D]],
      ['b', [D, F]],
    ],
    dtype: 'float16',
    build: ([a, b]) => op.matmul(a!, b!),
    flops: 2 * N * D * F,
  },
  {
    name: 'fp16 attn QK^T given transposed',
    inputs: [
      ['q', [B, H, S, DH]],
      ['kt', [B, H, DH, S]],
    ],
    dtype: 'float16',
    build: ([q, k]) => op.matmul(q!, k!),
    flops: 2 * B * H * S * S * DH,
  },
  { name: 'softmax [32,8,256,256]', inputs: [['x', [B, H, S, S]]], build: ([x]) => op.softmax(x!), flops: 0 },
  {
    name: 'Mul [32,256,2048]',
    inputs: [
      ['x', [B, S, F]],
      ['y', [B, S, F]],
    ],
    build: ([x, y]) => op.mul(x!, y!),
    flops: 0,
  },
  { name: 'Gelu [32,256,2048]', inputs: [['x', [B, S, F]]], build: ([x]) => op.gelu(x!), flops: 0 },
  {
    name: 'Transpose [32,256,8,64]->[32,8,256,64]',
    inputs: [['x', [B, S, H, DH]]],
    build: ([x]) => op.transpose(x!, [0, 2, 1, 3]),
    flops: 0,
  },
  {
    name: 'LayerNorm [32,256,512]',
    inputs: [
      ['x', [B, S, D]],
      ['g', [D]],
      ['b', [D]],
    ],
    build: ([x, g, b]) => op.layerNorm(x!, g!, b!),
    flops: 0,
  },
];

export async function benchOps(argv: string[]): Promise<string> {
  const { values } = parseArgs({
    args: argv,
    options: {
      device: { type: 'string', default: 'cpu' },
      reps: { type: 'string', default: '20' },
      json: { type: 'boolean' },
    },
  });
  const device = await resolveDevice(values.device as DeviceChoice);
  const reps = Number(values.reps);
  const tensors = new DeviceTensors(device);
  const lines = [`ops bench on ${device} (${reps} calls each)`];
  for (const c of cases) {
    const g = new Graph();
    const xs = c.inputs.map(([n, s]) => g.input(n, c.dtype ?? 'float32', s));
    const model = emitOnnx(g, { name: 'op', outputs: { out: c.build(xs) } });
    const session = await ort.InferenceSession.create(model.bytes, sessionOptions(device, { gpuOutputs: true }));
    const feeds: Record<string, ort.Tensor> = {};
    for (const [n, s] of c.inputs) {
      const count = s.reduce((a, b) => a * b);
      // float16 as bit patterns: 1.0 everywhere (the values do not matter for timing).
      feeds[n] =
        c.dtype === 'float16'
          ? await tensors.upload(new Uint16Array(count).fill(0x3c00), s, 'float16')
          : await tensors.upload(
              Float32Array.from({ length: count }, (_, i) => Math.sin(i)),
              s,
              'float32',
            );
    }
    let last: ort.Tensor | undefined;
    for (let i = 0; i < 3; i++) {
      last = (await session.run(feeds)).out!;
      if (i < 2) tensors.discard(last);
    }
    await tensors.read(last!);
    tensors.discard(last!);
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) {
      last = (await session.run(feeds)).out!;
      if (i < reps - 1) tensors.discard(last);
    }
    await tensors.read(last!);
    const ms = (performance.now() - t0) / reps;
    tensors.discard(last!);
    for (const t of Object.values(feeds)) tensors.release(t);
    await session.release();
    lines.push(
      `  ${c.name.padEnd(44)} ${ms.toFixed(3).padStart(9)} ms${c.flops ? `  ${(c.flops / ms / 1e9).toFixed(2)} TFLOP/s` : ''}`,
    );
  }
  await tensors.dispose();
  return lines.join('\n');
}
