/**
 * How reports write numbers, the same in the CLI, the HTML report, the CSV and the app. What is
 * written is what is meaningful: no interval for one value, none of zero width ("±0.000" of a
 * deterministic detector), never "−0.000", and digits added until values that differ print apart.
 */
import type { SeedDifference, SeedInterval } from './compare';

/** Digits a format may add to its own so that a spread, or values that differ, show. */
export const MORE_DIGITS = 3;

/** How an interval is written: `scale` multiplies the numbers, `unit` follows the mean, `none` stands for no value. */
export interface IntervalStyle {
  readonly scale?: number;
  readonly unit?: string;
  /** The CLI's plain-text table writes "-"; the app and the HTML report "–". */
  readonly none?: string;
}

/** `x` with `digits` decimals; a value that rounds to zero is "0.000", never "−0.000". */
export function fixed(x: number, digits: number): string {
  return Math.abs(x) < 0.5 * 10 ** -digits ? (0).toFixed(digits) : x.toFixed(digits);
}

/** "+0.014", "−0.014" (a minus sign), "0.000" for what rounds to zero. */
export function signed(x: number, digits: number): string {
  const s = fixed(Math.abs(x), digits);
  return Number(s) === 0 ? s : `${x > 0 ? '+' : '−'}${s}`;
}

/**
 * The digits a row (or column) of values needs: `digits`, or more (at most MORE_DIGITS) until
 * values that differ print differently. Values closer than a billionth are taken as equal, and so
 * are two whose difference is under a tenth of both their `spreads` (the half-widths of their
 * intervals: digits past those are noise).
 */
export function distinctDigits(values: readonly number[], digits: number, spreads?: readonly number[]): number {
  const xs = values
    .map((v, i) => ({ v, spread: Math.abs(spreads?.[i] ?? 0) || 0 }))
    .filter((x) => Number.isFinite(x.v))
    .sort((a, b) => a.v - b.v);
  let need = digits;
  for (let i = 1; i < xs.length; i++) {
    const [a, b] = [xs[i - 1]!.v, xs[i]!.v];
    if (b - a <= Math.max(1e-9 * Math.max(Math.abs(a), Math.abs(b)), Math.min(xs[i - 1]!.spread, xs[i]!.spread) / 10))
      continue;
    let d = digits;
    while (d < digits + MORE_DIGITS && fixed(a, d) === fixed(b, d)) d++;
    need = Math.max(need, d);
  }
  return need;
}

/** The digits that tell a row of intervals apart: `distinctDigits` of their means (times `scale`), their half-widths as spreads. */
export function intervalDigits(xs: readonly (SeedInterval | null | undefined)[], digits: number, scale = 1): number {
  const ok = xs.filter((x): x is SeedInterval => !!x && Number.isFinite(x.mean));
  const half = (x: SeedInterval) =>
    x.n > 1 && Number.isFinite(x.hi - x.lo) ? ((x.hi - x.lo) / 2) * Math.abs(scale) : 0;
  return distinctDigits(
    ok.map((x) => x.mean * scale),
    digits,
    ok.map(half),
  );
}

/** Whether an interval has a spread worth writing: several seeds, finite ends, apart at `digits` + MORE_DIGITS. */
function hasSpread(x: SeedInterval, scale: number, digits: number): boolean {
  return (
    x.n > 1 &&
    Number.isFinite(x.lo) &&
    Number.isFinite(x.hi) &&
    Math.round(((x.hi - x.lo) / 2) * scale * 10 ** (digits + MORE_DIGITS)) > 0
  );
}

/**
 * "0.412 ±0.021": the mean ±the half-width of its 95% interval over seeds (symmetric: mean ± t·s/√n;
 * `unit` follows the mean: "1.38x ±0.05"). The mean alone for one seed and where every seed gave
 * the same value (a deterministic detector); more digits where the half-width would print as 0;
 * `none` without a finite mean.
 */
