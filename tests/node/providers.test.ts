import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { APP_VERSION } from '../../src/engine/app-meta';
import { keepVerdicts, selfTestVerdict } from '../../src/engine/runtime/selftest';
import type { SelfTestResult } from '../../src/shared/system';
import { encodeModel } from '../../src/engine/onnx/proto';
import {
  explainProviderError,
  onnxruntimeVersion,
  outOfMemoryError,
  probeProvider,
  probeProviders,
} from '../../src/engine/runtime/providers';

describe('execution provider probes', () => {
  it('runs the probe session on the CPU provider', async () => {
    const cpu = await probeProvider('cpu');
    expect(cpu).toMatchObject({ name: 'cpu', available: true });
    expect(cpu.reason).toBeUndefined();
    expect(cpu.probeMs).toBeGreaterThan(0);
  });

  it('reports every provider in preference order, streaming each result', async () => {
    const streamed: string[] = [];
    const all = await probeProviders((s) => streamed.push(s.name));
    expect(all.map((s) => s.name)).toEqual(['cuda', 'webgpu', 'cpu']);
    expect(streamed).toEqual(['cuda', 'webgpu', 'cpu']);
    for (const s of all) {
      // An unavailable provider always says why.
      if (!s.available) expect(s.reason).toMatch(/\w{4,}/);
    }
  });

  it('reads the loaded onnxruntime version', () => {
    expect(onnxruntimeVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('turns native ORT errors into actionable sentences', () => {
    const adapter = explainProviderError(
      'webgpu',
      new Error(
        '/onnxruntime_src/onnxruntime/core/providers/webgpu/webgpu_context.cc:136 lambda adapter_result.status == Success was false. Failed to get a WebGPU adapter: No supported adapters',
      ),
    );
    expect(adapter).toMatch(/^no WebGPU adapter found/);
    expect(adapter).toMatch(/install the GPU's Vulkan/);
    expect(adapter).not.toMatch(/onnxruntime_src/);
    expect(explainProviderError('cuda', new Error('Failed to load shared library'))).toMatch(
      /it needs CUDA 13 and cuDNN 9.*`stacklab doctor` lists each library/,
    );
  });
});

describe('self-test verdicts kept for auto', () => {
  const result = (provider: SelfTestResult['provider'], ok: boolean, skipped = false): SelfTestResult => ({
    provider,
    ok,
    steps: 24,
    ...(skipped ? { skipped } : {}),
  });

  it('keeps what ran, by provider and version, and answers from it without training again', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'stacklab-verdicts-'));
    await keepVerdicts([result('cpu', true), result('cuda', false), result('webgpu', false, true)], dir);
    const kept = JSON.parse(await readFile(path.join(dir, 'selftest.json'), 'utf8')) as Record<string, SelfTestResult>;
    // The CPU is the reference and a skipped provider proved nothing: only cuda's verdict is kept.
    expect(Object.keys(kept)).toEqual([`cuda@stacklab-${APP_VERSION}+ort-${ort.env.versions.common}`]);
    // A kept failure: auto passes cuda over, with no CUDA here to run anything on.
    expect((await selfTestVerdict('cuda', dir)).ok).toBe(false);
    await keepVerdicts([result('cuda', true)], dir);
    expect((await selfTestVerdict('cuda', dir)).ok).toBe(true);
  });
});

describe('a device out of memory', () => {
  it("ORT's own allocation failure is said as memory full, with what to do", async () => {
    // A tensor of 2^46 floats (256 TiB, beyond any address space): ORT's arena refuses it, as a GPU's does when it is full.
    const model = encodeModel({
      graphName: 'too_big',
      opset: 17,
      inputs: [{ name: 'shape', dtype: 'int64', shape: [1] }],
      outputs: [{ name: 'y', dtype: 'float32', shape: [-1] }],
      nodes: [{ op: 'ConstantOfShape', inputs: ['shape'], outputs: ['y'] }],
    });
    const session = await ort.InferenceSession.create(model, { logSeverityLevel: 4 });
    const err = await session.run({ shape: new ort.Tensor('int64', BigInt64Array.from([1n << 46n]), [1]) }).then(
      () => null,
      (e: unknown) => e,
    );
    await session.release();
    expect(err).toBeInstanceOf(Error);
    const said = outOfMemoryError('runs/job/baseline-s1', 'cpu', err);
    expect(said?.message).toBe(
      'runs/job/baseline-s1: the computer ran out of memory asking for 262144 GiB. Close other programs, train fewer runs at once, or a smaller model, batch or context. Its checkpoints are kept: resume it (--resume) once memory is free',
    );
    expect(said?.cause).toBe(err);
  });

  it("cuBLAS's failed handle on a full GPU is memory too; other errors are left as they are", () => {
    // As ORT's CUDA provider said it on an H200 that 15 runs had filled (bench/RESULTS.md).
    const cublas = new Error(
      'Exception during initialization: /onnxruntime_src/onnxruntime/core/providers/cuda/cuda_call.cc:146 CUBLAS failure 3: the resource allocation failed ; GPU=0 ; expr=cublasCreate(&cublas_handle_);',
    );
    expect(outOfMemoryError('out/midas-s2', 'cuda', cublas)?.message).toMatch(
      /^out\/midas-s2: the GPU ran out of memory\. Other runs or programs on it hold the rest \(`nvidia-smi` lists them\): train fewer runs at once/,
    );
    expect(
      outOfMemoryError('out/x', 'cuda', new Error('Non-zero status code returned while running Mul node')),
    ).toBeNull();
  });
});
