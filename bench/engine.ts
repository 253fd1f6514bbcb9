/**
 * `npm run bench -- engine [--preset P] [--device D] [--steps N] [--channels C] [--threads T] [--json]`
 *
 * Train-step throughput of a preset on one execution provider (tokens/s, achieved TFLOP/s,
 * ms/step), the same model and batch in PyTorch on the same machine (bench/reference/bench_torch.py:
 * CPU for cpu, CUDA for webgpu/cuda), and the ratio. Also the engine's device bytes before and
 * after the timed steps (they must be equal).
 */
import { latchCudaTf32 } from '../src/engine/runtime/tf32';
import { OPTIMIZER_LAYOUTS, type OptimizerLayout } from '../src/engine/train/train-step';
import { allowsTf32, isPrecision, precisionProblem, PRECISIONS } from '../src/shared/precision';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { parseArgs, promisify } from 'node:util';
import {
  forwardFlopsPerWindow,
  LAB_PRESETS,
  PRESETS,
  type PatchTransformerConfig,
  type PresetName,
} from '../src/engine/models/patch-transformer';
import { resolveDevice } from '../src/engine/runtime/resolve';
import { CUDA_STEPS_PER_CALL } from '../src/engine/runs/runner';
import { Trainer } from '../src/engine/runtime/trainer';
import type { DeviceChoice } from '../src/shared/system';

export interface EngineBenchResult {
  preset: PresetName;
  device: string;
  steps: number;
  stepsPerCall: number;
  precision: string;
  tf32Override: string | null;
  /** ONNX nodes of one train step (the Loop body's, with K > 1). */
  nodes: number;
  msPerStep: number;
  tokensPerSec: number;
  tflops: number;
  deviceBytesBefore: number;
  deviceBytesAfter: number;
  referenceDevice: string | null;
  referenceTokensPerSec: number | null;
  referenceMsPerStep: number | null;
  ratio: number | null;
  referenceNote?: string;
  config: PatchTransformerConfig;
}

function syntheticSeries(rows: number, channels: number): Float32Array {
  const d = new Float32Array(rows * channels);
  for (let t = 0; t < rows; t++)
    for (let c = 0; c < channels; c++) d[t * channels + c] = Math.sin(t / (7 + c)) + 0.1 * Math.cos(t * (c + 1));
  return d;
}

/** Token ids for a lab model: a repeating byte pattern. */
function syntheticIds(rows: number, vocab: number): Float32Array {
  return Float32Array.from({ length: rows }, (_, t) => (t * 7 + (t >> 5)) % vocab);
}

/** Python with torch: $STACKLAB_TORCH_PYTHON, else Debian's /usr/bin/python3, else python3. */
function python(): string {
  return process.env.STACKLAB_TORCH_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
}

async function reference(
  cfg: PatchTransformerConfig,
  device: 'cpu' | 'cuda',
  threads: number,
  steps: number,
  precision: string,
) {
  const env = { ...process.env };
  // A fair CPU reference: let OpenBLAS pick its own kernels for this run only.
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const args = [
    'bench/reference/bench_torch.py',
    '--D',
    cfg.dModel,
    '--H',
    cfg.heads,
    '--L',
    cfg.layers,
    '--P',
    cfg.patchLen,
    '--S',
    cfg.seqLen,
    '--C',
    cfg.channels,
    '--F',
    cfg.mlpHidden,
    '--B',
    cfg.batch,
    '--steps',
    steps,
    '--device',
    device,
    '--threads',
    threads,
    '--precision',
    precision,
  ].map(String);
  const { stdout } = await promisify(execFile)(python(), args, { env, maxBuffer: 1 << 20, timeout: 30 * 60_000 });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as { tokensPerSec: number; msPerStep: number };
}

