/**
 * Training jobs in the engine process (an Electron utilityProcess, or the server mode's child
 * process; never the UI's thread): a job is the runs of one plan (variants × seeds) in one job
 * folder with a job.json, run one after another by `executeJob` (as `stacklab train` runs them),
 * streaming throttled progress. Jobs on disk form the run library (library.ts); an interrupted or
 * cancelled job resumes from its runs' checkpoints; estimates come from estimate.ts.
 */
import path from 'node:path';
import type { EventHub } from '../../../shared/rpc';
import type { JobHistory, JobInfo, JobProgress } from '../../../shared/jobs';
import type { PlanEstimate, TrainPlan } from '../../../shared/plan';
import type { Settings } from '../../../shared/settings';
import { stagesOf } from '../../../shared/growth';
import type { Dataset } from '../../data/dataset';
import { prepareRunData, type PreparedData } from '../../data/prepared';
import type { SplitOptions } from '../../data/split';
import type { RunExecutor } from '../../runs/executor';
import { jobExecutor } from '../../queue/executor';
import { parseQueueUrl } from '../../queue/url';
import { executeJob, readJobFile, writeJobFile, type JobFile } from '../../runs/job';
import { trainHere } from '../../runs/seed-batch';
import { RunLockedError, RunStore } from '../../runs/store';
import type { JobPlan, PlannedRun } from '../../runs/plan';
import { beginJob, prepareJob, type PreparedJob } from '../../runs/prepare';
import type { DataService } from '../data';
import type { SettingsService } from '../settings';
import type { RunEvent } from '../../runs/types';
import { estimateJob, measureSpeed, smallestDepth, type MeasuredSpeed } from './estimate';
import { jobHistory, jobInfo, listJobs, type LiveState } from './library';

interface Active {
  file: JobFile;
  dir: string;
  abort: AbortController;
  /** The runs being trained (several at once on a queue) and each one's latest step. */
  running: Map<number, number>;
  done: Promise<void>;
}

