/**
 * One way to start a job, for `stacklab train` and the app's jobs alike: resolve the plan, fix the
 * process's CUDA precision and pick the device, name the job and its folder, plan its runs, and
 * write the folder and its job.json. The callers keep what is theirs: the command line parses its
 * arguments and prints progress, the app streams events and keeps the run library.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import type { ImportRequest } from '../../shared/import';
import type { PlanInput } from '../../shared/plan';
import { allowsTf32 } from '../../shared/precision';
import type { DeviceChoice, ExecutionProviderName } from '../../shared/system';
import type { Dataset } from '../data/dataset';
import type { PreparedData } from '../data/prepared';
import type { SplitOptions } from '../data/split';
import { resolveDeviceFor } from '../runtime/resolve';
import { claimCudaPrecision, latchCudaTf32 } from '../runtime/tf32';
import type { RunExecutor } from './executor';
import { defaultJobName, jobRuns, writeJobFile, type JobFile } from './job';
import { planJob, resolvePlan, type JobPlan, type ResolvedPlan } from './plan';
import { makeDir } from './store';

export interface JobRequest {
  /** The plan as asked for (only the fields the user set): job.json keeps it so. */
  readonly plan: PlanInput;
  /** The data set, where it came from, and how it was imported (a resume imports it again so). */
  readonly data: { readonly dataset: Dataset; readonly source: string; readonly request: ImportRequest };
  /** The device where the plan names none: the app's Settings, the command line's auto. */
  readonly defaultDevice: DeviceChoice;
  /** The job folder; absent: a new folder in `runsDir`, named after the job and when it began. */
  readonly dir?: string;
  readonly runsDir: string;
  /** The job.json of a job being continued: it is kept as it is (but for its error). */
  readonly existing?: JobFile | null;
  /** The device a continued job trained on (the app's Resume); absent: picked for the plan. */
  readonly device?: ExecutionProviderName;
  /**
   * How the job meets the process's TF32 mode, which is fixed when CUDA first loads: 'fix' for a
   * process of its own (the command line: the plan's mode is set before the device probe), 'claim'
   * for a long-lived engine (the app, the server: a CUDA job whose mode the process no longer
   * gives fails), 'none' where nothing trains (an estimate).
   */
  readonly tf32: 'fix' | 'claim' | 'none';
  /** Turns the data set into windows (default: prepareRunData; a caller that plans often caches it). */
  readonly prepare?: (ds: Dataset, windowRows: number, split: SplitOptions) => PreparedData;
}

export interface PreparedJob {
  readonly dir: string;
  /** job.json as `beginJob` writes it. */
  readonly file: JobFile;
  readonly plan: ResolvedPlan;
  readonly planned: JobPlan;
  readonly device: ExecutionProviderName;
}

/** A job folder's name: when it began (unique to the millisecond, and a random suffix) and the job's name. */
export function jobFolderName(createdAt: string, name: string): string {
  const full = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
  // At most 40 characters, cut between words ("…-midas-tiny", not "…-midas-ti").
  const slug = (full.length > 40 ? full.slice(0, 41).replace(/-[^-]*$/, '') : full).slice(0, 40) || 'job';
  return `${createdAt.replace(/[:.]/g, '-').slice(0, 23)}-${randomBytes(2).toString('hex')}-${slug}`;
}

/**
 * Everything a job needs before a byte is written: a plan that cannot train, a device that is not
 * there or a split the data cannot give fails here (PlanError for the user's choices).
 */
export async function prepareJob(req: JobRequest): Promise<PreparedJob> {
  const plan = resolvePlan(req.plan);
  const device = await pickDevice(plan, req);
  const createdAt = req.existing?.createdAt ?? new Date().toISOString();
  const name = req.existing?.name ?? req.plan.name ?? defaultJobName(req.data.source, req.plan, createdAt);
  const dir = req.dir ?? path.join(req.runsDir, jobFolderName(createdAt, name));
  const planned = planJob(plan, req.data.dataset, req.data.source, device, dir, req.prepare);
  let file: JobFile;
  if (req.existing) {
    const { error: _dropped, ...kept } = req.existing;
    void _dropped;
    file = kept;
  } else {
    file = {
      id: randomUUID(),
      name,
      createdAt,
      plan: req.plan,
      import: req.data.request,
      source: req.data.source,
      device,
      runs: jobRuns(planned),
    };
  }
  return { dir, file, plan, planned, device };
}

/**
 * The device a plan trains on (a continued job: the one it began on), the process's TF32 mode met
 * as `req.tf32` says (see JobRequest).
 */
async function pickDevice(plan: ResolvedPlan, req: JobRequest): Promise<ExecutionProviderName> {
  // Probing the device may load CUDA, which fixes the mode: a process of its own asks for the plan's first.
  if (req.tf32 === 'fix') latchCudaTf32(allowsTf32(plan.precision));
  const device = req.device ?? (await resolveDeviceFor(plan.device ?? req.defaultDevice, plan.preset));
  if (device === 'cuda' && req.tf32 !== 'none') claimCudaPrecision(plan.precision);
  return device;
}

/** Writes the job folder and its job.json; when that fails, lets go of the executor's connections. */
export async function beginJob(job: PreparedJob, executor: RunExecutor): Promise<void> {
  try {
    await makeDir(job.dir);
    await writeJobFile(job.dir, job.file);
  } catch (err) {
    await executor.close?.().catch(() => undefined);
    throw err;
  }
}
