/**
 * Training jobs in the engine process (an Electron utilityProcess, or the server mode's child
 * process; never the UI's thread): a job is the runs of one plan (variants × seeds) in one job
 * folder with a job.json, run one after another, streaming throttled progress. Jobs on disk form
 * the run library; an interrupted or cancelled job resumes from its runs' checkpoints.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { EventHub } from '../../shared/rpc';
import type { ImportRequest, JobHistory, JobInfo, JobProgress, JobStatus, PlanEstimate, RunInfo, RunStatus, TrainPlan } from '../../shared/jobs';
import type { ExecutionProviderName } from '../../shared/system';
import { stagesOf } from '../growth/growth';
import { resolveDevice } from '../runtime/device';
import { Trainer } from '../runtime/trainer';
import type { Dataset } from '../data/dataset';
import { prepareRunData, type PreparedData } from '../data/prepared';
import type { SplitOptions } from '../data/split';
import { defined } from '../../shared/ipc';
import { planJob, resolvePlan, type JobPlan, type PlannedRun, type ResolvedPlan } from '../runs/plan';
import { runTraining } from '../runs/runner';
import { stepFlops } from '../runs/schedule';
import { validationLoss } from '../runs/validation';
import type { RunConfig, RunReport } from '../runs/types';
import { evaluateModel } from '../eval/evaluate';
import { scoreProbes } from '../eval/probes';
import { writeAtomic } from '../runs/store';
import { DEFAULT_ADAMW } from '../train/adamw';
import type { DataService } from './data';
import type { SettingsService } from './settings';

/** job.json: what a job folder holds, enough to list it and to resume it. */
interface JobFile {
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
  readonly plan: Omit<TrainPlan, 'datasetId'>;
  readonly import: ImportRequest;
  readonly source: string;
  readonly device: ExecutionProviderName;
  readonly runs: readonly { readonly name: string; readonly variant: string; readonly seed: number; readonly dir: string; readonly steps: number }[];
  readonly error?: string;
  /** What the runs reported that a user should know (a damaged checkpoint skipped, a torn metrics line cut, a stale lock taken over). */
  readonly notes?: readonly string[];
}

interface Active {
  file: JobFile;
  dir: string;
  abort: AbortController;
  /** The run being trained and its latest step. */
  current: number;
  step: number;
  done: Promise<void>;
}

const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 40) || 'job';

