import { flushPromises } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import { MAX_POINTS, type RunLive } from '../../src/renderer/src/model/curves';
import { GROWTH_SUFFIX, lossChartConfig } from '../../src/renderer/src/components/train/lossCharts';
import TrainStep from '../../src/renderer/src/steps/TrainStep.vue';
import { SHOWN_JOB_KEY } from '../../src/renderer/src/stores/job';
import type { JobHistory } from '../../src/shared/jobs';
import {
  chartConfigs,
  JOB_ID,
  jobInfo,
  LIGHT,
  mountStep,
  OLD_HISTORY,
  OLD_MIDAS_WALL,
  oldJob,
  progress,
  started,
  storesWith,
  TrainingFakeApi,
  trainingSpecHooks,
} from './fakes/training';

trainingSpecHooks();

describe('job store', () => {
  it('starts the plan with the imported data set, then shows the job in the Train step', async () => {
    const { api, job: store, wizard } = storesWith();
    wizard.datasetId = 'ds-1';
    await store.start();
    expect(api.paramsOf('jobs.start')).toEqual([
      { datasetId: 'ds-1', variants: ['baseline', 'gradstack', 'midas'], preset: 'tiny', seeds: 3 },
    ]);
    expect(store.job?.id).toBe(JOB_ID);
    expect(wizard.jobDir).toBe('/runs/job-1');
    expect(wizard.current.id).toBe('train');
  });

  it('does not start without a data set, and says why', async () => {
    const { api, job: store } = storesWith();
    expect(store.startBlocker).toMatch(/Import a data set/);
    await store.start();
    expect(api.paramsOf('jobs.start')).toEqual([]);
  });

  it('keeps the engine error when the start fails', async () => {
    const api = new TrainingFakeApi();
    api.handlers['jobs.start'] = () => {
      throw new Error('cannot write the job folder /runs (EACCES)');
    };
    const { job: store, wizard } = storesWith(api);
    wizard.datasetId = 'ds-1';
    await store.start();
    expect(store.startError).toMatch(/EACCES/);
    expect(store.job).toBeNull();
    expect(wizard.current.id).toBe('import');
  });

  it('builds each run’s curve from progress events and ignores other jobs', async () => {
    const { api, job: store } = await started();
    api.emit('jobs.progress', progress({ run: 0, step: 10, loss: 1.2, flops: 1e9, elapsedMs: 100 }));
    api.emit('jobs.progress', progress({ run: 0, step: 20, loss: 1.0, flops: 2e9, elapsedMs: 200 }));
    api.emit('jobs.progress', progress({ jobId: 'another-job', run: 0, step: 30, loss: 9 }));
    api.emit(
      'jobs.progress',
      progress({
        run: 1,
        name: 'midas',
        step: 12,
        stage: 1,
        stages: 4,
        layers: 1,
        loss: 1.5,
        flops: 3e8,
        elapsedMs: 50,
      }),
    );
    api.emit(
      'jobs.progress',
      progress({
        run: 1,
        name: 'midas',
        step: 14,
        stage: 2,
        stages: 4,
        layers: 2,
        loss: 1.4,
        flops: 4e8,
        elapsedMs: 60,
        grew: true,
      }),
    );
    expect(store.liveRuns.map((r) => [r.name, r.step])).toEqual([
      ['baseline', 20],
      ['midas', 14],
    ]);
    expect(store.liveRuns[0]!.points).toEqual([
      { step: 10, flops: 1e9, wallMs: 100, loss: 1.2 },
      { step: 20, flops: 2e9, wallMs: 200, loss: 1.0 },
    ]);
    expect(store.liveRuns[1]!.growth).toEqual([{ step: 14, flops: 4e8, wallMs: 60, loss: 1.4 }]);
    expect(store.liveRuns[1]!.layers).toBe(2);
  });

  it('keeps a point per loss read, not per update repeating it', async () => {
    const { api, job: store } = await started();
    for (const [step, loss] of [
      [2, 1],
      [4, 1],
      [10, 0.9],
      [12, 0.9],
      [20, 0.8],
      [120, 0.8],
    ] as const)
      api.emit('jobs.progress', progress({ step, loss }));
    expect(store.liveRuns[0]!.points.map((p) => p.step)).toEqual([2, 10, 20, 120]);
  });

  it('marks a growth from the stage number when the grew flag was lost', async () => {
    const { api, job: store } = await started();
    api.emit('jobs.progress', progress({ run: 1, name: 'midas', step: 10, stage: 1, stages: 4 }));
    api.emit('jobs.progress', progress({ run: 1, name: 'midas', step: 20, stage: 2, stages: 4, loss: 0.9 }));
    expect(store.liveRuns[0]!.growth.map((p) => p.step)).toEqual([20]);
  });

  it('keeps progress that arrives before jobs.start answers', async () => {
    const api = new TrainingFakeApi();
    const start = api.handlers['jobs.start']!;
    api.handlers['jobs.start'] = (plan) => {
      api.emit('jobs.progress', progress({ step: 5, loss: 2 }));
      return start(plan);
    };
    const { job: store } = await started(api);
    expect(store.liveRuns.map((r) => r.step)).toEqual([5]);
  });

  it('rewinds a run’s curve when it resumes from an earlier checkpoint, continuing its wall-clock', async () => {
    const { api, job: store } = await started();
    for (const step of [10, 20, 30])
      api.emit('jobs.progress', progress({ step, elapsedMs: step * 10, loss: 1 / step }));
    api.emit('jobs.progress', progress({ step: 21, elapsedMs: 5, loss: 0.04 }));
    expect(store.liveRuns[0]!.points.map((p) => [p.step, p.wallMs])).toEqual([
      [10, 100],
      [20, 200],
      [21, 205],
    ]);
  });

  it('keeps at most ~2,000 points per run, thinning the older ones', async () => {
    const { api, job: store } = await started();
    for (let step = 1; step <= 5000; step++) api.emit('jobs.progress', progress({ step, loss: 1 / step }));
    expect(store.liveRuns[0]!.points.length).toBeLessThanOrEqual(MAX_POINTS);
    expect(store.liveRuns[0]!.points.at(-1)!.step).toBe(5000);
  });

  it('cancels the job through jobs.cancel and shows the cancelled job', async () => {
    const { api, job: store } = await started();
    await store.cancel();
    expect(api.paramsOf('jobs.cancel')).toEqual([{ jobId: JOB_ID }]);
    expect(store.job?.status).toBe('cancelled');
    expect(store.cancelling).toBe(false);
  });

  it('follows jobs.changed for its job and the library', async () => {
    const { api, job: store, library } = await started();
    api.emit('jobs.changed', jobInfo({ id: 'other', status: 'finished' }));
    expect(store.job?.status).toBe('running');
    api.emit('jobs.changed', jobInfo({ status: 'finished' }));
    expect(store.job?.status).toBe('finished');
    expect(library.jobs.map((j) => [j.id, j.status])).toEqual([[JOB_ID, 'finished']]);
  });

  it('unsubscribes from the engine’s events when disposed', () => {
    const { api, job: store } = storesWith();
    expect(api.hub.listenerCount('jobs.progress')).toBe(1);
    expect(api.hub.listenerCount('jobs.changed')).toBe(1);
    store.$dispose();
    expect(api.hub.listenerCount('jobs.progress')).toBe(0);
    expect(api.hub.listenerCount('jobs.changed')).toBe(0);
  });
});

