import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { APP_VERSION } from '../../src/engine/app-meta';
import { keepVerdicts, selfTestVerdict } from '../../src/engine/runtime/selftest';
import type { SelfTestResult } from '../../src/shared/system';
import {
  explainProviderError,
  onnxruntimeVersion,
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
