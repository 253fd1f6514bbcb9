import { describe, expect, it } from 'vitest';
import { apportion, layerMapping, stagesOf } from '../../src/shared/growth';
import { growTensors, relativeLayerSteps } from '../../src/engine/growth/growth';

describe('stage schedules', () => {
  it('Prop-α splits the budget by i^α and sums exactly to T', () => {
    expect(stagesOf('midas', { layers: 6, block: 2, alpha: 0, steps: 300 }).map((s) => [s.layers, s.steps])).toEqual([
      [2, 100],
      [4, 100],
      [6, 100],
    ]);
    expect(stagesOf('gradstack', { layers: 6, block: 2, alpha: 1, steps: 600 }).map((s) => s.steps)).toEqual([
      100, 200, 300,
    ]);
    const odd = stagesOf('midas', { layers: 12, block: 2, alpha: 1, steps: 1000 });
    expect(odd.reduce((a, s) => a + s.steps, 0)).toBe(1000);
    expect(odd.map((s) => s.layers)).toEqual([2, 4, 6, 8, 10, 12]);
    expect(apportion(10, [1, 1, 1])).toEqual([4, 3, 3]);
  });

  it('matches the layer-step costs of the Prop-α schedules of the MIDAS paper for k = 6', () => {
    const cost = (alpha: number) =>
      relativeLayerSteps(stagesOf('midas', { layers: 12, block: 2, alpha, steps: 60_000 }), 12);
    expect(cost(0)).toBeCloseTo(0.583, 3);
    expect(cost(1)).toBeCloseTo(0.722, 3);
    expect(cost(2)).toBeCloseTo(0.808, 3);
  });

  it('baseline, progressive and G_stack', () => {
    expect(stagesOf('baseline', { layers: 12, block: 2, alpha: 1, steps: 50 })).toEqual([
      { index: 1, layers: 12, steps: 50 },
    ]);
    expect(stagesOf('progressive', { layers: 12, block: 3, alpha: 0, steps: 90 }).map((s) => s.layers)).toEqual([
      3, 6, 12,
    ]);
    expect(stagesOf('gstack', { layers: 12, block: 2, alpha: 1, steps: 100 })).toEqual([
      { index: 1, layers: 3, steps: 25 },
      { index: 2, layers: 12, steps: 75 },
    ]);
  });

  it('refuses impossible configurations clearly', () => {
    expect(() => stagesOf('midas', { layers: 7, block: 2, alpha: 1, steps: 10 })).toThrow(
      /7 is not divisible by the block size 2/,
    );
    expect(() => stagesOf('progressive', { layers: 12, block: 2, alpha: 1, steps: 10 })).toThrow(/power of 2/);
    expect(() => stagesOf('gstack', { layers: 6, block: 2, alpha: 1, steps: 10, gstackFactor: 4 })).toThrow(/factor 4/);
    expect(() => stagesOf('midas', { layers: 6, block: 2, alpha: -1, steps: 10 })).toThrow(/alpha/);
  });
});

describe('growth operators', () => {
  it('gradstack copies the last block on top', () => {
    expect(layerMapping('gradstack', 4, 6, 2)).toEqual([0, 1, 2, 3, 2, 3]);
  });
  it('MIDAS copies block ceil(n/2) and inserts it right after', () => {
    // n = 3 blocks: B1 B2 B3 -> B1 B2 B2' B3
    expect(layerMapping('midas', 6, 8, 2)).toEqual([0, 1, 2, 3, 2, 3, 4, 5]);
    // n = 2: m = 1 -> B1 B1' B2
    expect(layerMapping('midas', 4, 6, 2)).toEqual([0, 1, 0, 1, 2, 3]);
    // n = 1: B1 B1'
    expect(layerMapping('midas', 1, 2, 1)).toEqual([0, 0]);
  });
  it('progressive doubles and G_stack stacks g times', () => {
    expect(layerMapping('progressive', 3, 6, 3)).toEqual([0, 1, 2, 0, 1, 2]);
    expect(layerMapping('gstack', 2, 8, 2)).toEqual([0, 1, 0, 1, 0, 1, 0, 1]);
  });
  it('moves whole blocks of named weights and keeps the rest', () => {
    const w = new Map<string, Float32Array>([
      ['embed.w', Float32Array.of(9)],
      ['blocks.0.attn.wq', Float32Array.of(0)],
      ['blocks.1.attn.wq', Float32Array.of(1)],
      ['blocks.1.mlp.b2', Float32Array.of(11)],
    ]);
    const g = growTensors(w, layerMapping('midas', 2, 3, 1));
    expect([...g.keys()].sort()).toEqual([
      'blocks.0.attn.wq',
      'blocks.1.attn.wq',
      'blocks.2.attn.wq',
      'blocks.2.mlp.b2',
      'embed.w',
    ]);
    expect(g.get('blocks.1.attn.wq')![0]).toBe(0);
    expect(g.get('blocks.2.attn.wq')![0]).toBe(1);
    expect(g.get('blocks.2.mlp.b2')![0]).toBe(11);
    expect(g.get('blocks.1.mlp.b2')).toBeUndefined();
    // copies, not shared buffers
    g.get('blocks.1.attn.wq')![0] = 42;
    expect(g.get('blocks.0.attn.wq')![0]).toBe(0);
  });
});

