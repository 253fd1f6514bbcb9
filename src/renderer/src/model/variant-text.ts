/** How each variant is named and explained to the user on its card. */
import { stagesOf, VARIANT_LABELS, type GrowthConfig, type Variant } from '../../../shared/growth';

export const VARIANT_TEXT: Readonly<Record<Variant, { readonly title: string; readonly line: string }>> = {
  baseline: {
    title: VARIANT_LABELS.baseline,
    line: 'Full depth from the first step: the reference every schedule is measured against.',
  },
  gradstack: {
    title: VARIANT_LABELS.gradstack,
    line: 'Grows block by block, copying the last block on top (gradual stacking).',
  },
  midas: {
    title: VARIANT_LABELS.midas,
    line: 'Grows block by block, copying the middle block and inserting it in the middle.',
  },
  gstack: {
    title: VARIANT_LABELS.gstack,
    line: 'Trains a quarter-depth model, then stacks it 4 times at once after 25% of the steps.',
  },
  progressive: {
    title: VARIANT_LABELS.progressive,
    line: 'Doubles the depth at each growth by stacking all layers on themselves.',
  },
};

/** The layer-steps of a growing schedule against the full depth for every step (embeddings and head left out). */
function layerStepShare(g: GrowthConfig, variant: Variant = 'midas'): number {
  const stages = stagesOf(variant, g);
  return stages.reduce((a, s) => a + s.layers * s.steps, 0) / (g.layers * g.steps);
}

const pct = (x: number) => `${Math.round(100 * x)}%`;

/**
 * Prop-α in words, with these settings' numbers: how the steps are shared between the growth
 * stages and what the growing variants then compute against the baseline. Null where the
 * settings give no schedule (the form shows that problem itself).
 */
export function alphaExplained(g: GrowthConfig): string | null {
  try {
    const stages = stagesOf('midas', g);
    if (stages.length < 2) return 'With one stage there is nothing to share: set a depth of at least 2 blocks to grow.';
    const shares = stages.map((s) => pct(s.steps / g.steps)).join(' · ');
    return (
      `How GradStack and MIDAS share the step budget between their stages: stage i gets steps in proportion to iᵅ. ` +
      `Here, ${stages.length} stages at α = ${g.alpha}: ${shares} of the steps, so they compute about ` +
      `${pct(layerStepShare(g))} of the baseline's layer-steps. α = 0 gives every stage the same; a larger α ` +
      `gives the deep, late stages more (less saving).`
    );
  } catch {
    return null;
  }
}

/**
 * The FLOP-matched baseline in words: why it exists and how many steps it gets here (about
 * `variant`'s layer-steps spent at full depth). Null where the settings give no schedule.
 */
export function flopMatchedExplained(g: GrowthConfig, variant: Variant = 'midas'): string | null {
  try {
    const steps = Math.round(g.steps * layerStepShare(g, variant));
    return (
      `A stacked variant spends less compute than the baseline in the same ${g.steps} steps, so beating or matching ` +
      `the baseline there mixes two things. This also trains a full-depth baseline on the same compute as that ` +
      `variant (here at least ${steps} steps, its layer-steps at full depth, a few more for the embedding and head): ` +
      `if the variant does better than that baseline, stacking used the compute better.`
    );
  } catch {
    return null;
  }
}
