/**
 * The depth schedule of each variant for the Variants step's diagrams before (or without) an
 * estimate: the engine's own rule (shared/growth.ts), with its defaults for blank fields.
 */
import { copiedLayers, defaultBlock, layerMapping, PRESET_DEFAULTS as SHARED_DEFAULTS, stagesOf } from '../../../../shared/growth';
import type { PresetName, TrainPlan, VariantName } from '../../../../shared/jobs';

/** Depth and step budget by preset when the user leaves them blank (the engine's defaults). */
export const PRESET_DEFAULTS: Readonly<Record<PresetName, { readonly layers: number; readonly steps: number }>> = SHARED_DEFAULTS;

/** Prop-α when left blank. */
export const DEFAULT_ALPHA = 1;

export interface GrowthSettings {
  readonly layers: number;
  readonly block: number;
  readonly alpha: number;
  readonly steps: number;
}

export interface StagePlan {
  readonly layers: number;
  readonly steps: number;
}

export type StagesResult = { readonly stages: readonly StagePlan[]; readonly error?: undefined } | { readonly stages?: undefined; readonly error: string };

/** Fills the blank fields of a plan with the engine's defaults. */
export function resolveGrowth(plan: Pick<TrainPlan, 'preset' | 'layers' | 'block' | 'alpha' | 'steps'>): GrowthSettings {
  const layers = plan.layers ?? PRESET_DEFAULTS[plan.preset].layers;
  return {
    layers,
    block: plan.block ?? defaultBlock(layers),
    alpha: plan.alpha ?? DEFAULT_ALPHA,
    steps: plan.steps ?? PRESET_DEFAULTS[plan.preset].steps,
  };
}

/** Each stage's depth and steps for a variant (the engine's own rule), or why these settings cannot train it. */
export function stagesFor(variant: VariantName, g: GrowthSettings): StagesResult {
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
export function newLayers(variant: VariantName, from: number, to: number, block: number): number[] {
  try {
    return copiedLayers(layerMapping(variant, from, to, block));
  } catch {
    return [];
  }
}
