/**
 * The depth schedule of each variant, computed in the renderer for the Variants step's diagrams
 * before (or without) an estimate from the engine. It mirrors the engine's rules (the growth
 * `stagesOf` and the plan defaults) and must stay in step with them; the engine's estimate,
 * when it arrives, is the authority.
 */
import type { PresetName, TrainPlan, VariantName } from '../../../../shared/jobs';

/** Depth and step budget by preset when the user leaves them blank (the engine's defaults). */
export const PRESET_DEFAULTS: Readonly<Record<PresetName, { readonly layers: number; readonly steps: number }>> = {
  tiny: { layers: 2, steps: 300 },
  small: { layers: 6, steps: 600 },
  base: { layers: 12, steps: 2000 },
};

/** Prop-α when left blank. */
export const DEFAULT_ALPHA = 1;
/** G_stack's growth factor and growth time (share of the budget), as the engine uses them. */
export const GSTACK_FACTOR = 4;
export const GSTACK_AT = 0.25;

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
    block: plan.block ?? (layers >= 4 && layers % 2 === 0 ? 2 : 1),
    alpha: plan.alpha ?? DEFAULT_ALPHA,
    steps: plan.steps ?? PRESET_DEFAULTS[plan.preset].steps,
  };
}

/** Splits `total` in proportion to `weights`, rounded so the parts sum to `total` (largest remainder). */
export function apportion(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (total * w) / sum);
  const parts = exact.map(Math.floor);
  let left = total - parts.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of order) {
    if (left <= 0) break;
    parts[i]! += 1;
    left -= 1;
  }
  return parts;
}

/** Each stage's depth and steps for a variant, or why these settings cannot train it. */
export function stagesFor(variant: VariantName, g: GrowthSettings): StagesResult {
  const { layers: L, block: b, steps: T, alpha } = g;
  if (!Number.isInteger(L) || L < 1) return { error: `the depth must be a positive whole number, got ${L}` };
  if (!Number.isInteger(b) || b < 1) return { error: `the block size must be a positive whole number, got ${b}` };
  if (L % b !== 0) return { error: `the depth ${L} is not a multiple of the block size ${b}` };
  if (!(alpha >= 0)) return { error: `Prop-α must be 0 or more, got ${alpha}` };
  if (!Number.isInteger(T) || T < 1) return { error: `the step budget must be a positive whole number, got ${T}` };
  const prop = (depths: number[]): StagesResult => {
    const steps = apportion(T, depths.map((_, i) => (i + 1) ** alpha));
    return { stages: depths.map((layers, i) => ({ layers, steps: steps[i]! })) };
  };
  switch (variant) {
    case 'baseline':
      return { stages: [{ layers: L, steps: T }] };
    case 'gradstack':
    case 'midas':
      return prop(Array.from({ length: L / b }, (_, i) => (i + 1) * b));
    case 'progressive': {
      const depths: number[] = [];
      for (let d = b; d <= L; d *= 2) depths.push(d);
      if (depths.at(-1) !== L) return { error: `progressive stacking doubles the depth from ${b}: the depth ${L} must be ${b} × a power of 2` };
      return prop(depths);
    }
    case 'gstack': {
      if (L % GSTACK_FACTOR !== 0) return { error: `G_stack stacks the model ${GSTACK_FACTOR} times: the depth ${L} must be a multiple of ${GSTACK_FACTOR}` };
      const at = Math.round(T * GSTACK_AT);
      if (at < 1 || at >= T) return { error: `G_stack grows at ${GSTACK_AT * 100}% of the budget: ${T} steps are too few` };
      return { stages: [{ layers: L / GSTACK_FACTOR, steps: at }, { layers: L, steps: T - at }] };
    }
  }
}

/**
 * The 0-based layers of the grown model that are new copies, for a growth from `from` to `to`
 * layers: gradstack appends the last block on top; MIDAS inserts a copy of block ceil(n/2) right
 * after it; progressive and G_stack stack the whole model, so every layer above `from` is new.
 */
export function newLayers(variant: VariantName, from: number, to: number, block: number): number[] {
  if (variant === 'midas') {
    const start = Math.ceil(from / block / 2) * block;
    return Array.from({ length: to - from }, (_, i) => start + i);
  }
  return Array.from({ length: to - from }, (_, i) => from + i);
}
