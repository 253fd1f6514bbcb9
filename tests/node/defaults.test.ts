import { describe, expect, it } from 'vitest';
import { PRESETS } from '../../src/engine/models/patch-transformer';
import { resolvePlan } from '../../src/engine/runs/plan';
import { planDefault, resolveGrowth } from '../../src/shared/plan';
import { PRESET_DEFAULTS, PRESET_NAMES } from '../../src/shared/presets';

describe('the shared plan defaults', () => {
  it('uses the engine defaults for blank fields', () => {
    expect(resolveGrowth({ preset: 'tiny' })).toEqual({ layers: 4, block: 1, alpha: 1, steps: 300 });
    expect(resolveGrowth({ preset: 'small' })).toEqual({ layers: 6, block: 2, alpha: 1, steps: 600 });
    expect(resolveGrowth({ preset: 'base', layers: 9 })).toEqual({ layers: 9, block: 1, alpha: 1, steps: 2000 });
  });

  it('name the presets the engine has a model shape for', () => {
    expect(Object.keys(PRESETS)).toEqual([...PRESET_NAMES]);
    expect(Object.keys(PRESET_DEFAULTS)).toEqual([...PRESET_NAMES]);
  });

  it('are what the engine plans with when the fields are blank', () => {
    for (const preset of PRESET_NAMES) {
      const plan = resolvePlan({ variants: planDefault('variants')!, preset, seeds: planDefault('seeds')! });
      expect(plan.growth).toEqual(resolveGrowth({ preset }));
      expect(plan).toMatchObject({ lr: planDefault('lr'), rewarmup: planDefault('rewarmup') });
    }
  });
});
