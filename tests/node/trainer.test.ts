import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { presetStepMs } from '../../src/engine/runtime/selftest';
import { PRESETS, type PatchTransformerConfig } from '../../src/engine/models/patch-transformer';
import { DeviceUnavailableError, resolveDevice } from '../../src/engine/runtime/resolve';
import { probeProvider } from '../../src/engine/runtime/providers';
import { Trainer } from '../../src/engine/runtime/trainer';
import type { ProviderStatus } from '../../src/shared/system';
import { waves } from '../helpers/series';

const tiny: PatchTransformerConfig = { ...PRESETS.tiny, channels: 3 };
const data = waves(600);

async function losses(opts: Partial<Parameters<typeof Trainer.create>[0]>, steps: number): Promise<number[]> {
  const t = await Trainer.create({ model: tiny, data, device: 'cpu', seed: 5, ...opts });
  const out: number[] = [];
  for (let i = 0; i < steps; i++) out.push((await t.step(3e-3, { read: true }))!.loss);
  await t.dispose();
  return out;
}

describe('trainer on the CPU provider', () => {
  it('lowers the loss of the tiny preset', async () => {
    const l = await losses({}, 60);
    const head = l.slice(0, 5).reduce((a, b) => a + b) / 5;
    const tail = l.slice(-5).reduce((a, b) => a + b) / 5;
    expect(tail).toBeLessThan(head * 0.5);
  });

  it('is deterministic from the seed, and the seed matters', async () => {
    const a = await losses({ seed: 11 }, 8);
    const b = await losses({ seed: 11 }, 8);
    const c = await losses({ seed: 12 }, 8);
    expect(a).toEqual(b);
    expect(c).not.toEqual(a);
  });

  it('reads loss back every N steps only', async () => {
    const t = await Trainer.create({ model: tiny, data, device: 'cpu', seed: 1, readEvery: 4 });
    const got: (number | null)[] = [];
    for (let i = 0; i < 8; i++) got.push((await t.step(1e-3))?.step ?? null);
    expect(got).toEqual([null, null, null, 4, null, null, null, 8]);
    await t.dispose();
  });

  it('holds a constant number of device bytes across steps', async () => {
    const t = await Trainer.create({ model: tiny, data, device: 'cpu', seed: 1, readEvery: 7 });
    const before = t.deviceBytes;
    expect(before).toBeGreaterThan(data.byteLength);
    for (let i = 0; i < 30; i++) await t.step(1e-3);
    expect(t.deviceBytes).toBe(before);
    expect(t.stepCount).toBe(30);
    await t.dispose();
    expect(t.deviceBytes).toBe(0);
  });

  it('starts from given weights and rejects weights of the wrong size', async () => {
    const t = await Trainer.create({ model: tiny, data, device: 'cpu', seed: 1 });
    const params = await t.readParams();
    const again = await Trainer.create({ model: tiny, data, device: 'cpu', seed: 999, initialParams: params });
    expect([...(await again.readParams()).get('blocks.1.mlp.w2')!]).toEqual([...params.get('blocks.1.mlp.w2')!]);
    const bad = new Map(params).set('head.b', new Float32Array(3));
    await expect(Trainer.create({ model: tiny, data, device: 'cpu', seed: 1, initialParams: bad })).rejects.toThrow(
      /head\.b has 3 elements, expected 12/,
    );
    await Promise.all([t.dispose(), again.dispose()]);
  });

  it('refuses a data set shorter than one window', async () => {
    await expect(Trainer.create({ model: tiny, data: waves(20), device: 'cpu', seed: 1 })).rejects.toThrow(
      /20 rows, fewer than one training window \(64 rows/,
    );
  });
});

describe('device choice', () => {
  const fake =
    (avail: Partial<Record<string, boolean>>) =>
    async (name: ProviderStatus['name']): Promise<ProviderStatus> => ({
      name,
      available: avail[name] ?? false,
      probeMs: 1,
      ...(avail[name] ? {} : { reason: `${name} is missing` }),
    });

  it('auto prefers cuda, then webgpu, then cpu', async () => {
    const trusted = async () => true;
    expect(await resolveDevice('auto', fake({ cuda: true, webgpu: true, cpu: true }), trusted)).toBe('cuda');
    expect(await resolveDevice('auto', fake({ webgpu: true, cpu: true }), trusted)).toBe('webgpu');
    expect(await resolveDevice('auto', fake({ cpu: true }), trusted)).toBe('cpu');
    expect(await resolveDevice('auto', fake({}), trusted)).toBe('cpu');
  });

  it('auto takes the fastest working provider when speeds are measured (a software GPU adapter loses to the CPU)', async () => {
    const trusted = async () => true;
    const speeds: Record<string, number> = { webgpu: 40, cpu: 9 };
    const measured: string[] = [];
    const speed = async (name: string) => (measured.push(name), speeds[name]!);
    expect(await resolveDevice('auto', fake({ webgpu: true, cpu: true }), trusted, speed)).toBe('cpu');
    expect(measured).toEqual(['webgpu', 'cpu']);
    speeds.webgpu = 3;
    expect(await resolveDevice('auto', fake({ webgpu: true, cpu: true }), trusted, speed)).toBe('webgpu');
    // One that cannot be measured is passed over; a lone CPU is not measured at all.
    expect(
      await resolveDevice('auto', fake({ webgpu: true, cpu: true }), trusted, async (n) =>
        n === 'webgpu' ? Promise.reject(new Error('lost')) : 5,
      ),
    ).toBe('cpu');
    measured.length = 0;
    expect(await resolveDevice('auto', fake({ cpu: true }), trusted, speed)).toBe('cpu');
    expect(measured).toEqual([]);
  });

  it('measures a preset’s step time once per provider and keeps it', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'stacklab-speed-'));
    const ms = await presetStepMs('cpu', 'tiny', dir);
    expect(ms).toBeGreaterThan(0);
    const kept = JSON.parse(readFileSync(path.join(dir, 'provider-speed.json'), 'utf8')) as Record<string, number>;
    expect(Object.keys(kept)).toEqual([expect.stringMatching(/^speed:tiny:cpu@stacklab-/)]);
    expect(await presetStepMs('cpu', 'tiny', dir)).toBe(Object.values(kept)[0]);
  });

  it('auto passes over a provider that failed its self-test; an explicit choice still gets it', async () => {
    const asked: string[] = [];
    const cudaFails = async (name: string) => (asked.push(name), name !== 'cuda');
    expect(await resolveDevice('auto', fake({ cuda: true, webgpu: true, cpu: true }), cudaFails)).toBe('webgpu');
    expect(asked).toEqual(['cuda', 'webgpu']);
    expect(await resolveDevice('cuda', fake({ cuda: true, cpu: true }), cudaFails)).toBe('cuda');
  });

  it('honours an explicit choice or says why it cannot', async () => {
    expect(await resolveDevice('cpu', fake({ cpu: true }))).toBe('cpu');
    await expect(resolveDevice('cuda', fake({ cpu: true }))).rejects.toThrow(DeviceUnavailableError);
    await expect(resolveDevice('cuda', fake({ cpu: true }))).rejects.toThrow(
      /device "cuda" is not available here: cuda is missing.*stacklab doctor/,
    );
    await expect(resolveDevice('tpu' as never, fake({}))).rejects.toThrow(/unknown device "tpu"/);
  });

  it('probes for real when no probe is given', async () => {
    expect(await resolveDevice('cpu')).toBe('cpu');
    const cuda = await probeProvider('cuda');
    if (!cuda.available) await expect(resolveDevice('cuda')).rejects.toThrow(/not available here/);
  });
});

describe('ONNX opsets', () => {
  it.each([17, 18, 21])('trains identically at opset %i as at the default', async (opset) => {
    const ref = await losses({ seed: 4 }, 3);
    const other = await losses({ seed: 4, opset }, 3);
    other.forEach((l, i) => expect(l).toBeCloseTo(ref[i]!, 6));
  });

  it('refuses opsets outside 17..21', async () => {
    await expect(losses({ opset: 16 }, 1)).rejects.toThrow(/opset 16 is outside the supported 17\.\.21/);
  });
});
