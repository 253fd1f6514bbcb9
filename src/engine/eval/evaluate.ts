/**
 * Anomaly detection on the run's own split, for the trained model and for the baselines alike:
 * per-row scores, a threshold fitted on normal validation rows only (training rows when the
 * data have no validation part), every metric on the test rows.
 */
import { THRESHOLD_ROWS } from '../data/fitness';
import type { RunData } from '../data/prepared';
import type { PatchTransformerConfig } from '../models/patch-transformer';
import { isolationForestScores, pcaScores, randomScores, rollingZScores, type Matrix } from './baselines';
import { aucPr, aucRoc, prCurve, quantileThreshold, thresholdMetrics, type ThresholdMetrics } from './metrics';
import { DEFAULT_THRESHOLD, fitThreshold, smoothScores, type ThresholdRule } from './scores';
import { residualRows } from './score-series';
import type { ScoreCalibration } from '../inference/scoring';
import type { ModelSessions } from './sessions';
import type { ScoreCombine, ThresholdScope } from '../../shared/plan';
import { vus } from './vus';
import { perSeriesEvaluation, type PerSeriesEvaluation } from './per-series';
import type { ScoreTimeline } from '../../shared/timeline';

export type { ScoreTimeline };

export interface Evaluation {
  /** The alarm level, in the units of the alarm scores (1 with per-series thresholds: each score over its series' threshold). */
  readonly threshold: number;
  readonly thresholdRule: ThresholdRule;
  /** Per-series: each row alarms at its own series' threshold; pooled: one threshold for all rows. */
  readonly thresholdScope?: ThresholdScope;
  /** The fitted thresholds in raw score units: pooled, and per series (null: too few normal rows, pooled used). */
  readonly thresholds?: { readonly pooled: number; readonly series?: readonly (number | null)[] };
  /** Rows the threshold was fitted on (normal rows of the validation part, else of training). */
  readonly thresholdRows: number;
  readonly testRows: number;
  /** Share of labelled-anomalous rows in the test part. */
  readonly prevalence?: number;
  /** Volume under the range-based PR surface (Paparrizos et al. 2022): the headline metric. */
  readonly vusPr: number;
  readonly vusRoc: number;
  readonly aucRoc: number;
  readonly aucPr: number;
  readonly atThreshold: ThresholdMetrics;
  /**
   * The alarm level that 1% of the test part's normal rows exceed (on the threshold's scale): where
   * it lies far above `threshold`, the threshold fitted on normal validation rows does not transfer
   * to the test part (drift), and this is the one that would have alarmed on 1% of its normal rows.
   * A diagnostic read after the fact, never used to alarm. Absent in reports of older versions.
   */
  readonly testLevelFor1Pct?: number;
  /** The point-wise precision-recall curve on the test rows, at most ~60 points (for charts). */
  readonly prCurve: { readonly recall: number[]; readonly precision: number[] };
  /** How the model's residuals became these scores (absent for the classical detectors). */
  readonly calibration?: ScoreCalibration;
  /**
   * The per-run protocol: every metric on each series' own test rows and their macro mean (data of
   * several series only; absent in reports of older versions). The fields above are the pooled ones.
   */
  readonly perSeries?: PerSeriesEvaluation;
  /** A classical detector fitted per series: how many series were fitted on their own training rows (the others took the pooled fit). */
  readonly ownFits?: { readonly series: number; readonly own: number };
}

/** How scores and alarms are made: recorded in config.json. */
export interface ScoringConfig {
  readonly combine: ScoreCombine;
  readonly threshold: ThresholdScope;
  readonly rule: ThresholdRule;
  /** Every detector's per-row scores are averaged causally over this many rows (within a segment; 1: not at all). */
  readonly smooth?: number;
}

export const DEFAULT_SCORING: ScoringConfig = {
  combine: 'mean',
  threshold: 'pooled',
  rule: DEFAULT_THRESHOLD,
  smooth: 1,
};

/** A series needs this many normal rows of its own to get its own threshold (else the pooled one). */
export const MIN_THRESHOLD_ROWS = THRESHOLD_ROWS;

/** The trivial detectors on a test part: what alarming on every row, or on none, scores. */
export interface TrivialDetectors {
  readonly prevalence: number;
  readonly alwaysAlarm: ThresholdMetrics;
  readonly neverAlarm: ThresholdMetrics;
}

