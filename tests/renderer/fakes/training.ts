/**
 * A test double of the services for the Variants and Train steps: every channel answers from a
 * replaceable handler, every call is recorded, and events are emitted by the test. Also the
 * stores and mounted steps on that double, and a job from an earlier session with its history.
 */
import { mount } from '@vue/test-utils';
import type { ChartConfiguration } from 'chart.js';
import { createPinia, setActivePinia, type Pinia } from 'pinia';
import { afterEach, beforeEach, vi } from 'vitest';
import { createApp, type Component } from 'vue';
import { API_KEY } from '../../../src/renderer/src/api';
import ChartCanvas from '../../../src/renderer/src/components/ChartCanvas.vue';
import { useJobStore } from '../../../src/renderer/src/stores/job';
import { useLibraryStore } from '../../../src/renderer/src/stores/library';
import { usePlanStore } from '../../../src/renderer/src/stores/plan';
import { useWizardStore } from '../../../src/renderer/src/stores/wizard';
import type { EventChannel, EventMap, ParamsOf, RequestChannel, ResultOf, StackLabApi } from '../../../src/shared/ipc';
import type { JobHistory, JobInfo, JobProgress, RunInfo } from '../../../src/shared/jobs';
import type { PlanEstimate, TrainPlan } from '../../../src/shared/plan';
import { EventHub } from '../../../src/shared/rpc';
import { sampleInfo } from '../fake-api';
import { FIT_DATA } from './import';

type Handlers = { [C in RequestChannel]?: (params: ParamsOf<C>) => ResultOf<C> | Promise<ResultOf<C>> };

export const JOB_ID = 'job-1';

/** The runs of a plan as the engine orders them: every variant of seed 1 first. */
export function runsOf(
  plan: Pick<TrainPlan, 'variants' | 'seeds'>,
  dir = '/runs/job-1',
  status: RunInfo['status'] = 'queued',
): RunInfo[] {
  const runs: RunInfo[] = [];
  for (let seed = 1; seed <= plan.seeds; seed++) {
    for (const v of plan.variants)
      runs.push({
        name: v,
        variant: v,
        seed,
        dir: `${dir}/${v}-s${seed}`,
        status,
        step: 0,
        totalSteps: 120,
        wallMs: null,
        finalValLoss: null,
      });
  }
  return runs;
}

export function jobInfo(overrides: Partial<JobInfo> = {}): JobInfo {
  const plan = overrides.plan ?? { variants: ['baseline', 'midas'] as const, preset: 'tiny' as const, seeds: 2 };
  const dir = overrides.dir ?? '/runs/job-1';
  return {
    id: JOB_ID,
    dir,
    name: 'baseline-midas tiny',
    createdAt: '2025-03-01T10:00:00.000Z',
    status: 'running',
    plan,
    source: 'sample (built-in synthetic plant)',
    device: 'cpu',
    runs: runsOf(plan, dir),
    ...overrides,
  };
}

export function progress(overrides: Partial<JobProgress> = {}): JobProgress {
  return {
    jobId: JOB_ID,
    run: 0,
    name: 'baseline',
    seed: 1,
    step: 10,
    totalSteps: 120,
    stage: 1,
    stages: 1,
    layers: 4,
    loss: 1,
    valLoss: null,
    flops: 1e9,
    elapsedMs: 100,
    etaMs: 1100,
    ...overrides,
  };
}

/** An estimate shaped like the engine's for a plan with 4 layers in blocks of 1 and 120 steps. */
export function estimateFor(plan: TrainPlan): PlanEstimate {
  const variants = plan.variants.map((v) => {
    const stages =
      v === 'baseline' ? [{ layers: 4, steps: 120 }] : [1, 2, 3, 4].map((layers) => ({ layers, steps: 12 * layers }));
    const relative = v === 'baseline' ? 1 : 0.75;
    return { variant: v, stages, flops: relative * 4.8e9, relative, seconds: relative * 12 };
  });
  return {
    device: 'cpu',
    layers: 4,
    block: 1,
    steps: 120,
    variants,
    totalSeconds: variants.reduce((a, v) => a + v.seconds, 0) * plan.seeds,
    errorFactor: 1.3,
    flopsPerSecond: 4e8,
    evaluationSeconds: 0.2,
    fitness: FIT_DATA,
  };
}

export class TrainingFakeApi implements StackLabApi {
  readonly hub = new EventHub();
  readonly calls: { channel: RequestChannel; params: unknown }[] = [];
  library: JobInfo[] = [];
  /** What jobs.history answers, by job folder (no curves for others). */
  histories: Record<string, JobHistory> = {};
  handlers: Handlers = {
    'system.info': () => sampleInfo,
    'settings.get': () => ({
      runsDir: '/runs',
      defaultDevice: 'cpu',
      threads: 0,
      parallelRuns: 0,
      seedBatch: 1,
      queue: null,
    }),
    'train.estimate': (plan) => estimateFor(plan),
    'jobs.start': (plan) => {
      const { datasetId: _id, ...stored } = plan;
      void _id;
      return jobInfo({ plan: stored, runs: runsOf(plan) });
    },
    'jobs.cancel': ({ jobId }) => jobInfo({ id: jobId, status: 'cancelled' }),
    'jobs.list': () => this.library,
    'jobs.resume': ({ dir }) => ({
      ...(this.library.find((j) => j.dir === dir) ?? jobInfo({ dir })),
      status: 'running',
    }),
    'jobs.history': ({ dir }) => this.histories[dir] ?? { runs: [] },
  };

