/** Metrics against cases computed by hand (the arithmetic is in the comments). */
import { describe, expect, it } from 'vitest';
import { aucPr, aucRoc, quantileThreshold, rangeRecall, thresholdMetrics } from '../../src/engine/eval/metrics';
import { rangesOf } from '../../src/engine/data/ranges';

describe('threshold-free metrics', () => {
  it('AUC-ROC: pairs ranked right over all pairs, ties count one half', () => {
    // positives 0.9, 0.4; negatives 0.8, 0.1: pairs (0.9>0.8),(0.9>0.1),(0.4<0.8),(0.4>0.1) → 3/4
    expect(aucRoc([0.9, 0.8, 0.4, 0.1], [1, 0, 1, 0])).toBe(0.75);
    // a tie between a positive and a negative: 0.5
    expect(aucRoc([0.5, 0.5], [1, 0])).toBe(0.5);
    expect(aucRoc([1, 2, 3], [0, 0, 0])).toBeNaN();
  });

  it('AUC-PR: average precision over distinct thresholds', () => {
    // ranked: 0.9(+) 0.8(-) 0.4(+) 0.1(-): AP = 0.5·1 + 0.5·(2/3) = 5/6
    expect(aucPr([0.9, 0.8, 0.4, 0.1], [1, 0, 1, 0])).toBeCloseTo(5 / 6, 12);
    // perfect ranking: 1
    expect(aucPr([0.1, 0.2, 0.9], [0, 0, 1])).toBe(1);
    // all tied: precision = prevalence
    expect(aucPr([1, 1, 1, 1], [1, 0, 0, 0])).toBe(0.25);
  });
});

describe('metrics at a threshold', () => {
  //            0  1  2  3  4  5  6  7  8  9
  const labels = [0, 0, 1, 1, 1, 1, 0, 0, 1, 1];
  const scores = [0, 1, 0, 0, 1, 1, 0, 0, 0, 0];
  const m = thresholdMetrics(scores, labels, 0.5);

  it('point-wise precision, recall, F1 and false-alarm rate', () => {
    // alarms at 1, 4, 5: TP 2 (4, 5), FP 1 (1), FN 4 (2, 3, 8, 9)
    expect(m.precision).toBeCloseTo(2 / 3, 12);
    expect(m.recall).toBeCloseTo(2 / 6, 12);
    expect(m.f1).toBeCloseTo((2 * (2 / 3) * (1 / 3)) / (2 / 3 + 1 / 3), 12);
    // normal points 0, 1, 6, 7: one false alarm
    expect(m.falseAlarmRate).toBe(0.25);
  });

  it('event-wise scores, missed alarms and detection delay', () => {
    // events [2,6) found (alarm at 4), [8,10) missed; predicted ranges [1,2) (false), [4,6) (true)
    expect(m.eventRecall).toBe(0.5);
    expect(m.eventPrecision).toBe(0.5);
    expect(m.eventF1).toBe(0.5);
    expect(m.missedAlarmRate).toBe(0.5);
    // first alarm in [2,6) at 4: delay 2
    expect(m.meanDetectionDelay).toBe(2);
  });

  it('range-based recall and precision (Tatbul, α = 0, flat bias)', () => {
    // real [2,6): covered 2 of 4 by one range → 0.5; real [8,10): 0 → recall 0.25
    expect(m.rangeRecall).toBe(0.25);
    // predicted [1,2): 0; [4,6): fully inside → 1 → precision 0.5
    expect(m.rangePrecision).toBe(0.5);
    expect(m.rangeF1).toBeCloseTo((2 * 0.5 * 0.25) / 0.75, 12);
    // existence reward: α = 1 counts any hit fully
    expect(rangeRecall(rangesOf(labels), rangesOf([0, 0, 0, 0, 1, 0, 0, 0, 0, 0]), 1)).toBe(0.5);
    // cardinality: a real range met by two predictions gets its overlap share halved
    expect(
      rangeRecall(
        [{ start: 0, end: 4 }],
        [
          { start: 0, end: 1 },
          { start: 3, end: 4 },
        ],
        0,
      ),
    ).toBe(0.25);
  });

  it('point adjustment inflates F1 (the whole found event counts)', () => {
    // adjusted TP = 4 (2..5), FP 1, FN 2 → P 0.8, R 4/6 → F1 = 2·0.8·(2/3)/(0.8+2/3)
    expect(m.pointAdjustedF1).toBeCloseTo((2 * 0.8 * (2 / 3)) / (0.8 + 2 / 3), 12);
    expect(m.pointAdjustedF1).toBeGreaterThan(m.f1);
  });

  it('fits the threshold on normal scores only, as a quantile', () => {
    expect(quantileThreshold([1, 2, 3, 4, 5], 0.5)).toBe(3);
    expect(quantileThreshold([0, 10], 0.99)).toBeCloseTo(9.9, 12);
    expect(() => quantileThreshold([])).toThrow(/no normal scores/);
  });
});

describe('the precision-recall curve', () => {
  it('has a point where recall rises, from high scores to low, ending at the lowest score', async () => {
    const { prCurve } = await import('../../src/engine/eval/metrics');
    // ranked: 0.9(+) 0.8(-) 0.4(+) 0.1(-): (R, P) = (½, 1), [(½, ½): recall did not rise], (1, ⅔), (1, ½)
    expect(prCurve([0.9, 0.8, 0.4, 0.1], [1, 0, 1, 0], 1000)).toEqual({
      recall: [0.5, 1, 1],
      precision: [1, 2 / 3, 0.5],
    });
    // thinned: a point only when recall moved by at least 1/maxPoints (and always the last one)
    expect(prCurve([0.9, 0.8, 0.7, 0.6], [1, 1, 1, 1], 2)).toEqual({ recall: [0.25, 0.75, 1], precision: [1, 1, 1] });
    // ties form one point
    expect(prCurve([1, 1, 0], [1, 0, 0])).toEqual({ recall: [1, 1], precision: [0.5, 1 / 3] });
    expect(prCurve([1, 2], [0, 0])).toEqual({ recall: [], precision: [] });
  });
});