/** The classical detectors; the `-per-series` ones are fitted on each series' own training rows (data of several series). */
export const BASELINES = [
  'random',
  'rolling-z',
  'pca',
  'isolation-forest',
  'pca-per-series',
  'isolation-forest-per-series',
] as const;
export type BaselineName = (typeof BASELINES)[number];

type Segment = NonNullable<RunData['segments']>[number];

function segmentsOf(data: RunData, role: Segment['role']): Segment[] {
  return (data.segments ?? []).filter((g) => g.role === role);
}

/** Whether the run can be evaluated: labelled data with a test part. */
export function canEvaluate(data: RunData): boolean {
  return !!data.labels && segmentsOf(data, 'test').length > 0;
}

/** The roles whose rows need scores: the test part and the part the threshold is fitted on. */
function scoredRoles(data: RunData): Segment['role'][] {
  return ['test', segmentsOf(data, 'val').length ? 'val' : 'train'];
}

/** Rows of the segments of one role (all series, or one), with their scores and labels, unscored rows skipped. */
function collect(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  segments: readonly Segment[],
): { rows: number[]; scores: number[]; labels: number[] } {
  const out = { rows: [] as number[], scores: [] as number[], labels: [] as number[] };
  for (const g of segments) {
    for (let r = g.start; r < g.end; r++) {
      if (Number.isNaN(scores[r]!)) continue;
      out.rows.push(r);
      out.scores.push(scores[r]!);
      out.labels.push(labels[r]!);
    }
  }
  return out;
}

/**
 * The segments thresholds and calibrations are fitted on: validation, else training (no
 * validation part, or none of its rows scored: a validation part shorter than a window).
 */
function fitSegments(data: RunData, scored: (row: number) => boolean): Segment[] {
  const val = segmentsOf(data, 'val');
  const any = val.some((g) => {
    for (let r = g.start; r < g.end; r++) if (scored(r)) return true;
    return false;
  });
  return any ? val : segmentsOf(data, 'train');
}

/**
 * Every metric from per-row scores over the run's matrix (NaN = not scored: the first patch of a
 * segment, rows a window cannot reach). Null when no normal row or no test row was scored.
 * With per-series thresholds a row alarms when it reaches the threshold fitted on its own series'
 * normal rows (at least MIN_THRESHOLD_ROWS of them; else the pooled one): the threshold metrics
 * see the scores divided by their series' threshold (alarm level 1); the threshold-free metrics
 * rank the scores as they are.
 */
export function evaluateRowScores(
  raw: ArrayLike<number>,
  data: RunData,
  scoring: Pick<ScoringConfig, 'threshold' | 'rule' | 'smooth'> = DEFAULT_SCORING,
): Evaluation | null {
  const labels = data.labels;
  if (!labels) return null;
  const scores = smoothedScores(raw, data, scoring.smooth ?? 1);
  const rule = scoring.rule;
  const fitOn = fitSegments(data, (r) => !Number.isNaN(scores[r]!));
  const normal = collect(scores, labels, fitOn);
  const normalScores = normal.scores.filter((_, i) => !normal.labels[i]);
  const test = collect(scores, labels, segmentsOf(data, 'test'));
  if (normalScores.length === 0 || test.scores.length === 0) return null;
  const pooled = fitThreshold(normalScores, rule);
  let threshold = pooled;
  // Alarms compare each row with its series' threshold: on the threshold's scale, one level for all.
  let alarmScores = test.scores;
  let perSeries: (number | null)[] | undefined;
  if (scoring.threshold === 'per-series') {
    const series = data.series ?? [{ name: '', start: 0, end: labels.length }];
    perSeries = series.map((_, i) => {
      const own = collect(
        scores,
        labels,
        fitOn.filter((g) => (g.series ?? 0) === i),
      );
      const ownNormal = own.scores.filter((_, k) => !own.labels[k]);
      if (ownNormal.length < MIN_THRESHOLD_ROWS) return null;
      const t = fitThreshold(ownNormal, rule);
      return t > 0 ? t : null;
    });
    if (pooled > 0) {
      const scale = thresholdLevels(data, pooled, perSeries);
      alarmScores = test.scores.map((v, k) => v / scale(test.rows[k]!));
      threshold = 1;
    } else perSeries = undefined;
  }
  const volume = vus(test.scores, test.labels);
  const normalTest = alarmScores.filter((v, k) => !test.labels[k] && !Number.isNaN(v));
  const several = (data.series?.length ?? 1) > 1;
  return {
    threshold,
    thresholdRule: rule,
    thresholdScope: perSeries ? 'per-series' : 'pooled',
    thresholds: { pooled, ...(perSeries ? { series: perSeries } : {}) },
    thresholdRows: normalScores.length,
    testRows: test.scores.length,
    prevalence: test.labels.reduce((a, b) => a + b, 0) / test.labels.length,
    vusPr: volume.pr,
    vusRoc: volume.roc,
    aucRoc: aucRoc(test.scores, test.labels),
    aucPr: aucPr(test.scores, test.labels),
    atThreshold: thresholdMetrics(alarmScores, test.labels, threshold),
    ...(normalTest.length ? { testLevelFor1Pct: quantileThreshold(normalTest, 0.99) } : {}),
    prCurve: prCurve(test.scores, test.labels, 60),
    ...(several ? { perSeries: perSeriesEvaluation(test, alarmScores, threshold, data.series!) } : {}),
  };
}

