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

export function adamwUpdate(items: readonly OptimizedParam[], lr: Value, step: Value, cfg: AdamWConfig): AdamWUpdate {
  // Scalars first, so each parameter costs as few elementwise passes as possible (every pass is
  // a kernel launch on the GPU): g² is shared by the norm and the second moment, the clip factor
  // is folded into the moment coefficients, and the bias corrections into one step size.
  const squares = items.map((it) => op.mul(it.grad, it.grad));
  const gradNorm = op.sqrt(chainSum(squares.map((sq) => op.sumAll(sq))));
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
  items.forEach((it, i) => {
    const m = op.add(op.mul(it.m, cfg.beta1), op.mul(it.grad, c1));
    const v = op.add(op.mul(it.v, cfg.beta2), op.mul(squares[i]!, c2));
    const decayed = it.decay && cfg.weightDecay !== 0 ? op.mul(it.param, keep) : it.param;
    const update = op.mul(op.div(m, op.add(op.sqrt(v), epsHat)), k);
    out.params.push(op.sub(decayed, update));
    out.m.push(m);
    out.v.push(v);
  });
  return out;
}