export async function benchEngine(argv: string[]): Promise<EngineBenchResult> {
  const { values } = parseArgs({
    args: argv,
    options: {
      preset: { type: 'string', default: 'small' },
      device: { type: 'string', default: 'cpu' },
      steps: { type: 'string', default: '20' },
      warmup: { type: 'string', default: '3' },
      channels: { type: 'string', default: '16' },
      threads: { type: 'string' },
      'reference-steps': { type: 'string', default: '20' },
      /** Steps per ORT call (the K-step Loop graph when > 1); default as runs use it: 50 on cuda, else 1. */
      'steps-per-call': { type: 'string' },
      /** The engine's precision, and the reference's (TF32 flags, autocast) to match. */
      precision: { type: 'string', default: 'fp32' },
      /** The optimiser's state layout (default: the device's). */
      layout: { type: 'string' },
      /** Windows per step (default: the preset's). */
      batch: { type: 'string' },
      /** The reasoning lab's token model of the preset, on synthetic byte ids (no PyTorch reference). */
      lab: { type: 'boolean', default: false },
      'no-reference': { type: 'boolean', default: false },
      profile: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const preset = values.preset as PresetName;
  if (!(preset in PRESETS))
    throw new Error(`--preset must be one of ${Object.keys(PRESETS).join(', ')}, got "${values.preset}"`);
  const batch = values.batch === undefined ? undefined : Number(values.batch);
  if (batch !== undefined && !(Number.isInteger(batch) && batch >= 1))
    throw new Error(`--batch must be a whole number of windows, 1 or more, got "${values.batch}"`);
  const cfg: PatchTransformerConfig = {
    ...(values.lab
      ? { ...LAB_PRESETS[preset], channels: 1 }
      : { ...PRESETS[preset], channels: Number(values.channels) }),
    ...(batch ? { batch } : {}),
  };
  if (!isPrecision(values.precision))
    throw new Error(`--precision must be one of ${PRECISIONS.join(', ')}, got "${values.precision}"`);
  const precision = values.precision;
  // Before any CUDA session (the device probe's too): TF32 is fixed when the CUDA libraries load.
  latchCudaTf32(allowsTf32(precision));
  const device = await resolveDevice(values.device as DeviceChoice);
  const unsupported = precisionProblem(precision, device);
  if (unsupported) throw new Error(unsupported);
  const threads = values.threads ? Number(values.threads) : undefined;
  const steps = Number(values.steps);
  const warmup = Number(values.warmup);

  const k = values['steps-per-call'] ? Number(values['steps-per-call']) : device === 'cuda' ? CUDA_STEPS_PER_CALL : 1;
  const rows = 50 * cfg.seqLen * cfg.patchLen;
  const trainer = await Trainer.create({
    model: cfg,
    data: cfg.vocab ? syntheticIds(rows, cfg.vocab) : syntheticSeries(rows, cfg.channels),
    device,
    seed: 1,
    readEvery: 1 << 30,
    stepsPerCall: k,
    precision,
    ...(values.layout ? { layout: oneLayout(values.layout) } : {}),
    ...(threads ? { threads } : {}),
    ...(values.profile ? { profilePrefix: values.profile } : {}),
  });
  // Calls of k steps (the last one shorter), each reading its losses back at the end, as runs do.
  const run = async (n: number) => {
    for (let done = 0; done < n; done += k)
      await trainer.steps(Array(Math.min(k, n - done)).fill(1e-3), { read: done + k >= n });
  };
  await run(Math.max(warmup, k === 1 ? warmup : k));
  const before = trainer.deviceBytes;
  const t0 = performance.now();
  await run(steps);
  const seconds = (performance.now() - t0) / 1000;
  const after = trainer.deviceBytes;
  if (values.profile) trainer.endProfiling();
  const nodes = trainer.nodeCount;
  await trainer.dispose();

  const tokensPerSec = (cfg.batch * cfg.seqLen * steps) / seconds;
  const flopsPerStep = 3 * forwardFlopsPerWindow(cfg) * cfg.batch;
  const result: EngineBenchResult = {
    preset,
    device,
    steps,
    stepsPerCall: k,
    precision: values.precision,
    tf32Override: process.env.NVIDIA_TF32_OVERRIDE ?? null,
    nodes,
    msPerStep: (seconds * 1000) / steps,
    tokensPerSec,
    tflops: (flopsPerStep * steps) / seconds / 1e12,
    deviceBytesBefore: before,
    deviceBytesAfter: after,
    referenceDevice: null,
    referenceTokensPerSec: null,
    referenceMsPerStep: null,
    ratio: null,
    config: cfg,
  };
  if (values.lab && !values['no-reference'])
    result.referenceNote = 'no PyTorch reference for the lab model (bench_torch.py has the patch model only)';
  else if (!values['no-reference']) {
    const refDevice = device === 'cpu' ? 'cpu' : 'cuda';
    try {
      const ref = await reference(cfg, refDevice, threads ?? 2, Number(values['reference-steps']), values.precision);
      Object.assign(result, {
        referenceDevice: `torch-${refDevice}`,
        referenceTokensPerSec: ref.tokensPerSec,
        referenceMsPerStep: ref.msPerStep,
        ratio: tokensPerSec / ref.tokensPerSec,
      });
    } catch (err) {
      result.referenceNote = `PyTorch reference unavailable: ${(err as Error).message.split('\n')[0]} (install it with scripts/install-reference.sh)`;
    }
  }
  return result;
}

function oneLayout(raw: string): OptimizerLayout {
  if (!(OPTIMIZER_LAYOUTS as readonly string[]).includes(raw))
    throw new Error(`--layout must be one of ${OPTIMIZER_LAYOUTS.join(', ')}, got "${raw}"`);
  return raw as OptimizerLayout;
}

export function formatEngineBench(r: EngineBenchResult): string {
  const f = (n: number | null, d = 1) => (n === null ? '-' : n.toFixed(d));
  return [
    `engine bench: preset ${r.preset} (d=${r.config.dModel}, ${r.config.layers} layers, ${r.config.seqLen} tokens × batch ${r.config.batch}, ${r.config.channels} channels) on ${r.device}, ${r.nodes} nodes a step, ${r.stepsPerCall} step(s) per call, precision ${r.precision}${r.device === 'cuda' && r.tf32Override !== null ? `, NVIDIA_TF32_OVERRIDE=${r.tf32Override}` : ''}`,
    `  StackLab   ${f(r.msPerStep, 2)} ms/step   ${f(r.tokensPerSec, 0)} tokens/s   ${r.tflops.toFixed(3)} TFLOP/s`,
    `  PyTorch    ${f(r.referenceMsPerStep, 2)} ms/step   ${f(r.referenceTokensPerSec, 0)} tokens/s   (${r.referenceDevice ?? 'not run'})`,
    `  ratio      ${f(r.ratio, 3)}   (StackLab tokens/s ÷ PyTorch tokens/s)`,
    `  device bytes ${r.deviceBytesBefore} before, ${r.deviceBytesAfter} after ${r.steps} steps${r.deviceBytesBefore === r.deviceBytesAfter ? ' (flat)' : ' (NOT FLAT)'}`,
    ...(r.referenceNote ? [`  ${r.referenceNote}`] : []),
  ].join('\n');
}
