import { describe, expect, it } from 'vitest';
import { newLayers, stagesFor } from '../../src/renderer/src/model/stages';
import { resolveGrowth } from '../../src/shared/plan';

describe('depth schedules in the renderer', () => {
  it('follow the engine rules: MIDAS 4 layers in blocks of 1 grows 1→2→3→4 with Prop-α steps', () => {
    const g = resolveGrowth({ preset: 'tiny', layers: 4, block: 1, alpha: 1, steps: 100 });
    expect(stagesFor('midas', g).stages).toEqual([
      { layers: 1, steps: 10 },
      { layers: 2, steps: 20 },
      { layers: 3, steps: 30 },
      { layers: 4, steps: 40 },
    ]);
    expect(stagesFor('progressive', g).stages?.map((s) => s.layers)).toEqual([1, 2, 4]);
    expect(stagesFor('gstack', g).stages).toEqual([
      { layers: 1, steps: 25 },
      { layers: 4, steps: 75 },
    ]);
    expect(stagesFor('baseline', g).stages).toEqual([{ layers: 4, steps: 100 }]);
    expect(stagesFor('progressive', { ...g, layers: 6 }).error).toMatch(/power of 2/);
    expect(stagesFor('midas', { ...g, layers: 5, block: 2 }).error).toMatch(/not divisible by the block size 2/);
  });

  it('knows where each variant puts its copy', () => {
    expect(newLayers('gradstack', 3, 4, 1)).toEqual([3]);
    expect(newLayers('midas', 3, 4, 1)).toEqual([2]);
    expect(newLayers('midas', 2, 3, 1)).toEqual([1]);
    expect(newLayers('midas', 4, 6, 2)).toEqual([2, 3]);
    expect(newLayers('progressive', 2, 4, 1)).toEqual([2, 3]);
  });
});
