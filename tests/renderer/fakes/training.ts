/**
 * A test double of the services for the Variants and Train steps: every channel answers from a
 * replaceable handler, every call is recorded, and events are emitted by the test.
 */
import { createPinia, setActivePinia, type Pinia } from 'pinia';
import { createApp } from 'vue';
import { API_KEY } from '../../../src/renderer/src/api';
import type { EventChannel, EventMap, ParamsOf, RequestChannel, ResultOf, StackLabApi } from '../../../src/shared/ipc';
import type { JobHistory, JobInfo, JobProgress, PlanEstimate, RunInfo, TrainPlan } from '../../../src/shared/jobs';
import { EventHub } from '../../../src/shared/rpc';
import { sampleInfo } from '../fake-api';

type Handlers = { [C in RequestChannel]?: (params: ParamsOf<C>) => ResultOf<C> | Promise<ResultOf<C>> };

export const JOB_ID = 'job-1';

/** The runs of a plan as the engine orders them: every variant of seed 1 first. */
export function runsOf(plan: Pick<TrainPlan, 'variants' | 'seeds'>, dir = '/runs/job-1', status: RunInfo['status'] = 'queued'): RunInfo[] {
  const runs: RunInfo[] = [];
  for (let seed = 1; seed <= plan.seeds; seed++) {
    for (const v of plan.variants) runs.push({ name: v, variant: v, seed, dir: `${dir}/${v}-s${seed}`, status, step: 0, totalSteps: 120, wallMs: null, finalValLoss: null });
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
  return { jobId: JOB_ID, run: 0, name: 'baseline', seed: 1, step: 10, totalSteps: 120, stage: 1, stages: 1, layers: 4, loss: 1, valLoss: null, flops: 1e9, elapsedMs: 100, etaMs: 1100, ...overrides };
}

/** An estimate shaped like the engine's for a plan with 4 layers in blocks of 1 and 120 steps. */
export function estimateFor(plan: TrainPlan): PlanEstimate {
  const variants = plan.variants.map((v) => {
    const stages = v === 'baseline' ? [{ layers: 4, steps: 120 }] : [1, 2, 3, 4].map((layers) => ({ layers, steps: 12 * layers }));
    const relative = v === 'baseline' ? 1 : 0.75;
    return { variant: v, stages, flops: relative * 4.8e9, relative, seconds: relative * 12 };
  });
  return { device: 'cpu', layers: 4, block: 1, steps: 120, variants, totalSeconds: variants.reduce((a, v) => a + v.seconds, 0) * plan.seeds, flopsPerSecond: 4e8, evaluationSeconds: 0.2 };
}

export class TrainingFakeApi implements StackLabApi {
  readonly hub = new EventHub();
  readonly calls: { channel: RequestChannel; params: unknown }[] = [];
  library: JobInfo[] = [];
  /** What jobs.history answers, by job folder (no curves for others). */
  histories: Record<string, JobHistory> = {};
  handlers: Handlers = {
    'system.info': () => sampleInfo,
    'settings.get': () => ({ runsDir: '/runs', defaultDevice: 'cpu', threads: 0 }),
    'train.estimate': (plan) => estimateFor(plan),
    'jobs.start': (plan) => {
      const { datasetId: _id, ...stored } = plan;
      void _id;
      return jobInfo({ plan: stored, runs: runsOf(plan) });
    },
    'jobs.cancel': ({ jobId }) => jobInfo({ id: jobId, status: 'cancelled' }),
    'jobs.list': () => this.library,
    'jobs.resume': ({ dir }) => ({ ...(this.library.find((j) => j.dir === dir) ?? jobInfo({ dir })), status: 'running' }),
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
