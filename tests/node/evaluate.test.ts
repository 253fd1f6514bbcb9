/** Evaluation on a run's split: threshold from normal validation rows only, metrics on test rows, baselines alike. */
import { describe, expect, it } from 'vitest';
import {
  baselineRowScores,
  combineResiduals,
  scoreTimeline,
  evaluateBaselines,
  evaluateRowScores,
  fitResidualCalibration,
  modelScores,
  scoresOnThresholdScale,
  smoothedScores,
  testSamplingSeconds,
  trivialDetectors,
} from '../../src/engine/eval/evaluate';
import { aucPr, quantileThreshold, thresholdMetrics } from '../../src/engine/eval/metrics';
import { DEFAULT_THRESHOLD } from '../../src/engine/eval/scores';
import { Rng } from '../../src/engine/random';
import type { RunData } from '../../src/engine/data/prepared';

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
    expect(
      evaluateRowScores(
        Float64Array.from({ length: 1200 }, (_, i) => i),
        noVal,
      )!.thresholdRows,
    ).toBe(600);
    expect(evaluateRowScores(new Float64Array(1200), { ...data, labels: null })).toBeNull();
  });

  it('scores baselines on the rows evaluation needs, fitted on training rows', () => {
    const s = baselineRowScores(data, 2, 1);
    // The training part is not scored when a validation part exists.
    expect(Number.isNaN(s.pca![10]!)).toBe(true);
    expect(Number.isFinite(s.pca![700]!)).toBe(true);
    // One channel has no relations between channels: no PCA baseline.
    const one = { ...data, matrix: data.matrix.filter((_, i) => i % 2 === 0) };
    expect(Object.keys(baselineRowScores(one, 1, 1))).toEqual(['random', 'rolling-z', 'isolation-forest']);
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

describe('scores from residuals, per-series thresholds, trivial detectors', () => {
  const data = split();

  /** Residuals [rows, 2]: channel 0 is poorly predicted everywhere (noise 10), channel 1 well (0.1), with a 1.0 fault on channel 1 at test rows 1000..1019. */
  function residuals(): Float32Array {
    const rng = new Rng(3, 'residuals');
    const r = new Float32Array(1200 * 2);
    for (let t = 0; t < 1200; t++) {
      r[t * 2] = 10 * rng.normal() + 4;
      r[t * 2 + 1] = 0.1 * rng.normal() + (data.labels![t] ? 1 : 0);
    }
    return r;
  }

  it('scales each channel by the median and 1.4826·MAD of its residuals on normal validation rows', () => {
    const r = residuals();
    const cal = fitResidualCalibration(r, 2, data, 'mean');
    const val = Array.from({ length: 200 }, (_, i) => 600 + i);
    for (const k of [0, 1]) {
      const xs = val.map((t) => r[t * 2 + k]!).sort((a, b) => a - b);
      const med = (xs[99]! + xs[100]!) / 2;
      const dev = xs.map((x) => Math.abs(x - med)).sort((a, b) => a - b);
      expect(cal.center[k]).toBeCloseTo(med, 9);
      expect(cal.scale[k]).toBeCloseTo(1.4826 * ((dev[99]! + dev[100]!) / 2), 9);
    }
    expect(cal.scale[0]! / cal.scale[1]!).toBeGreaterThan(50);
    const s = combineResiduals(r, 2, cal);
    const t = 1005;
    const z = (k: number) => ((r[t * 2 + k]! - cal.center[k]!) / cal.scale[k]!) ** 2;
    expect(s[t]).toBeCloseTo((z(0) + z(1)) / 2, 9);
    expect(combineResiduals(r, 2, { ...cal, combine: 'max' })[t]).toBeCloseTo(Math.max(z(0), z(1)), 9);
  });

  it('so one noisy channel cannot drown the others: the fault the mean squared residual misses is found', () => {
    const r = residuals();
    const mse = Float64Array.from({ length: 1200 }, (_, t) => (r[t * 2]! ** 2 + r[t * 2 + 1]! ** 2) / 2);
    const raw = evaluateRowScores(mse, data)!;
    const robust = evaluateRowScores(modelScores(r, 2, data, 'mean').scores, data)!;
    expect(raw.aucRoc).toBeLessThan(0.7);
    expect(robust.aucRoc).toBeGreaterThan(0.95);
    expect(robust.vusPr).toBeGreaterThan(raw.vusPr + 0.3);
  });

  it('fits thresholds per series on their own normal rows, or pooled', () => {
    // Two series of 600 rows (300 val, 300 test each); the second's scores sit 10 higher.
    const rows = 1200;
    const labels = new Uint8Array(rows);
    for (const at of [450, 1050]) labels.fill(1, at, at + 20);
    const two: RunData = {
      matrix: new Float32Array(rows),
      trainStarts: new Int32Array(),
      valStarts: new Int32Array(),
      labels,
      segments: [
        { series: 0, start: 0, end: 300, role: 'val' },
        { series: 0, start: 300, end: 600, role: 'test' },
        { series: 1, start: 600, end: 900, role: 'val' },
        { series: 1, start: 900, end: 1200, role: 'test' },
      ],
      series: [
        { name: 'a.csv', start: 0, end: 600 },
        { name: 'b.csv', start: 600, end: 1200 },
      ],
    };
    const rng = new Rng(5, 'levels');
    const scores = Float64Array.from(
      { length: rows },
      (_, t) => (t >= 600 ? 10 : 0) + rng.next() + (labels[t] ? 3 : 0),
    );
    const pooled = evaluateRowScores(scores, two, { threshold: 'pooled', rule: DEFAULT_THRESHOLD })!;
    const per = evaluateRowScores(scores, two, { threshold: 'per-series', rule: DEFAULT_THRESHOLD })!;
    expect(pooled.thresholdScope).toBe('pooled');
    expect(per.thresholdScope).toBe('per-series');
    expect(per.threshold).toBe(1);
    const own = (from: number) => quantileThreshold(Array.from(scores.subarray(from, from + 300)), 0.99);
    expect(per.thresholds!.series![0]).toBeCloseTo(own(0), 12);
    expect(per.thresholds!.series![1]).toBeCloseTo(own(600), 12);
    // Pooled: the first series never reaches the second's level, so its fault is missed.
    expect(pooled.atThreshold.eventRecall).toBe(0.5);
    expect(per.atThreshold.eventRecall).toBe(1);
    expect(per.atThreshold.f1).toBeGreaterThan(pooled.atThreshold.f1);
    // Threshold-free metrics rank the raw scores in both.
    expect(per.aucRoc).toBe(pooled.aucRoc);
    // The timeline's scores are on the threshold's scale: 1 is each series' own alarm level.
    const onScale = scoresOnThresholdScale(scores, two, per);
    expect(onScale[700]).toBeCloseTo(scores[700]! / own(600), 12);
  });

  it('gives a series without enough normal rows the pooled threshold', () => {
    const labels = new Uint8Array(400);
    const small: RunData = {
      matrix: new Float32Array(400),
      trainStarts: new Int32Array(),
      valStarts: new Int32Array(),
      labels,
      segments: [
        { series: 0, start: 0, end: 150, role: 'val' },
        { series: 0, start: 150, end: 200, role: 'test' },
        { series: 1, start: 200, end: 250, role: 'val' },
        { series: 1, start: 250, end: 400, role: 'test' },
      ],
      series: [
        { name: 'a', start: 0, end: 200 },
        { name: 'b', start: 200, end: 400 },
      ],
    };
    labels.fill(1, 300, 320);
    const ev = evaluateRowScores(
      Float64Array.from({ length: 400 }, (_, i) => i % 7),
      small,
      { threshold: 'per-series', rule: DEFAULT_THRESHOLD },
    )!;
    expect(ev.thresholds!.series![0]).not.toBeNull();
    expect(ev.thresholds!.series![1]).toBeNull();
  });

  it('says what alarming on every row, or on none, scores on the test part', () => {
    const t = trivialDetectors(data)!;
    const p = 20 / 400;
    expect(t.prevalence).toBeCloseTo(p, 12);
    expect(t.alwaysAlarm.f1).toBeCloseTo((2 * p) / (1 + p), 12);
    expect(t.alwaysAlarm.recall).toBe(1);
    expect(t.alwaysAlarm.falseAlarmRate).toBe(1);
    expect(t.neverAlarm.f1).toBe(0);
    expect(t.neverAlarm.falseAlarmRate).toBe(0);
    expect(trivialDetectors({ ...data, labels: null })).toBeNull();
  });

  it('draws the timeline with a gap between the test parts of two series', () => {
    const twoTests: RunData = {
      ...data,
      segments: [
        { series: 0, start: 0, end: 100, role: 'test' },
        { series: 1, start: 600, end: 700, role: 'test' },
      ],
    };
    const t = scoreTimeline(
      Float64Array.from({ length: 1200 }, (_, i) => i),
      twoTests,
      1,
      { maxPoints: 10_000 },
    );
    expect(t.row.slice(98, 103)).toEqual([98, 99, 100, 600, 601]);
    expect(t.score[100]).toBeNaN();
    expect(t.score[101]).toBe(600);
    expect(t.time).toBeUndefined();
  });

  it("gives each timeline bucket its first row's time, and the test rows' spacing, where the data have timestamps", () => {
    const twoTests: RunData = {
      ...data,
      segments: [
        { series: 0, start: 0, end: 100, role: 'test' },
        { series: 1, start: 600, end: 700, role: 'test' },
      ],
    };
    // A minute apart, but one gap of an hour: the median spacing is the minute.
    const times = Float64Array.from(
      { length: 1200 },
      (_, i) => Date.UTC(2026, 0, 5) + i * 60_000 + (i >= 50 ? 3_600_000 : 0),
    );
    const t = scoreTimeline(
      Float64Array.from({ length: 1200 }, (_, i) => i),
      twoTests,
      1,
      { maxPoints: 50, times },
    );
    expect(t.time).toHaveLength(t.row.length);
    t.row.forEach((r, i) => expect(t.time![i]).toBe(times[r === 100 ? 99 : r]));
    expect(testSamplingSeconds(twoTests, times)).toBe(60);
    expect(testSamplingSeconds(twoTests, new Float64Array(1200))).toBeNull();
  });

  it('smooths every score causally inside each segment, never across one', () => {
    const scores = Float64Array.from({ length: 1200 }, (_, i) => (i === 800 ? 8 : 0));
    const sm = smoothedScores(scores, data, 4);
    expect(sm[799]).toBe(0);
    expect([sm[800], sm[801], sm[802], sm[803], sm[804]]).toEqual([8, 4, 8 / 3, 2, 0]);
    expect(smoothedScores(scores, data, 1)).toBe(scores);
  });
});
