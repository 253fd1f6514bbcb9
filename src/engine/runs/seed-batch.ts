/**
 * How many of a variant's seeds train batched in one session (`--seed-batch auto|N|off`, issue
 * 25; seed-group.ts). Runs batch when they differ only in their seed and begin afresh. On two CPU
 * cores three seeds of the sensor tiny preset batched ran 1.87x as fast as one after another, and
 * the small and lab models gained nothing (bench/RESULTS.md), so auto measures instead of
 * assuming: the job's model alone, then its seeds batched, a few calls each.
 */
import type { PatchTransformerConfig } from '../models/patch-transformer';
import type { Precision } from '../../shared/precision';
import type { ExecutionProviderName } from '../../shared/system';
import { seedlessKey } from './job';
import { parallelForJob } from './parallel';
import { probeTrainer } from './run-thread';
import { CUDA_STEPS_PER_CALL } from './runner';

/** The most seeds batched at once. */
export const MAX_SEED_BATCH = 16;
/** Seeds auto batches at most (the probe times this many). */
const AUTO_MAX = 5;
/** The gain over one run at a time that auto asks before it batches. */
const AUTO_GAIN = 1.15;

export interface SeedBatchChoice {
  /** Runs per batch (1: one at a time). */
  readonly size: number;
  /** Why, in a few words (said with the job's description). */
  readonly why: string;
}

interface BatchableJob {
  readonly device: ExecutionProviderName;
  readonly plan: { readonly precision: Precision };
  readonly planned: {
    readonly runs: readonly { readonly config: { readonly seed: number; readonly model: PatchTransformerConfig } }[];
  };
}

/** The most runs of the job whose configs differ only in their seed. */
export function largestSeedGroup(runs: BatchableJob['planned']['runs']): number {
  const counts = new Map<string, number>();
  for (const r of runs) {
    const key = seedlessKey(r);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return Math.max(0, ...counts.values());
}

/** ms per step of the model alone and of `seeds` seeds batched, a few calls each after a warm-up. */
export async function timeSeedBatch(
  probe: {
    readonly model: PatchTransformerConfig;
    readonly device: ExecutionProviderName;
    readonly precision: Precision;
  },
  seeds: number,
): Promise<{ aloneMs: number; batchedMs: number }> {
  const stepsPerCall = probe.device === 'cuda' ? CUDA_STEPS_PER_CALL : 1;
  const time = (calls: number, batch?: number[]) =>
    probeTrainer(
      { ...probe, stepsPerCall, calls, seed: 1, ...(batch ? { seeds: batch } : {}) },
      () => undefined,
      Promise.resolve(true),
    );
  const first = await time(2);
  // About a second of calls each.
  const calls = Math.max(2, Math.ceil(1000 / (first * stepsPerCall)));
  const aloneMs = await time(calls);
  const batchedMs = await time(
    Math.max(2, Math.ceil(calls / seeds)),
    Array.from({ length: seeds }, (_, i) => i + 1),
  );
  return { aloneMs, batchedMs };
}

/** The batch for `choice`: off (1), a number (at most the job's largest group), or auto (measured). */
export async function seedBatchForJob(
  choice: 'auto' | 'off' | number,
  job: BatchableJob,
  time: typeof timeSeedBatch = timeSeedBatch,
): Promise<SeedBatchChoice> {
  const group = largestSeedGroup(job.planned.runs);
  if (choice === 'off' || choice === 1) return { size: 1, why: 'one run at a time (--seed-batch off)' };
  if (group < 2) return { size: 1, why: 'one run at a time: no two runs differ only in their seed' };
  if (job.plan.precision === 'fp16')
    return { size: 1, why: 'one run at a time: seeds are batched in fp32 and bf16, not fp16' };
  if (choice !== 'auto') {
    const size = Math.min(choice, group);
    return { size, why: `batched ${size} at a time in one session (--seed-batch ${choice})` };
  }
  const seeds = Math.min(group, AUTO_MAX);
  // The job's largest model: its final depth.
  const model = job.planned.runs.map((r) => r.config.model).reduce((a, b) => (b.layers > a.layers ? b : a));
  try {
    const { aloneMs, batchedMs } = await time({ model, device: job.device, precision: job.plan.precision }, seeds);
    const gain = (aloneMs * seeds) / batchedMs;
    const measured = `${seeds} seeds batched measured ${gain.toFixed(2)}x the speed of one run at a time`;
    return gain >= AUTO_GAIN
      ? { size: seeds, why: `batched ${seeds} at a time in one session (auto: ${measured})` }
      : { size: 1, why: `one run at a time (auto: ${measured})` };
  } catch (err) {
    return {
      size: 1,
      why: `one run at a time (auto: timing seeds batched failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)})`,
    };
  }
}

/**
 * How a job's runs train on this machine, for `train` and the app alike: runs at once in threads
 * (`parallel`, parallel.ts), or a variant's seeds batched (`seedBatch`: null where none are).
 * Asked to batch, runs train one lane at a time, so auto parallel is not probed; and a job
 * continued with `resume` trains its runs alone.
 */
export async function trainHere(
  job: BatchableJob & Parameters<typeof parallelForJob>[1],
  o: {
    /** 'auto' or 0: auto. */
    readonly parallel: 'auto' | number;
    /** 'off' or 1: each run alone. */
    readonly seedBatch: 'auto' | 'off' | number;
    /** Another job trains in this process now (parallel.ts). */
    readonly busy?: boolean;
    readonly resume?: boolean;
  },
): Promise<{ parallel: Awaited<ReturnType<typeof parallelForJob>>; seedBatch: SeedBatchChoice | null }> {
  const batching = o.seedBatch !== 'off' && o.seedBatch !== 1;
  const autoParallel = o.parallel === 'auto' || o.parallel === 0;
  const parallel = await parallelForJob(batching && autoParallel ? 1 : o.parallel, job, o.busy);
  const seedBatch =
    !batching || parallel.parallel > 1
      ? null
      : o.resume
        ? { size: 1, why: 'runs continued with --resume train one at a time (seeds are batched in a fresh job)' }
        : await seedBatchForJob(o.seedBatch, job);
  return { parallel, seedBatch };
}
