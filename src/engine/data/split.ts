/**
 * Splits by time, never shuffled, and the normalisation. Training and validation come from
 *   - the first N rows of every series (`trainRows`, as the published test-rig protocols do), or
 *   - the leading share of every series (`trainFraction`), or, by default,
 *   - anomaly-free files when the set has them (the labelled files are then all test), otherwise
 *     the leading 60% of each series;
 * each series' training part is cut before its first labelled anomaly, and the test part follows.
 * Normalisation is fitted on training rows only: per series (each by its own normal training
 * rows; the default for several series that all have them) or pooled over all of them. Windows
 * are built inside one segment, so none crosses a split or a file.
 */
import path from 'node:path';
import type { NormalizeMode } from '../../shared/plan';
import type { Dataset } from './dataset';

export type SplitRole = 'train' | 'val' | 'test';

export interface Segment {
  readonly series: number;
  readonly start: number;
  /** Exclusive. */
  readonly end: number;
  readonly role: SplitRole;
}

export interface SplitOptions {
  /** The first N rows of every series train and validate (cut earlier at a labelled anomaly). */
  readonly trainRows?: number;
  /** The leading share of every series trains and validates (cut earlier at a labelled anomaly). */
  readonly trainFraction?: number;
  /** Trailing share of the training part kept for validation. */
  readonly valFraction?: number;
  /** Default: per-series when there are several series and each has normal training rows of its own. */
  readonly normalize?: NormalizeMode;
}

/** Per-channel mean and standard deviation. */
export interface Normalization {
  readonly mean: Float64Array;
  readonly std: Float64Array;
}

/** The statistics one series was standardised with. */
export interface SeriesNormalization extends Normalization {
  /** Fitted on the series' own normal training rows (false: the pooled statistics, it has too few). */
  readonly own: boolean;
  /** Training rows the statistics came from. */
  readonly rows: number;
}

export interface DatasetNormalization {
  readonly mode: NormalizeMode;
  /** Over the training rows of every series. */
  readonly pooled: Normalization;
  /** One entry per series, in data-set order. */
  readonly series: readonly SeriesNormalization[];
  /** In words, for the profile and the run's config. */
  readonly description: string;
}

export interface Splits {
  readonly segments: Segment[];
  readonly normalization: DatasetNormalization;
  /** How the split was chosen, in words, for the profile and the run's config. */
  readonly strategy: string;
  /** What a user should know about the split (series without training rows, cut short, …). */
  readonly warnings: readonly string[];
}

/** A split the data cannot give (a series too short for the requested training rows, …). */
export class SplitError extends Error {
  override readonly name = 'SplitError';
}

/** Fewer normal training rows than this: a series is standardised with the pooled statistics. */
export const MIN_OWN_ROWS = 20;

function trainVal(series: number, start: number, end: number, valFraction: number): Segment[] {
  const cut = start + Math.round((end - start) * (1 - valFraction));
  const out: Segment[] = [];
  if (cut > start) out.push({ series, start, end: cut, role: 'train' });
  if (end > cut) out.push({ series, start: cut, end, role: 'val' });
  return out;
}

const nameOf = (ds: Dataset, i: number) => path.basename(ds.series[i]!.path);

/** The trailing share of each training part that validates, unless the options say otherwise. */
export const DEFAULT_VAL_FRACTION = 0.2;

