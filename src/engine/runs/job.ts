/**
 * A job: the runs of one plan (variants × seeds) in one job folder with a job.json, trained one
 * after another by an executor. `stacklab train`, the desktop app and server mode all run jobs
 * through `executeJob`, so every job folder is listed and resumed the same way.
 */
import path from 'node:path';
import { Fields, plainName } from '../../shared/fields';
import { importRequest, trainPlan } from '../../shared/ipc';
import type { ImportRequest } from '../../shared/import';
import type { PlanInput } from '../../shared/plan';
import { EXECUTION_PROVIDERS } from '../../shared/system';
import { readJsonFile } from '../io/files';
import type { ExecutionProviderName } from '../../shared/system';
import type { RunExecutor } from './executor';
import type { JobPlan, PlannedRun } from './plan';
import { isDir, RunStore, writeAtomic } from './store';
import type { RunEvent, RunReport } from './types';

/** job.json: what a job folder holds, enough to list it and to resume it. */
export interface JobFile {
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
  readonly plan: PlanInput;
  /** How the data were imported: resuming imports them again this way. */
  readonly import: ImportRequest;
  readonly source: string;
  readonly device: ExecutionProviderName;
  readonly runs: readonly {
    readonly name: string;
    readonly variant: string;
    readonly seed: number;
    readonly dir: string;
    readonly steps: number;
  }[];
  readonly error?: string;
  /** What the runs reported that a user should know (a damaged checkpoint skipped, a torn metrics line cut, a stale lock taken over). */
  readonly notes?: readonly string[];
}

/**
 * A job's name when the user gave none: the data, the variants and the preset, and when it began
 * (local time, to the minute), so that jobs of one data set tell apart in the library.
 */
export function defaultJobName(
  source: string,
  plan: Pick<PlanInput, 'variants' | 'preset'>,
  createdAt: string,
): string {
  const data = source.startsWith('sample (')
    ? source.includes('multi-run')
      ? 'multi-run sample'
      : 'sample plant'
    : path.basename(source.replace(/[\\/]+$/, '')) || source;
  const t = new Date(createdAt);
  const pad = (n: number) => String(n).padStart(2, '0');
  const when = `${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())} ${pad(t.getHours())}:${pad(t.getMinutes())}`;
  return `${data} · ${plan.variants.join(', ')} · ${plan.preset} · ${when}`;
}

/** The most runs a job lists (variants × seeds, with FLOP-matched baselines). */
const MAX_JOB_RUNS = 1000;

/**
 * job.json as read back from disk, checked field by field: it is the user's (or anyone's) to edit,
 * so nothing in it is trusted; run folders are plain names inside the job folder.
 */
export function parseJobFile(raw: unknown): JobFile {
  const f = Fields.of(raw, 'job.json');
  // The plan as requests carry it, checked by the same fields.
  const { datasetId: _none, ...plan } = trainPlan('job.json "plan"', { ...f.object('plan').raw, datasetId: 'job' });
  const runs = f.list(
    'runs',
    MAX_JOB_RUNS,
    (x, at) => {
      const r = Fields.of(x, at);
      return {
        name: r.string('name', 200),
        variant: r.string('variant', 100),
        seed: r.integer('seed', 0, 2 ** 31 - 1),
        dir: plainName(r.raw.dir, `${at} "dir"`),
        steps: r.integer('steps', 1, 1e9),
      };
    },
    1,
  );
  const error = f.optionalString('error', 20_000);
  const notes = f.has('notes') ? f.strings('notes', 10_000, 20_000) : undefined;
  return {
    id: f.string('id', 300),
    name: f.string('name', 1000),
    createdAt: f.string('createdAt', 100),
    plan,
    import: importRequest('job.json "import"', f.raw.import),
    source: f.string('source', 4096),
    device: f.oneOf('device', EXECUTION_PROVIDERS),
    runs,
    ...(error !== undefined ? { error } : {}),
    ...(notes !== undefined ? { notes } : {}),
  };
}

