/**
 * Turning per-timestep scores into alarms: optional smoothing, and a threshold fitted on normal
 * (training/validation) scores only, never on test data: a quantile of those scores (default),
 * or the level that gives a target false-alarm rate on them.
 */
import { quantileThreshold } from './metrics';

/** Trailing moving average over `window` rows (causal: an alarm never uses the future). */
export function smoothScores(scores: ArrayLike<number>, window: number): Float64Array {
  if (!Number.isInteger(window) || window < 1)
    throw new Error(`the smoothing window must be a positive integer, got ${window}`);
  const out = new Float64Array(scores.length);
  let sum = 0;
  let n = 0;
  for (let i = 0; i < scores.length; i++) {
    const x = scores[i]!;
    if (!Number.isNaN(x)) {
      sum += x;
      n++;
    }
    if (i >= window) {
      const old = scores[i - window]!;
      if (!Number.isNaN(old)) {
        sum -= old;
        n--;
      }
    }
    out[i] = n ? sum / n : NaN;
  }
  return out;
}

export type ThresholdRule =
  { readonly kind: 'quantile'; readonly q: number } | { readonly kind: 'false-alarm-rate'; readonly rate: number };

export const DEFAULT_THRESHOLD: ThresholdRule = { kind: 'quantile', q: 0.99 };

/** The alarm threshold from scores of normal rows only. */
export function fitThreshold(normalScores: ArrayLike<number>, rule: ThresholdRule = DEFAULT_THRESHOLD): number {
  if (rule.kind === 'quantile') {
    if (!(rule.q > 0 && rule.q < 1)) throw new Error(`the quantile must be in (0, 1), got ${rule.q}`);
    return quantileThreshold(normalScores, rule.q);
  }
  if (!(rule.rate > 0 && rule.rate < 1)) throw new Error(`the false-alarm rate must be in (0, 1), got ${rule.rate}`);
  // The smallest threshold at which at most `rate` of the normal rows alarm (score ≥ threshold).
  const s = Float64Array.from(normalScores)
    .filter((x) => !Number.isNaN(x))
    .sort();
  if (s.length === 0) throw new Error('no normal scores to fit a threshold on');
  const allowed = Math.floor(rule.rate * s.length);
  const k = s.length - allowed;
  return k >= s.length
    ? s[s.length - 1]! + Number.EPSILON * Math.max(1, Math.abs(s[s.length - 1]!))
    : s[k]! > s[k - 1]!
      ? s[k]!
      : nextAbove(s, k);
}

/** With ties at the cut, the next distinct value above them (so ties do not all alarm). */
function nextAbove(sorted: Float64Array, k: number): number {
  const tie = sorted[k]!;
  let j = k;
  while (j < sorted.length && sorted[j] === tie) j++;
  return j < sorted.length ? sorted[j]! : tie + Number.EPSILON * Math.max(1, Math.abs(tie));
}
