import { flushPromises } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import { GROWTH_SUFFIX } from '../../src/renderer/src/components/train/lossCharts';
import TrainStep from '../../src/renderer/src/steps/TrainStep.vue';
import {
  chartConfigs,
  JOB_ID,
  jobInfo,
  mountStep,
  OLD_HISTORY,
  oldJob,
  progress,
  runsOf,
  TrainingFakeApi,
  trainingSpecHooks,
} from './fakes/training';

trainingSpecHooks();

describe('Train step', () => {
  function mountTrain(api = new TrainingFakeApi()) {
    const ctx = mountStep(TrainStep, api);
    return ctx;
  }

  it('shows an empty state and the run library when there is no job', async () => {
    const { w } = mountTrain();
    await flushPromises();
    expect(w.find('h2').text()).toBe('Train');
    expect(w.find('[data-testid="empty-state"]').exists()).toBe(true);
    expect(w.find('[data-testid="run-library"] [data-testid="library-empty"]').exists()).toBe(true);
  });

  it('shows the device, a row per run with progress, stage, depth and ETA from progress events', async () => {
    const { w, api, plan, job, wizard } = mountTrain();
    wizard.datasetId = 'ds-1';
    plan.variants = ['baseline', 'midas'];
    plan.seeds = 2;
    await job.start();
    await flushPromises();
    expect(w.find('h2').text()).toBe('Train');
    expect(w.find('[data-testid="job-device"]').text()).toContain('cpu');
    expect(w.findAll('[data-testid="run-row"]')).toHaveLength(4);
    api.emit(
      'jobs.progress',
      progress({
        run: 1,
        name: 'midas',
        step: 30,
        totalSteps: 120,
        stage: 2,
        stages: 4,
        layers: 2,
        loss: 0.8,
        etaMs: 65_000,
      }),
    );
    await flushPromises();
    const row = w.findAll('[data-testid="run-row"]')[1]!;
    expect(row.find('[data-testid="run-progress"]').attributes()).toMatchObject({
      'aria-valuenow': '30',
      'aria-valuemax': '120',
    });
    expect(row.find('.fill').attributes('style')).toContain('width: 25%');
    expect(row.find('[data-testid="run-stage"]').text()).toBe('2/4');
    expect(row.find('[data-testid="run-depth"]').text()).toBe('2');
    expect(row.find('[data-testid="run-eta"]').text()).toBe('1 min 05 s');
    expect(row.find('[data-testid="run-status"]').text()).toBe('training');
  });

  it('marks the growths in the live charts', async () => {
    const { w, api, plan, job, wizard } = mountTrain();
    wizard.datasetId = 'ds-1';
    plan.variants = ['baseline', 'midas'];
    await job.start();
    await flushPromises();
    api.emit('jobs.progress', progress({ run: 1, name: 'midas', step: 10, stage: 1, stages: 4, layers: 1, loss: 1.5 }));
    api.emit(
      'jobs.progress',
      progress({
        run: 1,
        name: 'midas',
        step: 40,
        stage: 2,
        stages: 4,
        layers: 2,
        loss: 1.2,
        flops: 5e9,
        elapsedMs: 900,
        grew: true,
      }),
    );
    await flushPromises();
    const configs = chartConfigs(w);
    expect(configs).toHaveLength(3);
    expect(
      configs.map((c) => c.options?.scales?.x?.title && (c.options.scales.x.title as { text: string }).text),
    ).toEqual(['step', 'FLOPs (training compute so far)', 'wall-clock (s)']);
    for (const [i, x] of [40, 5e9, 0.9].entries()) {
      const growth = configs[i]!.data.datasets.find((d) => d.label === `MIDAS${GROWTH_SUFFIX}`);
      expect(growth?.data).toEqual([{ x, y: 1.2 }]);
    }
    expect(w.find('[data-testid="charts-empty"]').exists()).toBe(false);
    expect(w.find('[data-testid="chart-legend"]').text()).toContain('MIDAS');
  });

  it('cancels the job', async () => {
    const { w, api, job, wizard } = mountTrain();
    wizard.datasetId = 'ds-1';
    await job.start();
    await flushPromises();
    await w.find('[data-testid="cancel-training"]').trigger('click');
    await flushPromises();
    expect(api.paramsOf('jobs.cancel')).toEqual([{ jobId: JOB_ID }]);
    expect(w.find('[data-testid="cancel-training"]').exists()).toBe(false);
    expect(w.find('[data-testid="stopped-banner"]').exists()).toBe(true);
  });

  it('shows a stopped run at the checkpoint it resumes from', async () => {
    const { w, api, plan, job, wizard } = mountTrain();
    wizard.datasetId = 'ds-1';
    plan.variants = ['baseline'];
    plan.seeds = 1;
    await job.start();
    api.emit('jobs.progress', progress({ step: 57 }));
    const runs = runsOf({ variants: ['baseline'], seeds: 1 }).map((r) => ({
      ...r,
      status: 'cancelled' as const,
      step: 40,
    }));
    api.emit('jobs.changed', jobInfo({ status: 'cancelled', runs }));
    await flushPromises();
    expect(w.find('[data-testid="run-progress"]').attributes('aria-valuenow')).toBe('40');
    expect(w.find('[data-testid="run-status"]').text()).toBe('cancelled');
    expect(w.find('[data-testid="resume-current"]').exists()).toBe(true);
  });

  it('says when all runs finished and goes on to Compare', async () => {
    const { w, api, job, wizard } = mountTrain();
    wizard.datasetId = 'ds-1';
    await job.start();
    const plan = { variants: ['baseline', 'gradstack', 'midas'] as const, seeds: 3 };
    api.emit('jobs.changed', jobInfo({ status: 'finished', runs: runsOf(plan, '/runs/job-1', 'finished') }));
    await flushPromises();
    expect(w.find('[data-testid="finished-banner"]').exists()).toBe(true);
    expect(
      w
        .findAll('[data-testid="run-row"] [data-testid="run-progress"]')
        .every((b) => b.attributes('aria-valuenow') === '120'),
    ).toBe(true);
    await w.find('[data-testid="go-compare"]').trigger('click');
    expect(wizard.current.id).toBe('compare');
  });

  it('lists what the runs reported on the way (a stale lock taken over, a damaged checkpoint skipped)', async () => {
    const api = new TrainingFakeApi();
    const notes = [
      'midas s1: took over /runs/old/midas-s1/run.lock: process 4321 that held it since 2026-01-01T00:00:00Z is gone',
      'midas s1: step-00000060.safetensors in /runs/old/midas-s1 is damaged (cut short): resuming from step-00000030.safetensors',
    ];
    api.library = [oldJob({ status: 'running', notes })];
    api.histories['/runs/old'] = OLD_HISTORY;
    const { w } = mountTrain(api);
    await flushPromises();
    expect(w.findAll('[data-testid="job-notes"] li').map((li) => li.text())).toEqual(notes);
  });
});
