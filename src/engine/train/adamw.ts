/**
 * The optimiser, in the train-step graph: global-norm gradient clipping, then AdamW with
 * decoupled weight decay and bias correction from the step count (a device-resident input).
 * Matches torch.nn.utils.clip_grad_norm_ followed by torch.optim.AdamW.
 */
import type { Value } from '../graph/ir';
import * as op from '../graph/ops';

export interface AdamWConfig {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  /** Clip the global gradient norm to this; Infinity turns clipping off. */
  readonly maxGradNorm: number;
}

export const DEFAULT_ADAMW: AdamWConfig = { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, maxGradNorm: 1.0 };

export interface OptimizedParam {
  readonly param: Value;
  readonly grad: Value;
  readonly m: Value;
  readonly v: Value;
  readonly decay: boolean;
}

export interface AdamWUpdate {
  readonly params: Value[];
  readonly m: Value[];
  readonly v: Value[];
  /** The step count after this step (t + 1). */
  readonly step: Value;
  /** The global gradient norm before clipping. */
  readonly gradNorm: Value;
}

/** Sum of scalars as a chain of Adds (the multi-input Sum operator falls back to the CPU on WebGPU). */
function chainSum(xs: Value[]): Value {
  return xs.reduce((acc, x) => op.add(acc, x));
}

/**
 * With `seeds` S > 0 every tensor has a leading seed axis and each seed is clipped by its own
 * gradient norm (gradNorm [S]), exactly as S separate runs.
 */
export function adamwUpdate(
  items: readonly OptimizedParam[],
  lr: Value,
  step: Value,
  cfg: AdamWConfig,
  seeds = 0,
): AdamWUpdate {
  // Scalars first, so each parameter costs as few elementwise passes as possible (every pass is
  // a kernel launch on the GPU): g² is shared by the norm and the second moment, the clip factor
  // is folded into the moment coefficients, and the bias corrections into one step size.
  const squares = items.map((it) => op.mul(it.grad, it.grad));
  const sumOf = (sq: Value) => (seeds ? op.reduceSum(sq, sq.shape.map((_, i) => i).slice(1)) : op.sumAll(sq));
  const gradNorm = op.sqrt(chainSum(squares.map(sumOf)));
  const clip = Number.isFinite(cfg.maxGradNorm)
    ? op.min(op.div(cfg.maxGradNorm, op.add(gradNorm, 1e-6)), 1)
    : undefined;
  const t = op.add(step, 1);
  const bc1 = op.sub(1, op.pow(lr.graph.scalar(cfg.beta1), t));
  const sqrtBc2 = op.sqrt(op.sub(1, op.pow(lr.graph.scalar(cfg.beta2), t)));
  // p' = p·keep − (lr/bc1) · m' / (√v'/√bc2 + eps) = p·keep − k · m' / (√v' + eps·√bc2), k = lr·√bc2/bc1
  const k = op.div(op.mul(lr, sqrtBc2), bc1);
  const epsHat = op.mul(sqrtBc2, cfg.eps);
  const c1 = clip ? op.mul(clip, 1 - cfg.beta1) : lr.graph.scalar(1 - cfg.beta1);
  const c2 = clip ? op.mul(op.mul(clip, clip), 1 - cfg.beta2) : lr.graph.scalar(1 - cfg.beta2);
  const keep = op.sub(1, op.mul(lr, cfg.weightDecay));

  const out: AdamWUpdate = { params: [], m: [], v: [], step: t, gradNorm };
  // A seed's coefficient [S] as [S, 1, …] against a tensor of `rank` axes.
  // (Without clipping the coefficients are the same scalars for every seed.)
  const perSeed = (c: Value, rank: number) =>
    seeds && c.shape.length === 1 ? op.reshape(c, [seeds, ...Array<number>(rank - 1).fill(1)]) : c;
  items.forEach((it, i) => {
    const rank = it.grad.shape.length;
    const m = op.add(op.mul(it.m, cfg.beta1), op.mul(it.grad, perSeed(c1, rank)));
    const v = op.add(op.mul(it.v, cfg.beta2), op.mul(squares[i]!, perSeed(c2, rank)));
    const decayed = it.decay && cfg.weightDecay !== 0 ? op.mul(it.param, keep) : it.param;
    const update = op.mul(op.div(m, op.add(op.sqrt(v), epsHat)), k);
    out.params.push(op.sub(decayed, update));
    out.m.push(m);
    out.v.push(v);
  });
  return out;
}