async function readJson<T>(file: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

async function isDir(p: string): Promise<boolean> {
  return (await stat(p).catch(() => null))?.isDirectory() ?? false;
}

/** The highest checkpoint step in a run folder (0 without one). */
async function checkpointStep(runDir: string): Promise<number> {
  const names = await readdir(path.join(runDir, 'checkpoints')).catch(() => [] as string[]);
  return names.reduce((m, n) => Math.max(m, Number(/^step-(\d+)\.safetensors$/.exec(n)?.[1] ?? 0)), 0);
}

export function createJobService(deps: { data: DataService; settings: SettingsService; events: EventHub }) {
  const active = new Map<string, Active>();
  const speed = new Map<string, { fps: number; evalSeconds: number }>();
  // The latest data set prepared for training: estimates follow every change of the form, and
  // preparing (normalising, windowing, hashing) a large data set each time would be wasted work.
  let prepared: { ds: Dataset; key: string; data: PreparedData } | null = null;
  const prepare = (ds: Dataset, windowRows: number, split: SplitOptions): PreparedData => {
    const key = JSON.stringify([windowRows, split]);
    if (prepared?.ds !== ds || prepared.key !== key) prepared = { ds, key, data: prepareRunData(ds, windowRows, split) };
    return prepared.data;
  };

  async function runInfo(job: JobFile, dir: string, index: number, live?: Active): Promise<RunInfo> {
    const r = job.runs[index]!;
    const runDir = path.join(dir, r.dir);
    const report = await readJson<RunReport>(path.join(runDir, 'report.json'));
    const base = { name: r.name, variant: r.variant, seed: r.seed, dir: runDir, totalSteps: r.steps };
    if (report) return { ...base, status: report.status, step: report.status === 'finished' ? r.steps : await checkpointStep(runDir), wallMs: report.wallMs, finalValLoss: report.finalValLoss };
    let status: RunStatus;
    let step = await checkpointStep(runDir);
    if (live && live.current === index) {
      status = 'running';
      step = Math.max(step, live.step);
    } else if (live) status = 'queued';
    else status = step > 0 ? 'interrupted' : job.error ? 'failed' : 'queued';
    return { ...base, status, step, wallMs: null, finalValLoss: null };
  }

  async function info(job: JobFile, dir: string): Promise<JobInfo> {
    const live = active.get(job.id);
    const runs = await Promise.all(job.runs.map((_, i) => runInfo(job, dir, i, live)));
    let status: JobStatus;
    if (live) status = 'running';
    else if (job.error) status = 'failed';
    else if (runs.every((r) => r.status === 'finished')) status = 'finished';
    else if (runs.some((r) => r.status === 'cancelled')) status = 'cancelled';
    else status = 'interrupted';
    return { id: job.id, dir, name: job.name, createdAt: job.createdAt, status, plan: job.plan, source: job.source, device: job.device, runs, ...(job.error ? { error: job.error } : {}), ...(job.notes?.length ? { notes: job.notes } : {}) };
  }

  async function changed(job: JobFile, dir: string): Promise<void> {
    deps.events.emit('jobs.changed', await info(job, dir));
  }

  /** Trains the job's runs one after another (finished ones are skipped, others resume). */
  async function execute(a: Active, planned: JobPlan): Promise<void> {
    const { file, dir } = a;
    try {
      for (const [i, run] of planned.runs.entries()) {
        if ((await readJson<RunReport>(path.join(run.dir, 'report.json')))?.status === 'finished') continue;
        if (a.abort.signal.aborted) break;
        a.current = i;
        a.step = 0;
        await changed(a.file, dir);
        const report = await trainOne(a, i, run, planned);
        if (report.status === 'cancelled') break;
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const failed = { ...a.file, error: `${message} (the runs finished before it are kept; resume the job to retry the rest)` };
      a.file = failed;
      await writeAtomic(path.join(dir, 'job.json'), `${JSON.stringify(failed, null, 2)}\n`).catch(() => undefined);
    } finally {
      active.delete(file.id);
      await changed(a.file, dir);
    }
  }

  async function trainOne(a: Active, index: number, run: PlannedRun, planned: JobPlan): Promise<RunReport> {
    const stages = stagesOf(run.config.variant, run.config.growth);
    let stage = 1;
    let layers = stages[0]!.layers;
    let grew = false;
    let valLoss: number | null = null;
    const progress = (p: Omit<JobProgress, 'jobId' | 'run' | 'name' | 'seed' | 'stage' | 'stages' | 'layers' | 'valLoss'>) => {
      a.step = p.step;
      deps.events.emit('jobs.progress', { jobId: a.file.id, run: index, name: run.name, seed: run.config.seed, stage, stages: stages.length, layers, valLoss, ...p, ...(grew ? { grew } : {}) });
      grew = false;
    };
    const resume = await isDir(run.dir);
    return runTraining({
      config: run.config,
      data: planned.data,
      dir: run.dir,
      resume,
      signal: a.abort.signal,
      progressIntervalMs: 100,
      onEvent: (e) => {
        if (e.type === 'stage') {
          grew = e.stage > 1;
          stage = e.stage;
          layers = e.layers;
        } else if (e.type === 'step') {
          progress({ step: e.step, totalSteps: e.totalSteps, loss: e.loss, flops: e.flops, elapsedMs: e.elapsedMs, etaMs: e.etaMs });
        } else if (e.type === 'val') {
          valLoss = e.valLoss;
        } else if (e.type === 'note') {
          // Kept in job.json, so that the run library says it after a restart too.
          a.file = { ...a.file, notes: [...(a.file.notes ?? []), `${run.name} s${run.config.seed}: ${e.message}`] };
          void writeAtomic(path.join(a.dir, 'job.json'), `${JSON.stringify(a.file, null, 2)}\n`)
            .catch(() => undefined)
            .then(() => changed(a.file, a.dir));
        }
      },
    });
  }

  async function launch(file: JobFile, dir: string, planned: JobPlan): Promise<JobInfo> {
    const a: Active = { file, dir, abort: new AbortController(), current: 0, step: 0, done: Promise.resolve() };
    active.set(file.id, a);
    a.done = execute(a, planned);
    return info(file, dir);
  }

  function planOf(plan: Omit<TrainPlan, 'datasetId'>): ResolvedPlan {
    return resolvePlan({
      variants: plan.variants,
      preset: plan.preset,
      seeds: plan.seeds,
      ...(plan.layers !== undefined ? { layers: plan.layers } : {}),
      ...(plan.block !== undefined ? { block: plan.block } : {}),
      ...(plan.alpha !== undefined ? { alpha: plan.alpha } : {}),
      ...(plan.steps !== undefined ? { steps: plan.steps } : {}),
      ...(plan.flopMatched !== undefined ? { flopMatched: plan.flopMatched } : {}),
      data: defined({ trainRows: plan.trainRows, trainFraction: plan.trainFraction, normalize: plan.normalize, threshold: plan.threshold, combine: plan.combine }),
    });
  }

  async function jobAt(dir: string): Promise<JobFile | null> {
    const file = await readJson<JobFile>(path.join(dir, 'job.json'));
    if (file) return file;
    // A folder written by `stacklab train --out`: its runs, read from their configs.
    const names = (await readdir(dir).catch(() => [] as string[])).sort();
    const runs: JobFile['runs'][number][] = [];
    let first: RunConfig | null = null;
    for (const n of names) {
      const cfg = await readJson<RunConfig>(path.join(dir, n, 'config.json'));
      if (!cfg) continue;
      first ??= cfg;
      runs.push({ name: cfg.flopMatchedTo ? `baseline≈${cfg.flopMatchedTo}` : cfg.variant, variant: cfg.variant, seed: cfg.seed, dir: n, steps: cfg.growth.steps });
    }
    if (!first) return null;
    const st = await stat(dir);
    const plan: Omit<TrainPlan, 'datasetId'> = { variants: [...new Set(runs.filter((r) => !r.name.includes('≈')).map((r) => r.variant))] as TrainPlan['variants'], preset: first.preset as TrainPlan['preset'], layers: first.growth.layers, block: first.growth.block, alpha: first.growth.alpha, steps: first.growth.steps, seeds: new Set(runs.map((r) => r.seed)).size };
    return { id: `cli:${dir}`, name: path.basename(dir), createdAt: st.birthtime.toISOString(), plan, import: { source: { kind: 'sample' } }, source: first.data.source, device: first.device, runs };
  }

  return {
    async estimate(plan: TrainPlan): Promise<PlanEstimate> {
      const resolved = planOf(plan);
      const d = deps.data.get(plan.datasetId);
      const device = await resolveDevice(plan.device ?? (await deps.settings.get()).defaultDevice);
      const job = planJob({ ...resolved, seeds: 1 }, d.dataset, d.source, device, '/unused', prepare);
      const { model } = job;
      const { growth } = resolved;
      const key = `${device}:${job.data.fingerprint}:${JSON.stringify(model)}`;
      let measured = speed.get(key);
      if (!measured) {
        // A short timing probe at full depth: 2 warm-up steps, 4 timed ones, then one validation
        // point (validation loss, detection on the test part, probes) as every run does ~10 times.
        const trainer = await Trainer.create({ model, data: job.data.matrix, device, seed: 1, adam: DEFAULT_ADAMW, readEvery: 1000, windowStarts: job.data.trainStarts });
        let params: Map<string, Float32Array>;
        let fps: number;
        try {
          for (let i = 0; i < 2; i++) await trainer.step(1e-4);
          const t0 = performance.now();
          for (let i = 0; i < 4; i++) await trainer.step(1e-4);
          params = await trainer.readParams();
          fps = (4 * stepFlops(model, growth.layers)) / ((performance.now() - t0) / 1000);
        } finally {
          await trainer.dispose();
        }
        const t1 = performance.now();
        await validationLoss(model, params, job.data, device, job.runs[0]!.config.valWindows);
        await evaluateModel(model, params, job.data, device, job.runs[0]!.config.scoring);
        await scoreProbes(model, params, job.data, device, 1);
        measured = { fps, evalSeconds: (performance.now() - t1) / 1000 };
        speed.set(key, measured);
      }
      const { fps, evalSeconds } = measured;
      const baseFlops = growth.steps * stepFlops(model, growth.layers);
      const variants = job.runs.map((r) => {
        const stages = stagesOf(r.config.variant, r.config.growth);
        const flops = stages.reduce((a, s) => a + s.steps * stepFlops(model, s.layers), 0);
        // Validation points: every valEvery steps and at each stage's end (the last one is also the final evaluation).
        const points = Math.floor(r.config.growth.steps / r.config.valEvery) + stages.length;
        return { variant: r.name, stages: stages.map((s) => ({ layers: s.layers, steps: s.steps })), flops, relative: flops / baseFlops, seconds: flops / fps + points * evalSeconds };
      });
      return { device, layers: growth.layers, block: growth.block, steps: growth.steps, variants, totalSeconds: variants.reduce((a, v) => a + v.seconds, 0) * resolved.seeds, flopsPerSecond: fps, evaluationSeconds: evalSeconds };
    },

    async start(plan: TrainPlan): Promise<JobInfo> {
      const resolved = planOf(plan);
      const d = deps.data.get(plan.datasetId);
      const settings = await deps.settings.get();
      const device = await resolveDevice(plan.device ?? settings.defaultDevice);
      const createdAt = new Date().toISOString();
      const name = plan.name ?? `${plan.variants.join('-')} ${plan.preset}`;
      // Unique even for two jobs started in the same second: milliseconds and a random suffix.
      const dir = path.join(settings.runsDir, `${createdAt.replace(/[:.]/g, '-').slice(0, 23)}-${randomBytes(2).toString('hex')}-${slug(name)}`);
      const planned = planJob(resolved, d.dataset, d.source, device, dir, prepare);
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
        runs: planned.runs.map((r) => ({ name: r.name, variant: r.config.variant, seed: r.config.seed, dir: path.basename(r.dir), steps: r.config.growth.steps })),
      };
      try {
        await mkdir(dir, { recursive: true });
        await writeAtomic(path.join(dir, 'job.json'), `${JSON.stringify(file, null, 2)}\n`);
      } catch (err) {
        throw new Error(`cannot write the job folder ${dir} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): choose a runs folder you can write to in Settings`);
      }
      return launch(file, dir, planned);
    },

    async cancel(jobId: string): Promise<JobInfo> {
      const a = active.get(jobId);
      if (!a) throw new Error('that job is not running (it finished or was already stopped)');
      a.abort.abort();
      await a.done;
      return info(a.file, a.dir);
    },

    async list(): Promise<JobInfo[]> {
      const root = (await deps.settings.get()).runsDir;
      const names = await readdir(root).catch(() => [] as string[]);
      const out: JobInfo[] = [];
      for (const n of names) {
        const dir = path.join(root, n);
        if (!(await isDir(dir))) continue;
        const job = await jobAt(dir);
        if (job) out.push(await info(job, dir));
      }
      return out.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    },

    async resume(dir: string): Promise<JobInfo> {
      const file = await readJson<JobFile>(path.join(dir, 'job.json'));
      if (!file) throw new Error(`${dir} has no job.json: runs from the command line resume with \`stacklab train … --out ${dir} --resume\``);
      if (active.has(file.id)) return info(file, dir);
      const { error: _dropped, ...clean } = file;
      void _dropped;
      const d = await deps.data.load(file.import);
      const planned = planJob(planOf(file.plan), d.dataset, d.source, file.device, dir);
      await writeAtomic(path.join(dir, 'job.json'), `${JSON.stringify(clean, null, 2)}\n`);
      return launch(clean, dir, planned);
    },

    async history(dir: string): Promise<JobHistory> {
      const job = await jobAt(dir);
      if (!job) throw new Error(`${dir} is not a job folder (no job.json and no run folders)`);
      const runs = [];
      for (const [i, r] of job.runs.entries()) {
        const lines = (await readFile(path.join(dir, r.dir, 'metrics.jsonl'), 'utf8').catch(() => ''))
          .split('\n')
          .filter(Boolean)
          .flatMap((l) => {
            try {
              return [JSON.parse(l) as { type: string; step: number; loss?: number; valLoss?: number; flops?: number; elapsedMs?: number; resumed?: boolean }];
            } catch {
              return [];
            }
          });
        const train = lines.filter((m) => m.type === 'train' && Number.isFinite(m.loss));
        const every = Math.max(1, Math.ceil(train.length / 500));
        runs.push({
          run: i,
          name: r.name,
          seed: r.seed,
          points: train.filter((_, k) => k % every === 0 || k === train.length - 1).map((m) => ({ step: m.step, loss: m.loss!, flops: m.flops ?? NaN, elapsedMs: m.elapsedMs ?? NaN })),
          valPoints: lines.filter((m) => m.type === 'val' && Number.isFinite(m.valLoss)).map((m) => ({ step: m.step, valLoss: m.valLoss!, flops: m.flops ?? NaN })),
          growthSteps: lines.filter((m) => m.type === 'stage' && m.step > 0 && !m.resumed).map((m) => m.step),
        });
      }
      return { runs };
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