/** Scores averaged causally over `window` rows inside each segment (a window never crosses a split or a series). */
export function smoothedScores(scores: ArrayLike<number>, data: RunData, window: number): ArrayLike<number> {
  if (window <= 1) return scores;
  const out = new Float64Array(scores.length).fill(NaN);
  const all = Float64Array.from(scores);
  for (const g of data.segments ?? [{ start: 0, end: scores.length }])
    out.set(smoothScores(all.subarray(g.start, g.end), window), g.start);
  return out;
}

/** The threshold of the series a matrix row belongs to (the pooled one where a series has none of its own). */
function thresholdLevels(
  data: RunData,
  pooled: number,
  perSeries: readonly (number | null)[],
): (row: number) => number {
  const series = data.series ?? [{ name: '', start: 0, end: Infinity }];
  return (row) => perSeries[series.findIndex((x) => row >= x.start && row < x.end)] ?? pooled;
}

/** Per-row scores in the units the evaluation's threshold is in (divided by their series' threshold when per series). */
export function scoresOnThresholdScale(scores: ArrayLike<number>, data: RunData, ev: Evaluation): Float64Array {
  const out = Float64Array.from(scores);
  const per = ev.thresholds?.series;
  if (ev.thresholdScope !== 'per-series' || !per) return out;
  const level = thresholdLevels(data, ev.thresholds!.pooled, per);
  for (let r = 0; r < out.length; r++) out[r] = out[r]! / level(r);
  return out;
}

/** Alarming on every test row, and on none: the levels a threshold metric must beat on this test part. */
export function trivialDetectors(data: RunData): TrivialDetectors | null {
  if (!canEvaluate(data)) return null;
  const test = collect(new Float64Array(data.labels!.length), data.labels!, segmentsOf(data, 'test'));
  const ones = test.labels.map(() => 1);
  return {
    prevalence: test.labels.reduce((a, b) => a + b, 0) / test.labels.length,
    alwaysAlarm: thresholdMetrics(ones, test.labels, 1),
    neverAlarm: thresholdMetrics(ones, test.labels, 2),
  };
}

const median = (xs: Float64Array): number => {
  const s = xs.sort();
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
};

/**
 * The robust per-channel standardisation of the model's residuals [rows, channels]: the median
 * and 1.4826 × MAD of each channel's residual over the normal rows thresholds are fitted on
 * (validation, else training), so that a channel the model predicts poorly everywhere cannot
 * drown the others. Scales are floored at 1e-3 (normalised units).
 */
export function fitResidualCalibration(
  residuals: Float32Array,
  channels: number,
  data: RunData,
  combine: ScoreCombine,
): ScoreCalibration {
  const rows: number[] = [];
  for (const g of fitSegments(data, (r) => !Number.isNaN(residuals[r * channels]!))) {
    for (let r = g.start; r < g.end; r++) {
      if (data.labels?.[r] || Number.isNaN(residuals[r * channels]!)) continue;
      rows.push(r);
    }
  }
  const center: number[] = [];
  const scale: number[] = [];
  for (let k = 0; k < channels; k++) {
    const v = Float64Array.from(rows, (r) => residuals[r * channels + k]!);
    const m = v.length ? median(v.slice()) : 0;
    const mad = v.length ? median(v.map((x) => Math.abs(x - m))) : 1;
    center.push(m);
    scale.push(Math.max(1.4826 * mad, 1e-3));
  }
  return { center, scale, combine };
}

