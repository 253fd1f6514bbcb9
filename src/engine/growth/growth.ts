/**
 * Stagewise depth growth (../shared/MIDAS.md): the variants, their stage schedules and the
 * growth operators, each a pure function from one named-weight state to the next.
 *
 * A model of depth d has d/b blocks B_1..B_n of b layers. Growth maps every new layer to the old
 * layer it copies; embedding, positions, final norm and head are carried over unchanged.
 */
import { blockOf } from '../models/patch-transformer';

export { apportion, GrowthConfigError, stagesOf, VARIANT_INFO, VARIANTS } from '../../shared/growth';
export type { GrowthConfig, Stage, Variant } from '../../shared/growth';
import { GrowthConfigError, type Stage, type Variant } from '../../shared/growth';

/**
 * For a growth from `from` to `to` layers: the old layer each new layer copies (0-based).
 * gradstack appends a copy of the last block; MIDAS inserts a copy of block ceil(n/2) right
 * after it; progressive and G_stack stack the whole model on itself.
 */
export function layerMapping(variant: Variant, from: number, to: number, block: number): number[] {
  const n = from / block;
  const blocks = (ids: number[]) => ids.flatMap((k) => Array.from({ length: block }, (_, j) => k * block + j));
  const all = Array.from({ length: n }, (_, k) => k);
  let src: number[];
  switch (variant) {
    case 'gradstack':
      src = blocks([...all, n - 1]);
      break;
    case 'midas': {
      const m = Math.ceil(n / 2) - 1;
      src = blocks([...all.slice(0, m + 1), m, ...all.slice(m + 1)]);
      break;
    }
    case 'progressive':
    case 'gstack':
      src = Array.from({ length: to }, (_, i) => i % from);
      break;
    case 'baseline':
      throw new GrowthConfigError('the baseline does not grow');
  }
  if (src.length !== to) throw new GrowthConfigError(`${variant} cannot grow ${from} → ${to} layers with blocks of ${block}`);
  return src;
}

/** Applies a layer mapping to named tensors (weights or Adam moments); non-block tensors are kept. */
export function growTensors(tensors: ReadonlyMap<string, Float32Array>, mapping: readonly number[]): Map<string, Float32Array> {
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
