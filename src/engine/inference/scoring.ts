/**
 * The exported scoring model: a standalone ONNX graph with the weights, a normalisation and the
 * score calibration inside. Input `windows` [batch, seqLen·patchLen, channels] in raw sensor
 * units; outputs
 *   `pred`      next-patch predictions (normalised units),
 *   `residual`  [batch, seqLen·patchLen, channels]: prediction − actual per time step and channel,
 *               normalised units,
 *   `contrib`   the same shape: each channel's share of the score, ((residual − center) / scale)²,
 *   `score`     [batch, seqLen·patchLen]: `contrib` combined over channels (mean or max).
 * The first patch has no prediction: 0 there in every output, so they cover the whole window.
 * With the identity calibration (center 0, scale 1, mean) `score` is the next-patch MSE.
 */
import { emitOnnx, type EmittedModel } from '../graph/emit';
import { Graph, type Value } from '../graph/ir';
import * as op from '../graph/ops';
import {
  declareParams,
  forward,
  nextPatchResidual,
  tokensOf,
  windowLength,
  type PatchTransformerConfig,
} from '../models/patch-transformer';

export interface ScoringModelMeta {
  readonly channels: readonly string[];
  readonly variant: string;
  readonly run: string;
  /** Extra metadata entries (normalisation source, threshold, …), stored as `stacklab_<key>`. */
  readonly extra?: Readonly<Record<string, string>>;
}

/** How residuals become a score: per-channel robust standardisation, then a combination over channels. */
export interface ScoreCalibration {
  /** Per channel: the typical residual on normal rows (median). */
  readonly center: readonly number[];
  /** Per channel: the residual's robust spread on normal rows (1.4826 · MAD). */
  readonly scale: readonly number[];
  readonly combine: 'mean' | 'max';
}

/** Squared next-patch error averaged over channels: what the model was trained to minimise. */
export function identityCalibration(channels: number): ScoreCalibration {
  return { center: new Array<number>(channels).fill(0), scale: new Array<number>(channels).fill(1), combine: 'mean' };
}

/** `params`: the weights, stored in the model (export); 'inputs': weights are graph inputs, fed at each run (evaluation during training). */
export function buildScoringModel(
  cfg: PatchTransformerConfig,
  params: ReadonlyMap<string, Float32Array> | 'inputs',
  norm: { mean: readonly number[]; std: readonly number[] },
  meta: ScoringModelMeta,
  calibration: ScoreCalibration = identityCalibration(cfg.channels),
): EmittedModel {
  const g = new Graph();
  const w = windowLength(cfg);
  const { patchLen: p, seqLen: s, channels: c } = cfg;
  const raw = g.input('windows', 'float32', ['batch', w, c]);
  const vec = (xs: readonly number[]) => g.constant(Float32Array.from(xs), [c], 'float32');
  const tokens = tokensOf(op.div(op.sub(raw, vec(norm.mean)), vec(norm.std)), cfg);
  const pred = forward(tokens, declareParams(g, cfg), cfg);
  // Back from tokens to time steps: [batch, (seqLen - 1)·patchLen, channels].
  const diff = op.reshape(nextPatchResidual(pred, tokens, cfg), ['batch', (s - 1) * p, c]);
  // The first patch has no prediction: 0 there, so the outputs cover the whole window.
  const padded = (x: Value) => op.concat([op.mul(op.slice(x, 1, 0, p), 0), x], 1);
  const z = op.div(op.sub(diff, vec(calibration.center)), vec(calibration.scale));
  const contrib = op.mul(z, z);
  const score = calibration.combine === 'max' ? op.reduceMax(contrib, [2]) : op.reduceMean(contrib, [2]);
  const extra = Object.fromEntries(Object.entries(meta.extra ?? {}).map(([k, v]) => [`stacklab_${k}`, v]));
  return emitOnnx(g, {
    name: 'stacklab_scoring',
    outputs: { pred, residual: padded(diff), contrib: padded(contrib), score: padded(score) },
    params: params === 'inputs' ? { as: 'inputs' } : { as: 'initializers', values: params },
    metadata: {
      stacklab_config: JSON.stringify(cfg),
      stacklab_channels: JSON.stringify(meta.channels),
      stacklab_variant: meta.variant,
      stacklab_run: meta.run,
      stacklab_window: String(w),
      stacklab_patch: String(p),
      stacklab_calibration: JSON.stringify(calibration),
      ...extra,
    },
  });
}