/** Per-row scores from residuals: ((residual − center) / scale)² per channel, then their mean or max. */
export function combineResiduals(residuals: Float32Array, channels: number, cal: ScoreCalibration): Float64Array {
  const rows = residuals.length / channels;
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let acc = 0;
    for (let k = 0; k < channels; k++) {
      const z = ((residuals[r * channels + k]! - cal.center[k]!) / cal.scale[k]!) ** 2;
      acc = cal.combine === 'max' ? Math.max(acc, z) : acc + z;
    }
    out[r] = cal.combine === 'max' ? acc : acc / channels;
  }
  return out;
}

/** The model's residuals as calibrated per-row scores, with the calibration fitted on this run's normal rows. */
export function modelScores(
  residuals: Float32Array,
  channels: number,
  data: RunData,
  combine: ScoreCombine,
): { scores: Float64Array; calibration: ScoreCalibration } {
  const calibration = fitResidualCalibration(residuals, channels, data, combine);
  return { scores: combineResiduals(residuals, channels, calibration), calibration };
}

/** Rows of context every scored row is predicted from (at least): half a window, whole patches. */
export function scoringContext(cfg: Pick<PatchTransformerConfig, 'seqLen' | 'patchLen'>): number {
  return Math.max(1, Math.floor(cfg.seqLen / 2)) * cfg.patchLen;
}

/**
 * The model's signed next-patch residuals [rows, channels] (normalised units) on the rows
 * evaluation needs: the test part and the part the threshold is fitted on (NaN elsewhere), with
 * the sessions' current weights.
 */
export async function residualsWith(sessions: ModelSessions, data: RunData): Promise<Float32Array> {
  const cfg = sessions.cfg;
  const c = cfg.channels;
  const rows = data.matrix.length / c;
  const out = new Float32Array(rows * c).fill(NaN);
  // The run's matrix is already normalised: the scoring graph's normalisation is the identity.
  const model = await sessions.scoring();
  const w = cfg.seqLen * cfg.patchLen;
  const context = scoringContext(cfg);
  const series = data.series ?? [{ name: '', start: 0, end: rows }];
  // Each series from `context` rows before the first row needed to its last: windows may take
  // their context from the part before (a test part's first rows are scored from the rows
  // before them, as they would be in operation); only the rows of `roles` are read.
  const score = async (roles: readonly Segment['role'][]) => {
    for (const s of series) {
      const segs = (data.segments ?? []).filter((g) => roles.includes(g.role) && g.start >= s.start && g.end <= s.end);
      if (segs.length === 0) continue;
      const from = Math.max(s.start, Math.min(...segs.map((g) => g.start)) - context);
      const to = Math.max(...segs.map((g) => g.end));
      const r = await residualRows(model, (row, k) => data.matrix[(from + row) * c + k]!, to - from, c, w, context);
      out.set(r, from * c);
    }
  };
  await score(['val', 'test']);
  // Thresholds are fitted on validation rows, or on training rows where no validation row can be scored.
  const valScored = segmentsOf(data, 'val').some((g) => {
    for (let r = g.start; r < g.end; r++) if (!Number.isNaN(out[r * c]!)) return true;
    return false;
  });
  if (!valScored) await score(['train']);
  return out;
}

/** Per-row scores and their evaluation with a model's sessions and current weights (nulls when the data cannot be evaluated). */
export async function detectWith(
  sessions: ModelSessions,
  data: RunData,
  scoring: ScoringConfig = DEFAULT_SCORING,
): Promise<{ scores: Float64Array | null; evaluation: Evaluation | null }> {
  if (!canEvaluate(data)) return { scores: null, evaluation: null };
  const { scores, calibration } = modelScores(
    await residualsWith(sessions, data),
    sessions.cfg.channels,
    data,
    scoring.combine,
  );
  const ev = evaluateRowScores(scores, data, scoring);
  return { scores, evaluation: ev && { ...ev, calibration } };
}