/**
 * A job folder's job.json: null when there is none, a DamagedFileError when it does not read as
 * one (never taken for a missing file).
 */
export async function readJobFile(dir: string): Promise<JobFile | null> {
  return readJsonFile(
    path.join(dir, 'job.json'),
    parseJobFile,
    'restore it from a copy, or fix the field by hand; the run folders beside it are untouched',
  );
}

export async function writeJobFile(dir: string, file: JobFile): Promise<void> {
  await writeAtomic(path.join(dir, 'job.json'), `${JSON.stringify(file, null, 2)}\n`);
}

/** The runs of a planned job as job.json lists them (folder names relative to the job folder). */
export function jobRuns(planned: JobPlan): JobFile['runs'] {
  return planned.runs.map((r) => ({
    name: r.name,
    variant: r.config.variant,
    seed: r.config.seed,
    dir: path.basename(r.dir),
    steps: r.config.growth.steps,
  }));
}

async function finishedReport(dir: string): Promise<RunReport | null> {
  const r = await new RunStore(dir).readReport<RunReport>();
  return r?.status === 'finished' ? r : null;
}

/**
 * The job's runs in the order they train: one index each, or (an executor that batches seeds)
 * groups of up to `seedBatch` runs whose configs differ only in their seed and that begin afresh
 * (a run continued from its folder trains alone). A group takes the first such runs of the list
 * (a plan lists seed 1 of every variant, then seed 2, …), and trains where its first run stood.
 */
export async function batchedUnits(
  runs: readonly PlannedRun[],
  executor: Pick<RunExecutor, 'seedBatch' | 'runGroup'>,
  resume: boolean | 'auto',
): Promise<number[][]> {
  const size = executor.runGroup ? (executor.seedBatch ?? 1) : 1;
  if (size < 2 || resume === true) return runs.map((_, i) => [i]);
  const fresh = await Promise.all(runs.map(async (r) => resume === false || !(await isDir(r.dir))));
  const keys = runs.map(seedlessKey);
  const taken = new Set<number>();
  const units: number[][] = [];
  for (let i = 0; i < runs.length; i++) {
    if (taken.has(i)) continue;
    const unit = [i];
    for (let j = i + 1; fresh[i] && j < runs.length && unit.length < size; j++)
      if (!taken.has(j) && fresh[j] && keys[j] === keys[i]) unit.push(j);
    for (const k of unit) taken.add(k);
    units.push(unit);
  }
  return units;
}

/** A run's config without its seed: runs with the same one can have their seeds batched. */
export function seedlessKey(run: { readonly config: object }): string {
  return JSON.stringify({ ...run.config, seed: 0 });
}

export interface JobExecution {
  /** The job as it is now (notes and an error are added to it, and written to job.json). */
  file: JobFile;
  readonly dir: string;
  readonly planned: JobPlan;
}

export interface JobHooks {
  readonly signal?: AbortSignal;
  /**
   * true: every run continues from its checkpoints; false: every run begins (a folder holding a
   * run is refused); 'auto': runs whose folder exists continue, others begin (the app's resume).
   */
  readonly resume: boolean | 'auto';
  /** A run begins (or continues); finished runs are skipped without it. */
  onRun?(index: number, run: PlannedRun): void | Promise<void>;
  onEvent?(index: number, run: PlannedRun, e: RunEvent): void;
  /** A run ended (finished, or cancelled), or was found finished. */
  onReport?(index: number, run: PlannedRun, report: RunReport): void;
  /** job.json was rewritten (a note, an error). */
  onChanged?(file: JobFile): void | Promise<void>;
}

/**
 * Trains the job's runs one after another (several at once with a parallel executor: the queue);
 * the first cancelled run ends the job (its checkpoint
 * kept). With `resume: 'auto'` (the app) a run whose report says finished is kept as it is
 * unread; with `resume: true` (`--resume`) every run goes to the executor, which checks that its
 * folder matches the plan and that a finished run's final checkpoint reads. A run's notes go into
 * job.json; so does an error, which is then thrown (the runs finished before it are kept).
 */
