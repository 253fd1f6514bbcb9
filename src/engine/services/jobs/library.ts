/**
 * The run library: the job folders in the runs folder, their runs' state read from disk (and from
 * the live job, for the one running), and a job's training curves.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { flopMatchedName, isFlopMatched } from '../../../shared/growth';
import type { JobHistory, JobInfo, JobStatus, RunInfo, RunStatus } from '../../../shared/jobs';
import type { TrainPlan } from '../../../shared/plan';
import { DamagedFileError } from '../../io/files';
import { readJobFile, type JobFile } from '../../runs/job';
import { checkpointStep, isDir, isLink, RunStore } from '../../runs/store';
import type { RunConfig, RunReport } from '../../runs/types';

/** What the library knows of a running job: the runs being trained (several on a queue's workers) and each one's latest step. */
export interface LiveState {
  readonly running: ReadonlyMap<number, number>;
}

/**
 * A run's folder inside its job folder, or null when it is a link: StackLab makes run folders,
 * never links, and one made by hand could lead anywhere (outside server mode's --root).
 */
async function runFolder(jobDir: string, name: string): Promise<string | null> {
  const dir = path.join(jobDir, name);
  return (await isLink(dir)) ? null : dir;
}

async function runInfo(job: JobFile, dir: string, index: number, live?: LiveState): Promise<RunInfo> {
  const r = job.runs[index]!;
  const runDir = path.join(dir, r.dir);
  const base = { name: r.name, variant: r.variant, seed: r.seed, dir: runDir, totalSteps: r.steps };
  if (!(await runFolder(dir, r.dir))) return { ...base, status: 'failed', step: 0, wallMs: null, finalValLoss: null };
  const report = await new RunStore(runDir).readReport<RunReport>();
  // A report of a stopped run (cancelled, failed) no longer says what the run does once its job trains again.
  if (report && (report.status === 'finished' || !live))
    return {
      ...base,
      status: report.status,
      step: report.status === 'finished' ? r.steps : await checkpointStep(runDir),
      wallMs: report.wallMs,
      finalValLoss: report.finalValLoss,
    };
  let status: RunStatus;
  let step = await checkpointStep(runDir);
  if (live?.running.has(index)) {
    status = 'running';
    step = Math.max(step, live.running.get(index)!);
  } else if (live) status = 'queued';
  else status = step > 0 ? 'interrupted' : job.error ? 'failed' : 'queued';
  return { ...base, status, step, wallMs: null, finalValLoss: null };
}

/** A job as the app lists it: its runs' state and the job's. */
export async function jobInfo(job: JobFile, dir: string, live?: LiveState): Promise<JobInfo> {
  const runs = await Promise.all(job.runs.map((_, i) => runInfo(job, dir, i, live)));
  let status: JobStatus;
  // Runs that all finished make a finished job, whatever error an earlier attempt left in job.json.
  if (live) status = 'running';
  else if (runs.every((r) => r.status === 'finished')) status = 'finished';
  else if (job.error) status = 'failed';
  else if (runs.some((r) => r.status === 'cancelled')) status = 'cancelled';
  else status = 'interrupted';
  return {
    id: job.id,
    dir,
    name: job.name,
    createdAt: job.createdAt,
    status,
    plan: job.plan,
    source: job.source,
    device: job.device,
    runs,
    ...(job.error ? { error: job.error } : {}),
    ...(job.notes?.length ? { notes: job.notes } : {}),
  };
}

/**
 * The job in a folder: its job.json, or, for a folder of run folders written without one (by
 * `stacklab train` before it wrote job.json), a job read from the runs' configs (listed, not resumable).
 */