/**
 * The test part's scores and labels for a chart: the maximum score of each bucket of rows, at most
 * ~`maxPoints`, with a gap between test parts; with `times` (epoch ms per matrix row) the time of
 * each bucket too.
 */
export function scoreTimeline(
  scores: ArrayLike<number>,
  data: RunData,
  threshold: number | null,
  { maxPoints = 1500, times = null }: { maxPoints?: number; times?: ArrayLike<number> | null } = {},
): ScoreTimeline {
  const test = segmentsOf(data, 'test');
  const total = test.reduce((a, g) => a + g.end - g.start, 0);
  const bucket = Math.max(1, Math.ceil(total / maxPoints));
  const time: number[] = [];
  const out: ScoreTimeline = { row: [], ...(times ? { time } : {}), score: [], label: [], threshold };
  for (const g of test) {
    for (let r = g.start; r < g.end; r += bucket) {
      if (times) time.push(times[r]!);
      let best = NaN;
      let lab = 0;
      for (let i = r; i < Math.min(g.end, r + bucket); i++) {
        const v = scores[i]!;
        if (!Number.isNaN(v) && (Number.isNaN(best) || v > best)) best = v;
        if (data.labels?.[i]) lab = 1;
      }
      out.row.push(r);
      out.score.push(Number.isNaN(best) ? NaN : Number(best.toPrecision(5)));
      out.label.push(lab);
    }
    // A gap (no score) where a test part ends, so a chart does not join one series to the next.
    if (g !== test.at(-1)) {
      out.row.push(g.end);
      if (times) time.push(times[g.end - 1]!);
      out.score.push(NaN);
      out.label.push(0);
    }
  }
  return out;
}

/** The median spacing of the test rows' times (epoch ms per matrix row), in seconds; null without a spacing to measure. */
export function testSamplingSeconds(data: RunData, times: ArrayLike<number>): number | null {
  const gaps: number[] = [];
  for (const g of segmentsOf(data, 'test'))
    for (let r = g.start + 1; r < g.end; r++) gaps.push(times[r]! - times[r - 1]!);
  const ok = gaps.filter((x) => Number.isFinite(x) && x > 0).sort((a, b) => a - b);
  return ok.length ? ok[Math.floor(ok.length / 2)]! / 1000 : null;
}

/** Rows of a segment list as one matrix view (copied when there are several segments). */
function rowsOf(data: RunData, channels: number, segments: readonly Segment[]): Matrix {
  const rows = segments.reduce((a, g) => a + g.end - g.start, 0);
  const out = new Float32Array(rows * channels);
  let at = 0;
  for (const g of segments) {
    out.set(data.matrix.subarray(g.start * channels, g.end * channels), at);
    at += (g.end - g.start) * channels;
  }
  return { data: out, rows, channels };
}

/** The normal (unlabelled) training rows of some segments: what a classical detector is fitted on. */
function normalRows(data: RunData, channels: number, segments: readonly Segment[]): Matrix {
  const keep = segments.flatMap((g) =>
    Array.from({ length: g.end - g.start }, (_, i) => g.start + i).filter((r) => !data.labels?.[r]),
  );
  const out = new Float32Array(keep.length * channels);
  keep.forEach((r, j) => out.set(data.matrix.subarray(r * channels, (r + 1) * channels), j * channels));
  return { data: out, rows: keep.length, channels };
}

/**
 * The baselines' per-row scores on the same split: random, per-channel rolling z-score (within
 * each segment), PCA reconstruction error and Isolation Forest (both fitted on the normal
 * training rows only). `seed` seeds the random ones, so baselines vary with the run's seed.
 * With several series, PCA and Isolation Forest are also fitted per series on each series' own
 * normal training rows, as test-rig leaderboards score them (`pca-per-series`,
 * `isolation-forest-per-series`; `ownFits` counts the series with at least MIN_THRESHOLD_ROWS
 * such rows: the others keep the pooled fit's scores). Absent when no series has enough.
 */
