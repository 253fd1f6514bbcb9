/**
 * VUS-ROC and VUS-PR: the volume under the range-based ROC and PR surfaces (Paparrizos, Boniol,
 * Palpanas, Tsay, Elmore, Franklin, "Volume Under the Surface: A New Accuracy Evaluation Measure
 * for Time-Series Anomaly Detection", PVLDB 15(11), 2022), and R-AUC-ROC / R-AUC-PR, the range-based
 * AUCs at one buffer length that VUS averages.
 *
 * Range-based curve at buffer length ℓ (h = ⌊ℓ/2⌋): every labelled range [s, e] gains a buffer of h
 * rows either side, row s − d and e + d weighted √(1 − d/ℓ) (a row reached by two ranges, or inside
 * one, weighs 1). Over thresholds taken at evenly spaced ranks of the sorted scores (alarm = score ≥
 * threshold), with TP the weighted alarms, P the labelled rows and P' = (P + Σ weights)/2:
 *   TPR = min(TP/P', 1) · (buffered ranges with an alarm / buffered ranges)   (the existence reward)
 *   FPR = (alarms − TP) / (n − P'),   precision = TP / alarms.
 * R-AUC-ROC is the trapezoidal area under (0,0), (FPR, TPR) per threshold, (1,1); R-AUC-PR the
 * trapezoidal area under (0, 1), (TPR, precision) per threshold. VUS is the mean of R-AUC over the
 * buffers ℓ = 0, 1, …, maxBuffer.
 *
 * A port of the reference `metricor` (TheDatumOrg/VUS, vus/utils/metrics.py; also in TSB-UAD):
 * `RangeAUC_volume_opt` for VUS (`get_metrics(..., version='opt')`), `RangeAUC` for R-AUC, the
 * default of 250 thresholds included. tests/fixtures/vus/cases.json holds values from a NumPy
 * transcription of both (bench/reference/vus_reference.py). Where the two reference functions
 * differ, so do vusRoc/vusPr and rangeAuc: when two buffered ranges touch without overlapping,
 * RangeAUC counts them as one range for the existence reward, RangeAUC_volume_opt as two.
 * The first release's RangeAUC_volume (vus/basic_metrics.py) buffered one row fewer after a range's
 * end than before its start; the later TSB-AD revision changes P' and the PR integration. Neither
 * is what this computes.
 *
 * Reading the numbers: buffer rows count as positives whether or not they alarm, so a 0/1 score equal
 * to the labels reaches 1 only at ℓ ≤ 1 (its VUS is below 1), and random scores land above ½ for
 * VUS-ROC and above the prevalence for VUS-PR. Compare detectors with each other, not with 1.
 *
 * Cost: one sort, then per buffer length O(labelled rows + buffer rows + thresholds): each row's
 * first alarming threshold is found once, so a curve is a histogram and a running sum.
 */
import { rangesOf, type Range } from '../data/ranges';

/** The reference's number of sampled thresholds (`thre`). */
export const DEFAULT_THRESHOLDS = 250;
/** Cap on the default sliding window (the median labelled-anomaly length). */
export const MAX_DEFAULT_WINDOW = 100;

export interface VusOptions {
  /** Largest buffer length ℓ; VUS averages ℓ = 0..maxBuffer. Default {@link defaultMaxBuffer}. */
  readonly maxBuffer?: number;
  /** Thresholds sampled at evenly spaced ranks of the sorted scores, from the highest to the lowest (≥ 2). Default 250. */
  readonly thresholds?: number;
}

export interface RangeAucOptions {
  /** Thresholds sampled at evenly spaced ranks of the sorted scores. Default 250. */
  readonly thresholds?: number;
}

export interface VusResult {
  /** VUS-ROC: mean R-AUC-ROC over the buffer lengths. */
  readonly roc: number;
  /** VUS-PR: mean R-AUC-PR over the buffer lengths. */
  readonly pr: number;
  /** The largest buffer length used. */
  readonly maxBuffer: number;
  /** R-AUC-ROC at buffer length 0..maxBuffer (the surface's slices). */
  readonly rocByBuffer: readonly number[];
  /** R-AUC-PR at buffer length 0..maxBuffer. */
  readonly prByBuffer: readonly number[];
}

