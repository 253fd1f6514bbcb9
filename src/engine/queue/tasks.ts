/** What travels through the queue: one run (one variant × one seed) of a job, and how it is stopped. */
import { APP_VERSION } from '../app-meta';
import { FieldError, Fields, plainName } from '../../shared/fields';
import { parseRunConfig } from '../runs/config-check';
import type { RunConfig } from '../runs/types';

/** The BullMQ queue StackLab's submitters and workers share. */
export const RUNS_QUEUE = 'stacklab-runs';

/** A run, with paths relative to the shared runs folder (each machine may mount it elsewhere). */
export interface RunTask {
  /** The StackLab version that sent it: a worker trains only its own version's tasks. */
  readonly version: string;
  readonly jobId: string;
  /** The job folder, relative to the runs folder. */
  readonly jobDir: string;
  /** The run's folder name inside the job folder. */
  readonly runDir: string;
  readonly name: string;
  readonly config: RunConfig;
  /** The prepared data set, relative to the runs folder (.data/<fingerprint>.safetensors). */
  readonly dataFile: string;
  /** Who submitted it (host and pid), for the worker's log. */
  readonly submitter: string;
}

/** A task this worker must not train: from another version, or with a field that is not what StackLab sends. */
export class TaskRefusedError extends Error {
  override readonly name = 'TaskRefusedError';
}

/** A path relative to the runs folder: segments that are plain names (no `..`, no absolute path, no NUL). */
function relativePath(f: Fields, key: string, max: number): string {
  const v = f.string(key, 4096);
  const parts = v.split('/');
  if (parts.length > max) f.fail(key, `a path of at most ${max} folders inside the runs folder`);
  parts.forEach((p, i) => plainName(p, `${f.at} "${key}" part ${i + 1}`));
  return v;
}

/**
 * A task as it came out of Redis, checked field by field (Redis is shared, and anyone who can
 * write to it can write a task): the version first, then every field, paths that stay inside the
 * runs folder. Throws TaskRefusedError with one sentence saying what is wrong.
 */
export function parseRunTask(raw: unknown, version = APP_VERSION): RunTask {
  try {
    const f = Fields.of(raw, 'the task');
    const sent =
      typeof f.raw.version === 'string'
        ? f.raw.version.slice(0, 40)
        : 'a version before 0.1.0 (no version in the task)';
    if (sent !== version)
      throw new TaskRefusedError(
        `this run was sent by StackLab ${sent} and this worker is StackLab ${version}: run the same version on the submitter and the workers`,
      );
    const dataFile = relativePath(f, 'dataFile', 2);
    if (!/^\.data\/[^/]+\.safetensors$/.test(dataFile))
      f.fail('dataFile', 'a data set in .data/ of the runs folder (.data/<fingerprint>.safetensors)');
    return {
      version,
      jobId: f.string('jobId', 300),
      jobDir: relativePath(f, 'jobDir', 16),
      runDir: plainName(f.raw.runDir, 'the task "runDir"'),
      name: f.string('name', 300),
      config: parseRunConfig(f.raw.config, 'the task "config"'),
      dataFile,
      submitter: f.string('submitter', 300),
    };
  } catch (err) {
    if (err instanceof FieldError) throw new TaskRefusedError(`the task is not one StackLab sends: ${err.message}`);
    throw err;
  }
}

/** A Redis key set when the submitter cancels a run: the worker training it stops at a checkpoint. */
export const cancelKey = (taskId: string) => `stacklab:cancel:${taskId}`;

/** Where a worker says what it is (device, host), renewed while it runs: the Settings page lists it. */
export const workerKey = (name: string) => `stacklab:worker:${name}`;
/** How long a worker's entry lives without renewal. */
export const WORKER_TTL_S = 30;

/** A run the same error failed this many times is marked failed (BullMQ attempts). */
export const ATTEMPTS = 3;