describe('curves of reopened, resumed and reloaded jobs (jobs.history)', () => {
  const steps = (r: RunLive | undefined) => r?.points.map((p) => p.step);

  it('seeds the curves of a job opened from the library: thinned points, growths, wall-clock across resumes', async () => {
    const api = new TrainingFakeApi();
    api.histories['/runs/old'] = OLD_HISTORY;
    const { job: store, wizard } = storesWith(api);
    await flushPromises();
    store.open(oldJob({ status: 'interrupted' }));
    await flushPromises();
    expect(api.paramsOf('jobs.history')).toEqual([{ dir: '/runs/old' }]);
    expect(wizard.jobDir).toBe('/runs/old');
    const [baseline, midas] = store.liveRuns;
    expect(steps(baseline)).toEqual([10, 20, 30, 40]);
    expect(baseline!.growth).toEqual([]);
    expect(baseline).toMatchObject({ step: 40, loss: 1.6, valLoss: 1.7, stage: 1, stages: 1, layers: 4 });
    expect(midas!.points.map((p) => [p.step, p.wallMs])).toEqual(OLD_MIDAS_WALL);
    expect(midas!.growth.map((p) => p.step)).toEqual([12, 36]);
    expect(midas).toMatchObject({ step: 48, stage: 3, stages: 4, layers: 3, elapsedMs: 200, wallOffsetMs: 180 });
    // The charts draw them like live curves.
    const config = lossChartConfig(store.liveRuns, 'step', LIGHT);
    expect(config.data.datasets.find((d) => d.label === `MIDAS${GROWTH_SUFFIX}`)!.data).toEqual([
      { x: 12, y: 1.9 },
      { x: 36, y: 1.6 },
    ]);
  });

  it('thins a long history like live progress', async () => {
    const api = new TrainingFakeApi();
    const long = Array.from({ length: MAX_POINTS + 300 }, (_, i) => ({
      step: i + 1,
      loss: 1 / (i + 1),
      flops: i,
      elapsedMs: i,
    }));
    api.histories['/runs/old'] = {
      runs: [{ run: 0, name: 'baseline', seed: 1, points: long, valPoints: [], growthSteps: [] }],
    };
    const { job: store } = storesWith(api);
    store.open(oldJob({ status: 'finished' }));
    await flushPromises();
    expect(store.liveRuns[0]!.points.length).toBeLessThanOrEqual(MAX_POINTS);
    expect(store.liveRuns[0]!.points.at(-1)!.step).toBe(MAX_POINTS + 300);
  });

  it('continues a resumed job’s curves from its history: its wall-clock goes on from the last time read', async () => {
    const api = new TrainingFakeApi();
    api.library = [oldJob({ id: 'old', status: 'cancelled' })];
    api.histories['/runs/old'] = OLD_HISTORY;
    const { job: store } = storesWith(api);
    await flushPromises();
    await store.resume('/runs/old');
    await flushPromises();
    expect(store.job).toMatchObject({ id: 'old', status: 'running' });
    // The engine restarts its clock and reports the stage it resumes in, with the grew flag.
    api.emit(
      'jobs.progress',
      progress({
        jobId: 'old',
        run: 1,
        name: 'midas',
        step: 50,
        stage: 3,
        stages: 4,
        layers: 3,
        loss: 1.45,
        flops: 1.2e8,
        elapsedMs: 10,
        grew: true,
      }),
    );
    api.emit(
      'jobs.progress',
      progress({
        jobId: 'old',
        run: 1,
        name: 'midas',
        step: 72,
        stage: 4,
        stages: 4,
        layers: 4,
        loss: 1.3,
        flops: 2e8,
        elapsedMs: 300,
        grew: true,
      }),
    );
    const midas = store.liveRuns.find((r) => r.name === 'midas')!;
    expect(steps(midas)).toEqual([6, 12, 18, 30, 36, 48, 50, 72]);
    expect(midas.points.slice(-3).map((p) => p.wallMs)).toEqual([380, 390, 680]);
    expect(midas.growth.map((p) => p.step)).toEqual([12, 36, 72]);
  });

  it('keeps the progress that arrives while the history is read, without drawing a step twice', async () => {
    const api = new TrainingFakeApi();
    let answer: (h: JobHistory) => void = () => undefined;
    api.handlers['jobs.history'] = () => new Promise<JobHistory>((resolve) => (answer = resolve));
    api.library = [oldJob({ status: 'running' })];
    const { job: store } = storesWith(api);
    await flushPromises();
    expect(store.job?.dir).toBe('/runs/old');
    expect(store.historyLoading).toBe(true);
    // Updates the history also holds (read later from disk), then newer ones.
    api.emit('jobs.progress', progress({ run: 0, step: 30, loss: 1.7, elapsedMs: 300 }));
    api.emit('jobs.progress', progress({ run: 0, step: 40, loss: 1.6, elapsedMs: 400 }));
    api.emit('jobs.progress', progress({ run: 0, step: 44, loss: 1.55, flops: 4.4e8, elapsedMs: 440 }));
    expect(store.liveRuns).toEqual([]);
    answer(OLD_HISTORY);
    await flushPromises();
    api.emit('jobs.progress', progress({ run: 0, step: 44, loss: 1.55, elapsedMs: 445 }));
    api.emit('jobs.progress', progress({ run: 0, step: 50, loss: 1.5, flops: 5e8, elapsedMs: 500 }));
    api.emit(
      'jobs.progress',
      progress({ run: 1, name: 'midas', step: 54, stage: 3, stages: 4, layers: 3, loss: 1.4, elapsedMs: 260 }),
    );
    const [baseline, midas] = store.liveRuns;
    expect(steps(baseline)).toEqual([10, 20, 30, 40, 44, 50]);
    expect(baseline!.points.at(-1)!.wallMs).toBe(500);
    expect(steps(midas)).toEqual([6, 12, 18, 30, 36, 48, 54]);
    // The same clock as the history's last segment (it resumed at step 30): 180 ms before it.
    expect(midas!.points.at(-1)!.wallMs).toBe(440);
    expect(midas!.growth.map((p) => p.step)).toEqual([12, 36]);
    expect(store.historyLoading).toBe(false);
  });

  it('finds the training job again when the window reopens, and shows it in the Train step', async () => {
    const api = new TrainingFakeApi();
    api.library = [
      oldJob({ id: 'done', dir: '/runs/done', status: 'finished', createdAt: '2025-03-02T00:00:00.000Z' }),
      oldJob({ status: 'running' }),
    ];
    api.histories['/runs/old'] = OLD_HISTORY;
    const { w, job: store, wizard } = mountStep(TrainStep, api);
    await flushPromises();
    expect(api.paramsOf('jobs.list').length).toBeGreaterThanOrEqual(1);
    expect(store.job?.dir).toBe('/runs/old');
    expect(wizard.jobDir).toBe('/runs/old');
    expect(wizard.current.id).toBe('train');
    expect(w.find('[data-testid="cancel-training"]').exists()).toBe(true);
    expect(w.find('[data-testid="charts-empty"]').exists()).toBe(false);
    const step = chartConfigs(w)[0]!;
    expect(step.data.datasets.find((d) => d.label === 'Baseline')!.data.map((p) => p.x)).toEqual([10, 20, 30, 40]);
    expect(w.findAll('[data-testid="run-row"]')[1]!.find('[data-testid="run-depth"]').text()).toBe('3');
  });

  it('shows the job the window showed last when none is training (it finished while the window was closed)', async () => {
    localStorage.setItem(SHOWN_JOB_KEY, '/runs/old');
    const api = new TrainingFakeApi();
    api.library = [
      oldJob({ id: 'new', dir: '/runs/new', status: 'finished', createdAt: '2025-04-01T00:00:00.000Z' }),
      oldJob({ status: 'finished' }),
    ];
    api.histories['/runs/old'] = OLD_HISTORY;
    const { job: store, wizard } = storesWith(api);
    await flushPromises();
    expect(store.job?.dir).toBe('/runs/old');
    expect(wizard.current.id).toBe('import');
    expect(steps(store.liveRuns[1])).toEqual([6, 12, 18, 30, 36, 48]);
    store.open(api.library[0]!);
    expect(localStorage.getItem(SHOWN_JOB_KEY)).toBe('/runs/new');
  });

  it('adopts nothing when the user already chose a job, and nothing without a training or remembered job', async () => {
    const api = new TrainingFakeApi();
    api.library = [oldJob({ status: 'finished' })];
    const { job: store } = storesWith(api);
    await flushPromises();
    expect(store.job).toBeNull();

    const api2 = new TrainingFakeApi();
    api2.library = [oldJob({ status: 'running' })];
    const ctx = storesWith(api2);
    ctx.wizard.datasetId = 'ds-1';
    await ctx.job.start();
    await flushPromises();
    expect(ctx.job.job?.id).toBe(JOB_ID);
    expect(ctx.job.job?.dir).toBe('/runs/job-1');
    expect(api2.paramsOf('jobs.history')).toEqual([]);
  });

  it('still shows a job whose history cannot be read, with its live progress', async () => {
    const api = new TrainingFakeApi();
    api.handlers['jobs.history'] = () => {
      throw new Error('EACCES /runs/old');
    };
    api.library = [oldJob({ status: 'running' })];
    const { job: store } = storesWith(api);
    await flushPromises();
    api.emit('jobs.progress', progress({ step: 12, loss: 1.1 }));
    expect(store.job?.dir).toBe('/runs/old');
    expect(steps(store.liveRuns[0])).toEqual([12]);
  });
});
