/**
 * Live probes of ORT's execution providers: each one creates a tiny session on the provider
 * (with CPU fallback disabled, so a session that would silently run on the CPU fails) and runs it.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { findCudaLibraries } from './cuda-libs';
import { EXECUTION_PROVIDERS, type ExecutionProviderName, type ProviderStatus } from '../../shared/system';
import { encodeModel } from '../onnx/proto';
import { formatBytes } from '../io/files';
import { cudaDeviceId, latchCudaTf32 } from './tf32';

const PROBE_OPSET = 17;

/** c = a + b over four floats: small enough to be instant, real enough to touch the device. */
const probeModel = encodeModel({
  graphName: 'stacklab_probe',
  opset: PROBE_OPSET,
  inputs: [
    { name: 'a', dtype: 'float32', shape: [4] },
    { name: 'b', dtype: 'float32', shape: [4] },
  ],
  outputs: [{ name: 'c', dtype: 'float32', shape: [4] }],
  nodes: [{ op: 'Add', inputs: ['a', 'b'], outputs: ['c'] }],
});

/** The onnxruntime-node version actually loaded. */
export function onnxruntimeVersion(): string {
  return ort.env.versions.common ?? 'unknown';
}

/** Folder holding onnxruntime-node's native libraries for this platform. */
export function ortNativeDir(): string {
  const require = createRequire(import.meta.url);
  const pkgDir = path.dirname(require.resolve('onnxruntime-node/package.json'));
  return path.join(pkgDir, 'bin', 'napi-v6', process.platform, process.arch);
}

function cudaLibraryName(): string {
  if (process.platform === 'win32') return 'onnxruntime_providers_cuda.dll';
  return 'libonnxruntime_providers_cuda.so';
}

/** Whether ORT's CUDA provider library sits beside the binding (npm run setup:cuda). */
export function cudaProviderInstalled(): boolean {
  return existsSync(path.join(ortNativeDir(), cudaLibraryName()));
}

/** Turns ORT's long native error text into one line a user can act on. */
export function explainProviderError(name: ExecutionProviderName, err: unknown): string {
  const raw = err instanceof Error ? err.message : String(err);
  const detail = raw
    .replace(/^\/onnxruntime_src\/\S+\s+/, '')
    .replace(/\s+/g, ' ')
    .trim();
  if (name === 'webgpu' && /adapter/i.test(detail)) {
    return `no WebGPU adapter found (${detail}); install the GPU's Vulkan/D3D12/Metal driver, or Mesa lavapipe for a CPU fallback`;
  }
  if (name === 'cuda' && /load|shared library|cannot open/i.test(detail)) {
    const missing = process.platform === 'linux' ? findCudaLibraries().missing : [];
    const which = missing.length ? `; missing here: ${missing.map((m) => `${m.name} (${m.file})`).join(', ')}` : '';
    return `the CUDA provider library failed to load (${detail}); it needs CUDA 13 and cuDNN 9${which}: \`stacklab doctor\` lists each library, where it was found, and how to get the missing ones`;
  }
  return detail;
}

/** ORT's words for a device out of memory: its arena, cuBLAS's and cuDNN's handles, CUDA's own. */
const OUT_OF_MEMORY =
  /Failed to allocate memory|resource allocation failed|(?:CUBLAS|CUDNN)_STATUS_ALLOC_FAILED|out of memory/i;

/**
 * A run that stopped because its device's memory was full, said so with what to do; null for any
 * other error. ORT's text names an arena and a buffer size (on the GPU: 3 of 15 lab runs at
 * once on an H200, bench/RESULTS.md), not that other runs or programs hold the memory.
 */
export function outOfMemoryError(where: string, device: string, err: unknown): Error | null {
  const raw = err instanceof Error ? err.message : String(err);
  if (!OUT_OF_MEMORY.test(raw)) return null;
  const size = /requested buffer of size (\d+)/.exec(raw);
  const asked = size ? ` asking for ${formatBytes(Number(size[1]))}` : '';
  const gpu = device !== 'cpu';
  return new Error(
    `${where}: the ${gpu ? 'GPU' : 'computer'} ran out of memory${asked}. ` +
      (gpu ? 'Other runs or programs on it hold the rest (`nvidia-smi` lists them): ' : 'Close other programs, ') +
      'train fewer runs at once, or a smaller model, batch or context. Its checkpoints are kept: resume it (--resume) once memory is free',
    { cause: err },
  );
}

function probeSessionOptions(name: ExecutionProviderName): ort.InferenceSession.SessionOptions {
  // The GPU of this process (--device cuda:N), not always the first.
  const ep =
    name === 'cuda'
      ? ({ name: 'cuda', deviceId: cudaDeviceId() } as ort.InferenceSession.ExecutionProviderConfig)
      : name;
  const options: ort.InferenceSession.SessionOptions = { executionProviders: [ep], logSeverityLevel: 3 };
  if (name === 'cpu') return options;
  // Fail instead of running the probe on the CPU behind our back.
  return { ...options, extra: { session: { disable_cpu_ep_fallback: '1' } } };
}

/** Probes one provider: creates the probe session on it, runs it and checks the sum. */
export async function probeProvider(name: ExecutionProviderName): Promise<ProviderStatus> {
  const started = performance.now();
  const done = (available: boolean, reason?: string): ProviderStatus => ({
    name,
    available,
    probeMs: Math.round((performance.now() - started) * 10) / 10,
    ...(reason === undefined ? {} : { reason }),
  });

  if (name === 'cuda' && !cudaProviderInstalled()) {
    return done(
      false,
      `the CUDA provider library is not installed (${cudaLibraryName()} missing in ${ortNativeDir()}); ` +
        'run `npm run setup:cuda` (see "CUDA" in the README)',
    );
  }
  let session: ort.InferenceSession | undefined;
  try {
    // The probe loads the CUDA libraries: TF32's mode is fixed from here on.
    if (name === 'cuda') latchCudaTf32();
    session = await ort.InferenceSession.create(probeModel, probeSessionOptions(name));
    const a = new ort.Tensor('float32', Float32Array.from([1, 2, 3, 4]), [4]);
    const b = new ort.Tensor('float32', Float32Array.from([0.5, 0.5, 0.5, 0.5]), [4]);
    const out = await session.run({ a, b });
    const c = out.c;
    if (!c || c.location !== 'cpu') return done(false, `the probe's output came back in "${c?.location}" memory`);
    const got = Array.from(c.data as Float32Array);
    const want = [1.5, 2.5, 3.5, 4.5];
    if (got.some((v, i) => v !== want[i]))
      return done(false, `the probe computed [${got.join(', ')}] instead of [${want.join(', ')}]`);
    return done(true);
  } catch (err) {
    return done(false, explainProviderError(name, err));
  } finally {
    await session?.release();
  }
}

/** Probes every provider, in preference order, reporting each one as soon as it is known. */
export async function probeProviders(onProbed?: (status: ProviderStatus) => void): Promise<ProviderStatus[]> {
  const statuses: ProviderStatus[] = [];
  // Sequential on purpose: concurrent sessions on different providers have crashed ORT on Linux.
  for (const name of EXECUTION_PROVIDERS) {
    const status = await probeProvider(name);
    statuses.push(status);
    onProbed?.(status);
  }
  return statuses;
}
