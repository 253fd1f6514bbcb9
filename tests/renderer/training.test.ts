import { flushPromises, mount } from '@vue/test-utils';
import type { ChartConfiguration } from 'chart.js';
import { createPinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Component } from 'vue';
import { API_KEY } from '../../src/renderer/src/api';
import ChartCanvas from '../../src/renderer/src/components/ChartCanvas.vue';
import { BAND_SUFFIX, GROWTH_SUFFIX, interpolate, legendOf, lossChartConfig, meanAndBand } from '../../src/renderer/src/components/train/lossCharts';
import { newLayers, stagesFor } from '../../src/renderer/src/components/train/stages';
import TrainStep from '../../src/renderer/src/steps/TrainStep.vue';
import VariantsStep from '../../src/renderer/src/steps/VariantsStep.vue';
import { ESTIMATE_DELAY_MS, MAX_POINTS, SHOWN_JOB_KEY, thinPoints, useTrainingStore, type RunLive } from '../../src/renderer/src/stores/training';
import { useWizardStore } from '../../src/renderer/src/stores/wizard';
import { readThemeColors } from '../../src/renderer/src/theme/colors';
import { variantColor } from '../../src/renderer/src/theme/variants';
import { resolveGrowth } from '../../src/shared/defaults';
import type { JobHistory } from '../../src/shared/jobs';
import { jobInfo, JOB_ID, piniaWith, progress, runsOf, TrainingFakeApi } from './fakes/training';

const light = { dark: false, text: '#111111', muted: '#555555', line: '#dddddd' };

function storeWith(api = new TrainingFakeApi()) {
  piniaWith(api);
  return { api, store: useTrainingStore(), wizard: useWizardStore() };
}

function mountStep(step: Component, api = new TrainingFakeApi()) {
  const w = mount(step, { attachTo: document.body, global: { plugins: [createPinia()], provide: { [API_KEY as symbol]: api } } });
  return { api, w, store: useTrainingStore(), wizard: useWizardStore() };
}

/** A started job (baseline and midas, 2 seeds each) with the store on the Train step. */
async function started(api = new TrainingFakeApi()) {
  const ctx = storeWith(api);
  ctx.wizard.datasetId = 'ds-1';
  ctx.store.variants = ['baseline', 'midas'];
  ctx.store.seeds = 2;
  await ctx.store.start();
  return ctx;
}

const chartConfigs = (w: ReturnType<typeof mount>) => w.findAllComponents(ChartCanvas).map((c) => c.props('config') as ChartConfiguration<'line', { x: number; y: number }[]>);

beforeEach(() => {
  vi.useFakeTimers();
  localStorage.clear();
});
afterEach(() => {
  vi.useRealTimers();
  document.body.innerHTML = '';
});

describe('depth schedules in the renderer', () => {
  it('follow the engine rules: MIDAS 4 layers in blocks of 1 grows 1→2→3→4 with Prop-α steps', () => {
    const g = resolveGrowth({ preset: 'tiny', layers: 4, block: 1, alpha: 1, steps: 100 });
    expect(stagesFor('midas', g).stages).toEqual([
      { layers: 1, steps: 10 },
      { layers: 2, steps: 20 },
      { layers: 3, steps: 30 },
      { layers: 4, steps: 40 },
    ]);
    expect(stagesFor('progressive', g).stages?.map((s) => s.layers)).toEqual([1, 2, 4]);
    expect(stagesFor('gstack', g).stages).toEqual([
      { layers: 1, steps: 25 },
      { layers: 4, steps: 75 },
    ]);
    expect(stagesFor('baseline', g).stages).toEqual([{ layers: 4, steps: 100 }]);
    expect(stagesFor('progressive', { ...g, layers: 6 }).error).toMatch(/power of 2/);
    expect(stagesFor('midas', { ...g, layers: 5, block: 2 }).error).toMatch(/not divisible by the block size 2/);
  });

  it('knows where each variant puts its copy', () => {
    expect(newLayers('gradstack', 3, 4, 1)).toEqual([3]);
    expect(newLayers('midas', 3, 4, 1)).toEqual([2]);
    expect(newLayers('midas', 2, 3, 1)).toEqual([1]);
    expect(newLayers('midas', 4, 6, 2)).toEqual([2, 3]);
    expect(newLayers('progressive', 2, 4, 1)).toEqual([2, 3]);
  });
});

