/**
 * The model presets as every side knows them: their names and what a plan takes from them when
 * its depth or step budget is left blank. Their shapes (width, heads, patch length…) belong to the
 * engine's model (src/engine/models/patch-transformer.ts), whose `PRESETS` are keyed by these names.
 */

export const PRESET_NAMES = ['tiny', 'small', 'base'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/**
 * The depth and step budget of each preset when the user leaves them blank. Depths of 3+ blocks,
 * so the growth variants differ: tiny grows to 4 layers although its model shape has 2.
 */
export const PRESET_DEFAULTS: Readonly<Record<PresetName, { readonly layers: number; readonly steps: number }>> = {
  tiny: { layers: 4, steps: 300 },
  small: { layers: 6, steps: 600 },
  base: { layers: 12, steps: 2000 },
};
