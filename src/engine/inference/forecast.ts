/**
 * The standalone inference graph: weights inside, a free batch size, windows in, next-patch
 * predictions out (and, beside them, the per-window next-patch MSE for quick scoring).
 */
import { emitOnnx, type EmittedModel } from '../graph/emit';
import { Graph } from '../graph/ir';
import * as op from '../graph/ops';
import {
  declareParams,
  forward,
  nextPatchResidual,
  nextTokenNll,
  tokensOf,
  windowLength,
  type PatchTransformerConfig,
} from '../models/patch-transformer';

/**
 * Inputs: `windows` [batch, seqLen·patchLen, channels]. Outputs: `pred` [batch, seqLen, patchLen·channels], `mse` [batch, seqLen-1].
 * `params`: the weights, stored in the model; 'inputs': weights are graph inputs, fed at each run (evaluation during training).
 */
export function buildInference(
  cfg: PatchTransformerConfig,
  params: ReadonlyMap<string, Float32Array> | 'inputs',
  opset?: number,
): EmittedModel {
  if (cfg.vocab) return buildTokenInference(cfg, params, opset);
  const g = new Graph();
  const windows = g.input('windows', 'float32', ['batch', windowLength(cfg), cfg.channels]);
  const tokens = tokensOf(windows, cfg);
  const pred = forward(tokens, declareParams(g, cfg), cfg);
  const r = nextPatchResidual(pred, tokens, cfg);
  const mse = op.reduceMean(op.mul(r, r), [2]);
  return emitOnnx(g, {
    name: 'stacklab_inference',
    outputs: { pred, mse },
    params: params === 'inputs' ? { as: 'inputs' } : { as: 'initializers', values: params },
    ...(opset ? { opset } : {}),
    metadata: { stacklab_config: JSON.stringify(cfg) },
  });
}

/**
 * A token model's evaluation graph. Inputs: `windows` [batch, seqLen, 1] (ids as floats) and
 * `at` [batch, answer, 1] int32 (positions). Outputs: `nll` [batch, seqLen − 1], each position's
 * next-token negative log-likelihood, and `next` [batch, answer, vocab], the logits at the
 * positions `at` (picked by a one-hot product: only these cross to the host).
 */
export function buildTokenInference(
  cfg: PatchTransformerConfig,
  params: ReadonlyMap<string, Float32Array> | 'inputs',
  opset?: number,
): EmittedModel {
  const g = new Graph();
  const s = cfg.seqLen;
  const windows = g.input('windows', 'float32', ['batch', s, 1]);
  const at = g.input('at', 'int32', ['batch', 'answer', 1]);
  const logits = forward(windows, declareParams(g, cfg), cfg);
  const nll = nextTokenNll(logits, windows, cfg);
  const positions = g.constant(
    Int32Array.from({ length: s }, (_, i) => i),
    [1, 1, s],
    'int32',
  );
  const pick = op.cast(op.equal(positions, at), 'float32');
  const next = op.matmul(pick, logits);
  return emitOnnx(g, {
    name: 'stacklab_token_inference',
    outputs: { nll, next },
    params: params === 'inputs' ? { as: 'inputs' } : { as: 'initializers', values: params },
    ...(opset ? { opset } : {}),
    metadata: { stacklab_config: JSON.stringify(cfg) },
  });
}