describe('training store', () => {
  it('starts the plan with the imported data set, then shows the job in the Train step', async () => {
    const { api, store, wizard } = storeWith();
    wizard.datasetId = 'ds-1';
    await store.start();
    expect(api.paramsOf('jobs.start')).toEqual([{ datasetId: 'ds-1', variants: ['baseline', 'gradstack', 'midas'], preset: 'tiny', seeds: 3 }]);
    expect(store.job?.id).toBe(JOB_ID);
    expect(wizard.jobDir).toBe('/runs/job-1');
    expect(wizard.current.id).toBe('train');
  });

  it('sends only the settings the user changed, in the variants’ canonical order', async () => {
    const { api, store, wizard } = storeWith();
    wizard.datasetId = 'ds-1';
    store.toggleVariant('baseline');
    store.toggleVariant('progressive');
    store.toggleVariant('baseline');
    Object.assign(store, { layers: 4, block: 1, alpha: 0, steps: 120, seeds: 1, device: 'cuda', flopMatched: 'midas', name: ' pump 3 ' });
    await store.start();
    expect(api.paramsOf('jobs.start')[0]).toEqual({ datasetId: 'ds-1', variants: ['baseline', 'gradstack', 'midas', 'progressive'], preset: 'tiny', layers: 4, block: 1, alpha: 0, steps: 120, seeds: 1, device: 'cuda', flopMatched: 'midas', name: 'pump 3' });
  });

  it('does not start without a data set, and says why', async () => {
    const { api, store } = storeWith();
    expect(store.startBlocker).toMatch(/Import a data set/);
    await store.start();
    expect(api.paramsOf('jobs.start')).toEqual([]);
  });

  it('keeps the engine error when the start fails', async () => {
    const api = new TrainingFakeApi();
    api.handlers['jobs.start'] = () => {
      throw new Error('cannot write the job folder /runs (EACCES)');
    };
    const { store, wizard } = storeWith(api);
    wizard.datasetId = 'ds-1';
    await store.start();
    expect(store.startError).toMatch(/EACCES/);
    expect(store.job).toBeNull();
    expect(wizard.current.id).toBe('import');
  });

  it('builds each run’s curve from progress events and ignores other jobs', async () => {
    const { api, store } = await started();
    api.emit('jobs.progress', progress({ run: 0, step: 10, loss: 1.2, flops: 1e9, elapsedMs: 100 }));
    api.emit('jobs.progress', progress({ run: 0, step: 20, loss: 1.0, flops: 2e9, elapsedMs: 200 }));
    api.emit('jobs.progress', progress({ jobId: 'another-job', run: 0, step: 30, loss: 9 }));
    api.emit('jobs.progress', progress({ run: 1, name: 'midas', step: 12, stage: 1, stages: 4, layers: 1, loss: 1.5, flops: 3e8, elapsedMs: 50 }));
    api.emit('jobs.progress', progress({ run: 1, name: 'midas', step: 14, stage: 2, stages: 4, layers: 2, loss: 1.4, flops: 4e8, elapsedMs: 60, grew: true }));
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
    const { api, store } = await started();
    for (const [step, loss] of [[2, 1], [4, 1], [10, 0.9], [12, 0.9], [20, 0.8], [120, 0.8]] as const) api.emit('jobs.progress', progress({ step, loss }));
    expect(store.liveRuns[0]!.points.map((p) => p.step)).toEqual([2, 10, 20, 120]);
  });

  it('marks a growth from the stage number when the grew flag was lost', async () => {
    const { api, store } = await started();
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
    const { store } = await started(api);
    expect(store.liveRuns.map((r) => r.step)).toEqual([5]);
  });

  it('rewinds a run’s curve when it resumes from an earlier checkpoint, continuing its wall-clock', async () => {
    const { api, store } = await started();
    for (const step of [10, 20, 30]) api.emit('jobs.progress', progress({ step, elapsedMs: step * 10, loss: 1 / step }));
    api.emit('jobs.progress', progress({ step: 21, elapsedMs: 5, loss: 0.04 }));
    expect(store.liveRuns[0]!.points.map((p) => [p.step, p.wallMs])).toEqual([
      [10, 100],
      [20, 200],
      [21, 205],
    ]);
  });

  it('keeps at most ~2,000 points per run, thinning the older ones', async () => {
    const points = Array.from({ length: MAX_POINTS + 1 }, (_, i) => i);
    thinPoints(points);
    expect(points.length).toBeLessThanOrEqual(MAX_POINTS);
    expect(points[0]).toBe(0);
    expect(points.slice(-500)).toEqual(Array.from({ length: 500 }, (_, i) => MAX_POINTS - 499 + i));

    const { api, store } = await started();
    for (let step = 1; step <= 5000; step++) api.emit('jobs.progress', progress({ step, loss: 1 / step }));
    expect(store.liveRuns[0]!.points.length).toBeLessThanOrEqual(MAX_POINTS);
    expect(store.liveRuns[0]!.points.at(-1)!.step).toBe(5000);
  });

  it('cancels the job through jobs.cancel and shows the cancelled job', async () => {
    const { api, store } = await started();
    await store.cancel();
    expect(api.paramsOf('jobs.cancel')).toEqual([{ jobId: JOB_ID }]);
    expect(store.job?.status).toBe('cancelled');
    expect(store.cancelling).toBe(false);
  });

  it('follows jobs.changed for its job and the library', async () => {
    const { api, store } = await started();
    api.emit('jobs.changed', jobInfo({ id: 'other', status: 'finished' }));
    expect(store.job?.status).toBe('running');
    api.emit('jobs.changed', jobInfo({ status: 'finished' }));
    expect(store.job?.status).toBe('finished');
    expect(store.library.map((j) => [j.id, j.status])).toEqual([[JOB_ID, 'finished']]);
  });

  it('lists the library newest first and resumes an interrupted job', async () => {
    const api = new TrainingFakeApi();
    const older = jobInfo({ id: 'a', dir: '/runs/a', createdAt: '2025-01-01T00:00:00.000Z', status: 'interrupted' });
    const newer = jobInfo({ id: 'b', dir: '/runs/b', createdAt: '2025-02-01T00:00:00.000Z', status: 'finished' });
    api.library = [older, newer];
    const { store, wizard } = storeWith(api);
    await store.refreshLibrary();
    expect(store.library.map((j) => j.id)).toEqual(['b', 'a']);
    await store.resume('/runs/a');
    expect(api.paramsOf('jobs.resume')).toEqual([{ dir: '/runs/a' }]);
    expect(store.job?.id).toBe('a');
    expect(store.job?.status).toBe('running');
    expect(wizard.jobDir).toBe('/runs/a');
    expect(wizard.current.id).toBe('train');
    store.open(newer);
    expect(store.job?.id).toBe('b');
    expect(wizard.jobDir).toBe('/runs/b');
  });

  it('says when the library cannot be read', async () => {
    const api = new TrainingFakeApi();
    api.handlers['jobs.list'] = () => {
      throw new Error('EACCES /runs');
    };
    const { store } = storeWith(api);
    await store.refreshLibrary();
    expect(store.libraryError).toMatch(/run library: EACCES/);
  });

  it('asks for an estimate once the settings stop changing, and only with a data set', async () => {
    const { api, store, wizard } = storeWith();
    store.steps = 100;
    await vi.advanceTimersByTimeAsync(ESTIMATE_DELAY_MS * 2);
    expect(api.paramsOf('train.estimate')).toEqual([]);
    wizard.datasetId = 'ds-1';
    store.steps = 110;
    await vi.advanceTimersByTimeAsync(100);
    store.steps = 120;
    await vi.advanceTimersByTimeAsync(ESTIMATE_DELAY_MS);
    await flushPromises();
    expect(api.paramsOf('train.estimate')).toEqual([{ datasetId: 'ds-1', variants: ['baseline', 'gradstack', 'midas'], preset: 'tiny', steps: 120, seeds: 3 }]);
    expect(store.estimate?.variants).toHaveLength(3);
    expect(store.estimateFresh).toBe(true);
    store.seeds = 4;
    expect(store.estimateFresh).toBe(false);
  });

  it('shows why there is no estimate: a local problem or the engine’s error', async () => {
    const api = new TrainingFakeApi();
    api.handlers['train.estimate'] = () => {
      throw new Error('the data set ds-1 is no longer loaded: import it again');
    };
    const { store, wizard } = storeWith(api);
    wizard.datasetId = 'ds-1';
    await vi.advanceTimersByTimeAsync(ESTIMATE_DELAY_MS);
    await flushPromises();
    expect(store.estimateError).toMatch(/import it again/);
    store.layers = 5;
    store.block = 2;
    await vi.advanceTimersByTimeAsync(ESTIMATE_DELAY_MS);
    expect(store.estimateError).toMatch(/not divisible by the block size/);
    expect(api.paramsOf('train.estimate')).toHaveLength(1);
  });

  it('unsubscribes from the engine’s events when disposed', () => {
    const { api, store } = storeWith();
    expect(api.hub.listenerCount('jobs.progress')).toBe(1);
    expect(api.hub.listenerCount('jobs.changed')).toBe(1);
    store.$dispose();
    expect(api.hub.listenerCount('jobs.progress')).toBe(0);
    expect(api.hub.listenerCount('jobs.changed')).toBe(0);
  });
});

