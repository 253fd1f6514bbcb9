import { flushPromises } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import ExportStep from '../../src/renderer/src/steps/ExportStep.vue';
import { chartStub, CompareFakeApi, JOB_DIR } from './fakes/compare';
import { captureDownloads, compareSpecHooks, mountStep } from './fakes/compare-steps';

compareSpecHooks();

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
    expect(w.find('[data-testid="export-error"]').text()).toBe(
      'Could not export the model: no checkpoint yet: train it first',
    );
    w.unmount();
  });

  it('saves each chart as PNG from the chart’s own canvas', async () => {
    const dl = captureDownloads();
    const { w } = mountStep(ExportStep, new CompareFakeApi(), {
      stubs: { ChartCanvas: chartStub(`data:image/png;base64,${btoa('\x89PNG')}`) },
    });
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