export function formatInterval(
  x: SeedInterval | null | undefined,
  digits = 3,
  { scale = 1, unit = '', none = '–' }: IntervalStyle = {},
): string {
  if (!x || !Number.isFinite(x.mean)) return none;
  if (!hasSpread(x, scale, digits)) return `${fixed(x.mean * scale, digits)}${unit}`;
  const half = ((x.hi - x.lo) / 2) * scale;
  let d = digits;
  while (Math.round(half * 10 ** d) === 0) d++;
  return `${fixed(x.mean * scale, d)}${unit} ±${fixed(half, d)}`;
}

/**
 * "0.246 [0.212, 0.280]": the mean and its interval's ends (for running text); the mean alone for
 * one seed or where every seed gave the same value, more digits where the mean and the ends would
 * print alike.
 */
export function formatBracket(
  x: SeedInterval | null | undefined,
  digits = 3,
  { scale = 1, unit = '', none = '–' }: IntervalStyle = {},
): string {
  if (!x || !Number.isFinite(x.mean)) return none;
  if (!hasSpread(x, scale, digits)) return `${fixed(x.mean * scale, digits)}${unit}`;
  const d = distinctDigits([x.lo * scale, x.mean * scale, x.hi * scale], digits);
  return `${fixed(x.mean * scale, d)}${unit} [${fixed(x.lo * scale, d)}, ${fixed(x.hi * scale, d)}]`;
}

/**
 * "1.29x [1.10, 1.52]": a ratio's interval (from a log scale) is not symmetric. "1.29x" for one
 * seed and for an interval of no width (the baseline against itself); more digits where its ends
 * and mean would print alike ("1.003x [0.998, 1.008]"); `none` without a value.
 */
export function formatRatio(x: SeedInterval | null | undefined, none = '–'): string {
  return formatBracket(x, 2, { unit: 'x', none });
}

/**
 * "+0.014 [+0.005, +0.022]": a paired difference (variant − baseline) and its interval, signed;
 * "+0.031 (one seed)" without an interval, "0.000 on every seed" where every seed differed alike;
 * more digits where the ends and mean would print alike; `none` without a value.
 */
