/** How each variant is named and explained to the user (../shared/MIDAS.md). */
import type { VariantName } from '../../../../shared/jobs';

export const VARIANT_TEXT: Readonly<Record<VariantName, { readonly title: string; readonly line: string }>> = {
  baseline: { title: 'Baseline', line: 'Full depth from the first step: the reference every schedule is measured against.' },
  gradstack: { title: 'GradStack', line: 'Grows block by block, copying the last block on top (gradual stacking).' },
  midas: { title: 'MIDAS', line: 'Grows block by block, copying the middle block and inserting it in the middle.' },
  gstack: { title: 'G_stack', line: 'Trains a quarter-depth model, then stacks it 4 times at once after 25% of the steps.' },
  progressive: { title: 'Progressive', line: 'Doubles the depth at each growth by stacking all layers on themselves.' },
};

/** A run's row name in words: "midas", or "baseline≈midas" as "Baseline with MIDAS's FLOPs". */
export function runTitle(name: string): string {
  const [variant, matched] = name.split('≈') as [VariantName, VariantName | undefined];
  const title = VARIANT_TEXT[variant]?.title ?? variant;
  return matched ? `${title} with ${VARIANT_TEXT[matched]?.title ?? matched}'s FLOPs` : title;
}
