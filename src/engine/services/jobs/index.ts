/**
 * Training jobs in the engine process (an Electron utilityProcess, or the server mode's child
 * process; never the UI's thread): a job is the runs of one plan (variants × seeds) in one job
 * folder with a job.json, run one after another by `executeJob` (as `stacklab train` runs them),
 * streaming throttled progress. Jobs on disk form the run library (library.ts); an interrupted or
 * cancelled job resumes from its runs' checkpoints; estimates come from estimate.ts.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import type { EventHub } from '../../../shared/rpc';
import type { JobHistory, JobInfo, JobProgress, PlanEstimate, Settings, TrainPlan } from '../../../shared/jobs';
import { stagesOf } from '../../growth/growth';
import { resolveDeviceFor } from '../../runtime/resolve';
import { claimCudaPrecision } from '../../runtime/tf32';
import type { Dataset } from '../../data/dataset';
import { prepareRunData, type PreparedData } from '../../data/prepared';
import type { SplitOptions } from '../../data/split';
import { localExecutor, type RunExecutor } from '../../runs/executor';
import { queueExecutor } from '../../queue/executor';
import { parseQueueUrl } from '../../queue/url';
import { defaultJobName, executeJob, jobRuns, readJobFile, writeJobFile, type JobFile } from '../../runs/job';
import { makeDir, RunLockedError, RunStore } from '../../runs/store';
import { planJob, planOptionsOf, resolvePlan, type JobPlan, type PlannedRun } from '../../runs/plan';
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

const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 40) || 'job';

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
  const prepare = (ds: Dataset, windowRows: number, split: SplitOptions): PreparedData => {
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

  /** Starts executing a job; synchronous up to `active.set`, so that a stop or a second resume sees it at once. */
  /** Where a job's runs train: here, or on the workers of the queue in Settings (connected first: a queue that is not there fails the start). */
  async function executorFor(settings: Settings): Promise<RunExecutor> {
    if (!settings.queue) return localExecutor({ progressIntervalMs: 100, threads: settings.threads });
    return queueExecutor(parseQueueUrl(settings.queue), settings.runsDir);
  }

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

  function planOf(plan: Omit<TrainPlan, 'datasetId'>) {
    return resolvePlan(planOptionsOf(plan));
  }

  return {
    async estimate(plan: TrainPlan): Promise<PlanEstimate> {
      const resolved = planOf(plan);
      const d = deps.data.get(plan.datasetId);
      const settings = await deps.settings.get();
      const device = await resolveDeviceFor(plan.device ?? settings.defaultDevice, resolved.preset);
      const job = planJob({ ...resolved, seeds: 1 }, d.dataset, d.source, device, '/unused', prepare);
      const key = `${device}:${resolved.precision}:${settings.threads}:${job.data.fingerprint}:${JSON.stringify(job.model)}:${smallestDepth(job)}`;
      let measured = speed.get(key);
      if (!measured) {
        measured = await measureSpeed(
          job.model,
          job.data,
          device,
          job.runs[0]!.config,
          settings.threads,
          smallestDepth(job),
        );
        speed.set(key, measured);
      }
      return estimateJob(job, resolved.seeds, device, measured);
    },

    async start(plan: TrainPlan): Promise<JobInfo> {
      const resolved = planOf(plan);
      const d = deps.data.get(plan.datasetId);
      const settings = await deps.settings.get();
      const device = await resolveDeviceFor(plan.device ?? settings.defaultDevice, resolved.preset);
      // A precision this engine process cannot give on CUDA (TF32 is fixed per process) fails here, before a job folder exists.
      if (device === 'cuda') claimCudaPrecision(resolved.precision);
      const createdAt = new Date().toISOString();
      const name = plan.name ?? defaultJobName(d.source, plan, createdAt);
      // Unique even for two jobs started in the same second: milliseconds and a random suffix.
      const dir = path.join(
        settings.runsDir,
        `${createdAt.replace(/[:.]/g, '-').slice(0, 23)}-${randomBytes(2).toString('hex')}-${slug(name)}`,
      );
      const planned = planJob(resolved, d.dataset, d.source, device, dir, prepare);
      const executor = await executorFor(settings);
      const { datasetId: _omit, ...stored } = plan;
      void _omit;
      const file: JobFile = {
        id: randomUUID(),
        name,
        createdAt,
        plan: stored,
        import: d.request,
        source: d.source,
        device,
        runs: jobRuns(planned),
      };
      try {
        await makeDir(dir);
        await writeJobFile(dir, file);
      } catch (err) {
        await executor.close?.().catch(() => undefined);
        // The write that failed, named: the job folder, or its job.json.
        throw err;
      }
      return launch(file, dir, planned, executor);
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
        const { error: _dropped, ...clean } = file;
        void _dropped;
        const executor = await executorFor(await deps.settings.get());
        const d = await deps.data.load(file.import);
        const planned = planJob(planOf(file.plan), d.dataset, d.source, file.device, dir);
        await writeJobFile(dir, clean);
        return launch(clean, dir, planned, executor);
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
