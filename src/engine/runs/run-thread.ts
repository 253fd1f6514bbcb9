/**
 * One run trained in a worker thread of this process (the thread executor, executor.ts). Several
 * runs on one GPU gain only when their sessions run at once, and onnxruntime-node runs a session
 * on its caller's thread: threads give each run its own (on CUDA its own stream), where processes
 * sharing a GPU are time-sliced (bench/RESULTS.md). The thread reports the run's events and its
 * report or error to the executor, and stops at a checkpoint when told to cancel.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { PatchTransformerConfig } from '../models/patch-transformer';
import { Trainer } from '../runtime/trainer';
import { latchCudaTf32 } from '../runtime/tf32';
import type { ExecutionProviderName } from '../../shared/system';
import type { Precision } from '../../shared/precision';
import { runTraining, type RunOptions } from './runner';
import type { RunConfig, RunEvent, RunReport, TimedRunData } from './types';

/** What the executor gives the thread. */
export interface RunThreadInput {
  readonly stacklab: 'run-thread';
  readonly run: { readonly config: RunConfig; readonly dir: string; readonly resume: boolean };
  readonly data: TimedRunData;
  readonly options: Pick<RunOptions, 'progressIntervalMs' | 'threads' | 'stepsPerCall' | 'alongside'>;
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

/**
 * The probe of `--parallel auto` (parallel.ts): a trainer of the job's model on data of the same
 * shape, warmed up, then `calls` train calls of `stepsPerCall` steps once told to go.
 */
export interface ProbeThreadInput {
  readonly stacklab: 'probe-thread';
  readonly model: PatchTransformerConfig;
  readonly device: ExecutionProviderName;
  readonly precision: Precision;
  readonly stepsPerCall: number;
  readonly calls: number;
  readonly seed: number;
  readonly tf32: boolean | undefined;
  /** Seeds batched in the one trainer (issue 25): ms per step is then per batched step. */
  readonly seeds?: readonly number[];
}

/** The probe thread's messages: ready (warmed up), then its ms per step, or an error. */
export type ProbeThreadMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'done'; readonly msPerStep: number }
  | { readonly type: 'error'; readonly message: string };

/** Data of the model's shape from a seed: token ids for a token model, a smooth series otherwise. */
export function probeData(cfg: PatchTransformerConfig, seed: number): Float32Array {
  const rows = 4 * cfg.seqLen * cfg.patchLen;
  const d = new Float32Array(rows * cfg.channels);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < d.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    d[i] = cfg.vocab ? s % cfg.vocab : Math.sin(i / 7) + (s / 2 ** 32 - 0.5) * 0.1;
  }
  return d;
}

/**
 * Trains the probe's calls once `go` resolves true; calls `ready` after its warm-up call. `go`
 * resolving false (the probe stopped) ends it at once; its sessions are released either way.
 */
export async function probeTrainer(
  p: Omit<ProbeThreadInput, 'stacklab' | 'tf32'>,
  ready: () => void,
  go: Promise<boolean>,
): Promise<number> {
  const trainer = await Trainer.create({
    model: p.model,
    data: probeData(p.model, p.seed),
    device: p.device,
    seed: p.seed,
    readEvery: 1 << 30,
    stepsPerCall: p.stepsPerCall,
    precision: p.precision,
    ...(p.seeds ? { seeds: p.seeds } : {}),
  });
  try {
    const call = (read: boolean) => trainer.steps(Array(p.stepsPerCall).fill(1e-4), { read });
    await call(true);
    ready();
    if (!(await go)) return NaN;
    const t0 = performance.now();
    for (let i = 0; i < p.calls; i++) await call(i === p.calls - 1);
    return (performance.now() - t0) / (p.calls * p.stepsPerCall);
  } finally {
    await trainer.dispose();
  }
}

const probe = workerData as ProbeThreadInput | null;
if (!isMainThread && probe?.stacklab === 'probe-thread' && parentPort) {
  const port = parentPort;
  let start!: (go: boolean) => void;
  const go = new Promise<boolean>((r) => (start = r));
  port.on('message', (m: unknown) => (m === 'go' ? start(true) : m === 'stop' ? start(false) : undefined));
  if (probe.tf32 !== undefined) latchCudaTf32(probe.tf32);
  probeTrainer(probe, () => port.postMessage({ type: 'ready' } satisfies ProbeThreadMessage), go)
    .then(
      (msPerStep) => port.postMessage({ type: 'done', msPerStep } satisfies ProbeThreadMessage),
      (err: unknown) =>
        port.postMessage({
          type: 'error',
          message: err instanceof Error ? err.message : String(err),
        } satisfies ProbeThreadMessage),
    )
    // Its sessions released: the thread ends by itself.
    .finally(() => port.close());
}
