/**
 * The numeric precision of training, as a user picks it: what each one computes in, and where it
 * runs. Shared by the engine (graph, process environment, checks) and the wizard (Settings).
 */
import type { ExecutionProviderName } from './system';

export const PRECISIONS = ['fp32', 'tf32', 'bf16', 'fp16'] as const;
export type Precision = (typeof PRECISIONS)[number];

export const DEFAULT_PRECISION: Precision = 'fp32';

/** One sentence each, for `--help`, the Settings card and the report. */
export const PRECISION_HELP: Readonly<Record<Precision, string>> = {
  fp32: 'strict 32-bit floating point everywhere (tensor-core TF32 switched off): the reference numbers',
  tf32: 'fp32 weights and activations, matrix products on NVIDIA tensor cores in TF32 (10-bit mantissa): faster, about 1e-3 relative error',
  bf16: 'mixed precision: matrix products in bfloat16 on tensor cores, fp32 master weights, moments, norms and softmax',
  fp16: 'mixed precision: matrix products in float16, fp32 master weights, with dynamic loss scaling (an overflowing step is skipped and recorded)',
};

/** The providers each precision runs on (bf16 kernels exist on CUDA only; TF32 is an NVIDIA tensor-core mode). */
const SUPPORTED: Readonly<Record<Precision, readonly ExecutionProviderName[]>> = {
  fp32: ['cuda', 'webgpu', 'cpu'],
  tf32: ['cuda'],
  bf16: ['cuda'],
  fp16: ['cuda', 'cpu'],
};

export function isPrecision(x: unknown): x is Precision {
  return typeof x === 'string' && (PRECISIONS as readonly string[]).includes(x);
}

/** Why `precision` cannot train on `device` (null when it can), with what to pick instead. */
export function precisionProblem(precision: Precision, device: ExecutionProviderName): string | null {
  const on = SUPPORTED[precision];
  if (on.includes(device)) return null;
  return `precision ${precision} runs on ${on.join(' or ')}, not on ${device}: pick fp32 on ${device}, or train on ${on[0]}`;
}

/**
 * Whether TF32 tensor cores may serve fp32 matrix products in a process that trains at `precision`.
 * The Node binding cannot pass ORT's `use_tf32`, so this is the process-wide NVIDIA_TF32_OVERRIDE:
 * 0 for strict fp32 (and for the fp32 parts of mixed precision), unset for tf32.
 */
export function allowsTf32(precision: Precision): boolean {
  return precision === 'tf32';
}
