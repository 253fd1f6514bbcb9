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
import { Redis } from 'ioredis';
import type { QueueWorker } from '../../shared/settings';
import { cancelledReport, localExecutor, threadExecutor, type MemoryGate, type RunExecutor } from '../runs/executor';
import { APP_VERSION } from '../app-meta';
import { RunStore } from '../runs/store';
import type { RunEvent, RunReport } from '../runs/types';
import { writeDataFile } from './data-file';
import { queueError } from './errors';
import { ATTEMPTS, cancelKey, RUNS_QUEUE, workerKey, type RunTask } from './tasks';
import { controlClient, queueAnswers, type QueueTarget } from './url';

export interface QueueExecutor extends RunExecutor {
  /** Runs in flight at once (the job's runs go to the queue together, up to this many). */
  readonly parallel: number;
  close(): Promise<void>;
}

/** How long a cancelled run's worker has to confirm it stopped before the submitter stops waiting. */
export const CANCEL_GRACE_MS = 15_000;
/** The queue must answer the watchdog at least this often while a run is in flight. */
const SILENCE_MS = 6_000;

/** A run's report as its folder on the shared disk has it (the record a worker wrote), when it reads. */
async function reportOnDisk(dir: string): Promise<RunReport | null> {
  const r = await new RunStore(dir).readReport<RunReport>();
  return r && (r.status === 'finished' || r.status === 'cancelled') && Array.isArray(r.stages) ? r : null;
}

/**
 * Where a job's runs train: on the workers of a queue (connected first: a queue that is not there
 * fails here, before anything is written), or in this process.
 */
export async function jobExecutor(o: {
  readonly queue: QueueTarget | null;
  /** The runs folder the workers share (with a queue). */
  readonly runsDir: string;
  readonly threads?: number;
  readonly progressIntervalMs?: number;
  /**
   * Runs at once here (parallel.ts), each in a worker thread, with the memory each needs checked
   * before it starts; absent or 1: one after another in this thread.
   */
  readonly local?: { readonly parallel: number; readonly gate?: MemoryGate } | null;
  /** Seeds batched in one session, this many at most (seed-batch.ts); runs trained here one lane at a time only. */
  readonly seedBatch?: number;
}): Promise<RunExecutor> {
  if (o.queue) return queueExecutor(o.queue, o.runsDir);
  const options = {
    ...(o.threads !== undefined ? { threads: o.threads } : {}),
    ...(o.progressIntervalMs !== undefined ? { progressIntervalMs: o.progressIntervalMs } : {}),
  };
  const local = o.local;
  return local && local.parallel > 1
    ? threadExecutor(local.parallel, options, local.gate)
    : localExecutor(options, o.seedBatch ?? 1);
}

