/**
 * Where a run is trained. An executor takes one run (one variant × one seed) and returns its
 * report, streaming its events; the job loop does not know where the steps run. The local,
 * in-process executor is the first; workers on a queue are another.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { claimCudaPrecision, cudaTf32Mode } from '../runtime/tf32';
import { runTraining, runTrainingGroup, type RunOptions } from './runner';
import type { ProbeThreadInput, ProbeThreadMessage, RunThreadInput, RunThreadMessage } from './run-thread';
import type { RunConfig, RunEvent, RunReport, TimedRunData } from './types';

export interface RunRequest {
  readonly config: RunConfig;
  /** The run folder (config.json, checkpoints, metrics.jsonl, report.json). */
  readonly dir: string;
  /** Continue from the folder's latest checkpoint (a finished run is returned as it is). */
  readonly resume: boolean;
}

export interface RunExecutor {
  runRun(run: RunRequest, data: TimedRunData, events: (e: RunEvent) => void, signal?: AbortSignal): Promise<RunReport>;
  /** Runs it may be given at once (absent: 1, one after another; the queue's workers take many). */
  readonly parallel?: number;
  /** Seeds batched in one session: at most this many runs in a runGroup call (absent: none). */
  readonly seedBatch?: number;
  /**
   * Fresh runs of one variant that differ only in their seed, trained together with their seeds
   * batched in one session; each run's report or error, in their order.
   */
  runGroup?(
    runs: readonly RunRequest[],
    data: TimedRunData,
    events: readonly ((e: RunEvent) => void)[],
    signal?: AbortSignal,
  ): Promise<PromiseSettledResult<RunReport>[]>;
  /** Lets go of what it holds (the queue's connections); absent: nothing to let go. */
  close?(): Promise<void>;
}

/**
 * The report of a run stopped before it began (cancelled while it waited for a worker, or for
 * memory): no stage, nothing trained.
 */
export function cancelledReport(config: RunConfig, dir: string): RunReport {
  return {
    variant: config.variant,
    seed: config.seed,
    dir,
    status: 'cancelled',
    stages: [],
    totalFlops: 0,
    wallMs: 0,
    finalValLoss: null,
    finalTrainLoss: null,
    evaluation: null,
    probes: null,
  };
}

/** How this process trains a run, beside its config: not part of the run (runner.ts). */
export type LocalRunOptions = Pick<RunOptions, 'progressIntervalMs' | 'threads' | 'stepsPerCall'>;

/**
 * Memory checked before a run starts (threadExecutor): the bytes a run needs, and those free now
 * (null: unknown, which lets the run start).
 */
export interface MemoryGate {
  readonly runBytes: number;
  readonly free: () => Promise<number | null>;
}

/**
 * Trains in this process, on the device the run's config names; with `seedBatch` ≥ 2, the job
 * loop hands it groups of a variant's fresh runs to train with their seeds batched.
 */
export function localExecutor(options: LocalRunOptions = {}, seedBatch = 1): RunExecutor {
  const runOptions = (run: RunRequest, data: TimedRunData, events: (e: RunEvent) => void, signal?: AbortSignal) => ({
    config: run.config,
    data,
    dir: run.dir,
    resume: run.resume,
    onEvent: events,
    ...(signal ? { signal } : {}),
    ...options,
  });
  return {
    runRun: (run, data, events, signal) => runTraining(runOptions(run, data, events, signal)),
    ...(seedBatch >= 2
      ? {
          seedBatch,
          runGroup: (runs, data, events, signal) =>
            runTrainingGroup(runs.map((run, i) => runOptions(run, data, events[i]!, signal))),
        }
      : {}),
  };
}

/**
 * The worker-thread script of a run: beside this module when it runs from source (tsx, which
 * the thread registers first), else the build's run-thread.js (electron-vite's main entry) or
 * run-thread.mjs (build-device.sh), in this bundle's folder or the one above a chunk.
 */
function runThreadBoot(): string {
  const self = import.meta.url;
  if (self.endsWith('.ts')) return workerBoot(new URL('./run-thread.ts', self).href);
  const here = path.dirname(fileURLToPath(self));
  const built = [here, path.join(here, '..')]
    .flatMap((dir) => [path.join(dir, 'run-thread.js'), path.join(dir, 'run-thread.mjs')])
    .find((f) => existsSync(f));
  if (!built)
    throw new Error(
      `runs side by side need run-thread.js beside ${here}, and this build has none: rebuild (npm run build), or train one run at a time (--parallel 1)`,
    );
  return workerBoot(pathToFileURL(built).href);
}

/**
 * The code of an eval worker that loads the module at `url`: a TypeScript source registers tsx's
 * loader in the thread first (a worker inherits no loader hooks), a built bundle is imported.
 */
export function workerBoot(url: string): string {
  if (!url.endsWith('.ts')) return `import(${JSON.stringify(url)})`;
  // Resolved here: an eval worker resolves bare names from the working directory, not the project.
  const tsx =
    typeof import.meta.resolve === 'function'
      ? import.meta.resolve('tsx/esm/api')
      : pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api')).href;
  return `import(${JSON.stringify(tsx)}).then((t) => { t.register(); return import(${JSON.stringify(url)}); })`;
}

