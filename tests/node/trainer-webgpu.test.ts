/**
 * The WebGPU path (lavapipe in CI): GPU-resident state, readback through Identity sessions,
 * results equal to the CPU provider's, flat device memory, and no CPU fallback in the train step.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { PRESETS, type PatchTransformerConfig } from '../../src/engine/models/patch-transformer';
import { probeProvider } from '../../src/engine/runtime/providers';
import { Trainer } from '../../src/engine/runtime/trainer';
import { waves } from '../helpers/series';

const tiny: PatchTransformerConfig = { ...PRESETS.tiny, channels: 3 };
const data = waves(400);

// Without an adapter this suite is skipped, unless the test script demands WebGPU (CI does).
const noAdapter = !(await probeProvider('webgpu')).available && process.env.STACKLAB_REQUIRE_WEBGPU !== '1';

describe.skipIf(noAdapter)('trainer on the WebGPU provider', () => {
  it('matches the CPU provider step by step', async () => {
    const run = async (device: 'cpu' | 'webgpu') => {
      const t = await Trainer.create({ model: tiny, data, device, seed: 3 });
      const l: number[] = [];
      for (let i = 0; i < 6; i++) l.push((await t.step(2e-3, { read: true }))!.loss);
      const p = await t.readParams();
      await t.dispose();
      return { l, p };
    };
    const cpu = await run('cpu');
    const gpu = await run('webgpu');
    gpu.l.forEach((v, i) => expect(v).toBeCloseTo(cpu.l[i]!, 5));
    const a = cpu.p.get('blocks.0.attn.wq')!;
    const b = gpu.p.get('blocks.0.attn.wq')!;
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
    expect(worst).toBeLessThan(1e-5);
  });

  it('keeps its state on the GPU and frees superseded buffers', async () => {
    const t = await Trainer.create({ model: tiny, data, device: 'webgpu', seed: 3, readEvery: 5 });
    expect(t.tensors.onGpu).toBe(true);
    const bytes = t.deviceBytes;
    const count = t.tensors.heldCount;
    for (let i = 0; i < 20; i++) await t.step(1e-3);
    expect(t.deviceBytes).toBe(bytes);
    expect(t.tensors.heldCount).toBe(count);
    await t.dispose();
  });

  it('places every node of the train step on the WebGPU provider', async () => {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'tests/helpers/placement.ts'],
      { maxBuffer: 64 << 20 },
    );
    const log = stdout + stderr;
    expect(log).toMatch(/Node placements/);
    const cpuNodes = [...log.matchAll(/placed on \[CPUExecutionProvider\]\. Number of nodes: (\d+)/g)].map((m) =>
      Number(m[1]),
    );
    const cpuSection =
      log
        .split(/placed on \[CPUExecutionProvider\]/)[1]
        ?.split('\n')
        .slice(1, 20)
        .join('\n') ?? '';
    expect(cpuNodes, `nodes on the CPU:\n${cpuSection}`).toEqual([]);
    expect(log).toMatch(/All nodes placed on \[WebGpuExecutionProvider\]/);
  });
});
