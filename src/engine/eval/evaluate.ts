/**
 * Anomaly detection on the run's own split, for the trained model and for the baselines alike:
 * per-row scores, a threshold fitted on normal validation rows only (training rows when the
 * data have no validation part), every metric on the test rows.
 */
import * as ort from 'onnxruntime-node';
import type { ExecutionProviderName } from '../../shared/system';
import type { PatchTransformerConfig } from '../models/patch-transformer';
import { sessionOptions } from '../runtime/device';
import type { RunData } from '../runs/runner';
import { buildScoringModel } from '../train/scoring';
import { isolationForestScores, pcaScores, randomScores, rollingZScores, type Matrix } from './baselines';
import { aucPr, aucRoc, prCurve, thresholdMetrics, type ThresholdMetrics } from './metrics';
import { DEFAULT_THRESHOLD, fitThreshold, type ThresholdRule } from './scores';
import { scoreRows } from './score-series';
import { vus } from './vus';
import type { ScoreTimeline } from '../../shared/timeline';

export type { ScoreTimeline };

export interface Evaluation {
  readonly threshold: number;
  readonly thresholdRule: ThresholdRule;
  /** Rows the threshold was fitted on (normal rows of the validation part, else of training). */
  readonly thresholdRows: number;
  readonly testRows: number;
  /** Volume under the range-based PR surface (Paparrizos et al. 2022): the headline metric. */
  readonly vusPr: number;
  readonly vusRoc: number;
  readonly aucRoc: number;
  readonly aucPr: number;
  readonly atThreshold: ThresholdMetrics;
  /** The point-wise precision-recall curve on the test rows, at most ~60 points (for charts). */
  readonly prCurve: { readonly recall: number[]; readonly precision: number[] };
}

export const BASELINES = ['random', 'rolling-z', 'pca', 'isolation-forest'] as const;
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

/**
 * Every metric from per-row scores over the run's matrix (NaN = not scored: the first patch of a
 * segment, rows a window cannot reach). Null when no normal row or no test row was scored.
 */
export function evaluateRowScores(scores: ArrayLike<number>, data: RunData, rule: ThresholdRule = DEFAULT_THRESHOLD): Evaluation | null {
  const labels = data.labels;
  if (!labels) return null;
  const collect = (role: Segment['role']) => {
    const s: number[] = [];
    const l: number[] = [];
    for (const g of segmentsOf(data, role)) {
      for (let r = g.start; r < g.end; r++) {
        if (Number.isNaN(scores[r]!)) continue;
        s.push(scores[r]!);
        l.push(labels[r]!);
      }
    }
    return { scores: s, labels: l };
  };
  let normal = collect('val');
  if (normal.scores.length === 0) normal = collect('train');
  const normalScores = normal.scores.filter((_, i) => !normal.labels[i]);
  const test = collect('test');
  if (normalScores.length === 0 || test.scores.length === 0) return null;
  const threshold = fitThreshold(normalScores, rule);
  const volume = vus(test.scores, test.labels);
  return {
    threshold,
    thresholdRule: rule,
    thresholdRows: normalScores.length,
    testRows: test.scores.length,
    vusPr: volume.pr,
    vusRoc: volume.roc,
    aucRoc: aucRoc(test.scores, test.labels),
    aucPr: aucPr(test.scores, test.labels),
    atThreshold: thresholdMetrics(test.scores, test.labels, threshold),
    prCurve: prCurve(test.scores, test.labels, 60),
  };
}

/** Per-row anomaly scores of the model (next-patch error) on the rows evaluation needs. */
export async function modelRowScores(cfg: PatchTransformerConfig, params: ReadonlyMap<string, Float32Array>, data: RunData, device: ExecutionProviderName): Promise<Float64Array> {
  const c = cfg.channels;
  const rows = data.matrix.length / c;
  const out = new Float64Array(rows).fill(NaN);
  // The run's matrix is already normalised: an identity normalisation in the scoring model.
  const model = buildScoringModel(cfg, params, { mean: new Array(c).fill(0), std: new Array(c).fill(1) }, { channels: [], variant: '', run: '' });
  const session = await ort.InferenceSession.create(model.bytes, sessionOptions(device));
  try {
    const w = cfg.seqLen * cfg.patchLen;
    for (const role of scoredRoles(data)) {
      for (const g of segmentsOf(data, role)) {
        const s = await scoreRows(session, (r, k) => data.matrix[(g.start + r) * c + k]!, g.end - g.start, c, w, cfg.patchLen);
        out.set(s, g.start);
      }
    }
  } finally {
    await session.release();
  }
  return out;
}