/** One run in a worker thread of this process: its events as they come, its report or its error. */
function runInThread(
  run: RunRequest,
  data: TimedRunData,
  events: (e: RunEvent) => void,
  signal: AbortSignal | undefined,
  options: RunThreadInput['options'],
  /** Called once the run has trained its first step (its sessions hold their memory), or ended. */
  onStarted: () => void = () => undefined,
): Promise<RunReport> {
  // The process's TF32 mode is fixed here, once, as an in-process run would fix it (and refused
  // the same way when a run asks for the other one); each thread is told it.
  if (run.config.device === 'cuda') claimCudaPrecision(run.config.precision);
  const input: RunThreadInput = {
    stacklab: 'run-thread',
    run: { config: run.config, dir: run.dir, resume: run.resume },
    data,
    options,
    tf32: cudaTf32Mode(),
  };
  // The thread's environment is a copy taken now, after the TF32 mode was fixed above.
  const worker = new Worker(runThreadBoot(), { eval: true, workerData: input });
  return new Promise<RunReport>((resolve, reject) => {
    let settled = false;
    const cancel = () => worker.postMessage('cancel');
    signal?.addEventListener('abort', cancel, { once: true });
    const done = (finish: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', cancel);
      onStarted();
      finish();
      void worker.terminate();
    };
    worker.on('message', (m: RunThreadMessage) => {
      if (m.type === 'event') {
        if (m.event.type === 'step') onStarted();
        try {
          events(m.event);
        } catch (err) {
          // A listener's fault stops the run cleanly instead of escaping as an uncaught exception.
          cancel();
          done(() => reject(err));
        }
      } else if (m.type === 'report') done(() => resolve(m.report));
      else
        done(() => {
          const err = new Error(m.message);
          err.name = m.name;
          reject(err);
        });
    });
    worker.on('error', (err) => done(() => reject(err)));
    worker.on('exit', (code) =>
      done(() =>
        reject(
          new Error(
            `${run.dir}: the thread training this run stopped (exit code ${code}) before it reported; its checkpoints are kept: resume the job`,
          ),
        ),
      ),
    );
    if (signal?.aborted) cancel();
  });
}

/**
 * Trains up to `parallel` runs at once in this process, each in a worker thread of its own with
 * its own ORT sessions (`--parallel N`); the job loop hands it that many runs together.
 */
export function threadExecutor(
  parallel: number,
  options: LocalRunOptions = {},
  /**
   * Memory checked before a run starts: while another is in flight, a run whose estimated bytes
   * are not free waits for one to end (the first always starts). The next run is let in only
   * once the one before it trains, so that its memory is counted as taken.
   */
  gate?: MemoryGate,
): RunExecutor {
  if (!Number.isInteger(parallel) || parallel < 1)
    throw new Error(`parallel runs must be a whole number from 1, got ${parallel}`);
  const inFlight = new Set<Promise<unknown>>();
  // Runs are let in one at a time, so that two cannot both see the memory free for one.
  let admission = Promise.resolve();
  const roomFor = async () => {
    while (gate && inFlight.size > 0) {
      const free = await gate.free();
      if (free === null || free >= gate.runBytes) return;
      await Promise.race(inFlight);
    }
  };
  return {
    parallel,
    runRun: async (run, data, events, signal) => {
      let started: Promise<RunReport> | null = null;
      // The next run is let in once this one trains (its sessions hold their memory), or ends.
      const turn = admission.then(async () => {
        await roomFor();
        // Stopped while it waited: no run folder is begun.
        if (signal?.aborted) return;
        let trains!: () => void;
        const training = new Promise<void>((r) => (trains = r));
        started = runInThread(run, data, events, signal, { ...options, alongside: parallel }, trains);
        const settled = started.then(
          () => undefined,
          () => undefined,
        );
        inFlight.add(settled);
        void settled.then(() => inFlight.delete(settled));
        if (gate) await training;
      });
      admission = turn.catch(() => undefined);
      await turn;
      return started ?? cancelledReport(run.config, run.dir);
    },
  };
}

/**
 * `n` trainers of the probe's model at once, each in a worker thread (run-thread.ts), warmed up
 * and then timed together: each one's ms per step and the wall-clock of all of their calls.
 */
export async function timeTogether(
  probe: Omit<ProbeThreadInput, 'stacklab' | 'tf32' | 'seed'>,
  n: number,
): Promise<{ each: number[]; wallMs: number }> {
  if (probe.device === 'cuda') claimCudaPrecision(probe.precision);
  const boot = runThreadBoot();
  const workers = Array.from(
    { length: n },
    (_, i) =>
      new Worker(boot, {
        eval: true,
        workerData: {
          ...probe,
          stacklab: 'probe-thread',
          seed: i + 1,
          tf32: cudaTf32Mode(),
        } satisfies ProbeThreadInput,
      }),
  );
  // Heard from the start: a thread that has ended by itself has no exit left to wait for.
  const exited = workers.map((w) => new Promise((r) => w.once('exit', r)));
  const next = (w: Worker) =>
    new Promise<ProbeThreadMessage>((resolve, reject) => {
      w.once('message', (m: ProbeThreadMessage) => (m.type === 'error' ? reject(new Error(m.message)) : resolve(m)));
      w.once('error', reject);
      w.once('exit', (code) => reject(new Error(`a probe thread stopped (exit code ${code}) before it reported`)));
    });
  try {
    await Promise.all(workers.map(next));
    const done = workers.map(next);
    const t0 = performance.now();
    for (const w of workers) w.postMessage('go');
    const results = await Promise.all(done);
    return {
      each: results.map((m) => (m.type === 'done' ? m.msPerStep : NaN)),
      wallMs: performance.now() - t0,
    };
  } finally {
    // Each thread releases its sessions (GPU memory) before it goes: told to stop if it still
    // waits, given a few seconds, then terminated.
    await Promise.all(
      workers.map(async (w, i) => {
        w.postMessage('stop');
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([exited[i], new Promise((r) => (timer = setTimeout(r, 10_000)))]);
        clearTimeout(timer);
        await w.terminate();
      }),
    );
  }
}
