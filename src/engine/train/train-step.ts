/**
 * The train-step graph: windows gathered from the device-resident data set by int32 start rows,
 * forward, next-patch loss, backward, clipping and AdamW, in one ONNX model.
 *
 * Inputs:  data [N, C], starts [B] int32, lr [] , step [] (float32), then per parameter
 *          `<name>`, `m.<name>`, `v.<name>`.
 * Outputs: loss [], grad_norm [], step_out [], then per parameter `<name>.out`, `m.<name>.out`,
 *          `v.<name>.out` (fed back as the next step's inputs).
 */
import { gradients } from '../graph/autodiff';
import { emitOnnx, type EmittedModel } from '../graph/emit';
import { Graph, type Value } from '../graph/ir';
import * as op from '../graph/ops';
import { declareParams, forward, nextPatchLoss, paramSpecs, tokensOf, windowLength, type PatchTransformerConfig } from '../models/patch-transformer';
import { adamwUpdate, type AdamWConfig } from './adamw';

export interface TrainStepGraph {
  readonly model: EmittedModel;
  readonly paramNames: readonly string[];
  /** Rows of the data set the graph was built for. */
  readonly rows: number;
}

/** Names of the optimizer state beside each parameter (graph inputs, outputs and checkpoint tensors). */
export const stateNames = {
  m: (p: string) => `m.${p}`,
  v: (p: string) => `v.${p}`,
  out: (name: string) => `${name}.out`,
  /** The moment and parameter a state name stands for (null for a parameter's own name). */
  parse: (name: string): { which: 'm' | 'v'; param: string } | null => (/^[mv]\./.test(name) ? { which: name[0] as 'm' | 'v', param: name.slice(2) } : null),
};

/** Builds the windows tensor [B, W, C] from start rows: data[starts[b] + t]. */
function gatherWindows(data: Value, starts: Value, width: number): Value {
  const offsets = data.graph.constant(Int32Array.from({ length: width }, (_, i) => i), [1, width], 'int32');
  const idx = op.add(op.reshape(starts, [starts.shape[0]!, 1]), offsets);
  return op.gather(data, idx, 0);
}

export function buildTrainStep(cfg: PatchTransformerConfig, rows: number, adam: AdamWConfig, opset?: number): TrainStepGraph {
  const g = new Graph();
  const data = g.input('data', 'float32', [rows, cfg.channels]);
  const starts = g.input('starts', 'int32', [cfg.batch]);
  const lr = g.input('lr', 'float32', []);
  const step = g.input('step', 'float32', []);
  const params = declareParams(g, cfg);
  const specs = paramSpecs(cfg);
  const m = new Map<string, Value>();
  const v = new Map<string, Value>();
  for (const s of specs) {
    m.set(s.name, g.input(stateNames.m(s.name), 'float32', s.shape));
    v.set(s.name, g.input(stateNames.v(s.name), 'float32', s.shape));
  }

  const tokens = tokensOf(gatherWindows(data, starts, windowLength(cfg)), cfg);
  const loss = nextPatchLoss(forward(tokens, params, cfg), tokens, cfg);
  const paramValues = specs.map((s) => params.get(s.name)!);
  const grads = gradients(loss, paramValues);
  const update = adamwUpdate(
    specs.map((s, i) => ({ param: paramValues[i]!, grad: grads.get(paramValues[i]!)!, m: m.get(s.name)!, v: v.get(s.name)!, decay: s.decay })),
    lr,
    step,
    adam,
  );

  const outputs: Record<string, Value> = { loss, grad_norm: update.gradNorm, step_out: update.step };
  specs.forEach((s, i) => {
    outputs[stateNames.out(s.name)] = update.params[i]!;
    outputs[stateNames.out(stateNames.m(s.name))] = update.m[i]!;
    outputs[stateNames.out(stateNames.v(s.name))] = update.v[i]!;
  });
  const model = emitOnnx(g, { name: 'stacklab_train_step', outputs, ...(opset ? { opset } : {}) });
  return { model, paramNames: specs.map((s) => s.name), rows };
}
