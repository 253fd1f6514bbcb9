import { flushPromises, mount } from '@vue/test-utils';
import type { ChartConfiguration } from 'chart.js';
import { createPinia, setActivePinia } from 'pinia';
import { describe, expect, it } from 'vitest';
import { createApp } from 'vue';
import { API_KEY } from '../../src/renderer/src/api';
import ChartCanvas from '../../src/renderer/src/components/ChartCanvas.vue';
import { anomalyShading, fileBoundaries, scaleToRange, xAxisOf } from '../../src/renderer/src/components/import/channel-chart';
import { formatPercent, formatSamplingInterval, formatTime, formatTimeSpan } from '../../src/renderer/src/components/import/format';
import ImportStep from '../../src/renderer/src/steps/ImportStep.vue';
import { useDataStore } from '../../src/renderer/src/stores/data';
import { useWizardStore } from '../../src/renderer/src/stores/wizard';
import { ANOMALIES, BAD_FILE_ERROR, CHANNELS, FakeImportApi, WARNINGS, importResult } from './fakes/import';

function storeWith(api: FakeImportApi) {
  const app = createApp({ render: () => null });
  app.provide(API_KEY, api);
  const pinia = createPinia();
  app.use(pinia);
  setActivePinia(pinia);
  return { data: useDataStore(), wizard: useWizardStore() };
}

function mountStep(api = new FakeImportApi()) {
  const w = mount(ImportStep, { attachTo: document.body, global: { plugins: [createPinia()], provide: { [API_KEY as symbol]: api } } });
  return { w, api };
}

/** The step after importing the sample. */
async function imported(api = new FakeImportApi()) {
  const m = mountStep(api);
  await m.w.find('[data-testid="use-sample"]').trigger('click');
  await flushPromises();
  return m;
}

const chartConfig = (w: ReturnType<typeof mountStep>['w']) => w.findComponent(ChartCanvas).props('config') as ChartConfiguration<'line'>;

