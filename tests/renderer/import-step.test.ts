import { flushPromises } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import { useWizardStore } from '../../src/renderer/src/stores/wizard';
import type { FileProfile } from '../../src/shared/profile';
import { formatValue, poolChannels } from '../../src/renderer/src/model/import-format';
import {
  ANOMALIES,
  BAD_FILE_ERROR,
  CHANNELS,
  chartConfig,
  FakeImportApi,
  imported,
  importResult,
  mountStep,
  UNFIT,
  WARNINGS,
} from './fakes/import';

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
    expect(api.calls).toEqual([
      { channel: 'data.import', params: { source: { kind: 'sample', sample: 'multi-run' } } },
    ]);
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
    expect(w.find('[data-testid="import-success"]').text()).toContain(
      'Imported 20,160 rows × 10 channels from sample (built-in synthetic plant)',
    );
    expect(w.find('h2').text()).toBe('Import plant data');
    expect(useWizardStore().datasetId).toBe('ds-1');
    w.unmount();
  });

  it('imports a path with its labels file, without the quotes a copied Windows path has', async () => {
    const { w, api } = mountStep();
    await w.find('[data-testid="path"]').setValue('  "C:\\Plant\\line3\\export.csv" ');
    await w.find('[data-testid="labels"]').setValue('C:\\Plant\\line3\\labels.json');
    await w.find('[data-testid="source-form"]').trigger('submit');
    expect(api.imports).toEqual([
      { source: { kind: 'path', path: 'C:\\Plant\\line3\\export.csv', labels: 'C:\\Plant\\line3\\labels.json' } },
    ]);
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

  it("shows a bad file's error in an alert, its advice naming the app's controls, and keeps the form filled", async () => {
    const api = new FakeImportApi();
    api.answer = () => new Error(BAD_FILE_ERROR);
    const { w } = mountStep(api);
    await w.find('[data-testid="path"]').setValue('/data/line3/export.csv');
    await w.find('[data-testid="source-form"]').trigger('submit');
    await flushPromises();
    const panel = w.find('[data-testid="import-error"]');
    expect(panel.attributes('role')).toBe('alert');
    // Where, what and why verbatim; the advice in the app's words (the roles table, not --timestamp).
    expect(panel.find('.message').text()).toBe(
      BAD_FILE_ERROR.replace(
        'choose another timestamp column with --timestamp (or --timestamp none)',
        'give another column the role Timestamp in the roles table (or set this one to Ignored)',
      ),
    );
    expect(panel.find('.message').text()).not.toContain('--');
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
      const file = {
        ...r.profile.files[0]!,
        warnings: [],
        labelRatio: null,
        labelSource: null,
        events: { count: 0, lengths: [], minLength: null, maxLength: null },
      };
      return { ...r, profile: { files: [file], dataset: { ...r.profile.dataset, labelRatio: null, events: 0 } } };
    };
    const { w } = await imported(api);
    expect(w.find('[data-testid="no-warnings"]').exists()).toBe(true);
    expect(w.find('[data-card="labels"] .value').text()).toBe('No labels');
    expect(w.find('[data-card="labels"]').classes()).toContain('warn');
    w.unmount();
  });

  it('says the data are fit for a comparison with the default plan, with the test part and threshold rows', async () => {
    const { w } = await imported();
    const fitness = w.find('[data-testid="fitness"]');
    expect(fitness.find('h3').text()).toBe(
      'Checks before training (with the default split and the tiny preset, as the Variants step starts)',
    );
    expect(fitness.find('[data-testid="fitness-verdict"]').text()).toBe('✓ Fit for a comparison.');
    expect(fitness.find('[data-testid="fitness-summary"]').text()).toMatch(
      /^test part 8,064 rows, 17\.6% anomalous; 2,419 normal rows to fit the alarm threshold on; windows of 64 rows\. Split: /,
    );
    expect(fitness.findAll('li')).toHaveLength(0);
    w.unmount();
  });

  it('flags data unfit for a comparison before training (the TEP case): each error and warning', async () => {
    const api = new FakeImportApi();
    api.answer = (req) => ({ ...importResult(req), fitness: UNFIT });
    const { w } = await imported(api);
    const fitness = w.find('[data-testid="fitness"]');
    expect(fitness.classes()).toContain('unfit');
    expect(fitness.find('[data-testid="fitness-verdict"]').text()).toBe(
      '✖ Not fit for a comparison: training refuses these data until the error below is fixed.',
    );
    const items = fitness.findAll('li');
    expect(items.map((li) => li.attributes('data-check'))).toEqual(['test-no-normal', 'no-validation-window']);
    expect(items[0]!.text()).toMatch(
      /^✖ Error: The test part has no normal rows: all 800 of its rows \(fault01_test\.csv rows 161–960\)/,
    );
    expect(items[0]!.text()).toContain('import the file together with an anomaly-free run');
    expect(items[1]!.text()).toMatch(/^⚠ Warning: No validation part is as long as one window of 64 rows/);
    // The import's own warnings stay apart from the checks.
    expect(w.find('[data-testid="warnings"]').text()).not.toContain('no normal rows');
    w.unmount();
  });

  it("shows a folder file by file, names each file's warnings and marks where files meet", async () => {
    const api = new FakeImportApi();
    let firstFile: FileProfile | undefined;
    api.answer = (req) => {
      const r = importResult(req);
      const one = { ...r.profile.files[0]!, path: '/data/line3/a.csv', rows: 12, warnings: ['3 duplicate timestamps'] };
      // b.csv's feed_flow runs higher, with 2 missing cells: the column table pools both files.
      const two = {
        ...one,
        path: '/data/line3/b.csv',
        rows: 12,
        labelRatio: 0,
        warnings: [],
        channels: (firstFile = one).channels.map((c) =>
          c.name === 'feed_flow'
            ? { ...c, min: c.min + 100, max: c.max + 100, mean: c.mean + 100, missing: 2, filled: 2 }
            : c,
        ),
      };
      const x = Array.from({ length: 24 }, (_, i) => i);
      return {
        ...r,
        profile: {
          files: [one, two],
          dataset: {
            ...r.profile.dataset,
            files: 2,
            rows: 24,
            anomalyFreeFiles: ['/data/line3/b.csv'],
            warnings: ['channel vibration dropped from the data set: constant in some file'],
          },
        },
        plot: { ...r.plot, x, xUnit: 'row' as const, anomalies: [[3, 5]] },
      };
    };
    const { w } = await imported(api);
    expect(w.findAll('[data-testid="files"] tbody th').map((t) => t.text())).toEqual([
      '/data/line3/a.csv',
      '/data/line3/b.csv',
    ]);
    const warnings = w.findAll('[data-testid="warnings"] li').map((li) => li.text());
    expect(warnings).toEqual([
      expect.stringContaining('channel vibration dropped from the data set'),
      expect.stringContaining('/data/line3/a.csv: 3 duplicate timestamps'),
      expect.stringContaining('no labelled anomaly in /data/line3/b.csv'),
    ]);
    expect(chartConfig(w).options?.plugins?.anomalyShading?.boundaries).toEqual([12]);
    expect(w.find('[data-testid="plot-summary"]').text()).toContain('from a.csv, row 1 to b.csv, row 12');
    // Each channel's range over both files, not the first file's alone.
    const f = firstFile!.channels.find((c) => c.name === 'feed_flow')!;
    const flow = w.findAll('[data-testid="roles"] tbody tr').find((r) => r.find('th').text() === 'feed_flow')!;
    expect(flow.find('.details').text()).toMatch(
      new RegExp(
        `^${formatValue(f.min).replace('.', '\\.')} to ${formatValue(f.max + 100).replace('.', '\\.')}, mean [\\d.]+; 2 missing \\(2 filled\\)$`,
      ),
    );
    expect(w.find('[data-testid="roles-pooled"]').text()).toBe('(each channel over all 2 files)');
    w.unmount();
  });

  it('shows an Excel workbook’s format and sheets, and re-imports another sheet', async () => {
    const api = new FakeImportApi();
    api.answer = (req) => {
      const r = importResult(req);
      const f = {
        ...r.profile.files[0]!,
        path: '/data/line3.xlsx',
        format: { kind: 'xlsx' as const, description: 'Excel workbook, sheet "Data" (2 of 2: Notes, Data)' },
        sheets: { names: ['Notes', 'Data'], read: req.sheet ?? 'Data' },
      };
      return { ...r, profile: { ...r.profile, files: [f] } };
    };
    const { w } = await imported(api);
    expect(w.find('[data-testid="format"]').text()).toBe('Excel workbook, sheet "Data" (2 of 2: Notes, Data)');
    // No CSV dialect for a workbook: its sheet instead.
    expect(w.find('[data-testid="delimiter"]').exists()).toBe(false);
    expect(w.find('[data-testid="table-layout"]').exists()).toBe(false);
    expect(w.find('[data-testid="reread-hint"]').exists(), 'no separator or header line to change').toBe(false);
    const sheet = w.find('[data-testid="sheet"]');
    expect(sheet.findAll('option').map((o) => o.text())).toEqual(['Notes', 'Data']);
    await sheet.setValue('Notes');
    expect(api.imports.at(-1)).toEqual({ source: { kind: 'sample' }, sheet: 'Notes' });
    w.unmount();
  });

  it('shows a long table’s tags and grid, and lets the layout be chosen', async () => {
    const api = new FakeImportApi();
    api.answer = (req) => {
      const r = importResult(req);
      const f = {
        ...r.profile.files[0]!,
        format: { kind: 'long' as const, description: 'long table (one row per reading), 3 tags at 5 s' },
        long: {
          tags: [
            { name: 'FIC101.PV', readings: 3600, intervalSeconds: 1 },
            { name: 'TI202.PV', readings: 720, intervalSeconds: 5 },
            { name: 'LI303.PV', readings: 60, intervalSeconds: 60 },
          ],
          stepSeconds: 5,
          badQuality: 1,
        },
      };
      return { ...r, profile: { ...r.profile, files: [f] } };
    };
    const { w } = await imported(api);
    expect(w.find('[data-testid="long-grid"]').text()).toMatch(
      /^3 tags pivoted to channels, one row every 5 s .*; 1 reading of bad quality left out/,
    );
    expect(w.findAll('[data-testid="long-tags"] li').map((l) => l.text())).toEqual([
      'FIC101.PV: 3,600 readings, every 1 s',
      'TI202.PV: 720 readings, every 5 s',
      'LI303.PV: 60 readings, every 60 s',
    ]);
    // CSV text: another separator or header line re-reads the columns.
    expect(w.find('[data-testid="reread-hint"]').exists()).toBe(true);
    expect(w.find('[data-testid="dialect"]').text()).toContain('detected: long');
    await w.find('[data-testid="table-layout"]').setValue('wide');
    expect(api.imports.at(-1)).toEqual({ source: { kind: 'sample' }, layout: 'wide' });
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
    const role = (name: string) =>
      (w.find(`[data-testid="roles"] select[data-column="${name}"]`).element as HTMLSelectElement).value;
    expect(role('timestamp')).toBe('timestamp');
    expect(role('feed_flow')).toBe('channel');
    expect(role('label')).toBe('label');
    expect(role('fault_kind')).toBe('ignored');
    expect(w.find('[data-testid="roles"] select[data-column="feed_flow"]').attributes('aria-label')).toBe(
      'Role of column feed_flow',
    );
    expect(
      w
        .find('[data-testid="roles"] select')
        .findAll('option')
        .map((o) => o.attributes('value')),
    ).toEqual(['timestamp', 'channel', 'label', 'event', 'series', 'ignored']);
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
    expect(api.imports.at(-1)).toEqual({
      source: { kind: 'sample' },
      roles: { vibration: 'ignored', inlet_temp: 'event' },
    });
    w.unmount();
  });

  it('puts a refused role back and shows why, keeping the data set', async () => {
    const { w, api } = await imported();
    api.answer = () => new Error('only one column can be the timestamp (chosen: timestamp, feed_flow)');
    await w.find('select[data-column="feed_flow"]').setValue('timestamp');
    await flushPromises();
    expect(w.find('[data-testid="import-error"] .message').text()).toBe(
      'only one column can be the timestamp (chosen: timestamp, feed_flow)',
    );
    expect(w.find('[data-testid="import-error"]').text()).toContain('still loaded');
    expect((w.find('select[data-column="feed_flow"]').element as HTMLSelectElement).value).toBe('channel');
    expect(w.find('[data-testid="profile"]').exists()).toBe(true);
    w.unmount();
  });

  it('says when the engine could not give a column the role asked for', async () => {
    const api = new FakeImportApi();
    api.answer = (req) => {
      const r = importResult({ ...req, roles: {} });
      return {
        ...r,
        request: req,
        columns: r.columns.map((c) => (c.name === 'fault_kind' ? { ...c, note: 'no numeric value' } : c)),
      };
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

  it("shows the first rows with each column's role", async () => {
    const { w } = await imported();
    const table = w.find('[data-testid="preview"]');
    expect(table.findAll('thead th .name').map((h) => h.text())).toEqual([
      'timestamp',
      ...CHANNELS,
      'label',
      'fault_kind',
    ]);
    expect(table.find('thead th[data-role="label"] .role').text()).toBe('label');
    const rows = table.findAll('tbody tr');
    expect(rows).toHaveLength(5);
    expect(
      rows[0]!
        .findAll('td')
        .map((c) => c.text())
        .slice(0, 3),
    ).toEqual(['2026-01-05T00:00:00Z', '10.0000', '11.0000']);
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
    expect(w.findAll('[data-testid="anomaly-list"] li').map((li) => li.text())).toEqual([
      '2026-01-05 02:40 to 2026-01-05 04:00',
      '2026-01-05 06:20 to 2026-01-05 06:20',
    ]);
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
    await w
      .findAll('.picker .quick button')
      .find((b) => b.text() === 'All')!
      .trigger('click');
    expect(chartConfig(w).data.datasets).toHaveLength(10);
    await w
      .findAll('.picker .quick button')
      .find((b) => b.text() === 'None')!
      .trigger('click');
    expect(chartConfig(w).data.datasets).toHaveLength(0);
    await w
      .findAll('.picker .quick button')
      .find((b) => b.text() === 'First 8')!
      .trigger('click');
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

describe('poolChannels', () => {
  it('pools a channel over files: extremes, weighted mean and spread, summed gaps', () => {
    const base = { missing: 0, filled: 0, unfilled: 0 };
    const file = (rows: number, mean: number, std: number, missing = 0) =>
      ({ rows, channels: [{ name: 'x', min: mean - 1, max: mean + 1, mean, std, ...base, missing }] }) as never;
    // Two files of 10 present values: means 0 and 2 with std 1 → pooled mean 1, variance 1 + 1 = 2.
    const [x] = poolChannels([file(10, 0, 1), file(12, 2, 1, 2)]);
    expect(x).toMatchObject({ name: 'x', min: -1, max: 3, mean: 1, missing: 2 });
    expect(x!.std).toBeCloseTo(Math.SQRT2, 12);
  });
});