/** Anomaly detection with a trained model (null when the data have no labels or no test part). */
export async function evaluateModel(cfg: PatchTransformerConfig, params: ReadonlyMap<string, Float32Array>, data: RunData, device: ExecutionProviderName, rule: ThresholdRule = DEFAULT_THRESHOLD): Promise<Evaluation | null> {
  if (!canEvaluate(data)) return null;
  return evaluateRowScores(await modelRowScores(cfg, params, data, device), data, rule);
}

/** The test part's scores and labels for a chart: the maximum score of each bucket of rows, at most ~`maxPoints`. */
export function scoreTimeline(scores: ArrayLike<number>, data: RunData, threshold: number | null, maxPoints = 1500): ScoreTimeline {
  const test = segmentsOf(data, 'test');
  const total = test.reduce((a, g) => a + g.end - g.start, 0);
  const bucket = Math.max(1, Math.ceil(total / maxPoints));
  const out: ScoreTimeline = { row: [], score: [], label: [], threshold };
  for (const g of test) {
    for (let r = g.start; r < g.end; r += bucket) {
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
  }
  return out;
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

/**
 * The baselines' per-row scores on the same split: random, per-channel rolling z-score (within
 * each segment), PCA reconstruction error and Isolation Forest (both fitted on the normal
 * training rows only). `seed` seeds the random ones, so baselines vary with the run's seed.
 */
export function baselineRowScores(data: RunData, channels: number, seed: number): Partial<Record<BaselineName, Float64Array>> {
  const rows = data.matrix.length / channels;
  const trainSegs = segmentsOf(data, 'train');
  const train = rowsOf(data, channels, trainSegs);
  // Training rows with a labelled anomaly do not belong in a model of normal behaviour.
  if (data.labels) {
    const keep: number[] = [];
    let i = 0;
    for (const g of trainSegs) for (let r = g.start; r < g.end; r++, i++) if (!data.labels[r]) keep.push(i);
    if (keep.length < train.rows) {
      const d = new Float32Array(keep.length * channels);
      keep.forEach((r, j) => d.set(train.data.subarray(r * channels, (r + 1) * channels), j * channels));
      Object.assign(train, { data: d, rows: keep.length });
    }
  }
  // Only the rows evaluation reads are scored (not the training part when there is a validation part).
  const scored = scoredRoles(data).flatMap((role) => segmentsOf(data, role));
  const needed = rowsOf(data, channels, scored);
  const scatter = (compact: Float64Array) => {
    const out = new Float64Array(rows).fill(NaN);
    let at = 0;
    for (const g of scored) {
      out.set(compact.subarray(at, at + g.end - g.start), g.start);
      at += g.end - g.start;
    }
    return out;
  };
  const z = new Float64Array(rows).fill(NaN);
  for (const role of scoredRoles(data)) {
    for (const g of segmentsOf(data, role)) {
      z.set(rollingZScores({ data: data.matrix.subarray(g.start * channels, g.end * channels), rows: g.end - g.start, channels }), g.start);
    }
  }
  return {
    random: scatter(randomScores(needed.rows, seed)),
    'rolling-z': z,
    // PCA reconstruction models relations between channels: with one channel there are none
    // (its residual would be rounding noise), so it is left out.
    ...(channels > 1 ? { pca: scatter(pcaScores(train, needed, undefined, seed)) } : {}),
    'isolation-forest': scatter(isolationForestScores(train, needed, { seed })),
  };
}

/** Every baseline evaluated like the model (null entries when the data cannot be evaluated). */
export function evaluateBaselines(data: RunData, channels: number, seed: number, rule: ThresholdRule = DEFAULT_THRESHOLD): Partial<Record<BaselineName, Evaluation>> {
  if (!canEvaluate(data)) return {};
  const scores = baselineRowScores(data, channels, seed);
  const out: Partial<Record<BaselineName, Evaluation>> = {};
  for (const name of BASELINES) {
    const s = scores[name];
    const ev = s ? evaluateRowScores(s, data, rule) : null;
    if (ev) out[name] = ev;
  }
  return out;
}
