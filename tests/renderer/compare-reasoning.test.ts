/**
 * The Compare step of a reasoning-lab job: the primitives' table (what each tests, chance, each
 * variant's accuracy, the reading at the baseline's loss where the instrument sees, the control)
 * and the isoplot of the primitive chosen.
 */
import { flushPromises } from '@vue/test-utils';
import type { ChartConfiguration } from 'chart.js';
import { describe, expect, it } from 'vitest';
import type { Comparison, PrimitiveReading, ReasoningReading } from '../../src/shared/compare';
import CompareStep from '../../src/renderer/src/steps/CompareStep.vue';
import ChartCanvas from '../../src/renderer/src/components/ChartCanvas.vue';
import { primitiveIsoplotConfig } from '../../src/renderer/src/compare/charts';
import { CompareFakeApi, comparison } from './fakes/compare';
import { compareSpecHooks, mountStep } from './fakes/compare-steps';

compareSpecHooks();

const iv = (mean: number, half: number, n = 3) => ({ mean, lo: mean - half, hi: mean + half, n });
const variants = comparison.variants.map((v) => v.variant);
const points = (v: string, shift: number) =>
  [3, 2.5, 2].map((valLoss, i) => ({ seed: 1, step: 100 * (i + 1), valLoss: valLoss + shift, value: 0.2 * i }));

const primitive = (name: string, informative: boolean): PrimitiveReading => ({
  name,
  label: name === 'assign-math-2' ? 'variable assignment, depth 2 (math)' : '8-hop induction',
  tests: name === 'assign-math-2' ? 'Follow a chain of two aliases to its value past distractors.' : 'Eight hops back.',
  chance: name === 'assign-math-2' ? 0.2 : 0.25,
  items: 128,
  shots: 5,
  variants: Object.fromEntries(variants.map((v, i) => [v, iv(informative ? 0.5 + 0.05 * i : 0.25, 0.04)])),
  atLoss: Object.fromEntries(variants.map((v, i) => [v, iv(0.5 + 0.04 * i, 0.03)])),
  notReached: Object.fromEntries(variants.map((v) => [v, 0])),
  differences: informative
    ? Object.fromEntries(
        variants
          .filter((v) => v !== 'baseline')
          .map((v, i) => [v, { ...iv(0.04 * (i + 1), 0.02), significant: i === 1 }]),
      )
    : {},
  budgetDifferences: {},
  points: Object.fromEntries(variants.map((v, i) => [v, points(v, 0.05 * i)])),
  informative,
  control: { ...iv(0.3, 0.05), significant: true },
});

const reasoning: ReasoningReading = {
  primitives: [primitive('assign-math-2', true), primitive('hop-8', false)],
  sentences: ['Reasoning: informative on variable assignment, depth 2 (math).'],
};
const lab: Comparison = { ...comparison, reasoning, referenceLoss: 2 };

describe('Compare step of a reasoning-lab job', () => {
  it('lists each primitive with what it tests, its chance, every variant, and whether the instrument sees', async () => {
    const api = new CompareFakeApi();
    api.handlers['compare.get'] = () => lab;
    const { w } = mountStep(CompareStep, api);
    await flushPromises();
    const assign = w.find('[data-testid="primitive-assign-math-2"]');
    expect(assign.text()).toContain('Follow a chain of two aliases');
    expect(assign.findAll('td').map((t) => t.text())).toEqual([
      '0.20',
      ...variants.map((_, i) => `${(0.5 + 0.05 * i).toFixed(2)} ±0.04`),
      'the instrument can see here (the baseline above chance) ; control (final − first point) +0.30 [+0.25, +0.35]',
    ]);
    // Only where the instrument sees: the reading at the baseline's loss, each difference beside it, a significant one marked.
    const atLoss = w.find('[data-testid="primitive-assign-math-2-at-loss"]');
    expect(atLoss.findAll('.diff').map((d) => d.text())).toEqual(['+0.04 [+0.02, +0.06]', '+0.08 [+0.06, +0.10]']);
    expect(atLoss.findAll('.diff.significant')).toHaveLength(1);
    expect(w.find('[data-testid="primitive-hop-8-at-loss"]').exists()).toBe(false);
    expect(w.find('[data-testid="primitive-hop-8"]').text()).toContain(
      'not informative: the baseline is not above chance',
    );
    // The isoplot: the informative primitive first; choosing another draws its points.
    const iso = () =>
      w
        .findAllComponents(ChartCanvas)
        .find((c) => String(c.props('label')).endsWith('accuracy against validation loss'))!
        .props('config') as ChartConfiguration;
    expect(iso().data.datasets[0]!.data).toHaveLength(3);
    expect(String(iso().options!.plugins!.title!.text)).toMatch(/^variable assignment, depth 2/);
    await w.find('[data-testid="primitive-choice"]').setValue('hop-8');
    expect(String(iso().options!.plugins!.title!.text)).toMatch(/^8-hop induction/);
    w.unmount();
  });

  it("draws every variant at each validation point, the chance level and the baseline's final loss", () => {
    const colors = new Map(variants.map((v) => [v, '#123456']));
    const cfg = primitiveIsoplotConfig(lab, reasoning.primitives[0]!, colors, 'light');
    expect(cfg.data.datasets.map((d) => d.label)).toEqual([
      'Baseline',
      'GradStack',
      'MIDAS',
      'chance (0.20)',
      "baseline's final loss",
    ]);
    expect(cfg.data.datasets[2]!.data).toEqual([
      { x: 3.1, y: 0 },
      { x: 2.6, y: 0.2 },
      { x: 2.1, y: 0.4 },
    ]);
    expect(cfg.data.datasets[4]!.data).toEqual([
      { x: 2, y: 0 },
      { x: 2, y: 1 },
    ]);
  });
});
