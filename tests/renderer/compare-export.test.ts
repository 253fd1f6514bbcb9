import { flushPromises, mount } from '@vue/test-utils';
import { variantLabel } from '../../src/shared/growth';
import type { ChartConfiguration } from 'chart.js';
import { createPinia, setActivePinia, type Pinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createApp, type Component } from 'vue';
import App from '../../src/renderer/src/App.vue';
import { API_KEY } from '../../src/renderer/src/api';
import { sortRows } from '../../src/renderer/src/compare/columns';
import { prChartConfig, probeChartConfigs, variantColors } from '../../src/renderer/src/compare/charts';
import ChartCanvas from '../../src/renderer/src/components/ChartCanvas.vue';
import { lossChartConfig } from '../../src/renderer/src/components/train/lossCharts';
import CompareStep from '../../src/renderer/src/steps/CompareStep.vue';
import ExportStep from '../../src/renderer/src/steps/ExportStep.vue';
import { useCompareStore } from '../../src/renderer/src/stores/compare';
import { THEME_KEY, useSettingsStore } from '../../src/renderer/src/stores/settings';
import type { RunLive } from '../../src/renderer/src/stores/training';
import { useWizardStore } from '../../src/renderer/src/stores/wizard';
import { readThemeColors } from '../../src/renderer/src/theme/colors';
import { chartStub, comparison, CompareFakeApi, JOB_DIR } from './fakes/compare';

/** A store of a fresh pinia inside an app that provides `api` (as the real app does). */
function storesWith(api: CompareFakeApi) {
  const app = createApp({ render: () => null });
  app.provide(API_KEY, api);
  const pinia = createPinia();
  app.use(pinia);
  setActivePinia(pinia);
  return { compare: useCompareStore(), settings: useSettingsStore() };
}

function mountStep(component: Component, api: CompareFakeApi, opts: { jobDir?: string | null; stubs?: Record<string, Component> } = {}) {
  const pinia: Pinia = createPinia();
  setActivePinia(pinia);
  useWizardStore(pinia).jobDir = opts.jobDir === undefined ? JOB_DIR : opts.jobDir;
  const w = mount(component, { attachTo: document.body, global: { plugins: [pinia], provide: { [API_KEY as symbol]: api }, stubs: opts.stubs ?? {} } });
  return { w, compare: useCompareStore(pinia) };
}

/** The config passed to the chart whose figure has `data-chart=id`. */
function chartConfig(w: ReturnType<typeof mount>, id: string): ChartConfiguration {
  const canvas = w.findAllComponents(ChartCanvas).find((c) => c.element.closest(`[data-chart="${id}"]`));
  if (!canvas) throw new Error(`no chart ${id}`);
  return canvas.props('config') as ChartConfiguration;
}
const labels = (cfg: ChartConfiguration) => cfg.data.datasets.map((d) => d.label);

/** Records the downloads the renderer starts (object URLs and clicks on <a download>). */
function captureDownloads() {
  const blobs: Blob[] = [];
  const clicks: { name: string; href: string }[] = [];
  const create = vi.fn((b: Blob) => {
    blobs.push(b);
    return `blob:stacklab/${blobs.length}`;
  });
  const revoke = vi.fn();
  vi.stubGlobal('URL', Object.assign(URL, { createObjectURL: create, revokeObjectURL: revoke }));
  vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
    clicks.push({ name: this.download, href: this.getAttribute('href') ?? '' });
  });
  return { blobs, clicks, create };
}

beforeEach(() => {
  localStorage.clear();
  document.documentElement.removeAttribute('data-theme');
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
  document.body.innerHTML = '';
});