/** The segments and the strategy in words (no statistics yet). */
export function splitSegments(
  ds: Dataset,
  options: SplitOptions = {},
): { segments: Segment[]; strategy: string; warnings: string[] } {
  const { trainRows, trainFraction } = options;
  const valFraction = options.valFraction ?? DEFAULT_VAL_FRACTION;
  if (trainRows !== undefined && trainFraction !== undefined)
    throw new SplitError('give either a number of training rows or a training fraction, not both');
  if (trainRows !== undefined && !(Number.isInteger(trainRows) && trainRows >= 2))
    throw new SplitError(`the training rows per series must be a whole number of at least 2, got ${trainRows}`);
  if (trainFraction !== undefined && !(trainFraction > 0 && trainFraction < 1))
    throw new SplitError(`the training fraction must be between 0 and 1 (exclusive), got ${trainFraction}`);
  if (!(valFraction >= 0 && valFraction < 1))
    throw new SplitError(`the validation fraction must be in [0, 1), got ${valFraction}`);
  const segments: Segment[] = [];
  const warnings: string[] = [];
  const free = ds.series.map((s) => s.label !== null && s.label.every((x) => x === 0));
  const labelled = ds.series.map((s) => s.label !== null && s.label.some((x) => x === 1));
  if (trainRows === undefined && trainFraction === undefined && free.some(Boolean) && labelled.some(Boolean)) {
    ds.series.forEach((s, i) => {
      if (free[i]) segments.push(...trainVal(i, 0, s.rows, valFraction));
      else segments.push({ series: i, start: 0, end: s.rows, role: 'test' });
    });
    return { segments, strategy: 'anomaly-free files train and validate; files with anomalies are test', warnings };
  }
  if (trainRows !== undefined) {
    const short = ds.series.map((s, i) => ({ s, i })).filter(({ s }) => s.rows <= trainRows);
    if (short.length) {
      const list = short
        .slice(0, 3)
        .map(({ s, i }) => `${nameOf(ds, i)} (${s.rows} rows)`)
        .join(', ');
      throw new SplitError(
        `${list}${short.length > 3 ? ` and ${short.length - 3} more` : ''}: ${trainRows} training rows per series leave no test part (a series needs at least ${trainRows + 1} rows); choose fewer training rows`,
      );
    }
  }
  const fraction = trainFraction ?? 0.6;
  let cutShort = 0;
  ds.series.forEach((s, i) => {
    const wanted = trainRows ?? Math.round(s.rows * fraction);
    let cut = wanted;
    const first = s.label ? s.label.indexOf(1) : -1;
    if (first >= 0 && first < cut) {
      cut = first;
      cutShort++;
    }
    segments.push(...trainVal(i, 0, cut, valFraction));
    if (cut < s.rows) segments.push({ series: i, start: cut, end: s.rows, role: 'test' });
  });
  if (trainRows !== undefined && cutShort)
    warnings.push(
      `${cutShort} of ${ds.series.length} series have a labelled anomaly within their first ${trainRows} rows: their training part ends before it`,
    );
  const lead = trainRows !== undefined ? `the first ${trainRows} rows` : `the leading ${Math.round(fraction * 100)}%`;
  return {
    segments,
    strategy: `${lead} of each series (cut before its first labelled anomaly) train and validate; the rest is test`,
    warnings,
  };
}

