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