describe('the shared defaults', () => {
  it('match the model presets the engine trains (tiny grows to 4 layers: 2 would make GradStack and MIDAS one schedule)', async () => {
    const { PRESET_DEFAULTS } = await import('../../src/shared/presets');
    const { PRESETS } = await import('../../src/engine/models/patch-transformer');
    for (const p of ['small', 'base'] as const) expect(PRESET_DEFAULTS[p].layers).toBe(PRESETS[p].layers);
    expect(PRESET_DEFAULTS.tiny.layers).toBe(4);
  });

  it('give every growth variant a schedule of its own at each preset', async () => {
    const { defaultBlock, sameSchedules } = await import('../../src/shared/growth');
    const { PRESET_DEFAULTS } = await import('../../src/shared/presets');
    expect(defaultBlock(4)).toBe(1);
    expect(defaultBlock(6)).toBe(2);
    expect(defaultBlock(12)).toBe(2);
    for (const p of ['tiny', 'small', 'base'] as const) {
      const layers = PRESET_DEFAULTS[p].layers;
      const g = { layers, block: defaultBlock(layers), alpha: 1, steps: PRESET_DEFAULTS[p].steps };
      expect(sameSchedules(['baseline', 'gradstack', 'midas', 'gstack', 'progressive'], g)).toEqual([]);
    }
  });
});

describe('same schedules', () => {
  it('finds GradStack and MIDAS alike below 3 blocks, apart from 3 on', async () => {
    const { sameSchedules } = await import('../../src/shared/growth');
    expect(sameSchedules(['baseline', 'gradstack', 'midas'], { layers: 2, block: 1, alpha: 1, steps: 100 })).toEqual([
      ['gradstack', 'midas'],
    ]);
    expect(sameSchedules(['gradstack', 'midas'], { layers: 4, block: 2, alpha: 1, steps: 100 })).toEqual([
      ['gradstack', 'midas'],
    ]);
    expect(sameSchedules(['gradstack', 'midas'], { layers: 3, block: 1, alpha: 1, steps: 100 })).toEqual([]);
    // Progressive and G_stack coincide where both double once: 2 → 4 layers at the same step.
    expect(
      sameSchedules(['gstack', 'progressive'], {
        layers: 4,
        block: 2,
        alpha: 0,
        steps: 100,
        gstackFactor: 2,
        gstackAt: 0.5,
      }),
    ).toEqual([['gstack', 'progressive']]);
    // A variant these settings cannot train is not "the same" as anything.
    expect(sameSchedules(['progressive', 'gradstack'], { layers: 6, block: 2, alpha: 1, steps: 100 })).toEqual([]);
  });

  it('names the copied layers of a growth', async () => {
    const { copiedLayers, layerMapping } = await import('../../src/shared/growth');
    expect(copiedLayers(layerMapping('midas', 3, 4, 1))).toEqual([2]);
    expect(copiedLayers(layerMapping('gradstack', 3, 4, 1))).toEqual([3]);
    expect(copiedLayers(layerMapping('progressive', 2, 4, 1))).toEqual([2, 3]);
    expect(copiedLayers(layerMapping('midas', 4, 6, 2))).toEqual([2, 3]);
  });
});