/**
 * The reference's default maximal buffer: twice the sliding window, the window being the median
 * labelled-anomaly length (rounded down, as `int(np.median(...))`) capped at {@link MAX_DEFAULT_WINDOW}.
 * So the buffer reaches up to one median anomaly length beyond either end of a range. 0 without anomalies.
 * (The reference's get_list_anomaly measures each range one row long and skips one that runs to the
 * last row; this takes the true lengths.)
 */
export function defaultMaxBuffer(labels: ArrayLike<number>): number {
  const lengths = rangesOf(labels)
    .map((r) => r.end - r.start)
    .sort((a, b) => a - b);
  if (lengths.length === 0) return 0;
  const mid = lengths.length >> 1;
  const median = lengths.length % 2 ? lengths[mid]! : (lengths[mid - 1]! + lengths[mid]!) / 2;
  return 2 * Math.min(MAX_DEFAULT_WINDOW, Math.floor(median));
}

/**
 * VUS-ROC and VUS-PR together (one sort for both), with the per-buffer R-AUCs.
 * Labels: non-zero is an anomaly. Throws on a NaN score (drop NaN rows first) or mismatched lengths;
 * NaN when no row is labelled anomalous (and ROC values are NaN when every row is).
 */
export function vus(scores: ArrayLike<number>, labels: ArrayLike<number>, options: VusOptions = {}): VusResult {
  const maxBuffer = options.maxBuffer ?? defaultMaxBuffer(labels);
  checkCount('maxBuffer', maxBuffer, 0);
  const prep = prepare(scores, labels, options.thresholds ?? DEFAULT_THRESHOLDS);
  if (!prep) return { roc: NaN, pr: NaN, maxBuffer, rocByBuffer: [], prByBuffer: [] };
  const rocByBuffer: number[] = [];
  const prByBuffer: number[] = [];
  for (let buffer = 0; buffer <= maxBuffer; buffer++) {
    const c = curve(prep, buffer, false);
    rocByBuffer.push(c.roc);
    prByBuffer.push(c.pr);
  }
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  return { roc: mean(rocByBuffer), pr: mean(prByBuffer), maxBuffer, rocByBuffer, prByBuffer };
}

/** VUS-ROC: R-AUC-ROC averaged over buffer lengths 0..maxBuffer. See {@link vus}. */
export function vusRoc(scores: ArrayLike<number>, labels: ArrayLike<number>, options: VusOptions = {}): number {
  return vus(scores, labels, options).roc;
}

/** VUS-PR: R-AUC-PR averaged over buffer lengths 0..maxBuffer. See {@link vus}. */
export function vusPr(scores: ArrayLike<number>, labels: ArrayLike<number>, options: VusOptions = {}): number {
  return vus(scores, labels, options).pr;
}

/**
 * R-AUC-ROC and R-AUC-PR at one buffer length (the reference's `RangeAUC(window = buffer)`; buffer 0
 * is point-wise ROC/PR with recall scaled by the share of ranges hit). Same errors and NaN as {@link vus}.
 */
export function rangeAuc(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  buffer: number,
  options: RangeAucOptions = {},
): { roc: number; pr: number } {
  checkCount('buffer', buffer, 0);
  const prep = prepare(scores, labels, options.thresholds ?? DEFAULT_THRESHOLDS);
  return prep ? curve(prep, buffer, true) : { roc: NaN, pr: NaN };
}

function checkCount(name: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min) throw new Error(`${name} must be an integer ≥ ${min}, got ${v}`);
}

interface Prepared {
  readonly n: number;
  readonly ranges: Range[];
  /** Labelled rows. */
  readonly positives: number;
  /** Index of the first threshold at which each row alarms. */
  readonly first: Int32Array;
  /** Alarms at each threshold. */
  readonly alarms: Float64Array;
  /** Scratch: buffered label weights (all zero between curves). */
  readonly weight: Float64Array;
  /** Scratch per threshold (all zero between curves). */
  readonly tpAt: Float64Array;
  readonly hitAt: Float64Array;
}

