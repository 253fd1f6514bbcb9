/** How reports write numbers, the same in the CLI, the HTML report and the app. */
import type { SeedInterval } from './compare';

/** How an interval is written: `scale` multiplies the numbers, `unit` follows the mean, `none` stands for no value. */
export interface IntervalStyle {
  readonly scale?: number;
  readonly unit?: string;
  /** The CLI's plain-text table writes "-"; the app and the HTML report "–". */
  readonly none?: string;
}

/**
 * "0.412 ±0.021": the mean ±the half-width of its 95% interval over seeds (symmetric: mean ± t·s/√n;
 * `unit` follows the mean: "1.38x ±0.05"), the mean alone for one seed, `none` without a finite mean.
 */
export function formatInterval(x: SeedInterval | null | undefined, digits = 3, { scale = 1, unit = '', none = '–' }: IntervalStyle = {}): string {
  if (!x || !Number.isFinite(x.mean)) return none;
  const mean = `${(x.mean * scale).toFixed(digits)}${unit}`;
  if (x.n < 2 || !Number.isFinite(x.lo) || !Number.isFinite(x.hi)) return mean;
  return `${mean} ±${(((x.hi - x.lo) / 2) * scale).toFixed(digits)}`;
}

/** "1.29x [1.10, 1.52]": a ratio's interval (from a log scale) is not symmetric; "1.29x" for one seed, "–" for none. */
export function formatRatio(x: SeedInterval | null | undefined, none = '–'): string {
  if (!x || !Number.isFinite(x.mean)) return none;
  return x.n > 1 && Number.isFinite(x.lo) ? `${x.mean.toFixed(2)}x [${x.lo.toFixed(2)}, ${x.hi.toFixed(2)}]` : `${x.mean.toFixed(2)}x`;
}

/** "1.23 G": a FLOP count with an SI prefix from mega up, for a table row that names the unit; `none` when not finite. */
export function formatFlops(f: number, none = '–'): string {
  if (!Number.isFinite(f)) return none;
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

const SI = ['', 'k', 'M', 'G', 'T', 'P', 'E'] as const;

/** "1.23 GFLOP", "12.3 kFLOP": a FLOP count with its unit and three significant digits, for running text. */
export function formatFlopCount(flops: number): string {
  if (!Number.isFinite(flops) || flops <= 0) return '0 FLOP';
  const e = Math.min(SI.length - 1, Math.floor(Math.log10(flops) / 3));
  const v = flops / 10 ** (3 * e);
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${SI[e]}FLOP`;
}
