import { describe, expect, it } from 'vitest';
import { explainProviderError, onnxruntimeVersion, probeProvider, probeProviders } from '../../src/engine/runtime/providers';
import { pickAutoProvider, type ProviderStatus } from '../../src/shared/system';

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
      new Error('/onnxruntime_src/onnxruntime/core/providers/webgpu/webgpu_context.cc:136 lambda adapter_result.status == Success was false. Failed to get a WebGPU adapter: No supported adapters'),
    );
    expect(adapter).toMatch(/^no WebGPU adapter found/);
    expect(adapter).toMatch(/install the GPU's Vulkan/);
    expect(adapter).not.toMatch(/onnxruntime_src/);
    expect(explainProviderError('cuda', new Error('Failed to load shared library'))).toMatch(/it needs CUDA 13 and cuDNN 9.*`stacklab doctor` lists each library/);
  });
});

describe('auto device choice', () => {
  const s = (name: ProviderStatus['name'], available: boolean): ProviderStatus => ({ name, available, probeMs: 1 });
  it('prefers cuda, then webgpu, then cpu', () => {
    expect(pickAutoProvider([s('cuda', true), s('webgpu', true), s('cpu', true)])).toBe('cuda');
    expect(pickAutoProvider([s('cuda', false), s('webgpu', true), s('cpu', true)])).toBe('webgpu');
    expect(pickAutoProvider([s('cuda', false), s('webgpu', false), s('cpu', true)])).toBe('cpu');
    expect(pickAutoProvider([])).toBe('cpu');
  });
});
