/**
 * The submitter's side of the queue: a RunExecutor that puts each run on the BullMQ queue instead
 * of training it here, forwards the workers' progress events, and waits for the run's report. The
 * job's prepared data go to the shared runs folder once (data-file.ts); cancelling sets the run's
 * cancel key, and the worker training it stops at a checkpoint.
 */
import { setMaxListeners } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { Queue, QueueEvents } from 'bullmq';
import type { QueueWorker } from '../../shared/jobs';
import type { RunExecutor } from '../runs/executor';
import type { RunEvent, RunReport } from '../runs/types';
import { writeDataFile } from './data-file';
import { queueError } from './errors';
import { ATTEMPTS, cancelKey, RUNS_QUEUE, workerKey, type RunTask } from './tasks';
import { controlClient, type QueueTarget } from './url';

export interface QueueExecutor extends RunExecutor {
  /** Runs in flight at once (the job's runs go to the queue together, up to this many). */
  readonly parallel: number;
  close(): Promise<void>;
}

/** Connects to the queue (a clear error when Redis is not there or refuses the password). */
export async function queueExecutor(target: QueueTarget, runsRoot: string, parallel = 64): Promise<QueueExecutor> {
  const control = await controlClient(target);
  const queue = new Queue<RunTask, RunReport>(RUNS_QUEUE, { connection: target.connection });
  const events = new QueueEvents(RUNS_QUEUE, { connection: target.connection });
  // Errors of the connections come as events (Redis going away mid-job); the runs' waits report them.
  queue.on('error', () => undefined);
  events.on('error', () => undefined);
  // A job's runs wait on these together: one listener each, however many runs.
  queue.setMaxListeners(0);
  events.setMaxListeners(0);
  try {
    await queue.waitUntilReady();
    await events.waitUntilReady();
  } catch (err) {
    await Promise.allSettled([queue.close(), events.close()]);
    control.disconnect();
    throw queueError(target.shown, err);
  }
  const listeners = new Map<string, (e: RunEvent) => void>();
  const dataFiles = new Map<string, Promise<string>>();
  events.on('progress', ({ jobId, data }) => listeners.get(jobId)?.(data as RunEvent));
  return {
    parallel,
    async runRun(run, data, onEvent, signal) {
      const root = path.resolve(runsRoot);
      const jobDir = path.relative(root, path.dirname(path.resolve(run.dir)));
      if (jobDir.startsWith('..') || path.isAbsolute(jobDir)) throw new Error(`the job folder ${path.dirname(run.dir)} is not inside the runs folder ${root} that the workers share: train into it (--out ${path.join(root, '<name>')}) or give it with --runs-dir`);
      const fingerprint = run.config.data.fingerprint;
      // Once per data set: the job's runs go to the queue together.
      let written = dataFiles.get(fingerprint);
      if (!written) dataFiles.set(fingerprint, (written = writeDataFile(root, fingerprint, data, run.config.model.channels)));
      const dataFile = await written;
      const task: RunTask = { jobId: path.basename(jobDir), jobDir, runDir: path.basename(run.dir), name: `${run.config.flopMatchedTo ? `baseline≈${run.config.flopMatchedTo}` : run.config.variant} s${run.config.seed}`, config: run.config, dataFile: path.relative(root, dataFile), submitter: `${os.hostname()}:${process.pid}` };
      const job = await queue.add('run', task, { attempts: ATTEMPTS, backoff: { type: 'fixed', delay: 1000 }, removeOnComplete: 1000, removeOnFail: 1000 });
      const id = job.id!;
      listeners.set(id, onEvent);
      const cancel = () => void control.set(cancelKey(id), '1', 'EX', 24 * 3600).catch(() => undefined);
      if (signal) setMaxListeners(0, signal);
      signal?.addEventListener('abort', cancel, { once: true });
      try {
        return await job.waitUntilFinished(events);
      } catch (err) {
        throw new Error(`${task.name} failed on the workers ${ATTEMPTS} times: ${err instanceof Error ? err.message : String(err)}`);
      } finally {
        listeners.delete(id);
        signal?.removeEventListener('abort', cancel);
      }
    },
    async close() {
      await Promise.allSettled([events.close(), queue.close()]);
      control.disconnect();
    },
  };
}

/** The workers connected to the queue now, each with the runs it trains (BullMQ's client list and active jobs). */
export async function queueWorkers(target: QueueTarget): Promise<QueueWorker[]> {
  const control = await controlClient(target);
  const queue = new Queue<RunTask, RunReport>(RUNS_QUEUE, { connection: target.connection });
  queue.on('error', () => undefined);
  try {
    const clients = await queue.getWorkers();
    // A worker holds several connections (blocking and not): one entry per name.
    const names = [...new Set(clients.map((c) => String(c.rawname ?? '').split(':w:')[1]).filter((n): n is string => !!n))].sort();
    const active = await queue.getJobs(['active']);
    const entries = await Promise.all(names.map((n) => control.get(workerKey(n)).catch(() => null)));
    return names.map((name, i) => {
      const seen = entries[i] ? (JSON.parse(entries[i]!) as { device?: string; host?: string }) : {};
      return { name, busy: active.filter((j) => j.processedBy === name).length, ...(seen.device ? { device: seen.device } : {}), ...(seen.host ? { host: seen.host } : {}) };
    });
  } catch (err) {
    throw queueError(target.shown, err);
  } finally {
    await queue.close().catch(() => undefined);
    control.disconnect();
  }
}
