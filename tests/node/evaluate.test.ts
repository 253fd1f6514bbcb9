/** Evaluation on a run's split: threshold from normal validation rows only, metrics on test rows, baselines alike. */
import { describe, expect, it } from 'vitest';
import { baselineRowScores, evaluateBaselines, evaluateRowScores } from '../../src/engine/eval/evaluate';
import { aucPr, thresholdMetrics } from '../../src/engine/eval/metrics';
import { Rng } from '../../src/engine/random';
import type { RunData } from '../../src/engine/runs/runner';

/** Rows 0..599 train, 600..799 val, 800..1199 test; two coupled channels; the relation breaks at test rows 1000..1019. */
function split(): RunData {
  const rng = new Rng(9, 'test');
  const rows = 1200;
  const matrix = new Float32Array(rows * 2);
  const labels = new Uint8Array(rows);
  for (let t = 0; t < rows; t++) {
    const a = Math.sin(t / 15) + 0.05 * rng.normal();
    const broken = t >= 1000 && t < 1020;
    matrix[t * 2] = a;
    matrix[t * 2 + 1] = (broken ? -a : a) + 0.05 * rng.normal();
    labels[t] = broken ? 1 : 0;
  }
  return {
    matrix,
    trainStarts: new Int32Array(),
    valStarts: new Int32Array(),
    labels,
    segments: [
      { start: 0, end: 600, role: 'train' },
      { start: 600, end: 800, role: 'val' },
      { start: 800, end: 1200, role: 'test' },
    ],
  };
}

describe('evaluation on the split', () => {
  const data = split();

  it('fits the threshold on validation rows only and scores test rows only', () => {
    // Scores = row index: validation rows are 600..799, so the 0.99 quantile is 600 + 0.99·199.
    const scores = Float64Array.from({ length: 1200 }, (_, i) => i);
    const ev = evaluateRowScores(scores, data)!;
    expect(ev.thresholdRows).toBe(200);
    expect(ev.threshold).toBeCloseTo(600 + 0.99 * 199, 9);
    expect(ev.testRows).toBe(400);
    const test = [...scores.subarray(800)];
    const labels = [...data.labels!.subarray(800)];
    expect(ev.aucPr).toBe(aucPr(test, labels));
    expect(ev.atThreshold).toEqual(thresholdMetrics(test, labels, ev.threshold));
    // Every test row alarms (all scores above the validation rows'): precision = prevalence 20/400.
    expect(ev.atThreshold.precision).toBeCloseTo(20 / 400, 12);
    expect(ev.vusPr).toBeGreaterThan(0);
    expect(ev.vusPr).toBeLessThanOrEqual(1);
    expect(ev.prCurve.recall.at(-1)).toBe(1);
  });

  it('skips unscored rows (NaN) and falls back to training rows without a validation part', () => {
    const scores = Float64Array.from({ length: 1200 }, (_, i) => (i % 2 ? NaN : i));
    expect(evaluateRowScores(scores, data)!.testRows).toBe(200);
    const noVal = { ...data, segments: data.segments!.filter((g) => g.role !== 'val') };
    expect(evaluateRowScores(Float64Array.from({ length: 1200 }, (_, i) => i), noVal)!.thresholdRows).toBe(600);
    expect(evaluateRowScores(new Float64Array(1200), { ...data, labels: null })).toBeNull();
  });

  it('scores baselines on the rows evaluation needs, fitted on training rows', () => {
    const s = baselineRowScores(data, 2, 1);
    // The training part is not scored when a validation part exists.
    expect(Number.isNaN(s.pca![10]!)).toBe(true);
    expect(Number.isFinite(s.pca![700]!)).toBe(true);
    // One channel has no relations between channels: no PCA baseline.
    const one = { ...data, matrix: data.matrix.filter((_, i) => i % 2 === 0) };
    expect(Object.keys(baselineRowScores(one, 1, 1))).toEqual(["random", "rolling-z", "isolation-forest"]);
    const evs = evaluateBaselines(data, 2, 1);
    expect(Object.keys(evs)).toEqual(['random', 'rolling-z', 'pca', 'isolation-forest']);
    // The broken relation is invisible channel by channel, plain to PCA.
    expect(evs.pca!.aucRoc).toBeGreaterThan(0.95);
    expect(evs.pca!.vusPr).toBeGreaterThan(evs.random!.vusPr);
    expect(Math.abs(evs.random!.aucRoc - 0.5)).toBeLessThan(0.2);
    // Seeded: the same seed, the same random scores; another seed, others.
    expect(evaluateBaselines(data, 2, 1).random!.aucPr).toBe(evs.random!.aucPr);
    expect(evaluateBaselines(data, 2, 2).random!.aucPr).not.toBe(evs.random!.aucPr);
  });
});