function prepare(scores: ArrayLike<number>, labels: ArrayLike<number>, thresholds: number): Prepared | null {
  if (scores.length !== labels.length) throw new Error(`${scores.length} scores for ${labels.length} labels`);
  checkCount('thresholds', thresholds, 2);
  const n = scores.length;
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(scores[i])) throw new Error(`VUS: score ${i} is NaN (drop NaN rows before evaluating)`);
  }
  const ranges = rangesOf(labels);
  if (ranges.length === 0) return null;
  const positives = ranges.reduce((a, r) => a + r.end - r.start, 0);

  // Thresholds: the scores at ranks ⌊k(n−1)/(T−1)⌋ of the descending sort (np.linspace(...).astype(int)).
  const asc = Float64Array.from(scores).sort();
  const T = thresholds;
  const step = (n - 1) / (T - 1);
  const thr = new Float64Array(T);
  for (let k = 0; k < T; k++) {
    const rank = k === T - 1 ? n - 1 : Math.floor(k * step);
    thr[k] = asc[n - 1 - rank]!;
  }
  // thr is non-increasing, and thr[T−1] is the minimum: every row alarms by the last threshold.
  const first = new Int32Array(n);
  const alarms = new Float64Array(T);
  for (let i = 0; i < n; i++) {
    const s = scores[i]!;
    let lo = 0;
    let hi = T - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (s >= thr[mid]!) hi = mid;
      else lo = mid + 1;
    }
    first[i] = lo;
    alarms[lo]!++;
  }
  for (let k = 1; k < T; k++) alarms[k]! += alarms[k - 1]!;
  return {
    n,
    ranges,
    positives,
    first,
    alarms,
    weight: new Float64Array(n),
    tpAt: new Float64Array(T),
    hitAt: new Float64Array(T),
  };
}

/**
 * One range-based ROC/PR pair. `mergeTouching`: buffered ranges that touch form one existence
 * segment (RangeAUC, runs of non-zero buffered labels) rather than two (RangeAUC_volume_opt's new_sequence).
 */
function curve(p: Prepared, buffer: number, mergeTouching: boolean): { roc: number; pr: number } {
  const { n, ranges, first, alarms, weight, tpAt, hitAt } = p;
  const T = alarms.length;
  const h = Math.floor(buffer / 2);
  for (const r of ranges) {
    for (let i = r.start; i < r.end; i++) weight[i] = 1;
    for (let d = 1; d <= h; d++) {
      const w = Math.sqrt(1 - d / buffer);
      if (r.end - 1 + d < n) weight[r.end - 1 + d]! += w;
      if (r.start - d >= 0) weight[r.start - d]! += w;
    }
  }
  // Existence segments: buffered ranges, merged where they overlap (or touch, with mergeTouching).
  // Each row of a segment has a positive weight; the buffers lie inside the segments.
  let segments = 0;
  let labelled = 0;
  const gap = mergeTouching ? 1 : 0;
  let a = Math.max(ranges[0]!.start - h, 0);
  for (let j = 0; j < ranges.length; j++) {
    const last = j === ranges.length - 1;
    const end = ranges[j]!.end - 1 + h;
    if (!last && end + gap >= ranges[j + 1]!.start - h) continue;
    const b = last ? Math.min(end, n - 1) : end;
    let firstHit = T - 1;
    for (let i = a; i <= b; i++) {
      const w = Math.min(1, weight[i]!);
      weight[i] = 0;
      tpAt[first[i]!]! += w;
      labelled += w;
      if (first[i]! < firstHit) firstHit = first[i]!;
    }
    hitAt[firstHit]!++;
    segments++;
    if (!last) a = ranges[j + 1]!.start - h;
  }

  const pNew = (p.positives + labelled) / 2;
  const nNew = n - pNew;
  let tp = 0;
  let hit = 0;
  let fpr0 = 0;
  let tpr0 = 0;
  let prec0 = 1;
  let roc = 0;
  let pr = 0;
  for (let k = 0; k < T; k++) {
    tp += tpAt[k]!;
    hit += hitAt[k]!;
    tpAt[k] = 0;
    hitAt[k] = 0;
    const tpr = Math.min(tp / pNew, 1) * (hit / segments);
    const fpr = (alarms[k]! - tp) / nNew;
    const precision = tp / alarms[k]!;
    roc += ((fpr - fpr0) * (tpr + tpr0)) / 2;
    pr += ((tpr - tpr0) * (precision + prec0)) / 2;
    fpr0 = fpr;
    tpr0 = tpr;
    prec0 = precision;
  }
  roc += ((1 - fpr0) * (1 + tpr0)) / 2;
  return { roc, pr };
}