describe('data store', () => {
  it('imports a source, keeps the result and hands its id to the wizard', async () => {
    const api = new FakeImportApi();
    const { data, wizard } = storeWith(api);
    const pending = data.importSource({ kind: 'sample' });
    expect(data.busy).toBe(true);
    await pending;
    expect(api.imports).toEqual([{ source: { kind: 'sample' } }]);
    expect(data.busy).toBe(false);
    expect(data.error).toBeNull();
    expect(data.result?.profile.dataset.rows).toBe(20_160);
    expect(wizard.datasetId).toBe('ds-1');
  });

  it('keeps the previous result and data set when an import fails, with the message verbatim', async () => {
    const api = new FakeImportApi();
    const { data, wizard } = storeWith(api);
    await data.importSource({ kind: 'sample' });
    const before = data.result;
    api.answer = () => new Error(BAD_FILE_ERROR);
    await data.importSource({ kind: 'path', path: '/data/line3/export.csv' });
    expect(data.error).toBe(BAD_FILE_ERROR);
    expect(data.result).toBe(before);
    expect(wizard.datasetId).toBe('ds-1');
    expect(data.busy).toBe(false);
    expect(data.request?.source).toEqual({ kind: 'path', path: '/data/line3/export.csv' });
    api.answer = (req) => importResult(req, 'ds-3');
    await data.importSource({ kind: 'sample' });
    expect(data.error).toBeNull();
    expect(wizard.datasetId).toBe('ds-3');
  });

  it('re-imports the same source with role overrides merged, keeping the dialect', async () => {
    const api = new FakeImportApi();
    const { data } = storeWith(api);
    const source = { kind: 'path', path: '/data/line3/export.csv', labels: '/data/line3/labels.json' } as const;
    await data.importSource(source);
    await data.setDialect({ decimal: ',' });
    await data.setRole('pump_power', 'ignored');
    await data.setRole('vibration', 'event');
    expect(api.imports.at(-1)).toEqual({ source, decimal: ',', roles: { pump_power: 'ignored', vibration: 'event' } });
    expect(data.result?.columns.find((c) => c.name === 'vibration')?.role).toBe('event');
  });

  it('does not carry a refused role into the next change', async () => {
    const api = new FakeImportApi();
    const { data } = storeWith(api);
    await data.importSource({ kind: 'sample' });
    api.answer = () => new Error('choose at least one sensor channel');
    await data.setRole('feed_flow', 'ignored');
    api.answer = (req) => importResult(req);
    await data.setRole('pump_power', 'ignored');
    expect(api.imports.at(-1)).toEqual({ source: { kind: 'sample' }, roles: { pump_power: 'ignored' } });
  });

  it('drops role overrides when the delimiter changes, keeps them for the decimal mark', async () => {
    const api = new FakeImportApi();
    const { data } = storeWith(api);
    await data.importSource({ kind: 'sample' });
    await data.setRole('pump_power', 'ignored');
    await data.setDialect({ decimal: ',' });
    expect(api.imports.at(-1)).toEqual({ source: { kind: 'sample' }, roles: { pump_power: 'ignored' }, decimal: ',' });
    await data.setDialect({ delimiter: ',' });
    expect(api.imports.at(-1)).toEqual({ source: { kind: 'sample' }, roles: { pump_power: 'ignored' }, decimal: ',', delimiter: ',' });
    await data.setDialect({ delimiter: ';' });
    expect(api.imports.at(-1)).toEqual({ source: { kind: 'sample' }, decimal: ',', delimiter: ';' });
  });

  it('re-reads with or without a header line, starting the roles over', async () => {
    const api = new FakeImportApi();
    const { data } = storeWith(api);
    await data.importSource({ kind: 'sample' });
    await data.setRole('pump_power', 'ignored');
    await data.setDialect({ header: false });
    expect(api.imports.at(-1)).toEqual({ source: { kind: 'sample' }, header: false });
  });

  it('shows the answer to the latest request only', async () => {
    const api = new FakeImportApi();
    const { data, wizard } = storeWith(api);
    const release = api.holdNext();
    const slow = data.importSource({ kind: 'path', path: '/data/old.csv' });
    await data.importSource({ kind: 'sample' });
    expect(data.busy).toBe(false);
    release();
    await slow;
    expect(data.result?.source).toBe('sample (built-in synthetic plant)');
    expect(wizard.datasetId).toBe('ds-2');
    expect(data.busy).toBe(false);
  });

  it('builds quick role changes on each other, but not on another source being read', async () => {
    const api = new FakeImportApi();
    const { data } = storeWith(api);
    await data.importSource({ kind: 'sample' });
    const release = api.holdNext();
    const first = data.setRole('pump_power', 'ignored');
    await data.setRole('vibration', 'event');
    expect(api.imports.at(-1)).toEqual({ source: { kind: 'sample' }, roles: { pump_power: 'ignored', vibration: 'event' } });
    release();
    await first;
    const again = api.holdNext();
    const other = data.importSource({ kind: 'path', path: '/data/other.csv' });
    await data.setRole('feed_flow', 'ignored');
    expect(api.imports.at(-1)).toEqual({ source: { kind: 'path', path: '/data/other.csv' } });
    again();
    await other;
  });

  it('ignores role and dialect changes before anything is imported', async () => {
    const api = new FakeImportApi();
    const { data } = storeWith(api);
    await data.setRole('x', 'ignored');
    await data.setDialect({ delimiter: ';' });
    expect(api.calls).toEqual([]);
  });
});

