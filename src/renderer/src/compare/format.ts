/**
 * How the Compare and Export steps write numbers: the same conventions as the CLI table and the
 * HTML report (mean ±half-width of the 95% interval over seeds), reimplemented for the renderer.
 */
import type { SeedDifference, SeedInterval } from '../../../shared/compare';

/**
 * "0.412 ±0.021" (mean ±half-width of the 95% interval; `unit` follows the mean: "1.38x ±0.05"),
 * the mean alone for one seed, "–" when there is no finite value.
 */
export function formatInterval(x: SeedInterval | null | undefined, digits = 3, scale = 1, unit = ''): string {
  if (!x || !Number.isFinite(x.mean)) return '–';
  const mean = `${(x.mean * scale).toFixed(digits)}${unit}`;
  if (x.n < 2 || !Number.isFinite(x.lo) || !Number.isFinite(x.hi)) return mean;
  return `${mean} ±${(((x.hi - x.lo) / 2) * scale).toFixed(digits)}`;
}

/** "1.23 G" (FLOPs with an SI prefix). */
export function formatFlops(f: number): string {
  if (!Number.isFinite(f)) return '–';
  for (const [unit, prefix] of [
    [1e15, 'P'],
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
  ] as const) {
    if (f >= unit) return `${(f / unit).toFixed(2)} ${prefix}`;
  }
  return f.toFixed(0);
}

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