describe('curves of reopened, resumed and reloaded jobs (jobs.history)', () => {
  /** Baseline and MIDAS, one seed, 4 layers in blocks of 1 over 120 steps: MIDAS grows at steps 12, 36 and 72. */
  const plan = { variants: ['baseline', 'midas'] as const, preset: 'tiny' as const, layers: 4, block: 1, alpha: 1, steps: 120, seeds: 1 };
  const job = (over: Parameters<typeof jobInfo>[0] = {}) => jobInfo({ dir: '/runs/old', plan, ...over });
  /**
   * Baseline to step 40; MIDAS to step 48, resumed once at step 30 (its clock restarts: elapsed 20
   * ms there), with the stage line the engine writes at a resume (30) besides the real growths.
   */
  const history: JobHistory = {
    runs: [
      { run: 0, name: 'baseline', seed: 1, points: [10, 20, 30, 40].map((step) => ({ step, loss: 2 - step / 100, flops: step * 1e7, elapsedMs: step * 10 })), valPoints: [{ step: 40, valLoss: 1.7, flops: 4e8 }], growthSteps: [30] },
      {
        run: 1,
        name: 'midas',
        seed: 1,
        points: [
          { step: 6, loss: 2, flops: 6e6, elapsedMs: 60 },
          { step: 12, loss: 1.9, flops: 1.2e7, elapsedMs: 120 },
          { step: 18, loss: 1.8, flops: 3e7, elapsedMs: 180 },
          { step: 30, loss: 1.7, flops: 6e7, elapsedMs: 20 },
          { step: 36, loss: 1.6, flops: 7e7, elapsedMs: 80 },
          { step: 48, loss: 1.5, flops: 1.1e8, elapsedMs: 200 },
        ],
        valPoints: [],
        growthSteps: [12, 30, 36],
      },
    ],
  };
  const steps = (r: RunLive | undefined) => r?.points.map((p) => p.step);

  it('seeds the curves of a job opened from the library: thinned points, growths, wall-clock across resumes', async () => {
    const api = new TrainingFakeApi();
    api.histories['/runs/old'] = history;
    const { store, wizard } = storeWith(api);
    await flushPromises();
    store.open(job({ status: 'interrupted' }));
    await flushPromises();
    expect(api.paramsOf('jobs.history')).toEqual([{ dir: '/runs/old' }]);
    expect(wizard.jobDir).toBe('/runs/old');
    const [baseline, midas] = store.liveRuns;
    expect(steps(baseline)).toEqual([10, 20, 30, 40]);
    expect(baseline!.growth).toEqual([]);
    expect(baseline).toMatchObject({ step: 40, loss: 1.6, valLoss: 1.7, stage: 1, stages: 1, layers: 4 });
    expect(midas!.points.map((p) => [p.step, p.wallMs])).toEqual([
      [6, 60],
      [12, 120],
      [18, 180],
      [30, 200],
      [36, 260],
      [48, 380],
    ]);
    expect(midas!.growth.map((p) => p.step)).toEqual([12, 36]);
    expect(midas).toMatchObject({ step: 48, stage: 3, stages: 4, layers: 3, elapsedMs: 200, wallOffsetMs: 180 });
    // The charts draw them like live curves.
    const config = lossChartConfig(store.liveRuns, 'step', light);
    expect(config.data.datasets.find((d) => d.label === `MIDAS${GROWTH_SUFFIX}`)!.data).toEqual([
      { x: 12, y: 1.9 },
      { x: 36, y: 1.6 },
    ]);
  });

  it('thins a long history like live progress', async () => {
    const api = new TrainingFakeApi();
    const long = Array.from({ length: MAX_POINTS + 300 }, (_, i) => ({ step: i + 1, loss: 1 / (i + 1), flops: i, elapsedMs: i }));
    api.histories['/runs/old'] = { runs: [{ run: 0, name: 'baseline', seed: 1, points: long, valPoints: [], growthSteps: [] }] };
    const { store } = storeWith(api);
    store.open(job({ status: 'finished' }));
    await flushPromises();
    expect(store.liveRuns[0]!.points.length).toBeLessThanOrEqual(MAX_POINTS);
    expect(store.liveRuns[0]!.points.at(-1)!.step).toBe(MAX_POINTS + 300);
  });

  it('continues a resumed job’s curves from its history: its wall-clock goes on from the last time read', async () => {
    const api = new TrainingFakeApi();
    api.library = [job({ id: 'old', status: 'cancelled' })];
    api.histories['/runs/old'] = history;
    const { store } = storeWith(api);
    await flushPromises();
    await store.resume('/runs/old');
    await flushPromises();
    expect(store.job).toMatchObject({ id: 'old', status: 'running' });
    // The engine restarts its clock and reports the stage it resumes in, with the grew flag.
    api.emit('jobs.progress', progress({ jobId: 'old', run: 1, name: 'midas', step: 50, stage: 3, stages: 4, layers: 3, loss: 1.45, flops: 1.2e8, elapsedMs: 10, grew: true }));
    api.emit('jobs.progress', progress({ jobId: 'old', run: 1, name: 'midas', step: 72, stage: 4, stages: 4, layers: 4, loss: 1.3, flops: 2e8, elapsedMs: 300, grew: true }));
    const midas = store.liveRuns.find((r) => r.name === 'midas')!;
    expect(steps(midas)).toEqual([6, 12, 18, 30, 36, 48, 50, 72]);
    expect(midas.points.slice(-3).map((p) => p.wallMs)).toEqual([380, 390, 680]);
    expect(midas.growth.map((p) => p.step)).toEqual([12, 36, 72]);
  });

  it('keeps the progress that arrives while the history is read, without drawing a step twice', async () => {
    const api = new TrainingFakeApi();
    let answer: (h: JobHistory) => void = () => undefined;
    api.handlers['jobs.history'] = () => new Promise<JobHistory>((resolve) => (answer = resolve));
    api.library = [job({ status: 'running' })];
    const { store } = storeWith(api);
    await flushPromises();
    expect(store.job?.dir).toBe('/runs/old');
    expect(store.historyLoading).toBe(true);
    // Updates the history also holds (read later from disk), then newer ones.
    api.emit('jobs.progress', progress({ run: 0, step: 30, loss: 1.7, elapsedMs: 300 }));
    api.emit('jobs.progress', progress({ run: 0, step: 40, loss: 1.6, elapsedMs: 400 }));
    api.emit('jobs.progress', progress({ run: 0, step: 44, loss: 1.55, flops: 4.4e8, elapsedMs: 440 }));
    expect(store.liveRuns).toEqual([]);
    answer(history);
    await flushPromises();
    api.emit('jobs.progress', progress({ run: 0, step: 44, loss: 1.55, elapsedMs: 445 }));
    api.emit('jobs.progress', progress({ run: 0, step: 50, loss: 1.5, flops: 5e8, elapsedMs: 500 }));
    api.emit('jobs.progress', progress({ run: 1, name: 'midas', step: 54, stage: 3, stages: 4, layers: 3, loss: 1.4, elapsedMs: 260 }));
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
    api.library = [job({ id: 'done', dir: '/runs/done', status: 'finished', createdAt: '2025-03-02T00:00:00.000Z' }), job({ status: 'running' })];
    api.histories['/runs/old'] = history;
    const { w, store, wizard } = mountStep(TrainStep, api);
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

  it('lists what the runs reported on the way (a stale lock taken over, a damaged checkpoint skipped)', async () => {
    const api = new TrainingFakeApi();
    const notes = ['midas s1: took over /runs/old/midas-s1/run.lock: process 4321 that held it since 2026-01-01T00:00:00Z is gone', 'midas s1: step-00000060.safetensors in /runs/old/midas-s1 is damaged (cut short): resuming from step-00000030.safetensors'];
    api.library = [job({ status: 'running', notes })];
    api.histories['/runs/old'] = history;
    const { w } = mountStep(TrainStep, api);
    await flushPromises();
    expect(w.findAll('[data-testid="job-notes"] li').map((li) => li.text())).toEqual(notes);
  });

  it('shows the job the window showed last when none is training (it finished while the window was closed)', async () => {
    localStorage.setItem(SHOWN_JOB_KEY, '/runs/old');
    const api = new TrainingFakeApi();
    api.library = [job({ id: 'new', dir: '/runs/new', status: 'finished', createdAt: '2025-04-01T00:00:00.000Z' }), job({ status: 'finished' })];
    api.histories['/runs/old'] = history;
    const { store, wizard } = storeWith(api);
    await flushPromises();
    expect(store.job?.dir).toBe('/runs/old');
    expect(wizard.current.id).toBe('import');
    expect(steps(store.liveRuns[1])).toEqual([6, 12, 18, 30, 36, 48]);
    store.open(api.library[0]!);
    expect(localStorage.getItem(SHOWN_JOB_KEY)).toBe('/runs/new');
  });

  it('adopts nothing when the user already chose a job, and nothing without a training or remembered job', async () => {
    const api = new TrainingFakeApi();
    api.library = [job({ status: 'finished' })];
    const { store } = storeWith(api);
    await flushPromises();
    expect(store.job).toBeNull();

    const api2 = new TrainingFakeApi();
    api2.library = [job({ status: 'running' })];
    const ctx = storeWith(api2);
    ctx.wizard.datasetId = 'ds-1';
    await ctx.store.start();
    await flushPromises();
    expect(ctx.store.job?.id).toBe(JOB_ID);
    expect(ctx.store.job?.dir).toBe('/runs/job-1');
    expect(api2.paramsOf('jobs.history')).toEqual([]);
  });

  it('still shows a job whose history cannot be read, with its live progress', async () => {
    const api = new TrainingFakeApi();
    api.handlers['jobs.history'] = () => {
      throw new Error('EACCES /runs/old');
    };
    api.library = [job({ status: 'running' })];
    const { store } = storeWith(api);
    await flushPromises();
    api.emit('jobs.progress', progress({ step: 12, loss: 1.1 }));
    expect(store.job?.dir).toBe('/runs/old');
    expect(steps(store.liveRuns[0])).toEqual([12]);
  });
});

describe('loss chart configuration', () => {
  const run = (over: Partial<RunLive>): RunLive => ({ run: 0, name: 'midas', seed: 1, step: 0, totalSteps: 100, stage: 1, stages: 1, layers: 1, loss: null, valLoss: null, flops: 0, elapsedMs: 0, etaMs: 0, points: [], growth: [], wallOffsetMs: 0, ...over });
  const pts = (xs: number[], y: (x: number) => number) => xs.map((x) => ({ step: x, flops: x * 1e6, wallMs: x * 10, loss: y(x) }));

  it('interpolates a curve and spans several seeds with a band', () => {
    expect(interpolate([{ x: 0, y: 1 }, { x: 10, y: 0 }], 5)).toBe(0.5);
    expect(interpolate([{ x: 0, y: 1 }], 5)).toBeNull();
    const { mean, min, max } = meanAndBand([[{ x: 0, y: 2 }, { x: 10, y: 2 }], [{ x: 0, y: 4 }, { x: 10, y: 4 }]], 3);
    expect(mean.map((p) => p.y)).toEqual([3, 3, 3]);
    expect(min.map((p) => p.y)).toEqual([2, 2, 2]);
    expect(max.map((p) => p.y)).toEqual([4, 4, 4]);
  });

  it('draws one line per variant, the seeds as a band, and the growths as markers on every x axis', () => {
    const runs = [
      run({ run: 0, name: 'baseline', points: pts([10, 20], () => 1) }),
      run({ run: 1, name: 'midas', seed: 1, points: pts([10, 20, 30], (x) => 2 - x / 30), growth: pts([20], () => 1.33) }),
      run({ run: 3, name: 'midas', seed: 2, points: pts([10, 20, 30], (x) => 2.2 - x / 30) }),
    ];
    const step = lossChartConfig(runs, 'step', light);
    const labels = step.data.datasets.map((d) => d.label);
    expect(labels).toEqual(['Baseline', `MIDAS max${BAND_SUFFIX}`, `MIDAS min${BAND_SUFFIX}`, 'MIDAS', `MIDAS${GROWTH_SUFFIX}`]);
    const growth = step.data.datasets.find((d) => d.label === `MIDAS${GROWTH_SUFFIX}`)!;
    expect(growth.data).toEqual([{ x: 20, y: 1.33 }]);
    expect(growth).toMatchObject({ showLine: false, pointStyle: 'triangle' });
    expect(lossChartConfig(runs, 'flops', light).data.datasets.at(-1)!.data).toEqual([{ x: 2e7, y: 1.33 }]);
    expect(lossChartConfig(runs, 'wall', light).data.datasets.at(-1)!.data).toEqual([{ x: 0.2, y: 1.33 }]);
    expect(step.options?.scales?.x).toMatchObject({ type: 'linear', title: { text: 'step' } });
    expect(lossChartConfig(runs, 'step', light, true).options?.scales?.y).toMatchObject({ type: 'logarithmic' });
    expect(step.data.datasets[0]!.borderColor).not.toBe(step.data.datasets[3]!.borderColor);
    expect(legendOf(runs, light).map((l) => l.name)).toEqual(['baseline', 'midas']);
  });

  it('follows the app’s theme choice for its colours', () => {
    document.documentElement.dataset.theme = 'dark';
    try {
      expect(readThemeColors().dark).toBe(true);
      expect(variantColor('midas', readThemeColors().dark)).toBe(variantColor('midas', true));
      expect(variantColor('midas', true)).not.toBe(variantColor('midas', false));
    } finally {
      delete document.documentElement.dataset.theme;
    }
    expect(readThemeColors().dark).toBe(false);
  });
});

describe('Variants step', () => {
  it('keeps its title and toggles variants with the cards', async () => {
    const { w, store } = mountStep(VariantsStep);
    expect(w.find('h2').text()).toBe('Choose training variants');
    expect(w.findAll('[data-testid^="variant-"] input[type="checkbox"]').map((i) => (i.element as HTMLInputElement).checked)).toEqual([true, true, true, false, false]);
    await w.find('[data-testid="variant-gstack"] input').setValue(true);
    await w.find('[data-testid="variant-baseline"] input').setValue(false);
    expect(store.variants).toEqual(['gradstack', 'midas', 'gstack']);
    expect(w.find('[data-testid="variant-midas"] .line').text()).toMatch(/middle block/);
    expect(w.find('[data-testid="variant-gstack"]').classes()).toContain('selected');
  });

  it('draws each variant’s depth per stage: MIDAS with 4 layers in blocks of 1 grows 1→2→3→4', async () => {
    const { w } = mountStep(VariantsStep);
    await w.find('[data-testid="layers"]').setValue('4');
    await w.find('[data-testid="block"]').setValue('1');
    const depths = (v: string) => w.find(`[data-testid="variant-${v}"] svg`).attributes('data-depths');
    expect(depths('midas')).toBe('1,2,3,4');
    expect(w.find('[data-testid="variant-midas"] [data-testid="depths"]').text()).toBe('1 → 2 → 3 → 4 layers');
    expect(depths('gradstack')).toBe('1,2,3,4');
    expect(depths('baseline')).toBe('4');
    expect(depths('progressive')).toBe('1,2,4');
    expect(depths('gstack')).toBe('1,4');
    expect(w.find('[data-testid="variant-midas"] svg').attributes('aria-label')).toMatch(/1, 2, 3, 4 layers/);
    expect(w.findAll('[data-testid="variant-midas"] rect.fresh')).toHaveLength(3);
  });

  it('says which variant these settings cannot train and blocks Start', async () => {
    const { w, wizard } = mountStep(VariantsStep);
    wizard.datasetId = 'ds-1';
    await w.find('[data-testid="layers"]').setValue('6');
    await w.find('[data-testid="variant-progressive"] input').setValue(true);
    await w.find('[data-testid="block"]').setValue('1');
    expect(w.find('[data-testid="variant-progressive"] [data-testid="variant-problem"]').text()).toMatch(/power of 2/);
    expect(w.find('[data-testid="start-training"]').attributes('disabled')).toBeDefined();
    expect(w.find('[data-testid="start-blocker"]').text()).toMatch(/^progressive: /);
  });

  it('disables Start without a data set and says why', async () => {
    const { w } = mountStep(VariantsStep);
    await flushPromises();
    expect(w.find('[data-testid="start-training"]').attributes('disabled')).toBeDefined();
    expect(w.find('[data-testid="start-blocker"]').text()).toBe('Import a data set first (step 1).');
    expect(w.find('[data-testid="empty-state"] .next').text()).toMatch(/^Next: /);
    expect(w.find('[data-testid="estimate-note"]').text()).toMatch(/need a data set/);
    expect(w.find('[data-testid="local-table"]').text()).toContain('MIDAS');
  });

  it('says when two chosen variants would train the same schedule', async () => {
    const { w } = mountStep(VariantsStep);
    expect(w.find('[data-testid="same-schedule"]').exists()).toBe(false);
    await w.find('[data-testid="layers"]').setValue('2');
    expect(w.find('[data-testid="same-schedule"]').text()).toMatch(/^GradStack and MIDAS are the same schedule at 2 layers in blocks of 1/);
    await w.find('[data-testid="variant-midas"] input').setValue(false);
    expect(w.find('[data-testid="same-schedule"]').exists()).toBe(false);
  });

  it('sends the split, normalisation, thresholds and channel combination the user chose', async () => {
    const { w, api, wizard } = mountStep(VariantsStep);
    wizard.datasetId = 'ds-1';
    expect(w.find('[data-testid="train-rows"]').exists()).toBe(false);
    await w.find('[data-testid="split-mode"]').setValue('rows');
    // The rows field is required once chosen.
    expect(w.find('[data-testid="start-blocker"]').text()).toBe('Enter the training rows per series, or choose another split.');
    await w.find('[data-testid="train-rows"]').setValue('1');
    expect(w.find('[data-testid="start-blocker"]').text()).toBe('Training rows per series must be a whole number from 2 to 1000000000.');
    await w.find('[data-testid="train-rows"]').setValue('400');
    await w.find('[data-testid="normalize"]').setValue('pooled');
    await w.find('[data-testid="threshold"]').setValue('per-series');
    await w.find('[data-testid="combine"]').setValue('max');
    await vi.advanceTimersByTimeAsync(ESTIMATE_DELAY_MS);
    await flushPromises();
    expect(api.paramsOf('train.estimate').at(-1)).toMatchObject({ trainRows: 400, normalize: 'pooled', threshold: 'per-series', combine: 'max' });
    await w.find('[data-testid="start-training"]').trigger('click');
    await flushPromises();
    expect(api.paramsOf('jobs.start').at(-1)).toMatchObject({ trainRows: 400, normalize: 'pooled', threshold: 'per-series', combine: 'max' });
    // Back to the defaults: nothing of it is sent.
    const store = useTrainingStore();
    store.splitMode = 'fraction';
    store.trainFraction = 0.5;
    expect(store.planFields).toMatchObject({ trainFraction: 0.5 });
    expect(store.planFields).not.toHaveProperty('trainRows');
    store.splitMode = 'default';
    store.normalize = undefined;
    store.threshold = undefined;
    store.combine = undefined;
    expect(Object.keys(store.planFields).sort()).toEqual(['preset', 'seeds', 'variants']);
  });

  it('disables Start when no variant is chosen', async () => {
    const { w, wizard } = mountStep(VariantsStep);
    wizard.datasetId = 'ds-1';
    for (const v of ['baseline', 'gradstack', 'midas']) await w.find(`[data-testid="variant-${v}"] input`).setValue(false);
    expect(w.find('[data-testid="start-blocker"]').text()).toBe('Choose at least one variant.');
  });

  it('shows the estimate per variant with the total, uses the engine’s stages, and starts', async () => {
    const { w, api, wizard } = mountStep(VariantsStep);
    wizard.datasetId = 'ds-1';
    await w.find('[data-testid="flop-matched"]').setValue('midas');
    await vi.advanceTimersByTimeAsync(ESTIMATE_DELAY_MS);
    await flushPromises();
    const rows = w.findAll('[data-testid="estimate-row"]');
    expect(rows.map((r) => r.find('th').text())).toEqual(['Baseline', 'GradStack', 'MIDAS']);
    expect(rows[2]!.text()).toContain('1×12 → 2×24 → 3×36 → 4×48');
    expect(rows[2]!.text()).toContain('3.60 GFLOP');
    expect(rows[2]!.text()).toMatch(/0\.75× \(25% less\)/);
    expect(rows[2]!.text()).toContain('9 s');
    expect(w.find('[data-testid="estimate-total"]').text()).toBe('1 min 30 s');
    expect(w.find('[data-testid="variant-midas"] svg').attributes('data-depths')).toBe('1,2,3,4');
    expect(api.paramsOf('train.estimate').at(-1)).toMatchObject({ flopMatched: 'midas' });
    const start = w.find('[data-testid="start-training"]');
    expect(start.attributes('disabled')).toBeUndefined();
    await start.trigger('click');
    await flushPromises();
    expect(api.paramsOf('jobs.start')).toHaveLength(1);
    expect(wizard.current.id).toBe('train');
  });

  it('shows the estimate’s error', async () => {
    const api = new TrainingFakeApi();
    api.handlers['train.estimate'] = () => {
      throw new Error('cuda is not available here: choose another device');
    };
    const { w, wizard } = mountStep(VariantsStep, api);
    wizard.datasetId = 'ds-1';
    await vi.advanceTimersByTimeAsync(ESTIMATE_DELAY_MS);
    await flushPromises();
    expect(w.find('[data-testid="estimate-error"]').text()).toMatch(/choose another device/);
    // Starting would fail the same way: Start waits for settings the engine can train.
    expect(w.find('[data-testid="start-training"]').attributes('disabled')).toBeDefined();
    expect(w.find('[data-testid="start-blocker"]').text()).toBe('The engine cannot train these settings: see the cost table.');
    // Other settings are estimated again, and Start follows.
    api.handlers['train.estimate'] = new TrainingFakeApi().handlers['train.estimate'];
    await w.find('[data-testid="steps"]').setValue('120');
    await vi.advanceTimersByTimeAsync(ESTIMATE_DELAY_MS);
    await flushPromises();
    expect(w.find('[data-testid="start-blocker"]').exists()).toBe(false);
  });

  it('offers the device choices, with the Settings default and unavailable providers marked', async () => {
    const { w, store } = mountStep(VariantsStep);
    await flushPromises();
    const options = w.findAll('[data-testid="device"] option');
    expect(options[0]!.text()).toBe('Settings default (cpu)');
    await w.find('[data-testid="device"]').setValue('cpu');
    expect(store.device).toBe('cpu');
  });
});

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
    const { w, api, store, wizard } = mountTrain();
    wizard.datasetId = 'ds-1';
    store.variants = ['baseline', 'midas'];
    store.seeds = 2;
    await store.start();
    await flushPromises();
    expect(w.find('h2').text()).toBe('Train');
    expect(w.find('[data-testid="job-device"]').text()).toContain('cpu');
    expect(w.findAll('[data-testid="run-row"]')).toHaveLength(4);
    api.emit('jobs.progress', progress({ run: 1, name: 'midas', step: 30, totalSteps: 120, stage: 2, stages: 4, layers: 2, loss: 0.8, etaMs: 65_000 }));
    await flushPromises();
    const row = w.findAll('[data-testid="run-row"]')[1]!;
    expect(row.find('[data-testid="run-progress"]').attributes()).toMatchObject({ 'aria-valuenow': '30', 'aria-valuemax': '120' });
    expect(row.find('.fill').attributes('style')).toContain('width: 25%');
    expect(row.find('[data-testid="run-stage"]').text()).toBe('2/4');
    expect(row.find('[data-testid="run-depth"]').text()).toBe('2');
    expect(row.find('[data-testid="run-eta"]').text()).toBe('1 min 05 s');
    expect(row.find('[data-testid="run-status"]').text()).toBe('training');
  });

  it('marks the growths in the live charts', async () => {
    const { w, api, store, wizard } = mountTrain();
    wizard.datasetId = 'ds-1';
    store.variants = ['baseline', 'midas'];
    await store.start();
    await flushPromises();
    api.emit('jobs.progress', progress({ run: 1, name: 'midas', step: 10, stage: 1, stages: 4, layers: 1, loss: 1.5 }));
    api.emit('jobs.progress', progress({ run: 1, name: 'midas', step: 40, stage: 2, stages: 4, layers: 2, loss: 1.2, flops: 5e9, elapsedMs: 900, grew: true }));
    await flushPromises();
    const configs = chartConfigs(w);
    expect(configs).toHaveLength(3);
    expect(configs.map((c) => c.options?.scales?.x?.title && (c.options.scales.x.title as { text: string }).text)).toEqual(['step', 'FLOPs (training compute so far)', 'wall-clock (s)']);
    for (const [i, x] of [40, 5e9, 0.9].entries()) {
      const growth = configs[i]!.data.datasets.find((d) => d.label === `MIDAS${GROWTH_SUFFIX}`);
      expect(growth?.data).toEqual([{ x, y: 1.2 }]);
    }
    expect(w.find('[data-testid="charts-empty"]').exists()).toBe(false);
    expect(w.find('[data-testid="chart-legend"]').text()).toContain('MIDAS');
  });

  it('cancels the job', async () => {
    const { w, api, store, wizard } = mountTrain();
    wizard.datasetId = 'ds-1';
    await store.start();
    await flushPromises();
    await w.find('[data-testid="cancel-training"]').trigger('click');
    await flushPromises();
    expect(api.paramsOf('jobs.cancel')).toEqual([{ jobId: JOB_ID }]);
    expect(w.find('[data-testid="cancel-training"]').exists()).toBe(false);
    expect(w.find('[data-testid="stopped-banner"]').exists()).toBe(true);
  });

  it('shows a stopped run at the checkpoint it resumes from', async () => {
    const { w, api, store, wizard } = mountTrain();
    wizard.datasetId = 'ds-1';
    store.variants = ['baseline'];
    store.seeds = 1;
    await store.start();
    api.emit('jobs.progress', progress({ step: 57 }));
    const runs = runsOf({ variants: ['baseline'], seeds: 1 }).map((r) => ({ ...r, status: 'cancelled' as const, step: 40 }));
    api.emit('jobs.changed', jobInfo({ status: 'cancelled', runs }));
    await flushPromises();
    expect(w.find('[data-testid="run-progress"]').attributes('aria-valuenow')).toBe('40');
    expect(w.find('[data-testid="run-status"]').text()).toBe('cancelled');
    expect(w.find('[data-testid="resume-current"]').exists()).toBe(true);
  });

  it('says when all runs finished and goes on to Compare', async () => {
    const { w, api, store, wizard } = mountTrain();
    wizard.datasetId = 'ds-1';
    await store.start();
    const plan = { variants: ['baseline', 'gradstack', 'midas'] as const, seeds: 3 };
    api.emit('jobs.changed', jobInfo({ status: 'finished', runs: runsOf(plan, '/runs/job-1', 'finished') }));
    await flushPromises();
    expect(w.find('[data-testid="finished-banner"]').exists()).toBe(true);
    expect(w.findAll('[data-testid="run-row"] [data-testid="run-progress"]').every((b) => b.attributes('aria-valuenow') === '120')).toBe(true);
    await w.find('[data-testid="go-compare"]').trigger('click');
    expect(wizard.current.id).toBe('compare');
  });

  it('lists the library with Resume for interrupted jobs and Open for finished ones', async () => {
    const api = new TrainingFakeApi();
    api.library = [
      jobInfo({ id: 'old', dir: '/runs/old', name: 'old job', createdAt: '2025-01-01T00:00:00.000Z', status: 'interrupted' }),
      jobInfo({ id: 'new', dir: '/runs/new', name: 'new job', createdAt: '2025-02-01T00:00:00.000Z', status: 'finished' }),
    ];
    const { w, wizard } = mountTrain(api);
    await flushPromises();
    const rows = w.findAll('[data-testid="library-row"]');
    expect(rows.map((r) => r.find('[data-testid="library-status"]').text())).toEqual(['finished', 'interrupted']);
    expect(rows[0]!.find('[data-testid="resume-job"]').exists()).toBe(false);
    await rows[1]!.find('[data-testid="resume-job"]').trigger('click');
    await flushPromises();
    expect(api.paramsOf('jobs.resume')).toEqual([{ dir: '/runs/old' }]);
    expect(w.find('[data-testid="job-name"]').text()).toBe('old job');
    expect(w.find('[data-testid="cancel-training"]').exists()).toBe(true);
    await w.find('[data-testid="open-job"]').trigger('click');
    expect(wizard.jobDir).toBe('/runs/new');
    expect(wizard.current.id).toBe('compare');
  });
});
