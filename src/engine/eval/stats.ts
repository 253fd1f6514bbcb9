/**
 * Uncertainty over seeds: mean with a 95% Student-t interval, and paired differences against the
 * baseline (seed by seed), with a plain-words significance call.
 */

/** Two-sided 95% Student-t critical values for 1..30 degrees of freedom. */
const T95 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11,
  2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

export interface Interval {
  readonly mean: number;
  /** Lower and upper ends of the 95% interval (equal to the mean for a single value). */
  readonly lo: number;
  readonly hi: number;
  readonly n: number;
}

export function meanInterval(values: readonly number[]): Interval {
  const xs = values.filter((x) => Number.isFinite(x));
  const n = xs.length;
  if (n === 0) return { mean: NaN, lo: NaN, hi: NaN, n: 0 };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { mean, lo: mean, hi: mean, n };
  const sd = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1));
  const half = (T95[n - 2] ?? 1.96) * (sd / Math.sqrt(n));
  return { mean, lo: mean - half, hi: mean + half, n };
}

/**
 * Fewest seeds for a difference to be called significant: with two, a metric that moves in steps
 * (one event of twelve) often differs by the same amount in both, an interval of zero width.
 */
export const MIN_SIGNIFICANT_SEEDS = 3;

/** Seed-by-seed differences variant − baseline (pairs by index), as an interval. */
export function pairedDifference(
  variant: readonly number[],
  baseline: readonly number[],
): Interval & { readonly significant: boolean } {
  if (variant.length !== baseline.length)
    throw new Error(`paired comparison needs the same seeds: ${variant.length} vs ${baseline.length} runs`);
  const d = meanInterval(variant.map((v, i) => v - baseline[i]!));
  return { ...d, significant: d.n >= MIN_SIGNIFICANT_SEEDS && (d.lo > 0 || d.hi < 0) };
}
