/**
 * One run trained in a worker thread of this process (the thread executor, executor.ts). Several
 * runs on one GPU gain only when their sessions run at once, and onnxruntime-node runs a session
 * on its caller's thread: threads give each run its own (on CUDA its own stream), where processes
 * sharing a GPU are time-sliced (bench/RESULTS.md). The thread reports the run's events and its
 * report or error to the executor, and stops at a checkpoint when told to cancel.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { latchCudaTf32 } from '../runtime/tf32';
import { runTraining } from './runner';
import type { RunConfig, RunEvent, RunReport, TimedRunData } from './types';

/** What the executor gives the thread. */
export interface RunThreadInput {
  readonly stacklab: 'run-thread';
  readonly run: { readonly config: RunConfig; readonly dir: string; readonly resume: boolean };
  readonly data: TimedRunData;
  readonly options: { readonly progressIntervalMs?: number; readonly threads?: number; readonly stepsPerCall?: number };
  /** The process's TF32 mode on CUDA, fixed by the executor's thread before any CUDA session. */
  readonly tf32: boolean | undefined;
}

/** What the thread says back, in this order: events, then one report or one error. */
export type RunThreadMessage =
  | { readonly type: 'event'; readonly event: RunEvent }
  | { readonly type: 'report'; readonly report: RunReport }
  | { readonly type: 'error'; readonly name: string; readonly message: string };

const input = workerData as RunThreadInput | null;
if (!isMainThread && input?.stacklab === 'run-thread' && parentPort) {
  const port = parentPort;
  const stop = new AbortController();
  port.on('message', (m: unknown) => {
    if (m === 'cancel') stop.abort();
  });
  // The process's mode, as its first CUDA session fixed it (a thread's modules start unlatched).
  if (input.tf32 !== undefined) latchCudaTf32(input.tf32);
  runTraining({
    config: input.run.config,
    data: input.data,
    dir: input.run.dir,
    resume: input.run.resume,
    signal: stop.signal,
    onEvent: (event) => port.postMessage({ type: 'event', event } satisfies RunThreadMessage),
    ...input.options,
  }).then(
    (report) => port.postMessage({ type: 'report', report } satisfies RunThreadMessage),
    (err: unknown) =>
      port.postMessage({
        type: 'error',
        name: err instanceof Error ? err.name : 'Error',
        message: err instanceof Error ? err.message : String(err),
      } satisfies RunThreadMessage),
  );
}
