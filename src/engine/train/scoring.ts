/**
 * The exported scoring model: a standalone ONNX graph with the weights and the data set's
 * normalisation inside. Input `windows` [batch, seqLen·patchLen, channels] in raw sensor units;
 * outputs `pred` (next-patch predictions, normalised units), `contrib` [batch, seqLen·patchLen,
 * channels]: each time step's squared next-patch error per channel, and `score`
 * [batch, seqLen·patchLen]: its mean over channels (both 0 on the first patch, which nothing
 * predicts).
 */
import { emitOnnx, type EmittedModel } from '../graph/emit';
import { Graph } from '../graph/ir';
import * as op from '../graph/ops';
import { declareParams, forward, tokensOf, windowLength, type PatchTransformerConfig } from '../models/patch-transformer';

export interface ScoringModelMeta {
  readonly channels: readonly string[];
  readonly variant: string;
  readonly run: string;
}

export function buildScoringModel(cfg: PatchTransformerConfig, params: ReadonlyMap<string, Float32Array>, norm: { mean: readonly number[]; std: readonly number[] }, meta: ScoringModelMeta): EmittedModel {
  const g = new Graph();
  const w = windowLength(cfg);
  const { patchLen: p, seqLen: s, channels: c } = cfg;
  const raw = g.input('windows', 'float32', ['batch', w, c]);
  const mean = g.constant(Float32Array.from(norm.mean), [c], 'float32');
  const std = g.constant(Float32Array.from(norm.std), [c], 'float32');
  const tokens = tokensOf(op.div(op.sub(raw, mean), std), cfg);
  const pred = forward(tokens, declareParams(g, cfg), cfg);
  const diff = op.sub(op.slice(pred, 1, 0, s - 1), op.slice(tokens, 1, 1, s));
  const perChannel = op.reshape(op.mul(diff, diff), ['batch', (s - 1) * p, c]);
  // The first patch has no prediction: 0 there, so the outputs cover the whole window.
  const contrib = op.concat([op.mul(op.slice(perChannel, 1, 0, p), 0), perChannel], 1);
  const score = op.reduceMean(contrib, [2]);
  return emitOnnx(g, {
    name: 'stacklab_scoring',
    outputs: { pred, contrib, score },
    params: { as: 'initializers', values: params },
    metadata: { stacklab_config: JSON.stringify(cfg), stacklab_channels: JSON.stringify(meta.channels), stacklab_variant: meta.variant, stacklab_run: meta.run, stacklab_window: String(w), stacklab_patch: String(p) },
  });
}
