/**
 * Anomaly-detection metrics over per-timestep scores and 0/1 labels.
 * Threshold-free: AUC-ROC (ties averaged), AUC-PR (average precision).
 * At a threshold (score ≥ threshold is an alarm): point-wise precision/recall/F1, range-based
 * precision/recall/F1 (Tatbul et al. 2018, flat positional bias, existence weight α, overlap
 * cardinality 1/x), event-wise F1, false-alarm rate, missed-alarm rate, mean detection delay,
 * and point-adjusted F1 (inflated by construction: report it only beside a random baseline).
 */

import { rangesOf, type Range } from '../data/ranges';

function check(scores: ArrayLike<number>, labels: ArrayLike<number>): void {
  if (scores.length !== labels.length) throw new Error(`${scores.length} scores for ${labels.length} labels`);
}

/** Area under the ROC curve (the probability a random anomaly outscores a random normal point; ties count ½). */
export function aucRoc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  check(scores, labels);
  const idx = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let pos = 0;
  let rankSum = 0;
  let i = 0;
  while (i < idx.length) {
    let j = i;
    while (j + 1 < idx.length && scores[idx[j + 1]!] === scores[idx[i]!]) j++;
    const avgRank = (i + j + 2) / 2;
    for (let k = i; k <= j; k++)
      if (labels[idx[k]!]) {
        pos++;
        rankSum += avgRank;
      }
    i = j + 1;
  }
  const neg = scores.length - pos;
  if (pos === 0 || neg === 0) return NaN;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Average precision: Σ over distinct thresholds (high to low) of (R_n − R_{n−1}) · P_n. */
export function aucPr(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  check(scores, labels);
  const idx = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  let pos = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i]) pos++;
  if (pos === 0) return NaN;
  let tp = 0;
  let fp = 0;
  let ap = 0;
  let prevRecall = 0;
  let i = 0;
  while (i < idx.length) {
    let j = i;
    while (j < idx.length && scores[idx[j]!] === scores[idx[i]!]) {
      if (labels[idx[j]!]) tp++;
      else fp++;
      j++;
    }
    const recall = tp / pos;
    ap += (recall - prevRecall) * (tp / (tp + fp));
    prevRecall = recall;
    i = j;
  }
  return ap;
}

export interface ThresholdMetrics {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly rangePrecision: number;
  readonly rangeRecall: number;
  readonly rangeF1: number;
  readonly eventPrecision: number;
  readonly eventRecall: number;
  readonly eventF1: number;
  /** False alarms over normal points. */
  readonly falseAlarmRate: number;
  /** Anomaly events without any alarm, over all events. */
  readonly missedAlarmRate: number;
  /** Mean rows from an event's start to its first alarm, over detected events (NaN if none). */
  readonly meanDetectionDelay: number;
  /** Point-adjusted F1: a whole event counts as found when any of its points alarms. Inflated. */
  readonly pointAdjustedF1: number;
}

function f1(p: number, r: number): number {
  return p + r === 0 ? 0 : (2 * p * r) / (p + r);
}

function overlap(a: Range, b: Range): number {
  return Math.max(0, Math.min(a.end, b.end) - Math.max(a.start, b.start));
}

/**
 * Range-based recall of `real` ranges against `predicted` ones (Tatbul et al.): per real range,
 * α · existence + (1 − α) · overlap share / (number of predicted ranges it meets); averaged.
 * Range-based precision is the same with the roles swapped and α = 0.
 */
export function rangeRecall(real: readonly Range[], predicted: readonly Range[], alpha = 0): number {
  if (real.length === 0) return NaN;
  let sum = 0;
  for (const r of real) {
    const hits = predicted.filter((p) => overlap(r, p) > 0);
    const existence = hits.length > 0 ? 1 : 0;
    const covered = hits.reduce((a, p) => a + overlap(r, p), 0) / (r.end - r.start);
    const cardinality = hits.length > 1 ? 1 / hits.length : 1;
    sum += alpha * existence + (1 - alpha) * covered * cardinality;
  }
  return sum / real.length;
}

