/**
 * Session options per provider and device-resident tensors (runtime/resolve.ts picks the provider). On WebGPU every tensor the engine keeps (data set,
 * parameters, Adam moments, step count) lives in GPU memory between steps; uploads and readbacks
 * go through tiny Identity sessions, because the Node binding cannot read a GPU tensor directly
 * (`getData()` on one aborts the process).
 */
import os from 'node:os';
import * as ort from 'onnxruntime-node';
import type { ExecutionProviderName } from '../../shared/system';
import { emitOnnx } from '../graph/emit';
import { Graph, bytesPerElement, type DType, type HostArray } from '../graph/ir';
import * as op from '../graph/ops';
import { cudaDeviceId, latchCudaTf32 } from './tf32';

/** ORT's log level for engine sessions: 3 (errors) unless STACKLAB_ORT_LOG says 0-4. */
function ortLogLevel(): 0 | 1 | 2 | 3 | 4 {
  const n = Number(process.env.STACKLAB_ORT_LOG ?? 3);
  return ([0, 1, 2, 3, 4] as const).find((l) => l === n) ?? 3;
}

/** Groups of runs with their seeds batched training in this process now (quietThreadPools). */
let quiet = 0;

/**
 * Runs `fn` with the CPU sessions created meanwhile told not to spin: ORT's intra-op threads spin
 * for a while after each run, which is free while one session runs call after call, but where the
 * members of a seed group take turns at their evaluation sessions, each session's idle threads
 * spin against the next one's on the same cores. Measured on 2 cores (`npm run poc` with
 * `--seed-batch 5`): 74.8 s spinning, 48.8 s not, against 63.1 s and 62.6 s one run at a time.
 */
export async function quietThreadPools<T>(fn: () => Promise<T>): Promise<T> {
  quiet += 1;
  try {
    return await fn();
  } finally {
    quiet -= 1;
  }
}

/** Session options for a provider; `gpuOutputs` keeps every output on the device; `threads`: CPU threads (absent or 0: every core). */
export function sessionOptions(
  ep: ExecutionProviderName,
  opts: { gpuOutputs?: boolean; threads?: number } = {},
): ort.InferenceSession.SessionOptions {
  // STACKLAB_ORT_LOG=0 (verbose) prints ORT's node placements, for diagnosing a provider.
  const base: ort.InferenceSession.SessionOptions = { logSeverityLevel: ortLogLevel(), graphOptimizationLevel: 'all' };
  // ORT's default thread count is not always every core; training wants them all.
  if (ep === 'cpu')
    return {
      ...base,
      executionProviders: ['cpu'],
      intraOpNumThreads: opts.threads || os.availableParallelism(),
      ...(quiet > 0 ? { extra: { session: { intra_op: { allow_spinning: '0' } } } } : {}),
    };
  if (ep === 'webgpu') {
    // Dawn's per-dispatch validation costs host time on every kernel launch; ORT's kernels are
    // trusted, so it is off unless STACKLAB_WEBGPU_VALIDATION asks for it (basic, full, wgpuOnly).
    const validationMode = process.env.STACKLAB_WEBGPU_VALIDATION ?? 'disabled';
    return {
      ...base,
      executionProviders: [{ name: 'webgpu', validationMode } as ort.InferenceSession.ExecutionProviderConfig],
      ...(opts.gpuOutputs ? { preferredOutputLocation: 'gpu-buffer' as const } : {}),
    };
  }
  // Strict fp32 unless this process was started for tf32 (runtime/tf32.ts).
  latchCudaTf32();
  return {
    ...base,
    executionProviders: [{ name: 'cuda', deviceId: cudaDeviceId() } as ort.InferenceSession.ExecutionProviderConfig],
  };
}

function ortType(d: DType): ort.Tensor.Type {
  // bfloat16 lives only inside graphs (mixed precision casts to it and back): no tensor of it crosses the binding.
  if (d === 'bfloat16') throw new Error('bfloat16 tensors are not exchanged with ORT; cast to float32 in the graph');
  return d === 'bool' ? 'bool' : d;
}

/** Identity model over a tensor of `dtype` and rank `rank` with symbolic dimensions. */
function identityModel(dtype: DType, rank: number): Uint8Array {
  const g = new Graph();
  const x = g.input(
    'x',
    dtype,
    Array.from({ length: rank }, (_, i) => `d${i}`),
  );
  return emitOnnx(g, { name: 'stacklab_identity', outputs: { y: op.identity(x) } }).bytes;
}

/**
 * The tensors one engine holds on one provider, with a live byte count. On the CPU provider a
 * "device" tensor is an ordinary host tensor; on WebGPU it is a GPU buffer.
 */
export class DeviceTensors {
  private readonly held = new Map<ort.Tensor, number>();
  private readonly uploads = new Map<string, ort.InferenceSession>();
  private readonly readbacks = new Map<string, ort.InferenceSession>();
  private bytes = 0;

  constructor(readonly ep: ExecutionProviderName) {}

  /** Whether tensors stay on the GPU between runs (WebGPU); false on the CPU and CUDA paths. */
  get onGpu(): boolean {
    return this.ep === 'webgpu';
  }

  /** Bytes of the tensors currently held. */
  get heldBytes(): number {
    return this.bytes;
  }

  get heldCount(): number {
    return this.held.size;
  }

  private async identity(cache: Map<string, ort.InferenceSession>, dtype: DType, rank: number, gpuOut: boolean) {
    const key = `${dtype}/${rank}`;
    let s = cache.get(key);
    if (!s) {
      s = await ort.InferenceSession.create(identityModel(dtype, rank), {
        ...sessionOptions(this.ep, { gpuOutputs: gpuOut }),
        graphOptimizationLevel: 'disabled',
      });
      cache.set(key, s);
    }
    return s;
  }

  /** Copies a host array to the device and holds the result. */
  async upload(data: HostArray, dims: readonly number[], dtype: DType): Promise<ort.Tensor> {
    const host = new ort.Tensor(ortType(dtype), data as never, dims);
    if (!this.onGpu) return this.hold(host);
    const s = await this.identity(this.uploads, dtype, dims.length, true);
    const out = await s.run({ x: host });
    return this.hold(out.y!);
  }

  /** Copies a device tensor to the host (it stays held). */
  async read(t: ort.Tensor): Promise<HostArray> {
    if (t.location === 'cpu') return (t.data as HostArray).slice();
    const s = await this.identity(this.readbacks, t.type as DType, t.dims.length, false);
    const out = await s.run({ x: t });
    return out.y!.data as HostArray;
  }

  /** Starts counting `t` as held. */
  hold(t: ort.Tensor): ort.Tensor {
    if (!this.held.has(t)) {
      const n = t.dims.reduce((a, b) => a * b, 1) * bytesPerElement(t.type as DType);
      this.held.set(t, n);
      this.bytes += n;
    }
    return t;
  }

  /** Stops holding `t` and frees its GPU memory. */
  release(t: ort.Tensor): void {
    const n = this.held.get(t);
    if (n !== undefined) {
      this.held.delete(t);
      this.bytes -= n;
    }
    if (t.location === 'gpu-buffer') t.dispose();
  }

  /** Frees a tensor the engine never held (an output it does not keep). */
  discard(t: ort.Tensor): void {
    if (t.location === 'gpu-buffer' && !this.held.has(t)) t.dispose();
  }

  async dispose(): Promise<void> {
    for (const t of [...this.held.keys()]) this.release(t);
    for (const s of [...this.uploads.values(), ...this.readbacks.values()]) await s.release();
    this.uploads.clear();
    this.readbacks.clear();
  }
}
