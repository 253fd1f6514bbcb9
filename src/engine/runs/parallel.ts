/**
 * How many of a job's runs train at once here (`--parallel auto|N`): each in a worker thread of
 * this process (executor.ts). On a CPU the runs would share the same cores (two tiny runs at once
 * made 0.71x the throughput of one after the other on 2 cores: bench/RESULTS.md), and WebGPU's
 * sessions here run on lavapipe's CPU, so auto is 1 there. On CUDA, auto is what a short probe
 * measures best (probeParallel), among as many as the GPU's free memory holds at the run's
 * estimated peak, at most MAX_AUTO; a run whose memory is not free when its turn comes waits for
 * one in flight to end.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { sizeOf } from '../graph/ir';
import { paramSpecs, type PatchTransformerConfig } from '../models/patch-transformer';
import type { Precision } from '../../shared/precision';
import { cudaDeviceId } from '../runtime/tf32';
import type { ExecutionProviderName } from '../../shared/system';
import { timeTogether, type MemoryGate } from './executor';
import { CUDA_STEPS_PER_CALL } from './runner';

export const MAX_AUTO = 4;

/**
 * A training run's peak device memory, estimated: parameters with their gradients and the two
 * AdamW moments (fp32), and per layer the activations the backward pass keeps (the attention
 * scores, their mask, softmax and gradient at batch × heads × S²; about 24 copies of the
 * residual width and 6 of the MLP's). Against the measurement: the lab's small model at 8
 * layers in bf16 (batch 64, context 256) held 9.5 GB per process at the start on one H200,
 * CUDA's own context included, and about 15 GB later, as ORT's arena grew (bench/RESULTS.md);
 * this gives 9.3 GB. Hence at most MAX_AUTO at once, and free memory read again before each.
 */
export function runMemoryBytes(cfg: PatchTransformerConfig, precision: Precision): number {
  const params = paramSpecs(cfg).reduce((a, p) => a + sizeOf(p.shape), 0);
  const tokens = cfg.batch * cfg.seqLen;
  const half = precision === 'bf16' || precision === 'fp16';
  const perLayer =
    4 * 4 * cfg.batch * cfg.heads * cfg.seqLen * cfg.seqLen +
    (half ? 3 : 4) * tokens * (24 * cfg.dModel + 6 * cfg.mlpHidden);
  const head = 4 * 3 * tokens * (cfg.vocab ?? cfg.patchLen * cfg.channels);
  return 16 * params + cfg.layers * perLayer + head;
}

/** Free and total memory of this process's GPU (nvidia-smi), or null where it cannot be read. */
export async function gpuMemory(): Promise<{ free: number; total: number } | null> {
  try {
    // CUDA numbers the GPUs that CUDA_VISIBLE_DEVICES lets it see; nvidia-smi numbers them all.
    const visible = process.env.CUDA_VISIBLE_DEVICES?.split(',')
      .map((d) => d.trim())
      .filter(Boolean);
    const id = visible?.[cudaDeviceId()] ?? String(cudaDeviceId());
    const { stdout } = await promisify(execFile)(
      'nvidia-smi',
      ['--query-gpu=memory.free,memory.total', '--format=csv,noheader,nounits', '-i', id],
      { timeout: 10_000 },
    );
    const [free, total] = stdout
      .trim()
      .split(',')
      .map((v) => Number(v.trim()) * 2 ** 20);
    return Number.isFinite(free) && Number.isFinite(total) ? { free: free!, total: total! } : null;
  } catch {
    return null;
  }
}

export interface ParallelChoice {
  readonly parallel: number;
  /** Why, in a few words (said with the job's description). */
  readonly why: string;
}

/** One reading of the probe: n runs at once, each run-step's share of the wall-clock, and the gain over one alone. */
export interface ProbeReading {
  readonly n: number;
  readonly perRunStepMs: number;
  readonly gain: number;
}

/**
 * The short probe of `--parallel auto`: the job's model trained alone, then 2, 3, … at once in
 * threads (up to `maxN`, stopping once one more gains less than 10%), a few calls each after a
 * warm-up call. What runs at once gain depends on the device and the model (time-sliced, launch-
 * bound or compute-bound), so it is measured, not assumed.
 */
export async function probeParallel(
  probe: {
    readonly model: PatchTransformerConfig;
    readonly device: ExecutionProviderName;
    readonly precision: Precision;
  },
  maxN: number,
  time: typeof timeTogether = timeTogether,
): Promise<ProbeReading[]> {
  // The runs' own calls (K steps on CUDA), timed for at least about a second and a half each.
  const stepsPerCall = probe.device === 'cuda' ? CUDA_STEPS_PER_CALL : 1;
  let calls = 2;
  const read = async (n: number) => {
    const { wallMs } = await time({ ...probe, stepsPerCall, calls }, n);
    return wallMs / (n * calls * stepsPerCall);
  };
  const alone = await read(1);
  calls = Math.max(2, Math.ceil(1500 / (alone * stepsPerCall)));
  const readings: ProbeReading[] = [{ n: 1, perRunStepMs: alone, gain: 1 }];
  for (let n = 2; n <= maxN; n++) {
    let perRunStepMs: number;
    try {
      perRunStepMs = await read(n);
    } catch {
      // n at once did not fit (memory) or failed: the readings so far decide.
      break;
    }
    readings.push({ n, perRunStepMs, gain: alone / perRunStepMs });
    if (readings.at(-1)!.gain < readings.at(-2)!.gain * 1.1) break;
  }
  return readings;
}