/** Every threshold metric for alarms = scores ≥ threshold. */
export function thresholdMetrics(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  threshold: number,
): ThresholdMetrics {
  check(scores, labels);
  const n = scores.length;
  const alarms = Uint8Array.from({ length: n }, (_, i) => (scores[i]! >= threshold ? 1 : 0));
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < n; i++) {
    if (alarms[i] && labels[i]) tp++;
    else if (alarms[i]) fp++;
    else if (labels[i]) fn++;
  }
  const negatives = n - tp - fn;
  const precision = tp + fp ? tp / (tp + fp) : 0;
  const recall = tp + fn ? tp / (tp + fn) : NaN;
  const real = rangesOf(labels);
  const pred = rangesOf(alarms);
  const rp = pred.length ? rangeRecall(pred, real, 0) : 0;
  const rr = rangeRecall(real, pred, 0);
  const detected = real.filter((r) => pred.some((p) => overlap(r, p) > 0));
  const eventRecall = real.length ? detected.length / real.length : NaN;
  const eventPrecision = pred.length ? pred.filter((p) => real.some((r) => overlap(r, p) > 0)).length / pred.length : 0;
  const delays = detected.map((r) => {
    let i = r.start;
    while (!alarms[i]) i++;
    return i - r.start;
  });
  // Point adjustment: every point of a detected event becomes a true positive.
  let adjTp = tp;
  for (const r of detected) for (let i = r.start; i < r.end; i++) if (!alarms[i]) adjTp++;
  const adjPrecision = adjTp + fp ? adjTp / (adjTp + fp) : 0;
  const adjRecall = tp + fn ? adjTp / (tp + fn) : NaN;
  return {
    precision,
    recall,
    f1: f1(precision, recall),
    rangePrecision: rp,
    rangeRecall: rr,
    rangeF1: f1(rp, rr),
    eventPrecision,
    eventRecall,
    eventF1: f1(eventPrecision, eventRecall),
    falseAlarmRate: negatives ? fp / negatives : NaN,
    missedAlarmRate: real.length ? 1 - eventRecall : NaN,
    meanDetectionDelay: delays.length ? delays.reduce((a, b) => a + b, 0) / delays.length : NaN,
    pointAdjustedF1: f1(adjPrecision, adjRecall),
  };
}

/** The threshold from normal (training/validation) scores only: a quantile (default 0.99). */
export function quantileThreshold(normalScores: ArrayLike<number>, q = 0.99): number {
  const s = Float64Array.from(normalScores)
    .filter((x) => !Number.isNaN(x))
    .sort();
  if (s.length === 0) throw new Error('no normal scores to fit a threshold on');
  const pos = q * (s.length - 1);
  const lo = Math.floor(pos);
  return s[lo]! + (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!) * (pos - lo);
}

/**
 * The point-wise precision-recall curve for charts: thresholds from high to low, a point where
 * recall rose by at least 1/maxPoints since the last one, and the point at the lowest score.
 */
export function prCurve(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  maxPoints = 60,
): { recall: number[]; precision: number[] } {
  check(scores, labels);
  const idx = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  let positives = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i]) positives++;
  const recall: number[] = [];
  const precision: number[] = [];
  if (positives === 0) return { recall, precision };
  let tp = 0;
  let i = 0;
  let lastKept = -Infinity;
  while (i < idx.length) {
    let j = i;
    while (j < idx.length && scores[idx[j]!] === scores[idx[i]!]) {
      if (labels[idx[j]!]) tp++;
      j++;
    }
    const r = tp / positives;
    // Keep a point when recall moved by 1/maxPoints since the last one, and always the last one.
    if (r - lastKept >= 1 / maxPoints || j === idx.length) {
      recall.push(r);
      precision.push(tp / j);
      lastKept = r;
    }
    i = j;
  }
  return { recall, precision };
}
