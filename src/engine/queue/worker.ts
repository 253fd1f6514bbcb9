/**
 * `stacklab worker`: takes runs from the queue and trains them with the same run loop as a local
 * job, in the shared runs folder (each machine may mount it at its own path). Progress goes back
 * as BullMQ job progress; a cancel key stops a run at a checkpoint; SIGINT/SIGTERM checkpoint the
 * runs in hand and put them back on the queue; a worker killed outright leaves its runs to
 * BullMQ's stalled-job recovery, and the next worker resumes them from their last checkpoint.
 */
import { realpath } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { ExecutionProviderName } from '../../shared/system';
import { runTraining } from '../runs/runner';
import { isUnder } from '../io/files';
import { isDir, isLink, isRealDir, LockLostError, RunLockedError } from '../runs/store';
import type { RunReport } from '../runs/types';
import { count } from '../compare/text';
import { readDataFile } from './data-file';
import { queueError } from './errors';
import { cancelKey, parseRunTask, RUNS_QUEUE, TaskRefusedError, WORKER_TTL_S, workerKey, type RunTask } from './tasks';
import { controlClient, queueAnswers, type QueueTarget } from './url';

export interface WorkerOptions {
  readonly runsDir: string;
  readonly device: ExecutionProviderName;
  /** The GPU (CUDA device id) of `--device cuda:N`. */
  readonly gpu?: number;
  readonly concurrency: number;
  readonly name: string;
  readonly threads?: number;
  readonly log: (line: string) => void;
}

export interface RunningWorker {
  /** Stops taking runs, checkpoints the runs in hand and puts them back on the queue. */
  stop(): Promise<void>;
  readonly closed: Promise<void>;
}

