/** How each variant is named and explained to the user on its card. */
import { VARIANT_LABELS, type Variant } from '../../../shared/growth';

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
