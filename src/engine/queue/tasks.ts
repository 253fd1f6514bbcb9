/** What travels through the queue: one run (one variant × one seed) of a job, and how it is stopped. */
import type { RunConfig } from '../runs/types';

/** The BullMQ queue StackLab's submitters and workers share. */
export const RUNS_QUEUE = 'stacklab-runs';

/** A run, with paths relative to the shared runs folder (each machine may mount it elsewhere). */
export interface RunTask {
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

/** A Redis key set when the submitter cancels a run: the worker training it stops at a checkpoint. */
export const cancelKey = (taskId: string) => `stacklab:cancel:${taskId}`;

/** Where a worker says what it is (device, host), renewed while it runs: the Settings page lists it. */
export const workerKey = (name: string) => `stacklab:worker:${name}`;
/** How long a worker's entry lives without renewal. */
export const WORKER_TTL_S = 30;

/** A run the same error failed this many times is marked failed (BullMQ attempts). */
export const ATTEMPTS = 3;