/** Connects to the queue (a clear error when Redis is not there, refuses the password or does not answer). */
export async function queueExecutor(target: QueueTarget, runsRoot: string, parallel = 64): Promise<QueueExecutor> {
  const control = await controlClient(target);
  const queue = new Queue<RunTask, RunReport>(RUNS_QUEUE, { connection: target.connection });
  const events = new QueueEvents(RUNS_QUEUE, { connection: target.connection });
  // The watchdog's own connection: it reconnects (a restarted Redis is asked again) but never queues a command while cut off.
  const watch = new Redis({
    ...target.connection,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    commandTimeout: 3000,
    retryStrategy: (n) => Math.min(200 * n, 1000),
  });
  watch.on('error', () => undefined);
  // Errors of the connections come as events (Redis going away mid-job); the runs' waits report them.
  queue.on('error', () => undefined);
  events.on('error', () => undefined);
  // A job's runs wait on these together: one listener each, however many runs.
  queue.setMaxListeners(0);
  events.setMaxListeners(0);
  const closeAll = async () => {
    await Promise.allSettled([events.close(), queue.close()]);
    control.disconnect();
    watch.disconnect();
  };
  try {
    await queueAnswers(target, Promise.all([queue.waitUntilReady(), events.waitUntilReady()]));
  } catch (err) {
    await closeAll();
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
      if (jobDir.startsWith('..') || path.isAbsolute(jobDir))
        throw new Error(
          `the job folder ${path.dirname(run.dir)} is not inside the runs folder ${root} that the workers share: train into it (--out ${path.join(root, '<name>')}) or give it with --runs-dir`,
        );
      const fingerprint = run.config.data.fingerprint;
      // Once per data set: the job's runs go to the queue together.
      let written = dataFiles.get(fingerprint);
      if (!written)
        dataFiles.set(fingerprint, (written = writeDataFile(root, fingerprint, data, run.config.model.channels)));
      const dataFile = await written;
      // Paths in a task are relative and /-separated, whatever the submitter's system: workers may run on another.
      const portable = (p: string) => p.split(path.sep).join('/');
      const task: RunTask = {
        version: APP_VERSION,
        jobId: path.basename(jobDir),
        jobDir: portable(jobDir),
        runDir: path.basename(run.dir),
        name: `${run.config.flopMatchedTo ? `baseline≈${run.config.flopMatchedTo}` : run.config.variant} s${run.config.seed}`,
        config: run.config,
        dataFile: portable(path.relative(root, dataFile)),
        submitter: `${os.hostname()}:${process.pid}`,
      };
      const job = await queueAnswers(
        target,
        queue.add('run', task, {
          attempts: ATTEMPTS,
          backoff: { type: 'fixed', delay: 1000 },
          removeOnComplete: 1000,
          removeOnFail: 1000,
        }),
        'take the run',
      ).catch((err: unknown) => {
        throw queueError(target.shown, err);
      });
      const id = job.id!;
      listeners.set(id, onEvent);
      if (signal) setMaxListeners(0, signal);
      let watchdog: ReturnType<typeof setTimeout> | undefined;
      let grace: ReturnType<typeof setTimeout> | undefined;
      let onAbort: (() => void) | undefined;
      try {
        return await new Promise<RunReport>((resolve, reject) => {
          let settled = false;
          const settle = (f: () => void) => {
            if (settled) return;
            settled = true;
            f();
          };
          job.waitUntilFinished(events).then(
            async (report: RunReport) => {
              // The run folder on the shared disk is the record; the answer through Redis stands in only when it does not read.
              const onDisk = await reportOnDisk(run.dir);
              settle(() => resolve(onDisk ?? report));
            },
            async (err: unknown) => {
              // The queue may give up on a run its worker still finished (its lock lost to a long step, stalled checks): the folder says.
              const onDisk = await reportOnDisk(run.dir);
              if (onDisk?.status === 'finished') {
                onEvent({
                  type: 'note',
                  message: `the queue reported ${task.name} failed (${err instanceof Error ? err.message : String(err)}), but its worker finished it: the run folder's report is used`,
                });
                return settle(() => resolve(onDisk));
              }
              settle(() =>
                reject(
                  new Error(
                    `${task.name} failed on the workers ${ATTEMPTS} times: ${err instanceof Error ? err.message : String(err)}`,
                  ),
                ),
              );
            },
          );
          // The watchdog: the queue must keep answering, and keep the run.
          let lastAnswer = Date.now();
          const check = async () => {
            if (settled) return;
            try {
              const held = await watch.exists(queue.toKey(id));
              lastAnswer = Date.now();
              if (!held) {
                const onDisk = await reportOnDisk(run.dir);
                if (onDisk?.status === 'finished') return settle(() => resolve(onDisk));
                return settle(() =>
                  reject(
                    new Error(
                      `the queue at ${target.shown} no longer holds ${task.name} (Redis restarted without its data, or the queue was emptied): start the job again with --resume; its runs keep their checkpoints`,
                    ),
                  ),
                );
              }
            } catch {
              if (Date.now() - lastAnswer > SILENCE_MS)
                return settle(() =>
                  reject(
                    new Error(
                      `the queue at ${target.shown} stopped answering while ${task.name} was in flight (no answer for ${Math.round((Date.now() - lastAnswer) / 1000)} s): check that Redis runs there, then resume the job with --resume; its runs keep their checkpoints`,
                    ),
                  ),
                );
            }
            watchdog = setTimeout(() => void check(), 1000);
          };
          watchdog = setTimeout(() => void check(), 1000);
          // Stopping: a run no worker took yet leaves the queue at once; one in training gets its cancel key and
          // CANCEL_GRACE_MS to stop at a checkpoint and say so, and the submitter stops waiting after that.
          onAbort = () =>
            void (async () => {
              await queueAnswers(target, control.set(cancelKey(id), '1', 'EX', 24 * 3600)).catch(() => undefined);
              const removed = await queueAnswers(
                target,
                job.remove().then(
                  () => true,
                  () => false,
                ),
              ).catch(() => false);
              if (removed) return settle(() => resolve(cancelledReport(run.config, run.dir)));
              grace = setTimeout(() => {
                onEvent({
                  type: 'note',
                  message: `its worker did not confirm the stop within ${CANCEL_GRACE_MS / 1000} s: it stops at its next step and checkpoints there`,
                });
                settle(() => resolve(cancelledReport(run.config, run.dir)));
              }, CANCEL_GRACE_MS);
            })();
          if (signal?.aborted) onAbort();
          else signal?.addEventListener('abort', onAbort, { once: true });
        });
      } finally {
        clearTimeout(watchdog);
        clearTimeout(grace);
        listeners.delete(id);
        if (onAbort) signal?.removeEventListener('abort', onAbort);
      }
    },
    close: closeAll,
  };
}

/** The workers connected to the queue now, each with the runs it trains (BullMQ's client list and active jobs). */
export async function queueWorkers(target: QueueTarget): Promise<QueueWorker[]> {
  const control = await controlClient(target);
  const queue = new Queue<RunTask, RunReport>(RUNS_QUEUE, { connection: target.connection });
  queue.on('error', () => undefined);
  try {
    const [clients, active] = await queueAnswers(target, Promise.all([queue.getWorkers(), queue.getJobs(['active'])]));
    // A worker holds several connections (blocking and not): one entry per name.
    const names = [
      ...new Set(clients.map((c) => String(c.rawname ?? '').split(':w:')[1]).filter((n): n is string => !!n)),
    ].sort();
    const entries = await Promise.all(names.map((n) => control.get(workerKey(n)).catch(() => null)));
    return names.map((name, i) => {
      const seen = entries[i] ? (JSON.parse(entries[i]!) as { device?: string; host?: string }) : {};
      return {
        name,
        busy: active.filter((j) => j.processedBy === name).length,
        ...(seen.device ? { device: seen.device } : {}),
        ...(seen.host ? { host: seen.host } : {}),
      };
    });
  } catch (err) {
    throw queueError(target.shown, err);
  } finally {
    await queue.close().catch(() => undefined);
    control.disconnect();
  }
}
