/**
 * Stagewise depth growth (MIDAS: Saunshi et al. 2024, arXiv 2409.19044): the growth operators,
 * each a pure function from one named-weight state to the next. The variants, their stage
 * schedules and layer mappings are shared with the wizard (src/shared/growth.ts).
 *
 * A model of depth d has d/b blocks B_1..B_n of b layers. Growth maps every new layer to the old
 * layer it copies; embedding, positions, final norm and head are carried over unchanged.
 */
import { blockOf } from '../models/patch-transformer';

import type { Stage } from '../../shared/growth';

/** Applies a layer mapping to named tensors (weights or Adam moments); non-block tensors are kept. */
export function growTensors(
  tensors: ReadonlyMap<string, Float32Array>,
  mapping: readonly number[],
): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const [name, t] of tensors) if (blockOf(name) === null) out.set(name, t);
  mapping.forEach((src, i) => {
    for (const [name, t] of tensors) {
      if (blockOf(name) !== src) continue;
      out.set(name.replace(/^blocks\.\d+\./, `blocks.${i}.`), t.slice());
    }
  });
  return out;
}

/** Layer-steps of a schedule relative to training the full depth for all steps (embeddings ignored). */
export function relativeLayerSteps(stages: readonly Stage[], layers: number): number {
  const total = stages.reduce((a, s) => a + s.steps, 0);
  return stages.reduce((a, s) => a + s.layers * s.steps, 0) / (layers * total);
}