/** `inside` (server mode's --root) keeps the library to job folders inside the root. */
export function createJobService(deps: {
  data: DataService;
  settings: SettingsService;
  events: EventHub;
  inside?: (dir: string) => Promise<unknown>;
}) {
  const active = new Map<string, Active>();
  const resuming = new Map<string, Promise<JobInfo>>();
  const speed = new Map<string, MeasuredSpeed>();
  // The latest data set prepared for training: estimates follow every change of the form, and
  // preparing (normalising, windowing, hashing) a large data set each time would be wasted work.
  let prepared: { ds: Dataset; key: string; data: PreparedData } | null = null;
  const prepareCached = (ds: Dataset, windowRows: number, split: SplitOptions): PreparedData => {
    const key = JSON.stringify([windowRows, split]);
    if (prepared?.ds !== ds || prepared.key !== key)
      prepared = { ds, key, data: prepareRunData(ds, windowRows, split) };
    return prepared.data;
  };
  const live = (job: JobFile): LiveState | undefined => active.get(job.id);
  const info = (job: JobFile, dir: string) => jobInfo(job, dir, live(job));

  async function changed(job: JobFile, dir: string): Promise<void> {
    deps.events.emit('jobs.changed', await info(job, dir));
  }

  /** Progress of a job's runs as the app streams it: each run's step events with its stage and latest validation loss (runs may train at once). */
  function progressOf(a: Active) {
    const runs = new Map<
      number,
      { stage: number; stages: number; layers: number; grew: boolean; valLoss: number | null }
    >();
    return {
      begin(index: number, planned: PlannedRun) {
        const s = stagesOf(planned.config.variant, planned.config.growth);
        runs.set(index, { stage: 1, stages: s.length, layers: s[0]!.layers, grew: false, valLoss: null });
        a.running.set(index, 0);
      },
      end(index: number) {
        runs.delete(index);
        a.running.delete(index);
      },
      event(index: number, planned: PlannedRun, e: RunEvent) {
        const r = runs.get(index);
        if (!r) return;
        if (e.type === 'stage') {
          r.grew = e.stage > 1;
          r.stage = e.stage;
          r.layers = e.layers;
        } else if (e.type === 'val') {
          r.valLoss = e.valLoss;
        } else if (e.type === 'step') {
          a.running.set(index, e.step);
          const p: JobProgress = {
            jobId: a.file.id,
            run: index,
            name: planned.name,
            seed: planned.config.seed,
            stage: r.stage,
            stages: r.stages,
            layers: r.layers,
            valLoss: r.valLoss,
            step: e.step,
            totalSteps: e.totalSteps,
            loss: e.loss,
            flops: e.flops,
            elapsedMs: e.elapsedMs,
            etaMs: e.etaMs,
            ...(r.grew ? { grew: r.grew } : {}),
          };
          deps.events.emit('jobs.progress', p);
          r.grew = false;
        }
      },
    };
  }

  /**
   * Where a job's runs train: on the workers of the queue in Settings, or here, as many at once
   * as Settings' parallel runs say (auto: parallel.ts).
   */
  async function executorFor(settings: Settings, job: PreparedJob | null): Promise<RunExecutor> {
    const { parallel, seedBatch } =
      settings.queue || !job
        ? { parallel: null, seedBatch: null }
        : await trainHere(job, {
            parallel: settings.parallelRuns,
            // Settings' 0 is auto.
            seedBatch: settings.seedBatch === 0 ? 'auto' : settings.seedBatch,
            busy: active.size > 0,
          });
    return jobExecutor({
      queue: settings.queue ? parseQueueUrl(settings.queue) : null,
      runsDir: settings.runsDir,
      progressIntervalMs: 100,
      threads: settings.threads,
      local: parallel,
      ...(seedBatch ? { seedBatch: seedBatch.size } : {}),
    });
  }

  /** Starts executing a job; synchronous up to `active.set`, so that a stop or a second resume sees it at once. */
  function launch(file: JobFile, dir: string, planned: JobPlan, executor: RunExecutor): Promise<JobInfo> {
    const a: Active = { file, dir, abort: new AbortController(), running: new Map(), done: Promise.resolve() };
    active.set(file.id, a);
    const progress = progressOf(a);
    const job = { file, dir, planned };
    a.done = executeJob(job, executor, {
      resume: 'auto',
      signal: a.abort.signal,
      onRun: async (i, run) => {
        progress.begin(i, run);
        await changed(a.file, dir);
      },
      onEvent: (i, run, e) => progress.event(i, run, e),
      onReport: (i) => progress.end(i),
      onChanged: async (f) => {
        a.file = f;
        await changed(f, dir);
      },
    })
      // A failed job is in job.json (its error) and in the library; the engine keeps serving.
      .catch(() => undefined)
      .then(async () => {
        await executor.close?.().catch(() => undefined);
        a.file = job.file;
        active.delete(file.id);
        await changed(a.file, dir);
      });
    return info(file, dir);
  }

  /** The job a plan would start, planned for the data set it names (nothing written). */
  async function prepare(plan: TrainPlan, purpose: 'estimate' | 'start'): Promise<PreparedJob> {
    const { datasetId, ...asked } = plan;
    const d = deps.data.get(datasetId);
    const settings = await deps.settings.get();
    return prepareJob({
      // An estimate plans every variant once (it multiplies by the seeds) and trains nothing, so
      // it leaves the process's TF32 mode alone.
      plan: purpose === 'estimate' ? { ...asked, seeds: 1 } : asked,
      data: { dataset: d.dataset, source: d.source, request: d.request },
      defaultDevice: settings.defaultDevice,
      runsDir: settings.runsDir,
      prepare: prepareCached,
      tf32: purpose === 'estimate' ? 'none' : 'claim',
    });
  }

  return {
    async estimate(plan: TrainPlan): Promise<PlanEstimate> {
      const job = await prepare(plan, 'estimate');
      const { threads } = await deps.settings.get();
      const { device, planned } = job;
      const key = `${device}:${job.plan.precision}:${threads}:${planned.data.fingerprint}:${JSON.stringify(planned.model)}:${smallestDepth(planned)}`;
      let measured = speed.get(key);
      if (!measured) {
        measured = await measureSpeed(
          planned.model,
          planned.data,
          device,
          planned.runs[0]!.config,
          threads,
          smallestDepth(planned),
        );
        speed.set(key, measured);
      }
      return estimateJob(planned, plan.seeds, device, measured);
    },

    async start(plan: TrainPlan): Promise<JobInfo> {
      const job = await prepare(plan, 'start');
      const executor = await executorFor(await deps.settings.get(), job);
      await beginJob(job, executor);
      return launch(job.file, job.dir, job.planned, executor);
    },

    async cancel(jobId: string): Promise<JobInfo> {
      const a = active.get(jobId);
      if (!a) throw new Error('that job is not running (it finished or was already stopped)');
      a.abort.abort();
      await a.done;
      return info(a.file, a.dir);
    },

    async list(): Promise<JobInfo[]> {
      return listJobs((await deps.settings.get()).runsDir, live, deps.inside);
    },

    async resume(dir: string): Promise<JobInfo> {
      // A second Resume while the first still imports the data waits for it (one execution per job).
      const pending = resuming.get(dir);
      if (pending) return pending;
      const started = (async () => {
        const file = await readJobFile(dir);
        if (!file)
          throw new Error(
            `${dir} has no job.json: runs from the command line resume with \`stacklab train … --out ${dir} --resume\``,
          );
        if (active.has(file.id)) return info(file, dir);
        // Another process (the command line, a second app) training one of its runs: say so, and write nothing.
        for (const r of file.runs) {
          const holder = await new RunStore(path.join(dir, r.dir)).liveHolder();
          if (holder) throw new RunLockedError(`${dir} (${r.name} s${r.seed})`, holder);
        }
        const settings = await deps.settings.get();
        // A queue that is not there fails before the data are read; runs here are sized for the job.
        const queued = settings.queue ? await executorFor(settings, null) : null;
        const d = await deps.data.load(file.import);
        const job = await prepareJob({
          plan: file.plan,
          data: { dataset: d.dataset, source: d.source, request: file.import },
          defaultDevice: settings.defaultDevice,
          runsDir: settings.runsDir,
          dir,
          existing: file,
          device: file.device,
          tf32: 'claim',
        });
        const executor = queued ?? (await executorFor(settings, job));
        await beginJob(job, executor);
        return launch(job.file, dir, job.planned, executor);
      })();
      resuming.set(dir, started);
      try {
        return await started;
      } finally {
        resuming.delete(dir);
      }
    },

    /** Gives a job another name (job.json); the library and the Train step show it. */
    async rename(dir: string, name: string): Promise<JobInfo> {
      const file = await readJobFile(dir);
      if (!file)
        throw new Error(`${dir} holds no job.json: only jobs begun by the app or by \`stacklab train\` can be renamed`);
      const trimmed = name.trim();
      if (!trimmed) throw new Error('a job name cannot be empty');
      if (trimmed.length > 200) throw new Error(`a job name has at most 200 characters, this one ${trimmed.length}`);
      const renamed = { ...file, name: trimmed };
      await writeJobFile(dir, renamed);
      const out = await info(renamed, dir);
      deps.events.emit('jobs.changed', out);
      return out;
    },

    async history(dir: string): Promise<JobHistory> {
      return jobHistory(dir);
    },

    /** Waits for every running job to stop (tests, shutdown). */
    async idle(): Promise<void> {
      await Promise.all([...active.values()].map((a) => a.done));
    },

    /** Cancels every running job (shutdown): each stops at a checkpoint. */
    async stopAll(): Promise<void> {
      for (const a of active.values()) a.abort.abort();
      await this.idle();
    },
  };
}

export type JobService = ReturnType<typeof createJobService>;
