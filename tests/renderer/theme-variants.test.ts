import { flushPromises } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import { prChartConfig, probeChartConfigs, variantColors } from '../../src/renderer/src/compare/charts';
import type { RunLive } from '../../src/renderer/src/model/curves';
import { lossChartConfig } from '../../src/renderer/src/components/train/lossCharts';
import CompareStep from '../../src/renderer/src/steps/CompareStep.vue';
import ExportStep from '../../src/renderer/src/steps/ExportStep.vue';
import { readThemeColors } from '../../src/renderer/src/theme/colors';
import { variantLabel } from '../../src/shared/growth';
import { CompareFakeApi, comparison } from './fakes/compare';
import { chartConfig, compareSpecHooks, mountStep } from './fakes/compare-steps';

compareSpecHooks();

describe('one colour per variant across Train, Compare and Export', () => {
  const matched = { ...comparison.variants[0]!, variant: 'baseline≈midas' };
  const withMatched = { ...comparison, variants: [comparison.variants[0]!, matched, ...comparison.variants.slice(1)] };
  const liveRun = (run: number, name: string): RunLive => ({
    run,
    name,
    seed: 1,
    step: 20,
    totalSteps: 100,
    stage: 1,
    stages: 1,
    layers: 2,
    loss: 1,
    valLoss: null,
    flops: 0,
    elapsedMs: 0,
    etaMs: 0,
    points: [
      { step: 10, flops: 1, wallMs: 1, loss: 1 },
      { step: 20, flops: 2, wallMs: 2, loss: 0.9 },
    ],
    growth: [],
    wallOffsetMs: 0,
  });
  const names = ['baseline', 'baseline≈midas', 'gradstack', 'midas'];
  const style = (
    datasets: readonly { label?: string; borderColor?: unknown; borderDash?: unknown }[],
    name: string,
  ) => {
    const d = datasets.find((x) => x.label === variantLabel(name))!;
    return { color: d.borderColor, dashed: Array.isArray(d.borderDash) && d.borderDash.length > 0 };
  };

  it('draws a variant in the same colour in the loss charts and the comparison’s charts, on either theme', () => {
    for (const dark of [false, true]) {
      const train = lossChartConfig(
        names.map((n, i) => liveRun(i, n)),
        'step',
        { ...readThemeColors(), dark },
      ).data.datasets;
      const colors = variantColors(withMatched, dark ? 'dark' : 'light');
      const pr = prChartConfig(withMatched.variants, colors, dark ? 'dark' : 'light').data.datasets;
      for (const name of names) {
        expect(style(pr, name)).toEqual(style(train, name));
        expect(colors.get(name)).toBe(style(train, name).color);
      }
      // A FLOP-matched baseline: its own, lighter shade of the baseline, dashed.
      expect(style(train, 'baseline≈midas').color).not.toBe(style(train, 'baseline').color);
      expect(style(train, 'baseline≈midas').dashed).toBe(true);
      expect(style(train, 'baseline').dashed).toBe(false);
      expect(new Set(names.map((n) => colors.get(n))).size).toBe(names.length);
    }
  });

  it('keeps a variant’s colour whatever else the comparison holds', () => {
    const without = { ...comparison, variants: comparison.variants.filter((v) => v.variant !== 'gradstack') };
    expect(variantColors(without, 'light').get('midas')).toBe(variantColors(comparison, 'light').get('midas'));
    const probe = probeChartConfigs(without, without.variants, variantColors(without, 'light'), 'light')[0]!;
    expect((probe.config.data.datasets[0]!.borderColor as string[])[1]).toBe(
      variantColors(comparison, 'light').get('midas'),
    );
    // Beside chance, what a naive persistence predictor scores on the same items.
    expect(probe.config.data.datasets.map((d) => d.label)).toEqual([
      '95% interval over seeds',
      'mean',
      'chance (0.25)',
      'naive persistence (0.27)',
    ]);
  });

  it('uses the same colours in the Compare step (charts and table) and the charts the Export step saves', async () => {
    const api = new CompareFakeApi();
    const train = lossChartConfig(
      ['baseline', 'midas'].map((n, i) => liveRun(i, n)),
      'step',
      readThemeColors(),
    ).data.datasets;
    for (const step of [CompareStep, ExportStep]) {
      const { w } = mountStep(step, api);
      await flushPromises();
      const pr = chartConfig(w, 'precision-recall').data.datasets;
      for (const name of ['baseline', 'midas']) expect(style(pr, name).color).toBe(style(train, name).color);
      w.unmount();
    }
  });
});