export function formatDifference(d: SeedDifference | SeedInterval | null | undefined, digits = 3, none = '–'): string {
  if (!d || !Number.isFinite(d.mean)) return none;
  if (d.n < 2) return `${signed(d.mean, digits)} (one seed)`;
  if (!Number.isFinite(d.lo) || !Number.isFinite(d.hi)) return signed(d.mean, digits);
  if (!hasSpread(d, 1, digits)) return `${signed(d.mean, digits)} on every seed`;
  const at = distinctDigits([d.lo, d.mean, d.hi], digits);
  return `${signed(d.mean, at)} [${signed(d.lo, at)}, ${signed(d.hi, at)}]`;
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

/** "1 G", "250 M", "12.5 k", "0.5": at most three significant digits, an SI prefix from kilo up (axis ticks). */
export function formatSi(x: number): string {
  if (!Number.isFinite(x)) return '–';
  const e = Math.abs(x) < 1e3 ? 0 : Math.min(SI.length - 1, Math.floor(Math.log10(Math.abs(x)) / 3));
  const v = Number((x / 10 ** (3 * e)).toPrecision(3));
  return e === 0 ? String(v) : `${v} ${SI[e]}`;
}

/** A unit of time and its length in seconds. */
export interface TimeUnit {
  readonly unit: 's' | 'min' | 'h' | 'd';
  readonly seconds: number;
}

const TIME_UNITS: readonly TimeUnit[] = [
  { unit: 's', seconds: 1 },
  { unit: 'min', seconds: 60 },
  { unit: 'h', seconds: 3600 },
  { unit: 'd', seconds: 86_400 },
];

/** The unit to write `seconds` in: the largest of s, min, h, d of which it is at least 1 (s below a second). */
export function timeUnitOf(seconds: number): TimeUnit {
  const a = Math.abs(seconds);
  return [...TIME_UNITS].reverse().find((u) => a >= u.seconds) ?? TIME_UNITS[0]!;
}

/** "45 s", "2.5 min", "18.2 h": three significant digits in the unit `timeUnitOf` picks. */
export function formatDuration(seconds: number, none = '–'): string {
  if (!Number.isFinite(seconds)) return none;
  const u = timeUnitOf(seconds);
  return `${Number((seconds / u.seconds).toPrecision(3))} ${u.unit}`;
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/** "2026-12-01 15:50 (UTC+01:00)": a moment in the local time of the machine writing it, with its offset. */
export function formatLocalDateTime(at: string | number | Date): string {
  const t = new Date(at);
  if (Number.isNaN(t.getTime())) return String(at);
  const off = -t.getTimezoneOffset();
  const zone = `UTC${off < 0 ? '−' : '+'}${pad2(Math.floor(Math.abs(off) / 60))}:${pad2(Math.abs(off) % 60)}`;
  return `${t.getFullYear()}-${pad2(t.getMonth() + 1)}-${pad2(t.getDate())} ${pad2(t.getHours())}:${pad2(t.getMinutes())} (${zone})`;
}

/** How a detection delay (in rows) is written: its label with the unit, and the factor from rows to that unit. */
export interface DelayUnit {
  readonly label: string;
  readonly unit: string;
  readonly scale: number;
}

/**
 * The detection delay in time where the data have timestamps (s, min, h or d, picked from the
 * largest of `rows`, the delays to be written), in rows otherwise.
 */
export function delayUnit(samplingSeconds: number | null | undefined, rows: readonly number[] = []): DelayUnit {
  if (!samplingSeconds || !(samplingSeconds > 0)) return { label: 'detection delay (rows)', unit: 'rows', scale: 1 };
  const largest = Math.max(0, ...rows.filter(Number.isFinite).map(Math.abs));
  const u = timeUnitOf(largest * samplingSeconds);
  return { label: `detection delay (${u.unit})`, unit: u.unit, scale: samplingSeconds / u.seconds };
}

const UNIT_NAMES: Readonly<Record<TimeUnit['unit'], string>> = { s: 'seconds', min: 'minutes', h: 'hours', d: 'days' };

/** The detection delay's one plain sentence, in the unit `u` writes it in. */
export function delayHelp(u: DelayUnit): string {
  const name = UNIT_NAMES[u.unit as TimeUnit['unit']];
  return name
    ? `The time from the start of a found event to its first alarm, in ${name} (rows times the sampling interval), on average; lower is better.`
    : 'Rows from the start of a found event to its first alarm, on average; lower is better.';
}

/**
 * The x axis of a score timeline: time since its first point, in the unit its span asks for,
 * where every point has a time and the times run forward (one series, or several one after
 * another); else rows since the first. `time` is epoch ms; the label names the start in local time.
 */
export function timelineAxis(
  row: readonly number[],
  time?: readonly number[] | null,
): { readonly xs: number[]; readonly label: string; readonly unit: TimeUnit['unit'] | 'rows' } {
  const forward =
    !!time &&
    time.length === row.length &&
    time.length > 1 &&
    time.every((x, i) => Number.isFinite(x) && (i === 0 || x >= time[i - 1]!)) &&
    time.at(-1)! > time[0]!;
  if (!forward) return { xs: row.map((r) => r - (row[0] ?? 0)), label: 'row of the test part', unit: 'rows' };
  const u = timeUnitOf((time.at(-1)! - time[0]!) / 1000);
  return {
    xs: time.map((x) => (x - time[0]!) / 1000 / u.seconds),
    label: `${UNIT_NAMES[u.unit]} since ${formatLocalDateTime(time[0]!)}`,
    unit: u.unit,
  };
}

/** A chance level: two decimals, or a power of ten where it is tiny (copying eight letters: 2e-6). */
export const formatChance = (x: number): string => (x < 0.001 ? x.toExponential(0) : x.toFixed(2));
