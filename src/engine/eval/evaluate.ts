/**
 * Anomaly detection with a trained model on the run's own split: per-timestep scores, a threshold
 * fitted on the validation (normal) rows only, metrics on the test rows.
 */
import * as ort from 'onnxruntime-node';
import type { ExecutionProviderName } from '../../shared/system';
import type { PatchTransformerConfig } from '../models/patch-transformer';
import { sessionOptions } from '../runtime/device';
import type { RunData } from '../runs/runner';
import { buildScoringModel } from '../train/scoring';
import { aucPr, aucRoc, thresholdMetrics, type ThresholdMetrics } from './metrics';
import { DEFAULT_THRESHOLD, fitThreshold, type ThresholdRule } from './scores';
import { scoreRows } from './score-series';

export interface Evaluation {
  readonly threshold: number;
  readonly thresholdRule: ThresholdRule;
  /** Rows the threshold was fitted on (normal rows of the validation part, else of training). */
  readonly thresholdRows: number;
  readonly testRows: number;
  readonly aucRoc: number;
  readonly aucPr: number;
  readonly atThreshold: ThresholdMetrics;
}

export async function evaluateModel(cfg: PatchTransformerConfig, params: ReadonlyMap<string, Float32Array>, data: RunData, device: ExecutionProviderName, rule: ThresholdRule = DEFAULT_THRESHOLD): Promise<Evaluation | null> {
  const labels = data.labels;
  const segments = data.segments ?? [];
  if (!labels || !segments.some((g) => g.role === 'test')) return null;
  const c = cfg.channels;
  // The run's matrix is already normalised: an identity normalisation in the scoring model.
  const model = buildScoringModel(cfg, params, { mean: new Array(c).fill(0), std: new Array(c).fill(1) }, { channels: [], variant: '', run: '' });
  const session = await ort.InferenceSession.create(model.bytes, sessionOptions(device));
  try {
    const w = cfg.seqLen * cfg.patchLen;
    const collect = async (role: 'train' | 'val' | 'test') => {
      const scores: number[] = [];
      const ls: number[] = [];
      for (const g of segments.filter((x) => x.role === role)) {
        const s = await scoreRows(session, (r, k) => data.matrix[(g.start + r) * c + k]!, g.end - g.start, c, w, cfg.patchLen);
        s.forEach((v, i) => {
          if (Number.isNaN(v)) return;
          scores.push(v);
          ls.push(labels[g.start + i]!);
        });
      }
      return { scores, labels: ls };
    };
    let normal = await collect('val');
    if (normal.scores.length === 0) normal = await collect('train');
    const normalScores = normal.scores.filter((_, i) => !normal.labels[i]);
    if (normalScores.length === 0) return null;
    const threshold = fitThreshold(normalScores, rule);
    const test = await collect('test');
    if (test.scores.length === 0) return null;
    return {
      threshold,
      thresholdRule: rule,
      thresholdRows: normalScores.length,
      testRows: test.scores.length,
      aucRoc: aucRoc(test.scores, test.labels),
      aucPr: aucPr(test.scores, test.labels),
      atThreshold: thresholdMetrics(test.scores, test.labels, threshold),
    };
  } finally {
    await session.release();
  }
}
