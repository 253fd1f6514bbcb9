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

/** `meanInterval` kept inside the values the quantity can take (a share: [0, 1]); one value stays as it is. */
export function boundedInterval(
  values: readonly number[],
  [min, max]: readonly [number, number] = [-Infinity, Infinity],
): Interval {
  const x = meanInterval(values);
  return x.n > 1 ? { ...x, lo: Math.max(min, x.lo), hi: Math.min(max, x.hi) } : x;
}

/**
 * The instrument check of the reasoning lab and the sensor probes: a reading (the baseline's, over
 * seeds) lies above `bar` with its interval, which takes two seeds at least.
 */
export function clearsBar(x: Interval | undefined, bar: number): boolean {
  return !!x && x.n >= 2 && x.lo > bar;
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
): Interval & { readonly significant: boolean; readonly p: number } {
  if (variant.length !== baseline.length)
    throw new Error(`paired comparison needs the same seeds: ${variant.length} vs ${baseline.length} runs`);
  const diffs = variant.map((v, i) => v - baseline[i]!);
  const d = meanInterval(diffs);
  return { ...d, significant: d.n >= MIN_SIGNIFICANT_SEEDS && (d.lo > 0 || d.hi < 0), p: pairedP(diffs) };
}

/**
 * The two-sided p-value of a paired t-test that the differences' mean is 0 (NaN for fewer than
 * two; 0 when every difference is the same non-zero value, 1 when all are zero).
 */
export function pairedP(differences: readonly number[]): number {
  const xs = differences.filter((x) => Number.isFinite(x));
  const n = xs.length;
  if (n < 2) return NaN;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1));
  if (sd === 0) return mean === 0 ? 1 : 0;
  const t = mean / (sd / Math.sqrt(n));
  const df = n - 1;
  return incompleteBeta(df / (df + t * t), df / 2, 0.5);
}

/**
 * Holm's step-down correction: which of a family of tests stay significant at level `alpha`
 * (p-values sorted ascending, the i-th of m compared with alpha / (m − i); once one fails, every
 * larger one fails too). NaN p-values are never significant and do not count in m.
 */
export function holm(ps: readonly number[], alpha = 0.05): boolean[] {
  const order = ps
    .map((p, i) => ({ p, i }))
    .filter((x) => Number.isFinite(x.p))
    .sort((a, b) => a.p - b.p);
  const out = ps.map(() => false);
  for (let k = 0; k < order.length; k++) {
    if (order[k]!.p > alpha / (order.length - k)) break;
    out[order[k]!.i] = true;
  }
  return out;
}

/** The regularized incomplete beta function I_x(a, b) (Lentz's continued fraction; Numerical Recipes 6.4). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  // The fraction converges fast for x < (a + 1) / (a + b + 2); beyond, by symmetry.
  if (x > (a + 1) / (a + b + 2)) return 1 - incompleteBeta(1 - x, b, a);
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  d = 1 / (Math.abs(d) < tiny ? tiny : d);
  let f = d;
  for (let m = 1; m <= 300; m++) {
    for (const num of [
      (m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m)),
      -((a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1)),
    ]) {
      d = 1 + num * d;
      d = 1 / (Math.abs(d) < tiny ? tiny : d);
      c = 1 + num / c;
      if (Math.abs(c) < tiny) c = tiny;
      f *= c * d;
    }
    if (Math.abs(c * d - 1) < 1e-12) break;
  }
  return (front * f) / a;
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9). */
function logGamma(x: number): number {
  const g = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let s = g[0]!;
  for (let i = 1; i < 9; i++) s += g[i]! / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(s);
}