export function splitByTime(ds: Dataset, options: SplitOptions = {}): Splits {
  const { segments, strategy, warnings } = splitSegments(ds, options);
  const train = segments.filter((g) => g.role === 'train');
  const pooled = fitNormalization(ds, train);
  const ownRows = ds.series.map((_, i) => train.filter((g) => g.series === i).reduce((a, g) => a + g.end - g.start, 0));
  const tested = ds.series.map((_, i) => segments.some((g) => g.series === i && g.role === 'test'));
  // Per series by default when every series with a test part can be standardised by its own rows.
  const mode: NormalizeMode =
    options.normalize ??
    (ds.series.length > 1 && ds.series.every((_, i) => !tested[i] || ownRows[i]! >= MIN_OWN_ROWS)
      ? 'per-series'
      : 'pooled');
  const series = ds.series.map((_, i): SeriesNormalization => {
    if (mode === 'pooled' || ownRows[i]! < MIN_OWN_ROWS)
      return { ...pooled, own: false, rows: mode === 'pooled' ? ownRows.reduce((a, b) => a + b, 0) : 0 };
    const own = fitStats(
      ds,
      train.filter((g) => g.series === i),
    );
    // A channel that does not move in this series' training rows keeps the pooled spread.
    const std = own.std.map((sd, k) => (own.flat[k] ? pooled.std[k]! : sd));
    return { mean: own.mean, std, own: true, rows: ownRows[i]! };
  });
  const borrowed = series.map((s, i) => ({ s, i })).filter(({ s, i }) => mode === 'per-series' && !s.own && tested[i]);
  if (borrowed.length) {
    const list = borrowed
      .slice(0, 3)
      .map(({ i }) => nameOf(ds, i))
      .join(', ');
    warnings.push(
      `${borrowed.length} series (${list}${borrowed.length > 3 ? ', …' : ''}) have fewer than ${MIN_OWN_ROWS} normal training rows of their own: standardised with the pooled statistics`,
    );
  }
  const description =
    mode === 'pooled'
      ? 'pooled: every series standardised with the mean and standard deviation of all training rows'
      : `per series: each series standardised with the mean and standard deviation of its own normal training rows${borrowed.length ? ` (${borrowed.length} without enough of them: pooled)` : ''}`;
  return { segments, normalization: { mode, pooled, series, description }, strategy, warnings };
}

/** Per-channel mean and standard deviation over the given segments (NaN cells skipped; std 0 → 1). */
export function fitNormalization(ds: Dataset, segments: readonly Segment[]): Normalization {
  const { mean, std } = fitStats(ds, segments);
  return { mean, std };
}

/** Mean and std per channel; `flat` marks channels without spread (their std is set to 1). */
function fitStats(ds: Dataset, segments: readonly Segment[]): Normalization & { flat: boolean[] } {
  const c = ds.channels.length;
  const mean = new Float64Array(c);
  const std = new Float64Array(c);
  const flat: boolean[] = [];
  for (let k = 0; k < c; k++) {
    let n = 0;
    let sum = 0;
    let sq = 0;
    for (const g of segments) {
      const v = ds.series[g.series]!.channels[k]!.values;
      for (let i = g.start; i < g.end; i++) {
        const x = v[i]!;
        if (Number.isNaN(x)) continue;
        n++;
        sum += x;
        sq += x * x;
      }
    }
    mean[k] = n ? sum / n : 0;
    const variance = n ? sq / n - mean[k]! * mean[k]! : 0;
    flat.push(!(variance > 1e-12 * Math.max(1, mean[k]! * mean[k]!)));
    std[k] = flat[k] ? 1 : Math.sqrt(variance);
  }
  return { mean, std, flat };
}

/** A series as one normalised row-major matrix [rows, channels]. */
export function normalizedMatrix(ds: Dataset, series: number, norm: Normalization): Float32Array {
  const s = ds.series[series]!;
  const c = ds.channels.length;
  const out = new Float32Array(s.rows * c);
  for (let k = 0; k < c; k++) {
    const v = s.channels[k]!.values;
    const m = norm.mean[k]!;
    const sd = norm.std[k]!;
    for (let i = 0; i < s.rows; i++) out[i * c + k] = (v[i]! - m) / sd;
  }
  return out;
}

/** Start rows of every window of `width` rows inside `segment` with no missing cell. */
export function windowStarts(ds: Dataset, segment: Segment, width: number, stride = 1): Int32Array {
  const s = ds.series[segment.series]!;
  // Prefix count, over the segment only, of rows holding a NaN in any channel.
  const len = segment.end - segment.start;
  const bad = new Int32Array(len + 1);
  for (let i = 0; i < len; i++)
    bad[i + 1] = bad[i]! + (s.channels.some((ch) => Number.isNaN(ch.values[segment.start + i]!)) ? 1 : 0);
  const starts: number[] = [];
  for (let t = 0; t + width <= len; t += stride) if (bad[t + width] === bad[t]) starts.push(segment.start + t);
  return Int32Array.from(starts);
}
