/**
 * How the Compare step writes and marks a variant's paired difference against the baseline;
 * intervals and ratios come from shared/format.ts, as in the CLI table and the HTML report.
 */
import type { SeedDifference } from '../../../shared/compare';

const signed = (x: number, digits: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(digits)}`;

/** "+0.031 [−0.012, +0.074]" (variant − baseline), "+0.031 (one seed)" without an interval. */
export function formatDifference(d: SeedDifference | null | undefined, digits = 3): string {
  if (!d || !Number.isFinite(d.mean)) return '–';
  if (d.n < 2) return `${signed(d.mean, digits)} (one seed)`;
  return `${signed(d.mean, digits)} [${signed(d.lo, digits)}, ${signed(d.hi, digits)}]`;
}

/**
 * Whether a significant difference is an improvement: 'better', 'worse', or null when the
 * interval includes zero (or there is none).
 */
export function differenceTone(d: SeedDifference | null | undefined, higherIsBetter: boolean): 'better' | 'worse' | null {
  if (!d?.significant) return null;
  return d.mean > 0 === higherIsBetter ? 'better' : 'worse';
}