describe('Import step', () => {
  it('starts with the heading, what the step does and both ways to import', () => {
    const { w } = mountStep();
    expect(w.find('h2').text()).toBe('Import plant data');
    expect(w.find('h2').attributes('id')).toBe('step-title-import');
    expect(w.find('[data-testid="empty-state"] .next').text()).toMatch(/^Next: /);
    expect(w.find('[data-testid="path"]').exists()).toBe(true);
    expect(w.find('[data-testid="labels"]').exists()).toBe(true);
    expect(w.find('[data-testid="use-sample"]').text()).toBe('Use the built-in sample plant');
    expect(w.find('[data-testid="profile"]').exists()).toBe(false);
    w.unmount();
  });

  it('imports the multi-run sample on its own button', async () => {
    const api = new FakeImportApi();
    const release = api.holdNext();
    const { w } = mountStep(api);
    expect(w.find('[data-testid="use-multi-run"]').text()).toBe('Use the multi-run sample');
    await w.find('[data-testid="use-multi-run"]').trigger('click');
    expect(api.calls).toEqual([{ channel: 'data.import', params: { source: { kind: 'sample', sample: 'multi-run' } } }]);
    await flushPromises();
    expect(w.find('[data-testid="import-busy"]').text()).toContain('Reading the multi-run sample');
    release();
    await flushPromises();
    w.unmount();
  });

  it('imports the sample with a busy indicator, then says so and sets the data set', async () => {
    const api = new FakeImportApi();
    const release = api.holdNext();
    const { w } = mountStep(api);
    await w.find('[data-testid="use-sample"]').trigger('click');
    expect(api.calls).toEqual([{ channel: 'data.import', params: { source: { kind: 'sample' } } }]);
    expect(w.find('[role="status"] [data-testid="import-busy"]').text()).toContain('Reading the sample plant');
    expect(w.find('.import-step').attributes('aria-busy')).toBe('true');
    await w.find('[data-testid="use-sample"]').trigger('click');
    expect(api.calls).toHaveLength(1);
    release();
    await flushPromises();
    expect(w.find('[data-testid="import-busy"]').exists()).toBe(false);
    expect(w.find('[data-testid="import-success"]').text()).toContain('Imported 20,160 rows × 10 channels from sample (built-in synthetic plant)');
    expect(w.find('h2').text()).toBe('Import plant data');
    expect(useWizardStore().datasetId).toBe('ds-1');
    w.unmount();
  });

  it('imports a path with its labels file, without the quotes a copied Windows path has', async () => {
    const { w, api } = mountStep();
    await w.find('[data-testid="path"]').setValue('  "C:\\Plant\\line3\\export.csv" ');
    await w.find('[data-testid="labels"]').setValue('C:\\Plant\\line3\\labels.json');
    await w.find('[data-testid="source-form"]').trigger('submit');
    expect(api.imports).toEqual([{ source: { kind: 'path', path: 'C:\\Plant\\line3\\export.csv', labels: 'C:\\Plant\\line3\\labels.json' } }]);
    w.unmount();
  });

  it('asks for a path instead of importing nothing', async () => {
    const { w, api } = mountStep();
    await w.find('[data-testid="import"]').trigger('click');
    await w.find('[data-testid="source-form"]').trigger('submit');
    expect(api.calls).toEqual([]);
    expect(w.find('#import-path-missing').text()).toMatch(/Enter the path/);
    expect(w.find('[data-testid="path"]').attributes('aria-invalid')).toBe('true');
    expect(document.activeElement?.id).toBe('import-path');
    w.unmount();
  });

  it('shows a bad file\'s error verbatim in an alert, and keeps the form filled', async () => {
    const api = new FakeImportApi();
    api.answer = () => new Error(BAD_FILE_ERROR);
    const { w } = mountStep(api);
    await w.find('[data-testid="path"]').setValue('/data/line3/export.csv');
    await w.find('[data-testid="source-form"]').trigger('submit');
    await flushPromises();
    const panel = w.find('[data-testid="import-error"]');
    expect(panel.attributes('role')).toBe('alert');
    expect(panel.find('.message').text()).toBe(BAD_FILE_ERROR);
    expect(panel.text()).not.toContain('still loaded');
    expect((w.find('[data-testid="path"]').element as HTMLInputElement).value).toBe('/data/line3/export.csv');
    expect(w.find('[data-testid="import-success"]').exists()).toBe(false);
    w.unmount();
  });

  it('shows the profile in cards', async () => {
    const { w } = await imported();
    const card = (key: string) => w.find(`[data-testid="profile"] [data-card="${key}"]`);
    expect(card('rows').find('.value').text()).toBe('20,160');
    expect(card('rows').find('.sub').text()).toBe('2026-01-05 00:00 → 2026-01-18 23:59');
    expect(card('files').find('.value').text()).toBe('1');
    expect(card('channels').find('.value').text()).toBe('10');
    expect(card('interval').find('.value').text()).toBe('1 minute');
    expect(card('labels').find('.value').text()).toBe('7.0%');
    expect(card('labels').find('.sub').text()).toContain('label column');
    expect(card('events').find('.value').text()).toBe('6');
    expect(card('events').find('.sub').text()).toBe('1 to 817 rows long');
    w.unmount();
  });

  it('lists every warning', async () => {
    const { w } = await imported();
    const items = w.findAll('[data-testid="warnings"] li').map((li) => li.text());
    expect(items).toHaveLength(WARNINGS.length);
    WARNINGS.forEach((text, i) => expect(items[i]).toContain(text));
    w.unmount();
  });

  it('says when there are no warnings and when there are no labels', async () => {
    const api = new FakeImportApi();
    api.answer = (req) => {
      const r = importResult(req);
      const file = { ...r.profile.files[0]!, warnings: [], labelRatio: null, labelSource: null, events: { count: 0, lengths: [], minLength: null, maxLength: null } };
      return { ...r, profile: { files: [file], dataset: { ...r.profile.dataset, labelRatio: null, events: 0 } } };
    };
    const { w } = await imported(api);
    expect(w.find('[data-testid="no-warnings"]').exists()).toBe(true);
    expect(w.find('[data-card="labels"] .value').text()).toBe('No labels');
    expect(w.find('[data-card="labels"]').classes()).toContain('warn');
    w.unmount();
  });

  it('shows a folder file by file, names each file\'s warnings and marks where files meet', async () => {
    const api = new FakeImportApi();
    api.answer = (req) => {
      const r = importResult(req);
      const one = { ...r.profile.files[0]!, path: '/data/line3/a.csv', rows: 12, warnings: ['3 duplicate timestamps'] };
      const two = { ...one, path: '/data/line3/b.csv', rows: 12, labelRatio: 0, warnings: [] };
      const x = Array.from({ length: 24 }, (_, i) => i);
      return {
        ...r,
        profile: { files: [one, two], dataset: { ...r.profile.dataset, files: 2, rows: 24, anomalyFreeFiles: ['/data/line3/b.csv'], warnings: ['channel vibration dropped from the data set: constant in some file'] } },
        plot: { ...r.plot, x, xUnit: 'row' as const, anomalies: [[3, 5]] },
      };
    };
    const { w } = await imported(api);
    expect(w.findAll('[data-testid="files"] tbody th').map((t) => t.text())).toEqual(['/data/line3/a.csv', '/data/line3/b.csv']);
    const warnings = w.findAll('[data-testid="warnings"] li').map((li) => li.text());
    expect(warnings).toEqual([
      expect.stringContaining('channel vibration dropped from the data set'),
      expect.stringContaining('/data/line3/a.csv: 3 duplicate timestamps'),
      expect.stringContaining('no labelled anomaly in /data/line3/b.csv'),
    ]);
    expect(chartConfig(w).options?.plugins?.anomalyShading?.boundaries).toEqual([12]);
    expect(w.find('[data-testid="plot-summary"]').text()).toContain('from a.csv, row 1 to b.csv, row 12');
    w.unmount();
  });

  it('shows the detected dialect and re-imports with another one', async () => {
    const { w, api } = await imported();
    expect((w.find('[data-testid="delimiter"]').element as HTMLSelectElement).value).toBe(',');
    expect((w.find('[data-testid="decimal"]').element as HTMLSelectElement).value).toBe('.');
    expect(w.find('[data-testid="header"]').text()).toMatch(/^Yes/);
    expect(w.find('[data-testid="dialect"]').text()).toContain('(detected)');
    await w.find('[data-testid="delimiter"]').setValue(';');
    expect(api.imports.at(-1)).toEqual({ source: { kind: 'sample' }, delimiter: ';' });
    await flushPromises();
    expect((w.find('[data-testid="delimiter"]').element as HTMLSelectElement).value).toBe(';');
    expect(w.find('[data-testid="dialect"]').text()).toContain('(your choice)');
    w.unmount();
  });

  it('lists the columns with a role select each and what the import found', async () => {
    const { w } = await imported();
    const rows = w.findAll('[data-testid="roles"] tbody tr');
    expect(rows.map((r) => r.find('th').text())).toEqual(['timestamp', ...CHANNELS, 'label', 'fault_kind']);
    const role = (name: string) => (w.find(`[data-testid="roles"] select[data-column="${name}"]`).element as HTMLSelectElement).value;
    expect(role('timestamp')).toBe('timestamp');
    expect(role('feed_flow')).toBe('channel');
    expect(role('label')).toBe('label');
    expect(role('fault_kind')).toBe('ignored');
    expect(w.find('[data-testid="roles"] select[data-column="feed_flow"]').attributes('aria-label')).toBe('Role of column feed_flow');
    expect(w.find('[data-testid="roles"] select').findAll('option').map((o) => o.attributes('value'))).toEqual(['timestamp', 'channel', 'label', 'event', 'series', 'ignored']);
    const text = w.find('[data-testid="roles"]').text();
    expect(text).toContain('0→normal, 1→abnormal');
    expect(text).toContain('text column');
    expect(text).toContain('1 to 10, mean 5');
    expect(text).toContain('2 missing (2 filled)');
    w.unmount();
  });

  it('re-imports when a role changes, and shows the new roles', async () => {
    const { w, api } = await imported();
    await w.find('select[data-column="vibration"]').setValue('ignored');
    expect(api.imports.at(-1)).toEqual({ source: { kind: 'sample' }, roles: { vibration: 'ignored' } });
    await flushPromises();
    expect((w.find('select[data-column="vibration"]').element as HTMLSelectElement).value).toBe('ignored');
    expect(w.find('select[data-column="vibration"]').element.closest('tr')?.textContent).toContain('your choice');
    expect(w.find('[data-card="channels"] .value').text()).toBe('9');
    await w.find('select[data-column="inlet_temp"]').setValue('event');
    expect(api.imports.at(-1)).toEqual({ source: { kind: 'sample' }, roles: { vibration: 'ignored', inlet_temp: 'event' } });
    w.unmount();
  });

  it('puts a refused role back and shows why, keeping the data set', async () => {
    const { w, api } = await imported();
    api.answer = () => new Error('only one column can be the timestamp (chosen: timestamp, feed_flow)');
    await w.find('select[data-column="feed_flow"]').setValue('timestamp');
    await flushPromises();
    expect(w.find('[data-testid="import-error"] .message').text()).toBe('only one column can be the timestamp (chosen: timestamp, feed_flow)');
    expect(w.find('[data-testid="import-error"]').text()).toContain('still loaded');
    expect((w.find('select[data-column="feed_flow"]').element as HTMLSelectElement).value).toBe('channel');
    expect(w.find('[data-testid="profile"]').exists()).toBe(true);
    w.unmount();
  });

  it('says when the engine could not give a column the role asked for', async () => {
    const api = new FakeImportApi();
    api.answer = (req) => {
      const r = importResult({ ...req, roles: {} });
      return { ...r, request: req, columns: r.columns.map((c) => (c.name === 'fault_kind' ? { ...c, note: 'no numeric value' } : c)) };
    };
    const { w } = await imported(api);
    await w.find('select[data-column="fault_kind"]').setValue('channel');
    await flushPromises();
    const row = w.find('select[data-column="fault_kind"]').element.closest('tr')!;
    expect((w.find('select[data-column="fault_kind"]').element as HTMLSelectElement).value).toBe('ignored');
    expect(row.querySelector('[data-testid="role-refused"]')?.textContent).toContain('you chose Sensor channel');
    expect(row.textContent).toContain('no numeric value');
    expect(row.textContent).not.toContain('your choice');
    w.unmount();
  });

  it('shows the first rows with each column\'s role', async () => {
    const { w } = await imported();
    const table = w.find('[data-testid="preview"]');
    expect(table.findAll('thead th .name').map((h) => h.text())).toEqual(['timestamp', ...CHANNELS, 'label', 'fault_kind']);
    expect(table.find('thead th[data-role="label"] .role').text()).toBe('label');
    const rows = table.findAll('tbody tr');
    expect(rows).toHaveLength(5);
    expect(rows[0]!.findAll('td').map((c) => c.text()).slice(0, 3)).toEqual(['2026-01-05T00:00:00Z', '10.0000', '11.0000']);
    expect(table.find('caption').text()).toContain('sample-plant.csv');
    w.unmount();
  });

  it('plots the first 8 channels in lanes, each scaled to its range, with the anomalies shaded', async () => {
    const { w } = await imported();
    const cfg = chartConfig(w);
    expect(cfg.type).toBe('line');
    expect(cfg.data.datasets.map((d) => d.label)).toEqual(CHANNELS.slice(0, 8));
    const lane = (k: number) => (cfg.data.datasets[k]!.data as { x: number; y: number }[]).map((p) => p.y);
    expect(cfg.data.datasets[0]!.data).toHaveLength(24);
    expect((cfg.data.datasets[0]!.data[1] as { x: number }).x).toBe(1_200);
    // The first channel in the top lane (7…8), the eighth in the bottom one (0…1).
    expect(Math.min(...lane(0))).toBeCloseTo(7.08);
    expect(Math.max(...lane(0))).toBeCloseTo(7.92);
    expect(Math.min(...lane(7))).toBeCloseTo(0.08);
    expect(Math.max(...lane(7))).toBeCloseTo(0.92);
    expect(cfg.options?.scales?.y?.max).toBe(8);
    expect(cfg.options?.plugins?.anomalyShading?.ranges).toEqual(ANOMALIES);
    expect(cfg.plugins?.map((p) => p.id)).toContain('anomalyShading');
    expect(cfg.options?.scales?.x?.type).toBe('linear');
    const summary = w.find('[data-testid="plot-summary"]').text();
    expect(summary).toContain('8 of 10 channels');
    expect(summary).toContain('from 2026-01-05 00:00 to 2026-01-05 07:40');
    expect(summary).toContain('2 labelled anomalies');
    expect(w.findAll('[data-testid="anomaly-list"] li').map((li) => li.text())).toEqual(['2026-01-05 02:40 to 2026-01-05 04:00', '2026-01-05 06:20 to 2026-01-05 06:20']);
    expect(w.find('canvas').attributes('aria-label')).toBe(summary);
    w.unmount();
  });

  it('lets the user pick the channels and overlay them, scaled or in real units', async () => {
    const { w } = await imported();
    const box = (name: string) => w.find(`[data-testid="channel-picker"] input[value="${name}"]`);
    expect((box('pressure').element as HTMLInputElement).checked).toBe(true);
    expect((box('inlet_temp').element as HTMLInputElement).checked).toBe(false);
    await box('vibration').setValue(true);
    await box('feed_flow').setValue(false);
    expect(chartConfig(w).data.datasets.map((d) => d.label)).toEqual([...CHANNELS.slice(1, 8), 'vibration']);
    await w.findAll('.picker .quick button').find((b) => b.text() === 'All')!.trigger('click');
    expect(chartConfig(w).data.datasets).toHaveLength(10);
    await w.findAll('.picker .quick button').find((b) => b.text() === 'None')!.trigger('click');
    expect(chartConfig(w).data.datasets).toHaveLength(0);
    await w.findAll('.picker .quick button').find((b) => b.text() === 'First 8')!.trigger('click');
    await w.find('[data-testid="layout"] input[value="scaled"]').setValue(true);
    const ys = (chartConfig(w).data.datasets[1]!.data as { y: number }[]).map((p) => p.y);
    expect([Math.min(...ys), Math.max(...ys)]).toEqual([0, 1]);
    await w.find('[data-testid="layout"] input[value="raw"]').setValue(true);
    const cfg = chartConfig(w);
    expect(cfg.data.datasets).toHaveLength(8);
    expect((cfg.data.datasets[1]!.data as { y: number }[])[0]!.y).toBe(importResult().plot.channels[1]!.values[0]);
    w.unmount();
  });
});