describe('compare store', () => {
  it('loads a job: the comparison, every variant selected, and the best variant’s timeline', async () => {
    const api = new CompareFakeApi();
    const { compare } = storesWith(api);
    const loading = compare.load(JOB_DIR);
    expect(compare.busy).toBe(true);
    await loading;
    expect(compare.busy).toBe(false);
    expect(compare.error).toBeNull();
    expect(compare.comparison?.variants.map((v) => v.variant)).toEqual(['baseline', 'gradstack', 'midas']);
    expect(compare.selected).toEqual(['baseline', 'gradstack', 'midas']);
    expect(api.paramsOf('compare.get')).toEqual([{ dir: JOB_DIR }]);
    // midas has the best VUS-PR: its first seed's run is the timeline and the default model.
    expect(compare.timelineVariant).toBe('midas');
    expect(api.paramsOf('compare.timeline')).toEqual([{ runDir: `${JOB_DIR}/midas-s1` }]);
    expect(compare.timeline?.threshold).toBe(0.9);
    expect(compare.modelRun).toBe(`${JOB_DIR}/midas-s1`);
  });

  it('keeps a loaded job (ensure) and says what failed', async () => {
    const api = new CompareFakeApi();
    const { compare } = storesWith(api);
    await compare.ensure(JOB_DIR);
    await compare.ensure(JOB_DIR);
    expect(api.paramsOf('compare.get')).toHaveLength(1);
    api.fail['compare.get'] = `${JOB_DIR} holds no finished run`;
    await compare.load(JOB_DIR);
    expect(compare.error).toBe(`Could not compare the runs in ${JOB_DIR}: ${JOB_DIR} holds no finished run`);
    expect(compare.busy).toBe(false);
  });

  it('sorts best first on the first click, reverses on the second, and puts missing values last', async () => {
    const { compare } = storesWith(new CompareFakeApi());
    await compare.load(JOB_DIR);
    expect(compare.rows.map((v) => v.variant)).toEqual(['baseline', 'gradstack', 'midas']);
    compare.sortBy('vusPr');
    expect(compare.sortDir).toBe('desc');
    expect(compare.rows.map((v) => v.variant)).toEqual(['midas', 'baseline', 'gradstack']);
    compare.sortBy('vusPr');
    expect(compare.rows.map((v) => v.variant)).toEqual(['gradstack', 'baseline', 'midas']);
    compare.sortBy('wallMs');
    expect(compare.sortDir).toBe('asc');
    expect(compare.rows.map((v) => v.variant)).toEqual(['gradstack', 'midas', 'baseline']);
    const noSpeed = { ...comparison.variants[1]!, variant: 'orphan', speedup: null };
    for (const dir of ['asc', 'desc'] as const) expect(sortRows([noSpeed, ...comparison.variants], 'speedup', dir).at(-1)?.variant).toBe('orphan');
  });
});