export async function executeJob(job: JobExecution, executor: RunExecutor, hooks: JobHooks): Promise<RunReport[]> {
  const reports: RunReport[] = [];
  // Changes of job.json, applied and written one after another (notes arrive while a run trains).
  let writes = Promise.resolve();
  const update = (change: (file: JobFile) => JobFile) =>
    (writes = writes.then(async () => {
      // The name as job.json has it now: a rename while the job runs is kept.
      const name = (await readJobFile(job.dir).catch(() => null))?.name ?? job.file.name;
      const file = change({ ...job.file, name });
      job.file = file;
      await writeJobFile(job.dir, file).catch(() => undefined);
      await Promise.resolve(hooks.onChanged?.(file)).catch(() => undefined);
    }));
  // Index by index; with a parallel executor (the queue) up to that many runs at once.
  const byIndex: (RunReport | undefined)[] = [];
  let stop = false;
  const one = async (i: number, run: PlannedRun) => {
    if (hooks.resume === 'auto') {
      const done = await finishedReport(run.dir);
      if (done) {
        byIndex[i] = done;
        hooks.onReport?.(i, run, done);
        return;
      }
    }
    // Stopped while loading or between runs: no new run folder is begun.
    if (hooks.signal?.aborted || stop) return;
    await hooks.onRun?.(i, run);
    const resume = hooks.resume === 'auto' ? await isDir(run.dir) : hooks.resume;
    const report = await executor.runRun(
      { config: run.config, dir: run.dir, resume },
      job.planned.data,
      eventsOf(i, run),
      hooks.signal,
    );
    await writes;
    reported(i, run, report);
  };
  const eventsOf = (i: number, run: PlannedRun) => (e: RunEvent) => {
    // Kept in job.json, so that the run library says it after a restart too.
    if (e.type === 'note')
      void update((f) => ({ ...f, notes: [...(f.notes ?? []), `${run.name} s${run.config.seed}: ${e.message}`] }));
    hooks.onEvent?.(i, run, e);
  };
  const reported = (i: number, run: PlannedRun, report: RunReport) => {
    byIndex[i] = report;
    hooks.onReport?.(i, run, report);
    if (report.status === 'cancelled') stop = true;
  };
  // Seeds batched (issue 25): fresh runs of one variant that differ only in their seed, trained
  // in one session; each run still has its folder, events and report.
  const together = async (idx: readonly number[]) => {
    if (hooks.signal?.aborted || stop) return;
    const runs = idx.map((i) => job.planned.runs[i]!);
    for (const [k, i] of idx.entries()) await hooks.onRun?.(i, runs[k]!);
    const settled = await executor.runGroup!(
      runs.map((run) => ({ config: run.config, dir: run.dir, resume: false })),
      job.planned.data,
      idx.map((i, k) => eventsOf(i, runs[k]!)),
      hooks.signal,
    );
    await writes;
    let failed: unknown;
    for (const [k, s] of settled.entries()) {
      if (s.status === 'fulfilled') reported(idx[k]!, runs[k]!, s.value);
      else failed ??= s.reason;
    }
    if (failed !== undefined) throw failed;
  };
  const units = await batchedUnits(job.planned.runs, executor, hooks.resume);
  let next = 0;
  const lane = async () => {
    while (!stop && next < units.length) {
      const unit = units[next++]!;
      try {
        if (unit.length === 1) await one(unit[0]!, job.planned.runs[unit[0]!]!);
        else await together(unit);
      } catch (err) {
        // A failed run ends the job: no further run begins (those in flight finish).
        stop = true;
        throw err;
      }
    }
  };
  try {
    const lanes = Math.max(1, Math.min(executor.parallel ?? 1, units.length));
    const results = await Promise.allSettled(Array.from({ length: lanes }, lane));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    for (const r of byIndex) if (r) reports.push(r);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    await update((f) => ({
      ...f,
      error: `${message} (the runs finished before it are kept; resume the job to retry the rest)`,
    }));
    throw err;
  }
  return reports;
}
