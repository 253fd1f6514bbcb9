import { flushPromises } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import CompareStep from '../../src/renderer/src/steps/CompareStep.vue';
import type { ChartConfiguration } from 'chart.js';
import { formatLocalDateTime } from '../../src/shared/format';
import { CompareFakeApi, comparison, JOB_DIR, multiRunComparison, timeline } from './fakes/compare';
import { jobInfo } from './fakes/training';
import { useWizardStore } from '../../src/renderer/src/stores/wizard';
import { chartConfig, compareSpecHooks, labels, mountStep } from './fakes/compare-steps';

compareSpecHooks();

describe('Compare step', () => {
  it('shows the empty state without a job', () => {
    const { w } = mountStep(CompareStep, new CompareFakeApi(), { jobDir: null });
    expect(w.find('h2').text()).toBe('Compare');
    expect(w.find('[data-testid="empty-state"]').exists()).toBe(true);
    w.unmount();
  });

  it('without a job chosen, offers the finished jobs of the run library and compares the one picked', async () => {
    const api = new CompareFakeApi();
    const finished = jobInfo({
      id: 'job-f',
      dir: JOB_DIR,
      name: 'pump station · baseline, midas · tiny',
      status: 'finished',
    });
    api.handlers['jobs.list'] = () => [jobInfo({ id: 'job-c', dir: '/runs/other', status: 'cancelled' }), finished];
    api.handlers['jobs.history'] = () => ({ runs: [] });
    api.handlers['session.get'] = () => ({ step: 'compare', importRequest: null, plan: null, jobDir: null });
    const { w } = mountStep(CompareStep, api, { jobDir: null });
    const wizard = useWizardStore();
    await flushPromises();
    const picks = w.findAll('[data-testid="compare-pick-job"]');
    // Only the finished one: a cancelled job's comparison would be of runs cut short.
    expect(picks.map((b) => b.text())).toEqual(['pump station · baseline, midas · tiny']);
    await picks[0]!.trigger('click');
    await flushPromises();
    expect(wizard.jobDir).toBe(JOB_DIR);
    expect(api.paramsOf('compare.get')).toEqual([{ dir: JOB_DIR }]);
    expect(w.find('[data-testid="verdict"]').exists()).toBe(true);
    w.unmount();
  });

  it('shows a busy state, then the verdict, the warnings and the table with intervals', async () => {
    const { w } = mountStep(CompareStep, new CompareFakeApi());
    expect(w.find('[role="status"]').text()).toContain('Comparing the runs');
    await flushPromises();
    expect(w.find('h2').text()).toBe('Compare');
    expect(w.findAll('[data-testid="verdict"] li').map((l) => l.text())).toEqual(comparison.verdict);
    // The bottom line before the details.
    expect(w.find('[data-testid="bottom-line"]').text()).toBe(comparison.bottomLine.join(' '));
    expect(w.find('[data-testid="warnings"]').text()).toContain('skipped progressive-s2');
    const rows = w.findAll('[data-testid="compare-row"]');
    expect(rows.map((r) => r.attributes('data-variant'))).toEqual(['baseline', 'gradstack', 'midas']);
    const midas = rows[2]!;
    expect(midas.find('[data-col="vusPr"]').text()).toBe('0.455 ±0.021');
    // A speed-up is a ratio: its interval (on a log scale) is written out, not as ± a half-width.
    expect(midas.find('[data-col="speedup"]').text()).toBe('1.38x [1.32, 1.44]');
    expect(midas.find('[data-col="flopRatio"]').text()).toBe('0.72');
    expect(midas.find('[data-col="wallMs"]').text()).toBe('87.0 ±4.2');
    expect(midas.find('[data-col="finalValLoss"]').text()).toBe('0.0418 ±0.0011');
    expect(midas.find('[data-col="falseAlarmRate"]').text()).toBe('0.0123 ±0.0021');
    expect(midas.find('[data-col="probes"]').text()).toContain('copy 0.60 ±0.05');
    const headers = w
      .findAll('[data-testid="compare-table"] thead button.sort')
      .map((b) => b.text().replace(/[↕▲▼]/g, ''));
    expect(headers).toEqual([
      'Variant',
      'Seeds',
      'Speed-up',
      'FLOPs ratio',
      'Wall-clock (s)',
      'Training (s)',
      'Val loss',
      'VUS-PR',
      'VUS-ROC',
      'AUC-PR',
      'F1',
      'range F1',
      'event F1',
      'false-alarm rate',
      'Probes',
    ]);
    w.unmount();
  });

  it('marks a variant and a detector that are not usable here, with why, and shows the trivial detectors', async () => {
    const api = new CompareFakeApi();
    const why = ["its VUS-PR 0.398 [0.36, 0.44] does not lie above the random scores' 0.41 [0.40, 0.42]"];
    const trivial = {
      name: 'always-alarm',
      label: 'alarm on every row',
      kind: 'trivial' as const,
      metrics: { f1: { mean: 0.18, lo: 0.18, hi: 0.18, n: 1 }, falseAlarmRate: { mean: 1, lo: 1, hi: 1, n: 1 } },
      pointAdjustedF1: null,
      usable: null,
      why: [],
      alarmsUsable: null,
      alarmsWhy: [],
    };
    api.handlers['compare.get'] = () => ({
      ...comparison,
      variants: comparison.variants.map((v) => (v.variant === 'gradstack' ? { ...v, usable: false, why } : v)),
      baselines: [...comparison.baselines, trivial],
      probeInformative: { ...comparison.probeInformative, lookup: false },
      probeWhy: { lookup: 'assignment / lookup: the baseline scores 0.25 [0.21, 0.29], not above chance (0.25).' },
      ladders: [1, 7].map((d) => ({
        probe: 'copy',
        distractors: d,
        chance: 1 / (d + 1),
        persistence: 0.3,
        variants: Object.fromEntries(
          comparison.variants.map((v) => [v.variant, { mean: 0.33, lo: 0.3, hi: 0.36, n: 3 }]),
        ),
        informative: d === 7,
      })),
    });
    const { w } = mountStep(CompareStep, api);
    await flushPromises();
    const row = (v: string) => w.find(`[data-testid="compare-row"][data-variant="${v}"]`);
    expect(row('gradstack').find('[data-testid="not-usable"]').text()).toBe('not usable here');
    expect(row('gradstack').find('[data-testid="not-usable"]').attributes('title')).toBe(`Not usable here: ${why[0]}`);
    expect(row('midas').find('[data-testid="not-usable"]').exists()).toBe(false);
    // The reason is in the table too, not only in the tag's tooltip.
    expect(w.find('[data-testid="usable-why"]').text()).toBe(`GradStack: not usable here: ${why[0]}.`);
    // A probe the baseline does not pass is marked, and the table says why in words (no strike-through, no tooltip).
    const lookup = row('midas')
      .findAll('[data-col="probes"] .line')
      .find((l) => l.text().startsWith('lookup'))!;
    expect(lookup.classes()).toContain('silent');
    expect(lookup.text()).toMatch(/\*$/);
    expect(w.find('[data-testid="probe-why"]').text()).toContain(
      'assignment / lookup: the baseline scores 0.25 [0.21, 0.29], not above chance (0.25).',
    );
    expect(w.find('[data-testid="probe-why"]').text()).not.toContain('copy / induction');
    // The copy ladder's rungs follow the probes; a rung the baseline does not clear is marked and explained.
    const line = (key: string) =>
      row('midas')
        .findAll('[data-col="probes"] .line')
        .find((l) => l.text().startsWith(`${key} `))!;
    expect(line('copy/7').text()).toBe('copy/7 0.33 ±0.03');
    expect(line('copy/1').text()).toBe('copy/1 0.33 ±0.03*');
    expect(w.find('[data-testid="probe-why"]').text()).toContain(
      'copy/1 (copy with 1 wrong candidate): the baseline is not above the larger of chance (0.500) and persistence (0.30) with its interval.',
    );
    const baseline = (name: string) => w.find(`[data-testid="baseline-row"][data-baseline="${name}"]`);
    expect(baseline('random').find('[data-col="usable"]').text()).toBe('no');
    expect(baseline('random').find('[data-col="usable"]').attributes('title')).toMatch(/chance level/);
    expect(baseline('pca').find('[data-col="usable"]').text()).toBe('yes');
    expect(baseline('always-alarm').find('[data-col="usable"]').text()).toBe('–');
    expect(baseline('always-alarm').text()).toContain('0.180');
    // Every metric heading says in a sentence what it measures and which way is better.
    const vus = w.find('button[data-sort="vusPr"]').attributes('title')!;
    expect(vus).toMatch(
      /^Volume under the surface .* how well the scores rank the labelled anomalies .* higher is better/,
    );
    expect(w.find('button[data-sort="falseAlarmRate"]').attributes('title')).toMatch(
      /^The share of normal test rows that raise an alarm; lower is better/,
    );
    expect(w.find('[data-testid="compare-setup"]').text()).toMatch(
      /1 series, 6 channels; .* alarm thresholds pooled; 12\.0% of the test rows are labelled anomalies/,
    );
    w.unmount();
  });

  it('sorts when a header is clicked and marks the column with aria-sort', async () => {
    const { w } = mountStep(CompareStep, new CompareFakeApi());
    await flushPromises();
    const header = () => w.find('button[data-sort="vusPr"]').element.closest('th')!;
    expect(header().getAttribute('aria-sort')).toBeNull();
    await w.find('button[data-sort="vusPr"]').trigger('click');
    expect(w.findAll('[data-testid="compare-row"]').map((r) => r.attributes('data-variant'))).toEqual([
      'midas',
      'baseline',
      'gradstack',
    ]);
    expect(header().getAttribute('aria-sort')).toBe('descending');
    await w.find('button[data-sort="vusPr"]').trigger('click');
    expect(header().getAttribute('aria-sort')).toBe('ascending');
    expect(w.findAll('[data-testid="compare-row"]').map((r) => r.attributes('data-variant'))).toEqual([
      'gradstack',
      'baseline',
      'midas',
    ]);
    await w.find('button[data-sort="speedup"]').trigger('click');
    expect(header().getAttribute('aria-sort')).toBeNull();
    expect(w.find('button[data-sort="speedup"]').element.closest('th')!.getAttribute('aria-sort')).toBe('descending');
    w.unmount();
  });

  it('charts only the selected variants: precision-recall, isoplot with fits, probes with chance', async () => {
    const { w } = mountStep(CompareStep, new CompareFakeApi());
    await flushPromises();
    expect(labels(chartConfig(w, 'precision-recall'))).toEqual(['Baseline', 'GradStack', 'MIDAS']);
    const gradstackBox = w.find('[data-variant="gradstack"] [data-testid="select-variant"]');
    await gradstackBox.setValue(false);
    expect(labels(chartConfig(w, 'precision-recall'))).toEqual(['Baseline', 'MIDAS']);
    const pr = chartConfig(w, 'precision-recall').data.datasets[1]!.data as { x: number; y: number }[];
    expect(pr[1]).toEqual({ x: 0.25, y: 0.86 });
    expect(labels(chartConfig(w, 'isoplot'))).toEqual([
      'Baseline',
      'Baseline fit',
      'MIDAS',
      'MIDAS fit',
      "baseline's final loss",
    ]);
    expect(w.find('[data-testid="isoplot-at-reference"]').text()).toMatch(/Baseline -?\d\.\d{3}, MIDAS -?\d\.\d{3}/);
    const probe = chartConfig(w, 'probe-copy');
    expect(probe.data.labels).toEqual(['Baseline', 'MIDAS']);
    expect(probe.data.datasets[0]!.data).toEqual([
      [0.48 - 0.05, 0.48 + 0.05],
      [0.6 - 0.05, 0.6 + 0.05],
    ]);
    expect(probe.data.datasets[1]!.data).toEqual([0.48, 0.6]);
    expect(probe.data.datasets[2]!.label).toBe('chance (0.25)');
    expect(probe.data.datasets[2]!.data).toEqual([0.25, 0.25]);
    await w.find('[data-testid="select-all"]').setValue(true);
    expect(labels(chartConfig(w, 'precision-recall'))).toEqual(['Baseline', 'GradStack', 'MIDAS']);
    await w.find('[data-testid="select-all"]').setValue(false);
    expect(w.find('[data-testid="no-selection"]').exists()).toBe(true);
    expect(w.find('[data-chart="precision-recall"]').exists()).toBe(false);
    w.unmount();
  });

  it('shows the timeline of a chosen variant from its first seed’s run', async () => {
    const api = new CompareFakeApi();
    const { w } = mountStep(CompareStep, api);
    await flushPromises();
    await w.find('[data-testid="timeline-variant"]').setValue('gradstack');
    await flushPromises();
    expect(api.paramsOf('compare.timeline').at(-1)).toEqual({ runDir: `${JOB_DIR}/gradstack-s1` });
    const cfg = chartConfig(w, 'timeline');
    expect(labels(cfg)).toEqual(['anomaly score', 'alarm threshold (0.900)', 'labelled anomaly']);
    expect(cfg.data.datasets[2]!.data).toEqual([0, 0, 1, 0, 0].map((y, i) => ({ x: i * 100, y })));
    expect((cfg.data.datasets[2] as { fill?: unknown }).fill).toBe('origin');
    api.fail['compare.timeline'] = 'has no anomaly scores (scores.json)';
    await w.find('[data-testid="timeline-variant"]').setValue('baseline');
    await flushPromises();
    expect(w.find('[data-testid="timeline-error"]').text()).toContain('scores.json');
    w.unmount();
  });

  it("puts time on the timeline's axis where the data have timestamps", async () => {
    const api = new CompareFakeApi();
    const t0 = Date.UTC(2026, 0, 12, 5, 30);
    api.handlers['compare.timeline'] = () => ({ ...timeline, time: timeline.row.map((r) => t0 + r * 60_000) });
    const { w } = mountStep(CompareStep, api);
    await flushPromises();
    const cfg = chartConfig(w, 'timeline') as ChartConfiguration<'line'>;
    // 400 rows a minute apart: the axis in hours since the first row.
    expect(cfg.options!.scales!.x!.title).toMatchObject({ text: `hours since ${formatLocalDateTime(t0)}` });
    expect((cfg.data.datasets[0]!.data as { x: number }[]).map((p) => p.x)).toEqual(
      [0, 100, 200, 300, 400].map((r) => r / 60),
    );
    w.unmount();
  });

  it('writes the detection delay in time where the data have timestamps, and digits that tell values apart', async () => {
    const api = new CompareFakeApi();
    const delay = (mean: number) => ({ mean, lo: mean - 3, hi: mean + 3, n: 3, significant: false });
    const same = (mean: number) => ({ mean, lo: mean, hi: mean, n: 3 });
    api.handlers['compare.get'] = () => ({
      ...comparison,
      data: { ...comparison.data, samplingSeconds: 30 },
      variants: comparison.variants.map((v, i) => ({
        ...v,
        metrics: { ...v.metrics, vusPr: same(0.4551 + i * 0.0003) },
        differences: v.variant === comparison.reference ? {} : { ...v.differences, meanDetectionDelay: delay(-30 * i) },
      })),
    });
    const { w } = mountStep(CompareStep, api);
    await flushPromises();
    const row = w.find('[data-testid="differences-table"] tr[data-row="meanDetectionDelay"]');
    // Delays of 14 rows 30 s apart: minutes; differences of 30 and 60 rows: −15 and −30 min.
    expect(row.find('th').text()).toBe('detection delay (min) ↓');
    expect(row.findAll('td').map((c) => c.text())).toEqual(['−15.0 [−16.5, −13.5]', '−30.0 [−31.5, −28.5]']);
    // Every seed gave the same VUS-PR, three ten-thousandths apart: no ±0.000, and four digits.
    expect(w.findAll('[data-testid="compare-row"] [data-col="vusPr"]').map((c) => c.text())).toEqual([
      '0.4551',
      '0.4554',
      '0.4557',
    ]);
    w.unmount();
  });

  it('leaves out detection columns, baselines and the timeline when the data have no labels', async () => {
    const api = new CompareFakeApi();
    const unlabelled = {
      ...comparison,
      baselines: [],
      variants: comparison.variants.map((v) => ({
        ...v,
        metrics: {},
        differences: {},
        pointAdjustedF1: null,
        prCurve: null,
        isoplot: { ...v.isoplot, metric: 'copy probe accuracy' },
      })),
      warnings: [
        'the data have no labelled anomalies in a test part: no detection metrics, only speed, loss and the probes',
      ],
    };
    api.handlers['compare.get'] = () => unlabelled;
    const { w } = mountStep(CompareStep, api);
    await flushPromises();
    expect(w.find('button[data-sort="vusPr"]').exists()).toBe(false);
    expect(w.find('button[data-sort="probes"]').exists()).toBe(true);
    expect(w.find('[data-testid="baselines-table"]').exists()).toBe(false);
    expect(w.find('[data-chart="precision-recall"]').exists()).toBe(false);
    expect(w.find('[data-testid="timeline-variant"]').exists()).toBe(false);
    expect(api.paramsOf('compare.timeline')).toEqual([]);
    expect(chartConfig(w, 'isoplot').options?.plugins?.title?.text).toBe(
      'Isoplot: copy probe accuracy against validation loss at each checkpoint',
    );
    expect(w.find('[data-testid="warnings"]').text()).toContain('no labelled anomalies');
    w.unmount();
  });

  it('shows the classical detectors, point-adjusted F1 only beside random, and highlights significant differences', async () => {
    const { w } = mountStep(CompareStep, new CompareFakeApi());
    await flushPromises();
    const table = w.find('[data-testid="baselines-table"]');
    expect(table.find('thead th').text()).toBe('Classical detector');
    expect(table.text()).toContain('Point-adjusted F1 (inflated)');
    const pa = w
      .findAll('[data-testid="baseline-row"]')
      .map((r) => [r.attributes('data-baseline'), r.find('[data-col="pointAdjustedF1"]').text()]);
    expect(pa).toEqual([
      ['random', '0.620 ±0.040'],
      ['rolling-z', ''],
      ['pca', ''],
      ['isolation-forest', ''],
    ]);
    expect(w.find('[data-testid="pa-f1"]').text()).toContain('inflated by construction');
    const vus = w.findAll('[data-testid="differences-table"] tr[data-row="vusPr"] td');
    expect(vus.map((c) => c.classes())).toEqual([[], ['better']]);
    expect(vus[1]!.text()).toBe('+0.043 [+0.012, +0.074] significant, better');
    expect(w.find('tr[data-row="finalValLoss"] td.worse').text()).toContain('+0.0013');
    expect(w.find('tr[data-row="falseAlarmRate"] td.worse').exists()).toBe(true);
    w.unmount();
  });

  it('on multi-run data shows the series means beside the pooled values, and the protocol', async () => {
    const api = new CompareFakeApi();
    api.handlers['compare.get'] = () => multiRunComparison;
    const { w } = mountStep(CompareStep, api);
    await flushPromises();
    const midas = w.find('[data-testid="compare-row"][data-variant="midas"]');
    expect(midas.find('[data-col="vusPr"]').text()).toBe('0.455 ±0.021');
    expect(midas.find('[data-col="series:vusPr"]').text()).toBe('0.520 ±0.021');
    expect(midas.find('[data-col="series:aucRoc"]').text()).toBe('0.830 ±0.020');
    expect(w.find('button[data-sort="series:vusPr"]').attributes('title')).toMatch(/each series' own test rows/);
    const own = w.find('[data-testid="baseline-row"][data-baseline="pca-per-series"]');
    expect(own.find('th').text()).toBe('PCA reconstruction (per series)');
    expect(own.find('[data-col="series:vusPr"]').text()).toBe('0.610 ±0.021');
    expect(w.find('[data-testid="protocol"]').text()).toMatch(
      /^Protocol: per run: .* 11 of 12 series .* strongest classical detector under it: PCA reconstruction \(per series\)\.$/,
    );
    w.unmount();
    // One series: no per-series columns, no protocol line.
    const single = mountStep(CompareStep, new CompareFakeApi()).w;
    await flushPromises();
    expect(single.find('button[data-sort="series:vusPr"]').exists()).toBe(false);
    expect(single.find('[data-col="series:vusPr"]').exists()).toBe(false);
    expect(single.find('[data-testid="protocol"]').exists()).toBe(false);
    single.unmount();
  });
});