describe('Compare step', () => {
  it('shows the empty state without a job', () => {
    const { w } = mountStep(CompareStep, new CompareFakeApi(), { jobDir: null });
    expect(w.find('h2').text()).toBe('Compare');
    expect(w.find('[data-testid="empty-state"]').exists()).toBe(true);
    w.unmount();
  });

  it('shows a busy state, then the verdict, the warnings and the table with intervals', async () => {
    const { w } = mountStep(CompareStep, new CompareFakeApi());
    expect(w.find('[role="status"]').text()).toContain('Comparing the runs');
    await flushPromises();
    expect(w.find('h2').text()).toBe('Compare');
    expect(w.findAll('[data-testid="verdict"] li').map((l) => l.text())).toEqual(comparison.verdict);
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
    const headers = w.findAll('[data-testid="compare-table"] thead button.sort').map((b) => b.text().replace(/[↕▲▼]/g, ''));
    expect(headers).toEqual(['Variant', 'Seeds', 'Speed-up', 'FLOPs ratio', 'Wall-clock (s)', 'Val loss', 'VUS-PR', 'VUS-ROC', 'AUC-PR', 'F1', 'range F1', 'event F1', 'false-alarm rate', 'Probes']);
    w.unmount();
  });

  it('marks a variant and a detector that are not usable here, with why, and shows the trivial detectors', async () => {
    const api = new CompareFakeApi();
    const why = ["its VUS-PR 0.398 [0.36, 0.44] does not lie above the random scores' 0.41 [0.40, 0.42]"];
    const trivial = { name: 'always-alarm', label: 'alarm on every row', kind: 'trivial' as const, metrics: { f1: { mean: 0.18, lo: 0.18, hi: 0.18, n: 1 }, falseAlarmRate: { mean: 1, lo: 1, hi: 1, n: 1 } }, pointAdjustedF1: null, usable: null, why: [] };
    api.handlers['compare.get'] = () => ({
      ...comparison,
      variants: comparison.variants.map((v) => (v.variant === 'gradstack' ? { ...v, usable: false, why } : v)),
      baselines: [...comparison.baselines, trivial],
      probeInformative: { ...comparison.probeInformative, lookup: false },
    });
    const { w } = mountStep(CompareStep, api);
    await flushPromises();
    const row = (v: string) => w.find(`[data-testid="compare-row"][data-variant="${v}"]`);
    expect(row('gradstack').find('[data-testid="not-usable"]').text()).toBe('not usable here');
    expect(row('gradstack').find('[data-testid="not-usable"]').attributes('title')).toBe(`Not usable here: ${why[0]}`);
    expect(row('midas').find('[data-testid="not-usable"]').exists()).toBe(false);
    // A probe no variant passes above chance is struck through, with the reason.
    const lookup = row('midas').findAll('[data-col="probes"] .line').find((l) => l.text().startsWith('lookup'))!;
    expect(lookup.classes()).toContain('silent');
    expect(lookup.attributes('title')).toMatch(/not informative on this data/i);
    const baseline = (name: string) => w.find(`[data-testid="baseline-row"][data-baseline="${name}"]`);
    expect(baseline('random').find('[data-col="usable"]').text()).toBe('no');
    expect(baseline('random').find('[data-col="usable"]').attributes('title')).toMatch(/chance level/);
    expect(baseline('pca').find('[data-col="usable"]').text()).toBe('yes');
    expect(baseline('always-alarm').find('[data-col="usable"]').text()).toBe('–');
    expect(baseline('always-alarm').text()).toContain('0.180');
    // Every metric heading says in a sentence what it measures and which way is better.
    const vus = w.find('button[data-sort="vusPr"]').attributes('title')!;
    expect(vus).toMatch(/^Volume under the surface .* how well the scores rank the labelled anomalies .* higher is better/);
    expect(w.find('button[data-sort="falseAlarmRate"]').attributes('title')).toMatch(/^The share of normal test rows that raise an alarm; lower is better/);
    expect(w.find('[data-testid="compare-setup"]').text()).toMatch(/1 series, 6 channels; .* alarm thresholds pooled; 12\.0% of the test rows are labelled anomalies/);
    w.unmount();
  });

  it('sorts when a header is clicked and marks the column with aria-sort', async () => {
    const { w } = mountStep(CompareStep, new CompareFakeApi());
    await flushPromises();
    const header = () => w.find('button[data-sort="vusPr"]').element.closest('th')!;
    expect(header().getAttribute('aria-sort')).toBeNull();
    await w.find('button[data-sort="vusPr"]').trigger('click');
    expect(w.findAll('[data-testid="compare-row"]').map((r) => r.attributes('data-variant'))).toEqual(['midas', 'baseline', 'gradstack']);
    expect(header().getAttribute('aria-sort')).toBe('descending');
    await w.find('button[data-sort="vusPr"]').trigger('click');
    expect(header().getAttribute('aria-sort')).toBe('ascending');
    expect(w.findAll('[data-testid="compare-row"]').map((r) => r.attributes('data-variant'))).toEqual(['gradstack', 'baseline', 'midas']);
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
    expect(labels(chartConfig(w, 'isoplot'))).toEqual(['Baseline', 'Baseline fit', 'MIDAS', 'MIDAS fit', "baseline's final loss"]);
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

  it('leaves out detection columns, baselines and the timeline when the data have no labels', async () => {
    const api = new CompareFakeApi();
    const unlabelled = {
      ...comparison,
      baselines: [],
      variants: comparison.variants.map((v) => ({ ...v, metrics: {}, differences: {}, pointAdjustedF1: null, prCurve: null, isoplot: { ...v.isoplot, metric: 'copy probe accuracy' } })),
      warnings: ['the data have no labelled anomalies in a test part: no detection metrics, only speed, loss and the probes'],
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
    expect(chartConfig(w, 'isoplot').options?.plugins?.title?.text).toBe('Isoplot: copy probe accuracy against validation loss at each checkpoint');
    expect(w.find('[data-testid="warnings"]').text()).toContain('no labelled anomalies');
    w.unmount();
  });

  it('shows the classical detectors, point-adjusted F1 only beside random, and highlights significant differences', async () => {
    const { w } = mountStep(CompareStep, new CompareFakeApi());
    await flushPromises();
    const table = w.find('[data-testid="baselines-table"]');
    expect(table.find('thead th').text()).toBe('Classical detector');
    expect(table.text()).toContain('Point-adjusted F1 (inflated)');
    const pa = w.findAll('[data-testid="baseline-row"]').map((r) => [r.attributes('data-baseline'), r.find('[data-col="pointAdjustedF1"]').text()]);
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
});

describe('one colour per variant across Train, Compare and Export', () => {
  const matched = { ...comparison.variants[0]!, variant: 'baseline≈midas' };
  const withMatched = { ...comparison, variants: [comparison.variants[0]!, matched, ...comparison.variants.slice(1)] };
  const liveRun = (run: number, name: string): RunLive => ({ run, name, seed: 1, step: 20, totalSteps: 100, stage: 1, stages: 1, layers: 2, loss: 1, valLoss: null, flops: 0, elapsedMs: 0, etaMs: 0, points: [{ step: 10, flops: 1, wallMs: 1, loss: 1 }, { step: 20, flops: 2, wallMs: 2, loss: 0.9 }], growth: [], wallOffsetMs: 0 });
  const names = ['baseline', 'baseline≈midas', 'gradstack', 'midas'];
  const style = (datasets: readonly { label?: string; borderColor?: unknown; borderDash?: unknown }[], name: string) => {
    const d = datasets.find((x) => x.label === variantLabel(name))!;
    return { color: d.borderColor, dashed: Array.isArray(d.borderDash) && d.borderDash.length > 0 };
  };

  it('draws a variant in the same colour in the loss charts and the comparison’s charts, on either theme', () => {
    for (const dark of [false, true]) {
      const train = lossChartConfig(names.map((n, i) => liveRun(i, n)), 'step', { ...readThemeColors(), dark }).data.datasets;
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
    expect((probe.config.data.datasets[0]!.borderColor as string[])[1]).toBe(variantColors(comparison, 'light').get('midas'));
    // Beside chance, what a naive persistence predictor scores on the same items.
    expect(probe.config.data.datasets.map((d) => d.label)).toEqual(['95% interval over seeds', 'mean', 'chance (0.25)', 'naive persistence (0.27)']);
  });

  it('uses the same colours in the Compare step (charts and table) and the charts the Export step saves', async () => {
    const api = new CompareFakeApi();
    const train = lossChartConfig(['baseline', 'midas'].map((n, i) => liveRun(i, n)), 'step', readThemeColors()).data.datasets;
    for (const step of [CompareStep, ExportStep]) {
      const { w } = mountStep(step, api);
      await flushPromises();
      const pr = chartConfig(w, 'precision-recall').data.datasets;
      for (const name of ['baseline', 'midas']) expect(style(pr, name).color).toBe(style(train, name).color);
      w.unmount();
    }
  });
});

describe('Export step', () => {
  it('shows the empty state without a job', () => {
    const { w } = mountStep(ExportStep, new CompareFakeApi(), { jobDir: null });
    expect(w.find('h2').text()).toBe('Export');
    expect(w.find('[data-testid="empty-state"]').exists()).toBe(true);
    w.unmount();
  });

  it('exports the report and the CSV of the job as downloads and says where copies were saved', async () => {
    const dl = captureDownloads();
    const api = new CompareFakeApi();
    const { w } = mountStep(ExportStep, api);
    await flushPromises();
    expect(w.find('h2').text()).toBe('Export');
    expect(w.find('[data-testid="run-folder"]').text()).toBe(JOB_DIR);
    const answer = api.handlers['export.file']!;
    let release = () => {};
    api.handlers['export.file'] = (p) => new Promise((resolve) => (release = () => resolve(answer(p))));
    await w.find('[data-testid="export-report"]').trigger('click');
    expect(w.find('[data-testid="export-report"]').text()).toBe('Writing the report…');
    expect(w.find('[data-testid="export-csv"]').attributes('disabled')).toBeDefined();
    release();
    await flushPromises();
    api.handlers['export.file'] = answer;
    expect(api.paramsOf('export.file')).toEqual([{ kind: 'report', dir: JOB_DIR }]);
    expect(dl.clicks).toEqual([{ name: 'stacklab-report.html', href: 'blob:stacklab/1' }]);
    expect(dl.blobs[0]!.type).toBe('text/html');
    expect(await dl.blobs[0]!.text()).toContain('<title>report</title>');
    expect(w.find('[data-testid="saved-report"]').text()).toContain(`${JOB_DIR}/stacklab-report.html`);

    await w.find('[data-testid="export-csv"]').trigger('click');
    await flushPromises();
    expect(api.paramsOf('export.file')[1]).toEqual({ kind: 'csv', dir: JOB_DIR });
    expect(dl.clicks[1]!.name).toBe('stacklab-comparison.csv');
    expect(await dl.blobs[1]!.text()).toBe('quantity,baseline\r\nseeds,3\r\n');
    expect(w.find('[data-testid="saved-csv"]').text()).toContain('stacklab-comparison.csv');
    w.unmount();
  });

  it('exports the chosen run’s model as ONNX, decoded from base64', async () => {
    const dl = captureDownloads();
    const api = new CompareFakeApi();
    const { w, compare } = mountStep(ExportStep, api);
    await flushPromises();
    const options = w.findAll('[data-testid="onnx-run"] option').map((o) => o.text());
    expect(options).toHaveLength(9);
    expect(options[0]).toBe('Baseline, seed 1');
    await w.find('[data-testid="onnx-run"]').setValue(`${JOB_DIR}/gradstack-s2`);
    expect(compare.modelRun).toBe(`${JOB_DIR}/gradstack-s2`);
    await w.find('[data-testid="export-onnx"]').trigger('click');
    await flushPromises();
    expect(api.paramsOf('export.file')).toEqual([{ kind: 'onnx', dir: `${JOB_DIR}/gradstack-s2` }]);
    expect(dl.clicks[0]!.name).toBe('midas-s1.onnx');
    expect([...new Uint8Array(await dl.blobs[0]!.arrayBuffer())]).toEqual([0x08, 0x09, 0x12, 0xff]);
    expect(w.find('[data-testid="saved-onnx"]').text()).toContain(`${JOB_DIR}/gradstack-s2/midas-s1.onnx`);
    api.fail['export.file'] = 'no checkpoint yet: train it first';
    await w.find('[data-testid="export-onnx"]').trigger('click');
    await flushPromises();
    expect(w.find('[data-testid="export-error"]').text()).toBe('Could not export the model: no checkpoint yet: train it first');
    w.unmount();
  });

  it('saves each chart as PNG from the chart’s own canvas', async () => {
    const dl = captureDownloads();
    const { w } = mountStep(ExportStep, new CompareFakeApi(), { stubs: { ChartCanvas: chartStub(`data:image/png;base64,${btoa('\x89PNG')}`) } });
    await flushPromises();
    await w.find('[data-testid="save-png-isoplot"]').trigger('click');
    await w.find('[data-testid="save-png-timeline"]').trigger('click');
    expect(dl.clicks.map((c) => c.name)).toEqual(['stacklab-isoplot.png', 'stacklab-timeline.png']);
    expect(dl.blobs[0]!.type).toBe('image/png');
    expect([...new Uint8Array(await dl.blobs[0]!.arrayBuffer())]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    w.unmount();
  });

  it('says when a chart is not drawn yet (no canvas context)', async () => {
    captureDownloads();
    const { w } = mountStep(ExportStep, new CompareFakeApi());
    await flushPromises();
    await w.find('[data-testid="save-png-precision-recall"]').trigger('click');
    expect(w.find('.compare-charts [role="alert"]').text()).toContain('not drawn yet');
    w.unmount();
  });
});

describe('settings', () => {
  function mountApp(api = new CompareFakeApi()) {
    return mount(App, { attachTo: document.body, global: { plugins: [createPinia()], provide: { [API_KEY as symbol]: api } } });
  }

  it('opens from the gear, loads the settings, saves a change, and closes with Esc', async () => {
    const api = new CompareFakeApi();
    const w = mountApp(api);
    await flushPromises();
    await w.find('[data-testid="open-settings"]').trigger('click');
    expect(w.find('[data-testid="settings-panel"]').exists()).toBe(true);
    expect(w.find('[data-testid="next"]').exists()).toBe(false);
    await flushPromises();
    expect(api.paramsOf('settings.get')).toEqual([{}]);
    expect((w.find('[data-testid="runs-dir"]').element as HTMLInputElement).value).toBe('/home/eng/StackLab/runs');
    const devices = w.findAll('[data-testid="default-device"] option');
    expect(devices.map((o) => o.attributes('value'))).toEqual(['auto', 'cuda', 'webgpu', 'cpu']);
    expect(devices[0]!.text()).toBe('Automatic (webgpu here)');
    expect(devices[1]!.attributes('disabled')).toBeDefined();
    expect(devices[1]!.text()).toContain('not installed');

    await w.find('[data-testid="runs-dir"]').setValue('/data/stacklab');
    await w.find('[data-testid="default-device"]').setValue('cpu');
    await w.find('[data-testid="threads"]').setValue('4');
    await w.find('[data-testid="settings-form"]').trigger('submit');
    await flushPromises();
    expect(api.paramsOf('settings.set')).toEqual([{ runsDir: '/data/stacklab', defaultDevice: 'cpu', threads: 4 }]);
    expect(w.find('[data-testid="settings-saved"]').text()).toBe('Saved.');
    // The status bar's runs folder comes from system.info: asked again after a move.
    expect(api.paramsOf('system.info')).toHaveLength(2);

    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape' }));
    await flushPromises();
    expect(w.find('[data-testid="settings-panel"]').exists()).toBe(false);
    expect(w.find('h2').text()).toBe('Import plant data');
    expect(document.activeElement?.getAttribute('data-testid')).toBe('open-settings');
    w.unmount();
  });

  it('shows why the engine refused a change and checks the threads field', async () => {
    const api = new CompareFakeApi();
    const w = mountApp(api);
    await w.find('[data-testid="open-settings"]').trigger('click');
    await flushPromises();
    await w.find('[data-testid="threads"]').setValue('2.5');
    expect(w.find('[data-testid="settings-invalid"]').text()).toMatch(/whole number/);
    expect(w.find('[data-testid="save-settings"]').attributes('disabled')).toBeDefined();
    await w.find('[data-testid="threads"]').setValue('2');
    await w.find('[data-testid="runs-dir"]').setValue('relative/runs');
    api.fail['settings.set'] = 'the runs folder must be an absolute path, got "relative/runs"';
    await w.find('[data-testid="settings-form"]').trigger('submit');
    await flushPromises();
    expect(w.find('[data-testid="settings-error"]').text()).toBe('Could not save the settings: the runs folder must be an absolute path, got "relative/runs"');
    w.unmount();
  });

  it('applies the theme as data-theme on <html> and remembers it', async () => {
    localStorage.setItem(THEME_KEY, 'dark');
    const w = mountApp();
    expect(document.documentElement.dataset.theme).toBe('dark');
    await w.find('[data-testid="open-settings"]').trigger('click');
    await w.find('[data-testid="theme-light"]').setValue(true);
    expect(document.documentElement.dataset.theme).toBe('light');
    expect(localStorage.getItem(THEME_KEY)).toBe('light');
    await w.find('[data-testid="theme-toggle"]').trigger('click');
    expect(document.documentElement.dataset.theme).toBe('dark');
    await w.find('[data-testid="theme-toggle"]').trigger('click');
    expect(document.documentElement.dataset.theme).toBe('system');
    expect(localStorage.getItem(THEME_KEY)).toBe('system');
    w.unmount();
  });

  it('store: reads and writes through settings.get and settings.set, with the error in words', async () => {
    const api = new CompareFakeApi();
    const { settings } = storesWith(api);
    await settings.load();
    expect(settings.settings).toEqual({ runsDir: '/home/eng/StackLab/runs', defaultDevice: 'auto', threads: 0 });
    expect(await settings.save({ threads: 8 })).toBe(true);
    expect(settings.settings?.threads).toBe(8);
    api.fail['settings.get'] = 'settings.json is not valid JSON (line 3)';
    await settings.load();
    expect(settings.error).toBe('Could not read the settings: settings.json is not valid JSON (line 3)');
  });
});