export async function startWorker(target: QueueTarget, opts: WorkerOptions): Promise<RunningWorker> {
  const root = path.resolve(opts.runsDir);
  if (!(await isDir(root)))
    throw new Error(
      `the runs folder ${root} does not exist here: mount the folder the submitters train into and give it with --runs-dir`,
    );
  const control = await controlClient(target);
  const inHand = new Map<string, AbortController>();
  let stopping = false;
  const worker = new Worker<RunTask, RunReport>(
    RUNS_QUEUE,
    async (job: Job<RunTask, RunReport>, token?: string) => {
      // Nothing from Redis is trusted: the task is checked, and its paths must stay in this worker's runs folder.
      let task: RunTask;
      let where: { jobDir: string; dir: string; dataFile: string };
      try {
        task = parseRunTask(job.data);
        where = await taskPaths(root, task);
      } catch (err) {
        if (!(err instanceof TaskRefusedError)) throw err;
        opts.log(`${opts.name}: refused queue job ${job.id}: ${err.message}`);
        // Not worth a second attempt: the same task fails the same way.
        throw new UnrecoverableError(`worker ${opts.name}: ${err.message}`);
      }
      const { dir, dataFile } = where;
      const data = await readDataFile(dataFile, task.config);
      const abort = new AbortController();
      inHand.set(job.id!, abort);
      const poll = setInterval(
        () =>
          void control.get(cancelKey(job.id!)).then(
            (v) => v && abort.abort(),
            () => undefined,
          ),
        500,
      );
      const resume = await isRealDir(dir);
      opts.log(
        `${opts.name}: ${resume ? 'resuming' : 'training'} ${task.name} of ${task.jobDir} (attempt ${job.attemptsMade + 1}) on ${opts.device}`,
      );
      const t0 = performance.now();
      try {
        // The device is this worker's: it is recorded in the run, not required of it.
        const report = await runTraining({
          config: { ...task.config, device: opts.device },
          data,
          dir,
          resume,
          signal: abort.signal,
          onEvent: (e) => void job.updateProgress(e as never).catch(() => undefined),
          ...(opts.threads ? { threads: opts.threads } : {}),
        });
        if (stopping && report.status === 'cancelled') {
          // Stopped by this worker's own shutdown, not by the submitter: back on the queue, from its checkpoint.
          opts.log(`${opts.name}: ${task.name} stopped at a checkpoint and goes back to the queue`);
          await job.moveToDelayed(Date.now() + 500, token);
          throw new DelayedError();
        }
        opts.log(`${opts.name}: ${task.name} ${report.status} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
        return report;
      } catch (err) {
        if (err instanceof RunLockedError) {
          // Another live process trains it (a worker the queue took for stalled, on this host or another): that is
          // no failure of the run, so it waits, without using up one of its attempts, until the folder is free.
          opts.log(
            `${opts.name}: ${task.name} is trained by process ${err.holder.pid} on ${err.holder.host}: it waits on the queue and is tried again in ${LOCKED_RETRY_MS / 1000} s`,
          );
          await job.moveToDelayed(Date.now() + LOCKED_RETRY_MS, token);
          throw new DelayedError();
        }
        if (err instanceof LockLostError) opts.log(`${opts.name}: ${task.name}: ${err.message}`);
        throw err;
      } finally {
        clearInterval(poll);
        inHand.delete(job.id!);
      }
    },
    {
      connection: target.connection,
      name: opts.name,
      concurrency: opts.concurrency,
      lockDuration: 15_000,
      stalledInterval: 5_000,
      maxStalledCount: 3,
    },
  );
  worker.on('error', () => undefined);
  try {
    await queueAnswers(target, worker.waitUntilReady());
  } catch (err) {
    await worker.close(true).catch(() => undefined);
    control.disconnect();
    throw queueError(target.shown, err);
  }
  worker.on('failed', (job, err) => job && opts.log(`${opts.name}: ${job.data.name} failed: ${err.message}`));
  // What this worker is, for the Settings page's list (renewed while it runs; gone soon after it stops).
  const device = `${opts.device}${opts.gpu !== undefined ? `:${opts.gpu}` : ''}`;
  const entry = JSON.stringify({ device, host: os.hostname() });
  const announce = () => void control.set(workerKey(opts.name), entry, 'EX', WORKER_TTL_S).catch(() => undefined);
  announce();
  const beat = setInterval(announce, (WORKER_TTL_S * 1000) / 3);
  opts.log(
    `${opts.name} on ${os.hostname()} takes runs from ${target.shown} (device ${device}, ${opts.concurrency} at a time, runs folder ${root})`,
  );
  let resolveClosed: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));
  return {
    closed,
    async stop() {
      if (stopping) return closed;
      stopping = true;
      const what =
        inHand.size === 0
          ? 'no run in hand'
          : inHand.size === 1
            ? 'the run in hand checkpoints and goes back to the queue'
            : `${count(inHand.size, 'run')} in hand checkpoint and go back to the queue`;
      opts.log(`${opts.name}: stopping (${what})`);
      for (const a of inHand.values()) a.abort();
      clearInterval(beat);
      await worker.close();
      await control.del(workerKey(opts.name)).catch(() => undefined);
      control.disconnect();
      resolveClosed();
      return closed;
    },
  };
}

/** How long a run whose folder another live process holds waits on the queue before it is tried again. */
export const LOCKED_RETRY_MS = 5_000;

/**
 * Where a task's job folder, run folder and data file are in this worker's runs folder: each must
 * resolve (links followed) inside it, the job folder and the data file must exist, and a run
 * folder that exists must be a folder, not a link. TaskRefusedError when a path leads out; an Error
 * (worth another attempt, maybe by another worker) when something is missing here.
 */
async function taskPaths(root: string, task: RunTask): Promise<{ jobDir: string; dir: string; dataFile: string }> {
  const realRoot = await realpath(root);
  const within = async (p: string, what: string) => {
    const real = await realpath(p).catch(() => null);
    // Missing here may be found by another worker (a share mounted elsewhere): an error worth another attempt.
    if (real === null)
      throw new Error(
        `${what} ${p} is not in this worker's runs folder ${root}: mount the shared runs folder and give it with --runs-dir`,
      );
    if (!isUnder(real, realRoot) || real === realRoot)
      throw new TaskRefusedError(`${what} ${p} leads outside this worker's runs folder ${root}`);
    return p;
  };
  // Task paths are /-separated (tasks.ts): joined segment by segment on this worker's system.
  const jobDir = await within(path.join(root, ...task.jobDir.split('/')), 'the job folder');
  if (!(await isDir(jobDir))) throw new TaskRefusedError(`the job folder ${jobDir} is not a folder`);
  const dir = path.join(jobDir, task.runDir);
  if (await isLink(dir))
    throw new TaskRefusedError(`the run folder ${dir} is a link: StackLab makes run folders, never links`);
  const dataFile = await within(path.join(root, ...task.dataFile.split('/')), "the job's data set");
  return { jobDir, dir, dataFile };
}