  async invoke<C extends RequestChannel>(channel: C, params: ParamsOf<C>): Promise<ResultOf<C>> {
    this.calls.push({ channel, params });
    await Promise.resolve();
    const handler = this.handlers[channel] as ((p: ParamsOf<C>) => ResultOf<C> | Promise<ResultOf<C>>) | undefined;
    if (!handler) throw new Error(`the fake has no answer for ${channel}`);
    return handler(params);
  }

  on: StackLabApi['on'] = (event, listener) => this.hub.on(event, listener);

  emit<E extends EventChannel>(event: E, payload: EventMap[E]): void {
    this.hub.emit(event, payload);
  }

  /** The parameters of every call to `channel`, in order. */
  paramsOf<C extends RequestChannel>(channel: C): ParamsOf<C>[] {
    return this.calls.filter((c) => c.channel === channel).map((c) => c.params as ParamsOf<C>);
  }
}

/** A Pinia with the fake API provided, active for stores used outside components. */
export function piniaWith(api: StackLabApi): Pinia {
  const app = createApp({ render: () => null });
  app.provide(API_KEY, api);
  const pinia = createPinia();
  app.use(pinia);
  setActivePinia(pinia);
  return pinia;
}

/** The Variants and Train steps' stores on a fresh Pinia with `api` (the job store reads the library on first use, as in the app). */
export function storesWith(api = new TrainingFakeApi()) {
  piniaWith(api);
  return { api, plan: usePlanStore(), job: useJobStore(), library: useLibraryStore(), wizard: useWizardStore() };
}

/** `step` mounted on `api`, with its stores. */
export function mountStep(step: Component, api = new TrainingFakeApi()) {
  const w = mount(step, {
    attachTo: document.body,
    global: { plugins: [createPinia()], provide: { [API_KEY as symbol]: api } },
  });
  return { api, w, plan: usePlanStore(), job: useJobStore(), library: useLibraryStore(), wizard: useWizardStore() };
}

/** A started job (baseline and midas, 2 seeds each) with the stores on the Train step. */
export async function started(api = new TrainingFakeApi()) {
  const ctx = storesWith(api);
  ctx.wizard.datasetId = 'ds-1';
  ctx.plan.variants = ['baseline', 'midas'];
  ctx.plan.seeds = 2;
  await ctx.job.start();
  return ctx;
}

/** The configurations of the charts a wrapper draws, in order. */
export const chartConfigs = (w: ReturnType<typeof mount>) =>
  w
    .findAllComponents(ChartCanvas)
    .map((c) => c.props('config') as ChartConfiguration<'line', { x: number; y: number }[]>);

/** The light theme's colours as the loss charts read them. */
export const LIGHT = { dark: false, text: '#111111', muted: '#555555', line: '#dddddd' };

/** Baseline and MIDAS, one seed, 4 layers in blocks of 1 over 120 steps: MIDAS grows at steps 12, 36 and 72. */
export const OLD_PLAN = {
  variants: ['baseline', 'midas'] as const,
  preset: 'tiny' as const,
  layers: 4,
  block: 1,
  alpha: 1,
  steps: 120,
  seeds: 1,
};
/** A job of that plan in /runs/old. */
export const oldJob = (over: Parameters<typeof jobInfo>[0] = {}) =>
  jobInfo({ dir: '/runs/old', plan: OLD_PLAN, ...over });
/**
 * Its history: baseline to step 40; MIDAS to step 48, resumed once at step 30 (its clock restarts:
 * elapsed 20 ms there), with the stage line the engine writes at a resume (30) besides the real growths.
 */
/** [step, wall-clock ms] of MIDAS's points in OLD_HISTORY, read across its resumes (what the curves show). */
export const OLD_MIDAS_WALL: readonly (readonly [number, number])[] = [
  [6, 60],
  [12, 120],
  [18, 180],
  [30, 200],
  [36, 260],
  [48, 380],
];

export const OLD_HISTORY: JobHistory = {
  runs: [
    {
      run: 0,
      name: 'baseline',
      seed: 1,
      points: [10, 20, 30, 40].map((step) => ({ step, loss: 2 - step / 100, flops: step * 1e7, elapsedMs: step * 10 })),
      valPoints: [{ step: 40, valLoss: 1.7, flops: 4e8 }],
      growthSteps: [30],
    },
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

/** Fake timers and a clean localStorage and body for every test of a training spec. */
export function trainingSpecHooks(): void {
  beforeEach(() => {
    vi.useFakeTimers();
    localStorage.clear();
  });
  afterEach(() => {
    vi.useRealTimers();
    document.body.innerHTML = '';
  });
}