describe('channel plot pieces', () => {
  it('shades every anomaly at least 2 px wide, inside the chart area', () => {
    const rects: number[][] = [];
    const ctx = { save() {}, restore() {}, fillRect: (...r: number[]) => rects.push(r), fillStyle: '', globalAlpha: 1 };
    const chart = { ctx, chartArea: { left: 50, right: 550, top: 10, bottom: 210 }, scales: { x: { getPixelForValue: (v: number) => 50 + v / 10 } } };
    const draw = anomalyShading.beforeDatasetsDraw as (c: unknown, a: unknown, o: unknown) => void;
    draw(chart, {}, { ranges: [[100, 300], [2_000, 2_000], [-500, 50], [9_000, 9_500]], color: '#c62828' });
    expect(rects).toEqual([[60, 10, 20, 200], [250, 10, 2, 200], [50, 10, 5, 200]]);
    expect(ctx.fillStyle).toBe('#c62828');
  });

  it('puts time ticks on round clock times, dates when they are days apart', () => {
    const plot = (x: number[], xUnit: 'row' | 'seconds') => ({ x, xUnit, channels: [], anomalies: [] });
    const days = xAxisOf(plot([0, 14 * 86_400 - 60], 'seconds'), '2026-01-05T06:00:00Z', []);
    expect(days.ticks?.map(days.tick)).toEqual(['2026-01-07', '2026-01-09', '2026-01-11', '2026-01-13', '2026-01-15', '2026-01-17', '2026-01-19']);
    expect(days.format(60)).toBe('2026-01-05 06:01');
    const hours = xAxisOf(plot([0, 5 * 3_600], 'seconds'), '2026-01-05T06:20:00Z', []);
    expect(hours.ticks?.map(hours.tick)).toEqual(['07:00', '08:00', '09:00', '10:00', '11:00']);
    const since = xAxisOf(plot([0, 3 * 86_400], 'seconds'), null, []);
    expect(since.title).toBe('Time since the first row');
    expect(since.tick(86_400 + 7_200)).toBe('1 day 2 hours');
    const rows = xAxisOf(plot([0, 5_999], 'row'), null, [{ path: 'C:\\Plant\\line1.csv', rows: 3_000 }, { path: '/data/line2.csv', rows: 3_000 }]);
    expect(rows.title).toMatch(/^Row \(the files end to end/);
    expect(rows.ticks).toBeUndefined();
    expect(rows.tick(4_500)).toBe('4,500');
    expect(rows.format(0)).toBe('line1.csv, row 1');
    expect(rows.format(4_500)).toBe('line2.csv, row 1,501');
    expect(fileBoundaries([{ path: 'a', rows: 10 }, { path: 'b', rows: 20 }, { path: 'c', rows: 5 }])).toEqual([10, 30]);
  });

  it('draws where files meet as dashed lines', () => {
    const lines: number[] = [];
    const ctx = { save() {}, restore() {}, fillRect() {}, setLineDash() {}, beginPath() {}, stroke() {}, lineTo() {}, moveTo: (px: number) => lines.push(px), fillStyle: '', strokeStyle: '', globalAlpha: 1 };
    const chart = { ctx, chartArea: { left: 50, right: 550, top: 10, bottom: 210 }, scales: { x: { getPixelForValue: (v: number) => 50 + v / 10 } } };
    const draw = anomalyShading.beforeDatasetsDraw as (c: unknown, a: unknown, o: unknown) => void;
    draw(chart, {}, { ranges: [], color: '#c62828', boundaries: [3_000], boundaryColor: '#5b6675' });
    expect(lines).toEqual([350]);
    expect(ctx.strokeStyle).toBe('#5b6675');
  });

  it('scales a channel to 0…1, a flat one to the middle, gaps kept', () => {
    expect(scaleToRange([2, 4, NaN, 6])).toEqual([0, 0.5, NaN, 1]);
    expect(scaleToRange([3, 3])).toEqual([0.5, 0.5]);
  });

  it('words numbers and times for a factory engineer', () => {
    expect(formatSamplingInterval(60)).toBe('1 minute');
    expect(formatSamplingInterval(0.5)).toBe('500 ms');
    expect(formatSamplingInterval(90)).toBe('1.5 minutes');
    expect(formatTimeSpan(1_209_540)).toBe('13 days 23 hours');
    expect(formatPercent(0.0704861)).toBe('7.0%');
    expect(formatPercent(0.0004)).toBe('0.04%');
    expect(formatTime(Date.parse('2026-01-05T06:00:30Z'))).toBe('2026-01-05 06:00:30');
  });
});

describe('channel plot theme', () => {
  it('redraws the shading in the dark theme\'s red when the app switches theme', async () => {
    const style = document.createElement('style');
    style.textContent = ":root[data-theme='dark'] { --bad: #f85149; }";
    document.head.append(style);
    const { w } = await imported();
    expect(chartConfig(w).options?.plugins?.anomalyShading?.color).toBe('#c62828');
    document.documentElement.dataset.theme = 'dark';
    await flushPromises();
    expect(chartConfig(w).options?.plugins?.anomalyShading?.color).toBe('#f85149');
    w.unmount();
    delete document.documentElement.dataset.theme;
    style.remove();
  });
});