export async function jobAt(dir: string): Promise<JobFile | null> {
  // A damaged job.json is said as such; the job is still listed from its runs' configs.
  let damaged: string | undefined;
  try {
    const file = await readJobFile(dir);
    if (file) return file;
  } catch (err) {
    if (!(err instanceof DamagedFileError)) throw err;
    damaged = err.message;
  }
  const names = (await readdir(dir).catch(() => [] as string[])).sort();
  const runs: JobFile['runs'][number][] = [];
  let first: RunConfig | null = null;
  for (const n of names) {
    const runDir = await runFolder(dir, n);
    const cfg = runDir ? await new RunStore(runDir).readConfig() : null;
    if (!cfg) continue;
    first ??= cfg;
    runs.push({
      name: cfg.flopMatchedTo ? flopMatchedName(cfg.flopMatchedTo) : cfg.variant,
      variant: cfg.variant,
      seed: cfg.seed,
      dir: n,
      steps: cfg.growth.steps,
    });
  }
  if (!first) {
    // Nothing to list it by: the damage is the answer.
    if (damaged) throw new Error(damaged);
    return null;
  }
  const st = await stat(dir);
  const plan: Omit<TrainPlan, 'datasetId'> = {
    variants: [...new Set(runs.filter((r) => !isFlopMatched(r.name)).map((r) => r.variant))] as TrainPlan['variants'],
    preset: first.preset as TrainPlan['preset'],
    layers: first.growth.layers,
    block: first.growth.block,
    alpha: first.growth.alpha,
    steps: first.growth.steps,
    seeds: new Set(runs.map((r) => r.seed)).size,
  };
  return {
    id: `cli:${dir}`,
    name: path.basename(dir),
    createdAt: st.birthtime.toISOString(),
    plan,
    import: { source: { kind: 'sample' } },
    source: first.data.source,
    device: first.device,
    runs,
    ...(damaged ? { error: damaged } : {}),
  };
}

/** Every job folder in `root`, newest first; `inside` (server mode's --root) leaves out folders that lead outside it. */
export async function listJobs(
  root: string,
  live: (job: JobFile) => LiveState | undefined,
  inside?: (dir: string) => Promise<unknown>,
): Promise<JobInfo[]> {
  const names = await readdir(root).catch(() => [] as string[]);
  const out: JobInfo[] = [];
  for (const n of names) {
    const dir = path.join(root, n);
    if (!(await isDir(dir))) continue;
    if (
      inside &&
      !(await inside(dir).then(
        () => true,
        () => false,
      ))
    )
      continue;
    // A folder whose job.json is damaged and that holds no run folder has nothing to list.
    const job = await jobAt(dir).catch(() => null);
    if (job) out.push(await jobInfo(job, dir, live(job)));
  }
  return out.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

/** A job's curves: training losses (thinned to ~500 points a run), validation losses and growth steps. */
export async function jobHistory(dir: string): Promise<JobHistory> {
  const job = await jobAt(dir);
  if (!job) throw new Error(`${dir} is not a job folder (no job.json and no run folders)`);
  const runs = [];
  for (const [i, r] of job.runs.entries()) {
    const runDir = await runFolder(dir, r.dir);
    const { records } = runDir ? await new RunStore(runDir).readMetrics() : { records: [] };
    const train = records.flatMap((m) => (m.type === 'train' && Number.isFinite(m.loss) ? [m] : []));
    const every = Math.max(1, Math.ceil(train.length / 500));
    runs.push({
      run: i,
      name: r.name,
      seed: r.seed,
      points: train
        .filter((_, k) => k % every === 0 || k === train.length - 1)
        .map((m) => ({ step: m.step, loss: m.loss, flops: m.flops ?? NaN, elapsedMs: m.elapsedMs ?? NaN })),
      valPoints: records.flatMap((m) =>
        m.type === 'val' && Number.isFinite(m.valLoss)
          ? [{ step: m.step, valLoss: m.valLoss, flops: m.flops ?? NaN }]
          : [],
      ),
      growthSteps: records.flatMap((m) => (m.type === 'stage' && m.step > 0 && !m.resumed ? [m.step] : [])),
    });
  }
  return { runs };
}