export function baselineRowScores(
  data: RunData,
  channels: number,
  seed: number,
): Partial<Record<BaselineName, Float64Array>> & { ownFits?: { series: number; own: number } } {
  const rows = data.matrix.length / channels;
  const trainSegs = segmentsOf(data, 'train');
  // Training rows with a labelled anomaly do not belong in a model of normal behaviour.
  const train = normalRows(data, channels, trainSegs);
  // Only the rows evaluation reads are scored (not the training part when there is a validation part).
  const scored = scoredRoles(data).flatMap((role) => segmentsOf(data, role));
  const needed = rowsOf(data, channels, scored);
  const scatter = (
    compact: Float64Array,
    into: Float64Array = new Float64Array(rows).fill(NaN),
    segs: readonly Segment[] = scored,
  ) => {
    let at = 0;
    for (const g of segs) {
      into.set(compact.subarray(at, at + g.end - g.start), g.start);
      at += g.end - g.start;
    }
    return into;
  };
  const z = new Float64Array(rows).fill(NaN);
  for (const role of scoredRoles(data)) {
    for (const g of segmentsOf(data, role)) {
      z.set(
        rollingZScores({
          data: data.matrix.subarray(g.start * channels, g.end * channels),
          rows: g.end - g.start,
          channels,
        }),
        g.start,
      );
    }
  }
  // PCA reconstruction models relations between channels: with one channel there are none
  // (its residual would be rounding noise), so it is left out.
  const pca = (fit: Matrix, on: Matrix) => pcaScores(fit, on, undefined, seed);
  const forest = (fit: Matrix, on: Matrix) => isolationForestScores(fit, on, { seed });
  const pooled = {
    ...(channels > 1 ? { pca: scatter(pca(train, needed)) } : {}),
    'isolation-forest': scatter(forest(train, needed)),
  };
  return {
    random: scatter(randomScores(needed.rows, seed)),
    'rolling-z': z,
    ...pooled,
    ...perSeriesFits(data, channels, scored, pooled, { pca: channels > 1 ? pca : null, forest }, scatter),
  };
}

type Fit = (fit: Matrix, on: Matrix) => Float64Array;

/** PCA and Isolation Forest fitted on each series' own normal training rows (the pooled fit's scores where a series has too few). */
function perSeriesFits(
  data: RunData,
  channels: number,
  scored: readonly Segment[],
  pooled: { readonly pca?: Float64Array; readonly 'isolation-forest': Float64Array },
  fits: { readonly pca: Fit | null; readonly forest: Fit },
  scatter: (compact: Float64Array, into: Float64Array, segs: readonly Segment[]) => Float64Array,
): Partial<Record<BaselineName, Float64Array>> & { ownFits?: { series: number; own: number } } {
  const series = data.series ?? [];
  if (series.length < 2) return {};
  const tested = new Set(segmentsOf(data, 'test').map((g) => g.series ?? 0));
  const pca = fits.pca && pooled.pca ? Float64Array.from(pooled.pca) : null;
  const forest = Float64Array.from(pooled['isolation-forest']);
  let own = 0;
  // A series without a test part needs no fit of its own (its scores only help fit the pooled threshold).
  for (const i of tested) {
    const fit = normalRows(
      data,
      channels,
      segmentsOf(data, 'train').filter((g) => (g.series ?? 0) === i),
    );
    if (fit.rows < MIN_THRESHOLD_ROWS) continue;
    own++;
    const segs = scored.filter((g) => (g.series ?? 0) === i);
    const on = rowsOf(data, channels, segs);
    if (pca) scatter(fits.pca!(fit, on), pca, segs);
    scatter(fits.forest(fit, on), forest, segs);
  }
  if (own === 0) return {};
  return {
    ...(pca ? { 'pca-per-series': pca } : {}),
    'isolation-forest-per-series': forest,
    ownFits: { series: tested.size, own },
  };
}

/** Every baseline evaluated like the model (null entries when the data cannot be evaluated). */
export function evaluateBaselines(
  data: RunData,
  channels: number,
  seed: number,
  scoring: Pick<ScoringConfig, 'threshold' | 'rule' | 'smooth'> = DEFAULT_SCORING,
): Partial<Record<BaselineName, Evaluation>> {
  if (!canEvaluate(data)) return {};
  const scores = baselineRowScores(data, channels, seed);
  const out: Partial<Record<BaselineName, Evaluation>> = {};
  for (const name of BASELINES) {
    const s = scores[name];
    const ev = s ? evaluateRowScores(s, data, scoring) : null;
    if (ev) out[name] = name.endsWith('-per-series') && scores.ownFits ? { ...ev, ownFits: scores.ownFits } : ev;
  }
  return out;
}
