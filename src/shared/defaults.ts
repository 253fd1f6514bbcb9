/**
 * What a training plan gets for every field left blank: the same in `stacklab train`, the app's
 * jobs and the Variants step's placeholders.
 */
import { defaultBlock, type GrowthConfig, type Variant } from './growth';
import { PRESET_DEFAULTS, type PresetName } from './presets';
import type { DeviceChoice } from './system';

export interface PlanDefaults {
  readonly variants: readonly Variant[];
  readonly preset: PresetName;
  /** Prop-α: stage i gets steps ∝ i^α (0: every stage the same). */
  readonly alpha: number;
  /** Runs per variant: intervals over seeds need several. */
  readonly seeds: number;
  /** Peak learning rate (warmup 5%, cosine to 10% of it). */
  readonly lr: number;
  /** Steps over which the learning rate warms up again after each growth (0: none). */
  readonly rewarmup: number;
}

export const PLAN_DEFAULTS: PlanDefaults = {
  variants: ['baseline', 'gradstack', 'midas'],
  preset: 'tiny',
  alpha: 1,
  seeds: 3,
  lr: 1e-3,
  rewarmup: 0,
};

/** The settings before the user changes any (the runs folder depends on the host). */
export const SETTINGS_DEFAULTS: {
  readonly defaultDevice: DeviceChoice;
  readonly threads: number;
  readonly queue: string | null;
} = {
  defaultDevice: 'auto',
  threads: 0,
  queue: null,
};

/** The growth fields of a plan: what the user set, the defaults of its preset for the rest. */
export type GrowthFields = {
  readonly preset: PresetName;
  readonly layers?: number;
  readonly block?: number;
  readonly alpha?: number;
  readonly steps?: number;
};

export type GrowthSettings = Pick<GrowthConfig, 'layers' | 'block' | 'alpha' | 'steps'>;

/** Depth, block, α and steps with the blanks filled in: the preset's depth and steps, the default block for that depth. */
export function resolveGrowth(plan: GrowthFields): GrowthSettings {
  const layers = plan.layers ?? PRESET_DEFAULTS[plan.preset].layers;
  return {
    layers,
    block: plan.block ?? defaultBlock(layers),
    alpha: plan.alpha ?? PLAN_DEFAULTS.alpha,
    steps: plan.steps ?? PRESET_DEFAULTS[plan.preset].steps,
  };
}
