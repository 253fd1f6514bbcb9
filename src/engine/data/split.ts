/**
 * Splits by time, never shuffled. Training and validation come from anomaly-free files when the
 * set has them (the labelled files are then all test), otherwise from the leading part of each
 * series, cut before its first labelled anomaly; the test part follows. Normalisation is fitted on
 * the training rows only; windows are built inside one segment, so none crosses a split or a file.
 */
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
  /** Leading share of each series used for training + validation when no file is anomaly-free. */
  readonly trainFraction?: number;
  /** Trailing share of the training part kept for validation. */
  readonly valFraction?: number;
}

export interface Normalization {
  readonly mean: Float64Array;
  readonly std: Float64Array;
}

export interface Splits {
  readonly segments: Segment[];
  readonly normalization: Normalization;
  /** How the split was chosen, in words, for the profile and the run's config. */
  readonly strategy: string;
}

function trainVal(series: number, start: number, end: number, valFraction: number): Segment[] {
  const cut = start + Math.round((end - start) * (1 - valFraction));
  const out: Segment[] = [];
  if (cut > start) out.push({ series, start, end: cut, role: 'train' });
  if (end > cut) out.push({ series, start: cut, end, role: 'val' });
  return out;
}

export function splitByTime(ds: Dataset, options: SplitOptions = {}): Splits {
  const trainFraction = options.trainFraction ?? 0.6;
  const valFraction = options.valFraction ?? 0.2;
  if (!(trainFraction > 0 && trainFraction <= 1)) throw new Error(`trainFraction must be in (0, 1], got ${trainFraction}`);
  if (!(valFraction >= 0 && valFraction < 1)) throw new Error(`valFraction must be in [0, 1), got ${valFraction}`);
  const segments: Segment[] = [];
  const free = ds.series.map((s) => s.label !== null && s.label.every((x) => x === 0));
  const labelled = ds.series.map((s) => s.label !== null && s.label.some((x) => x === 1));
  let strategy: string;
  if (free.some(Boolean) && labelled.some(Boolean)) {
    strategy = 'anomaly-free files train and validate; files with anomalies are test';
    ds.series.forEach((s, i) => {
      if (free[i]) segments.push(...trainVal(i, 0, s.rows, valFraction));
      else segments.push({ series: i, start: 0, end: s.rows, role: 'test' });
    });
  } else {
    strategy = `the leading ${Math.round(trainFraction * 100)}% of each series (cut before its first labelled anomaly) trains and validates; the rest is test`;
    ds.series.forEach((s, i) => {
      let cut = Math.round(s.rows * trainFraction);
      if (s.label) {
        const first = s.label.indexOf(1);
        if (first >= 0) cut = Math.min(cut, first);
      }
      segments.push(...trainVal(i, 0, cut, valFraction));
      if (cut < s.rows) segments.push({ series: i, start: cut, end: s.rows, role: 'test' });
    });
  }
  return { segments, normalization: fitNormalization(ds, segments.filter((g) => g.role === 'train')), strategy };
}

/** Per-channel mean and standard deviation over the given segments (NaN cells skipped; std 0 → 1). */
export function fitNormalization(ds: Dataset, segments: readonly Segment[]): Normalization {
  const c = ds.channels.length;
  const mean = new Float64Array(c);
  const std = new Float64Array(c);
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
    std[k] = variance > 1e-12 * Math.max(1, mean[k]! * mean[k]!) ? Math.sqrt(variance) : 1;
  }
  return { mean, std };
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
  for (let i = 0; i < len; i++) bad[i + 1] = bad[i]! + (s.channels.some((ch) => Number.isNaN(ch.values[segment.start + i]!)) ? 1 : 0);
  const starts: number[] = [];
  for (let t = 0; t + width <= len; t += stride) if (bad[t + width] === bad[t]) starts.push(segment.start + t);
  return Int32Array.from(starts);
}
