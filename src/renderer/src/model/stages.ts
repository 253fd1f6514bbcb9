/**
 * The depth schedule of each variant for the Variants step's diagrams before (or without) an
 * estimate: the engine's own rule (shared/growth.ts) on the plan's settings with the blanks filled
 * in (shared/plan.ts).
 */
import type { GrowthSettings } from '../../../shared/plan';
import { copiedLayers, layerMapping, stagesOf, type Variant } from '../../../shared/growth';

export interface StagePlan {
  readonly layers: number;
  readonly steps: number;
}

export type StagesResult =
  | { readonly stages: readonly StagePlan[]; readonly error?: undefined }
  | { readonly stages?: undefined; readonly error: string };

/** Each stage's depth and steps for a variant (the engine's own rule), or why these settings cannot train it. */
export function stagesFor(variant: Variant, g: GrowthSettings): StagesResult {
  try {
    return { stages: stagesOf(variant, g).map((s) => ({ layers: s.layers, steps: s.steps })) };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * The 0-based layers of the grown model that are new copies, for a growth from `from` to `to`
 * layers: the engine's own layer mapping (shared/growth.ts), each source layer's second copy.
 */
export function newLayers(variant: Variant, from: number, to: number, block: number): number[] {
  try {
    return copiedLayers(layerMapping(variant, from, to, block));
  } catch {
    return [];
  }
}
