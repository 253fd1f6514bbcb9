/**
 * How the Compare step marks a variant's paired difference against the baseline; differences,
 * intervals and ratios are written by shared/format.ts, as in the CLI table and the HTML report.
 */
import type { SeedDifference } from '../../../shared/compare';

/**
 * Whether a significant difference is an improvement: 'better', 'worse', or null when the
 * interval includes zero (or there is none).
 */
export function differenceTone(
  d: SeedDifference | null | undefined,
  higherIsBetter: boolean,
): 'better' | 'worse' | null {
  if (!d?.significant) return null;
  return d.mean > 0 === higherIsBetter ? 'better' : 'worse';
}
