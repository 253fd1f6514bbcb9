import { describe, expect, it } from 'vitest';
import type { RunLive } from '../../src/renderer/src/model/curves';
import {
  BAND_SUFFIX,
  GROWTH_SUFFIX,
  interpolate,
  legendOf,
  lossChartConfig,
  meanAndBand,
} from '../../src/renderer/src/components/train/lossCharts';
import { LIGHT } from './fakes/training';

describe('loss chart configuration', () => {
  const run = (over: Partial<RunLive>): RunLive => ({
    run: 0,
    name: 'midas',
    seed: 1,
    step: 0,
    totalSteps: 100,
    stage: 1,
    stages: 1,
    layers: 1,
    loss: null,
    valLoss: null,
    flops: 0,
    elapsedMs: 0,
    etaMs: 0,
    points: [],
    growth: [],
    wallOffsetMs: 0,
    ...over,
  });
  const pts = (xs: number[], y: (x: number) => number) =>
    xs.map((x) => ({ step: x, flops: x * 1e6, wallMs: x * 10, loss: y(x) }));

  it('interpolates a curve and spans several seeds with a band', () => {
    expect(
      interpolate(
        [
          { x: 0, y: 1 },
          { x: 10, y: 0 },
        ],
        5,
      ),
    ).toBe(0.5);
    expect(interpolate([{ x: 0, y: 1 }], 5)).toBeNull();
    const { mean, min, max } = meanAndBand(
      [
        [
          { x: 0, y: 2 },
          { x: 10, y: 2 },
        ],
        [
          { x: 0, y: 4 },
          { x: 10, y: 4 },
        ],
      ],
      3,
    );
    expect(mean.map((p) => p.y)).toEqual([3, 3, 3]);
    expect(min.map((p) => p.y)).toEqual([2, 2, 2]);
    expect(max.map((p) => p.y)).toEqual([4, 4, 4]);
  });

  it('draws one line per variant, the seeds as a band, and the growths as markers on every x axis', () => {
    const runs = [
      run({ run: 0, name: 'baseline', points: pts([10, 20], () => 1) }),
      run({
        run: 1,
        name: 'midas',
        seed: 1,
        points: pts([10, 20, 30], (x) => 2 - x / 30),
        growth: pts([20], () => 1.33),
      }),
      run({ run: 3, name: 'midas', seed: 2, points: pts([10, 20, 30], (x) => 2.2 - x / 30) }),
    ];
    const step = lossChartConfig(runs, 'step', LIGHT);
    const labels = step.data.datasets.map((d) => d.label);
    expect(labels).toEqual([
      'Baseline',
      `MIDAS max${BAND_SUFFIX}`,
      `MIDAS min${BAND_SUFFIX}`,
      'MIDAS',
      `MIDAS${GROWTH_SUFFIX}`,
    ]);
    const growth = step.data.datasets.find((d) => d.label === `MIDAS${GROWTH_SUFFIX}`)!;
    expect(growth.data).toEqual([{ x: 20, y: 1.33 }]);
    expect(growth).toMatchObject({ showLine: false, pointStyle: 'triangle' });
    expect(lossChartConfig(runs, 'flops', LIGHT).data.datasets.at(-1)!.data).toEqual([{ x: 2e7, y: 1.33 }]);
    expect(lossChartConfig(runs, 'wall', LIGHT).data.datasets.at(-1)!.data).toEqual([{ x: 0.2, y: 1.33 }]);
    expect(step.options?.scales?.x).toMatchObject({ type: 'linear', title: { text: 'step' } });
    expect(lossChartConfig(runs, 'step', LIGHT, true).options?.scales?.y).toMatchObject({ type: 'logarithmic' });
    expect(step.data.datasets[0]!.borderColor).not.toBe(step.data.datasets[3]!.borderColor);
    expect(legendOf(runs, LIGHT).map((l) => l.name)).toEqual(['baseline', 'midas']);
  });
});
