/**
 * Where a run is trained. An executor takes one run (one variant × one seed) and returns its
 * report, streaming its events; the job loop does not know where the steps run. The local,
 * in-process executor is the first; workers on a queue are another.
 */
import { runTraining } from './runner';
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
  /** Lets go of what it holds (the queue's connections); absent: nothing to let go. */
  close?(): Promise<void>;
}

/** Trains in this process, on the device the run's config names. */
export function localExecutor(
  options: { readonly progressIntervalMs?: number; readonly threads?: number; readonly stepsPerCall?: number } = {},
): RunExecutor {
  return {
    runRun: (run, data, events, signal) =>
      runTraining({
        config: run.config,
        data,
        dir: run.dir,
        resume: run.resume,
        onEvent: events,
        ...(signal ? { signal } : {}),
        ...options,
      }),
  };
}
