/**
 * `stacklab worker`: takes runs from the queue and trains them with the same run loop as a local
 * job, in the shared runs folder (each machine may mount it at its own path). Progress goes back
 * as BullMQ job progress; a cancel key stops a run at a checkpoint; SIGINT/SIGTERM checkpoint the
 * runs in hand and put them back on the queue; a worker killed outright leaves its runs to
 * BullMQ's stalled-job recovery, and the next worker resumes them from their last checkpoint.
 */
import { stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DelayedError, Worker, type Job } from 'bullmq';
import type { ExecutionProviderName } from '../../shared/system';
import { runTraining } from '../runs/runner';
import { isDir } from '../runs/store';
import type { RunReport } from '../runs/types';
import { count } from '../compare/text';
import { readDataFile } from './data-file';
import { queueError } from './errors';
import { cancelKey, RUNS_QUEUE, WORKER_TTL_S, workerKey, type RunTask } from './tasks';
import { controlClient, type QueueTarget } from './url';

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
  if (!(await isDir(root))) throw new Error(`the runs folder ${root} does not exist here: mount the folder the submitters train into and give it with --runs-dir`);
  const control = await controlClient(target);
  const inHand = new Map<string, AbortController>();
  let stopping = false;
  const worker = new Worker<RunTask, RunReport>(
    RUNS_QUEUE,
    async (job: Job<RunTask, RunReport>, token?: string) => {
      const task = job.data;
      const jobDir = path.join(root, task.jobDir);
      if (!(await isDir(jobDir))) throw new Error(`worker ${opts.name}: the job folder ${jobDir} is not in this worker's runs folder ${root}: mount the shared runs folder and give it with --runs-dir`);
      const dataFile = path.join(root, task.dataFile);
      if (!(await stat(dataFile).then(() => true, () => false))) throw new Error(`worker ${opts.name}: the job's data set ${dataFile} is missing in the shared runs folder`);
      const data = await readDataFile(dataFile);
      const dir = path.join(jobDir, task.runDir);
      const abort = new AbortController();
      inHand.set(job.id!, abort);
      const poll = setInterval(() => void control.get(cancelKey(job.id!)).then((v) => v && abort.abort(), () => undefined), 500);
      const resume = await isDir(dir);
      opts.log(`${opts.name}: ${resume ? 'resuming' : 'training'} ${task.name} of ${task.jobDir} (attempt ${job.attemptsMade + 1}) on ${opts.device}`);
      const t0 = performance.now();
      try {
        // The device is this worker's: it is recorded in the run, not required of it.
        const report = await runTraining({ config: { ...task.config, device: opts.device }, data, dir, resume, signal: abort.signal, onEvent: (e) => void job.updateProgress(e as never).catch(() => undefined), ...(opts.threads ? { threads: opts.threads } : {}) });
        if (stopping && report.status === 'cancelled') {
          // Stopped by this worker's own shutdown, not by the submitter: back on the queue, from its checkpoint.
          opts.log(`${opts.name}: ${task.name} stopped at a checkpoint and goes back to the queue`);
          await job.moveToDelayed(Date.now() + 500, token);
          throw new DelayedError();
        }
        opts.log(`${opts.name}: ${task.name} ${report.status} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
        return report;
      } finally {
        clearInterval(poll);
        inHand.delete(job.id!);
      }
    },
    { connection: target.connection, name: opts.name, concurrency: opts.concurrency, lockDuration: 15_000, stalledInterval: 5_000, maxStalledCount: 3 },
  );
  worker.on('error', () => undefined);
  try {
    await worker.waitUntilReady();
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
  opts.log(`${opts.name} on ${os.hostname()} takes runs from ${target.shown} (device ${device}, ${opts.concurrency} at a time, runs folder ${root})`);
  let resolveClosed: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));
  return {
    closed,
    async stop() {
      if (stopping) return closed;
      stopping = true;
      const what = inHand.size === 0 ? 'no run in hand' : inHand.size === 1 ? 'the run in hand checkpoints and goes back to the queue' : `${count(inHand.size, 'run')} in hand checkpoint and go back to the queue`;
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