/** The n the probe found best: the fewest runs within 10% of the highest throughput. */
export function bestOf(readings: readonly ProbeReading[]): ProbeReading {
  const top = Math.max(...readings.map((r) => r.gain));
  return readings.find((r) => r.gain >= top / 1.1)!;
}

/** The runs at once for `choice` (auto or a number) on `device`, for a job of `runs` runs. */
export async function resolveParallel(
  choice: 'auto' | number,
  o: {
    readonly device: string;
    readonly runs: number;
    readonly runBytes: number;
    readonly memory?: () => Promise<{ free: number; total: number } | null>;
    /** The probe of n = 1 … maxN runs at once (auto on CUDA); absent: as many as the memory holds. */
    readonly probe?: (maxN: number) => Promise<readonly ProbeReading[]>;
  },
): Promise<ParallelChoice> {
  if (choice !== 'auto') {
    const parallel = Math.max(1, Math.min(choice, o.runs));
    if (parallel === 1) return { parallel, why: 'one run at a time' };
    // Asked for on a CPU: done, and said to be slower there (bench/RESULTS.md).
    const cores =
      o.device === 'cuda'
        ? ''
        : `; on ${o.device} they share the same cores, where two at once made 0.71–0.76x the throughput of one after the other on 2 cores`;
    return { parallel, why: `${parallel} runs at once (--parallel ${choice}${cores})` };
  }
  if (o.device !== 'cuda')
    return { parallel: 1, why: `one run at a time (on ${o.device} runs at once share the same cores)` };
  const mem = await (o.memory ?? gpuMemory)();
  if (!mem) return { parallel: 1, why: "one run at a time (the GPU's free memory could not be read: nvidia-smi)" };
  const gb = (b: number) => (b / 1e9).toFixed(1);
  const room = `about ${gb(o.runBytes)} GB each, ${gb(mem.free)} GB of the GPU free`;
  const maxN = Math.max(1, Math.min(Math.floor(mem.free / o.runBytes), MAX_AUTO, o.runs));
  if (maxN === 1 || !o.probe) {
    return { parallel: maxN, why: `${maxN === 1 ? 'one run at a time' : `${maxN} runs at once`} (${room})` };
  }
  let readings: readonly ProbeReading[];
  try {
    readings = await o.probe(maxN);
  } catch (err) {
    return {
      parallel: 1,
      why: `one run at a time (runs at once not measured: ${err instanceof Error ? err.message.split('\n')[0] : String(err)})`,
    };
  }
  const best = bestOf(readings);
  const measured = readings
    .filter((r) => r.n > 1)
    .map((r) => `${r.n} at once ${r.gain.toFixed(2)}x`)
    .join(', ');
  return {
    parallel: best.n,
    why: `${best.n === 1 ? 'one run at a time' : `${best.n} runs at once`} (measured here against one alone: ${measured}; ${room})`,
  };
}

/** The gate of runs needing `runBytes` each on this process's GPU. */
export function memoryGate(
  runBytes: number,
  memory: () => Promise<{ free: number; total: number } | null> = gpuMemory,
): MemoryGate {
  return { runBytes, free: async () => (await memory())?.free ?? null };
}

const probed = new Map<string, Promise<ProbeReading[]>>();

/**
 * Where a job's runs train here: how many at once for `choice` (0 or 'auto': auto), with the
 * memory each needs checked before it starts (jobExecutor's `local`).
 */
export async function parallelForJob(
  choice: 'auto' | number,
  job: {
    readonly device: ExecutionProviderName;
    readonly plan: { readonly precision: Precision };
    readonly planned: { readonly runs: readonly { readonly config: { readonly model: PatchTransformerConfig } }[] };
  },
  /** Another job trains in this process now: a probe would time its runs too, so none is begun. */
  busy = false,
  /** The GPU's memory (tests; default nvidia-smi's). */
  memory: () => Promise<{ free: number; total: number } | null> = gpuMemory,
): Promise<ParallelChoice & { readonly gate?: MemoryGate }> {
  // The largest model of the job (every run's final depth is the plan's): its memory and its probe.
  const sized = job.planned.runs.map((r) => ({
    model: r.config.model,
    bytes: runMemoryBytes(r.config.model, job.plan.precision),
  }));
  const largest = sized.reduce((a, b) => (b.bytes > a.bytes ? b : a));
  const runBytes = largest.bytes;
  const model = largest.model;
  const chosen = await resolveParallel(choice === 0 ? 'auto' : choice, {
    device: job.device,
    runs: job.planned.runs.length,
    runBytes,
    memory,
    probe: (maxN) => {
      // Measured once per model, precision and room in this process (the app's next job of the same shape starts at once).
      const key = JSON.stringify([model, job.device, job.plan.precision, maxN]);
      let readings = probed.get(key);
      if (!readings && busy)
        throw new Error('another job trains on this machine now, and its runs would skew the timing');
      if (!readings) {
        readings = probeParallel({ model, device: job.device, precision: job.plan.precision }, maxN);
        probed.set(key, readings);
        readings.catch(() => probed.delete(key));
      }
      return readings;
    },
  });
  // Only a GPU's memory is checked: on a CPU the runs share the computer's, which nvidia-smi does not tell.
  return job.device === 'cuda' ? { ...chosen, gate: memoryGate(runBytes, memory) } : chosen;
}
