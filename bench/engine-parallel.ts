/**
 * `npm run bench -- parallel [--preset small] [--lab] [--layers L] [--device D] [--precision P]
 *   [--steps N] [--runs R] [--json]`
 *
 * Whether runs side by side on one device gain over one at a time (issue 25, item 3): R trainers,
 * each in a worker thread of this process with its own ORT session (on CUDA: its own stream),
 * warmed up, then timed together on N steps each; against one trainer alone. onnxruntime-node
 * runs a session on its caller's thread, so threads are the only way one process can have
 * several sessions running at once; processes sharing a GPU without MPS are time-sliced.
 * `--lab` times the reasoning lab's token model (LAB_PRESETS, vocabulary 256) instead of the
 * sensor preset.
 */
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import {
  LAB_PRESETS,
  PRESETS,
  type PatchTransformerConfig,
  type PresetName,
} from '../src/engine/models/patch-transformer';
import { resolveDevice } from '../src/engine/runtime/resolve';
import { latchCudaTf32 } from '../src/engine/runtime/tf32';
import { Trainer } from '../src/engine/runtime/trainer';
import { workerBoot } from '../src/engine/runs/executor';
import { CUDA_STEPS_PER_CALL } from '../src/engine/runs/runner';
import { allowsTf32, isPrecision, PRECISIONS, type Precision } from '../src/shared/precision';
import type { DeviceChoice } from '../src/shared/system';

interface Job {
  readonly cfg: PatchTransformerConfig;
  readonly device: 'cpu' | 'cuda' | 'webgpu';
  readonly precision: Precision;
  readonly steps: number;
  readonly seed: number;
}

/** Training data for the bench: ids of a vocabulary (token model) or smooth series (forecaster), from a seed. */
function benchData(cfg: PatchTransformerConfig, seed: number): Float32Array {
  const rows = 50 * cfg.seqLen * cfg.patchLen;
  const d = new Float32Array(rows * cfg.channels);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < d.length; i++) {
    if (cfg.vocab) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      d[i] = s % cfg.vocab;
    } else d[i] = Math.sin(i / 7) + 0.1 * Math.cos(i * 0.3);
  }
  return d;
}

/** One trainer: created and warmed, then `go` starts its timed steps; returns its ms per step. */
async function trainOne(job: Job, ready: () => void, go: Promise<void>): Promise<number> {
  const k = job.device === 'cuda' ? CUDA_STEPS_PER_CALL : 1;
  const trainer = await Trainer.create({
    model: job.cfg,
    data: benchData(job.cfg, job.seed),
    device: job.device,
    seed: job.seed,
    readEvery: 1 << 30,
    stepsPerCall: k,
    precision: job.precision,
  });
  const run = async (n: number) => {
    for (let done = 0; done < n; done += k)
      await trainer.steps(Array(Math.min(k, n - done)).fill(1e-3), { read: done + k >= n });
  };
  await run(k === 1 ? 3 : k);
  ready();
  await go;
  const t0 = performance.now();
  await run(job.steps);
  const ms = (performance.now() - t0) / job.steps;
  await trainer.dispose();
  return ms;
}

if (!isMainThread && (workerData as { bench?: string } | null)?.bench === 'parallel') {
  const job = (workerData as { job: Job }).job;
  let start!: () => void;
  const go = new Promise<void>((r) => (start = r));
  parentPort!.on('message', (m) => m === 'go' && start());
  trainOne(job, () => parentPort!.postMessage({ ready: true }), go).then(
    (ms) => parentPort!.postMessage({ ms }),
    (err: unknown) => parentPort!.postMessage({ error: (err as Error).message }),
  );
}

/** R trainers in worker threads, timed together: each one's ms/step and the wall-clock of all. */
async function inThreads(jobs: Job[]): Promise<{ each: number[]; wallMs: number }> {
  const boot = workerBoot(import.meta.url);
  const workers = jobs.map((job) => new Worker(boot, { eval: true, workerData: { bench: 'parallel', job } }));
  const message = (w: Worker) =>
    new Promise<{ ready?: boolean; ms?: number; error?: string }>((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
      w.once('exit', (code) => reject(new Error(`a trainer's thread stopped (exit code ${code}) before it reported`)));
    });
  try {
    const ready = await Promise.all(workers.map(message));
    const failed = ready.find((m) => m.error);
    if (failed) throw new Error(failed.error);
    const done = workers.map(message);
    const t0 = performance.now();
    for (const w of workers) w.postMessage('go');
    const results = await Promise.all(done);
    const wallMs = performance.now() - t0;
    const bad = results.find((m) => m.error);
    if (bad) throw new Error(bad.error);
    return { each: results.map((m) => m.ms!), wallMs };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

export async function benchParallel(argv: string[]): Promise<string> {
  const { values } = parseArgs({
    args: argv,
    options: {
      preset: { type: 'string', default: 'small' },
      lab: { type: 'boolean', default: false },
      layers: { type: 'string' },
      device: { type: 'string', default: 'cpu' },
      precision: { type: 'string', default: 'fp32' },
      steps: { type: 'string', default: '100' },
      runs: { type: 'string', default: '3' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const preset = values.preset as PresetName;
  if (!(preset in PRESETS)) throw new Error(`--preset must be one of ${Object.keys(PRESETS).join(', ')}`);
  if (!isPrecision(values.precision)) throw new Error(`--precision must be one of ${PRECISIONS.join(', ')}`);
  const precision = values.precision;
  latchCudaTf32(allowsTf32(precision));
  const base = values.lab ? { ...LAB_PRESETS[preset], channels: 1 } : { ...PRESETS[preset], channels: 16 };
  const cfg: PatchTransformerConfig = { ...base, ...(values.layers ? { layers: Number(values.layers) } : {}) };
  const device = await resolveDevice(values.device as DeviceChoice);
  const steps = Number(values.steps);
  if (!Number.isInteger(steps) || steps < 1)
    throw new Error(`--steps must be a positive integer, got "${values.steps}"`);
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, got "${values.runs}"`);
  const job = (seed: number): Job => ({ cfg, device, precision, steps, seed });
  const alone = await inThreads([job(1)]);
  const together = await inThreads(Array.from({ length: runs }, (_, i) => job(i + 1)));
  const seq = alone.each[0]! * runs;
  const perRunStep = together.wallMs / (steps * runs);
  const lines = [
    `parallel bench: ${values.lab ? 'lab ' : ''}${preset} (d ${cfg.dModel}, ${cfg.layers} layers, ${cfg.seqLen} tokens × batch ${cfg.batch}) on ${device} ${precision}, ${steps} steps a run`,
    `  one run alone        ${alone.each[0]!.toFixed(2)} ms/step`,
    `  ${runs} runs in threads    ${together.each.map((m) => m.toFixed(2)).join(', ')} ms/step each; ${perRunStep.toFixed(2)} ms per run-step`,
    `  gain over one at a time: ${(seq / (perRunStep * runs)).toFixed(2)}x`,
  ];
  if (values.json) lines.push(JSON.stringify({ cfg, device, precision, steps, runs, alone, together }));
  return lines.join('\n');
}
