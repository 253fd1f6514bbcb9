/**
 * VUS-ROC / VUS-PR and R-AUC: cases computed by hand (the arithmetic is in the comments), properties,
 * and agreement with a NumPy transcription of the reference (bench/reference/vus_reference.py).
 *
 * Notation: n rows, P labelled rows, buffer ℓ with h = ⌊ℓ/2⌋ rows either side weighted √(1 − d/ℓ),
 * S = Σ weights, P' = (P + S)/2, TPR = min(TP/P', 1) · ranges hit / ranges, FPR = (alarms − TP)/(n − P').
 * With n ≤ 250 every rank is a sampled threshold (repeats add zero-width steps).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { aucPr, aucRoc } from '../../src/engine/eval/metrics';
import { defaultMaxBuffer, rangeAuc, vus, vusPr, vusRoc } from '../../src/engine/eval/vus';

function labelsOf(n: number, ranges: readonly (readonly [number, number])[]): Uint8Array {
  const y = new Uint8Array(n);
  for (const [s, e] of ranges) y.fill(1, s, e);
  return y;
}

/** Deterministic uniform [0, 1) (LCG), for the property tests. */
function uniform(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('R-AUC by hand', () => {
  it('buffer 0, one range: the point-wise ROC, and PR as trapezoids from (0, 1)', () => {
    //          0    1    2    3    4    5        range {1, 2}
    const scores = [0.1, 0.9, 0.3, 0.5, 0.2, 0.0];
    const labels = [0, 1, 1, 0, 0, 0];
    // threshold: 0.9   0.5   0.3   0.2   0.1   0.0
    // TPR        1/2   1/2   1     1     1     1      (one range, hit from the first threshold)
    // FPR        0     1/4   1/4   2/4   3/4   1
    // precision  1     1/2   2/3   2/4   2/5   2/6
    // ROC: (0,0) (0,½) (¼,½) (¼,1) … (1,1) → ¼·½ + ¾·1 = 7/8, the point-wise AUC-ROC
    const r = rangeAuc(scores, labels, 0);
    expect(r.roc).toBeCloseTo(0.875, 12);
    expect(r.roc).toBeCloseTo(aucRoc(scores, labels), 12);
    // PR from (0, 1): ½·(1 + 1)/2 + 0 + ½·(½ + 2/3)/2 = ½ + 7/24 = 19/24
    expect(r.pr).toBeCloseTo(19 / 24, 12);
  });

  it('buffer 0, two ranges: the existence reward scales recall by the share of ranges hit', () => {
    //          0    1    2    3    4    5    6    7      ranges {1}, {5}
    const scores = [0.2, 0.9, 0.8, 0.3, 0.4, 0.1, 0.0, 0.5];
    const labels = [0, 1, 0, 0, 0, 1, 0, 0];
    // threshold: 0.9  0.8  0.5  0.4  0.3  0.2  0.1  0.0
    // recall     ½    ½    ½    ½    ½    ½    1    1
    // hit        ½    ½    ½    ½    ½    ½    1    1     → TPR = recall · hit: ¼ … ¼, 1, 1
    // FPR        0    1/6  2/6  3/6  4/6  5/6  5/6  1
    // precision  1    1/2  1/3  1/4  1/5  1/6  2/7  2/8
    // ROC: ¼ from FPR 0 to 5/6, then 1 up to FPR 1: 5/6·¼ + 1/6 = 9/24 (point-wise AUC-ROC is 7/12)
    const r = rangeAuc(scores, labels, 0);
    expect(r.roc).toBeCloseTo(9 / 24, 12);
    expect(aucRoc(scores, labels)).toBeCloseTo(7 / 12, 12);
    // PR: ¼·(1 + 1)/2 + ¾·(1/6 + 2/7)/2 = ¼ + 19/112 = 47/112
    expect(r.pr).toBeCloseTo(47 / 112, 12);
  });

  it('a constant score: ROC 1 − FPR/2, PR (1 + S/n)/2', () => {
    // n = 10, range {4, 5}: every row alarms at the single threshold: TP = S, TPR = 1.
    const labels = labelsOf(10, [[4, 6]]);
    const scores = new Array<number>(10).fill(0.3);
    // Buffer 0: S = P = 2, FPR = 8/8 → ROC ½; PR (1 + 2/10)/2 = 0.6
    expect(rangeAuc(scores, labels, 0).roc).toBeCloseTo(0.5, 12);
    expect(rangeAuc(scores, labels, 0).pr).toBeCloseTo(0.6, 12);
    // Buffer 2: h = 1, rows 3 and 6 weigh √(1 − ½): S = 2 + √2, P' = 2 + √2/2,
    // FPR = (10 − S)/(10 − P') = (8 − √2)/(8 − √2/2)
    const s = 2 + Math.SQRT2;
    const fpr = (8 - Math.SQRT2) / (8 - Math.SQRT2 / 2);
    const b2 = rangeAuc(scores, labels, 2);
    expect(b2.roc).toBeCloseTo(1 - fpr / 2, 12);
    expect(b2.pr).toBeCloseTo((1 + s / 10) / 2, 12);
    // VUS over buffers 0, 1, 2 (buffer 1 has h = 0, the same as buffer 0)
    expect(vusRoc(scores, labels, { maxBuffer: 2 })).toBeCloseTo((0.5 + 0.5 + (1 - fpr / 2)) / 3, 12);
    expect(vusPr(scores, labels, { maxBuffer: 2 })).toBeCloseTo((0.6 + 0.6 + (1 + s / 10) / 2) / 3, 12);
  });

  it('a perfect detector scores 1 at buffer 0; buffer weight it does not cover costs recall', () => {
    const labels = labelsOf(10, [[4, 6]]);
    const scores = Array.from(labels);
    // Buffer 0: threshold 1 → TPR 1, FPR 0, precision 1: both areas 1.
    expect(rangeAuc(scores, labels, 0)).toEqual({ roc: 1, pr: 1 });
    expect(vus(scores, labels, { maxBuffer: 0 })).toMatchObject({ roc: 1, pr: 1 });
    // Buffer 2 (S = 2 + √2, P' = 2 + √2/2): threshold 1 alarms rows 4, 5: TP 2 → TPR t = 2/P', FPR 0;
    // threshold 0 alarms all: TPR 1, FPR f = (8 − √2)/(8 − √2/2), precision S/10.
    const p = 2 + Math.SQRT2 / 2;
    const t = 2 / p;
    const f = (8 - Math.SQRT2) / (8 - Math.SQRT2 / 2);
    const b2 = rangeAuc(scores, labels, 2);
    // ROC: (0,0) (0,t) (f,1) (1,1) → f·(t + 1)/2 + (1 − f)
    expect(b2.roc).toBeCloseTo((f * (t + 1)) / 2 + (1 - f), 12);
    // PR: (0,1) (t,1) (1,S/10) → t + (1 − t)(1 + S/10)/2
    expect(b2.pr).toBeCloseTo(t + ((1 - t) * (1 + (2 + Math.SQRT2) / 10)) / 2, 12);
    expect(b2.roc).toBeLessThan(1);
  });

  it('an alarm two rows after the range counts only once the buffer reaches it', () => {
    // n = 20, range {8, 9}, the only high score at row 11 (= end + 2).
    const labels = labelsOf(20, [[8, 10]]);
    const scores = new Array<number>(20).fill(0);
    scores[11] = 1;
    // Buffer 0: threshold 1 → TP 0, FPR 1/18, precision 0; threshold 0 → TPR 1, FPR 1, precision 2/20.
    // ROC (1/18)·0 + (17/18)·(0 + 1)/2 = 17/36; PR from (0,1) to (0,0) has no width, then 1·(0 + 0.1)/2
    const b0 = rangeAuc(scores, labels, 0);
    expect(b0.roc).toBeCloseTo(17 / 36, 12);
    expect(b0.pr).toBeCloseTo(0.05, 12);
    // Buffer 4: h = 2, rows 7 and 10 weigh √¾, rows 6 and 11 weigh √½: S = 2 + 2√¾ + 2√½, P' = (2 + S)/2.
    // Threshold 1: TP = √½ (one range hit) → TPR y = √½/P', FPR x = (1 − √½)/(20 − P'), precision √½.
    // Threshold 0: TPR 1, FPR x2 = (20 − S)/(20 − P'), precision S/20.
    const s = 2 + 2 * Math.sqrt(0.75) + 2 * Math.SQRT1_2;
    const p = (2 + s) / 2;
    const y = Math.SQRT1_2 / p;
    const x = (1 - Math.SQRT1_2) / (20 - p);
    const x2 = (20 - s) / (20 - p);
    const b4 = rangeAuc(scores, labels, 4);
    expect(b4.roc).toBeCloseTo((x * y) / 2 + ((x2 - x) * (y + 1)) / 2 + (1 - x2), 12);
    expect(b4.pr).toBeCloseTo((y * (1 + Math.SQRT1_2)) / 2 + ((1 - y) * (Math.SQRT1_2 + s / 20)) / 2, 12);
    expect(b4.roc).toBeGreaterThan(b0.roc);
  });
});

describe('VUS properties', () => {
  it('buffer 0 with one range and distinct scores is the point-wise AUC-ROC', () => {
    const next = uniform(3);
    const scores = Array.from({ length: 200 }, () => next());
    const labels = labelsOf(200, [[80, 95]]);
    expect(rangeAuc(scores, labels, 0).roc).toBeCloseTo(aucRoc(scores, labels), 12);
  });

  it('VUS is the mean of the R-AUCs over buffers 0..maxBuffer', () => {
    const next = uniform(5);
    const labels = labelsOf(600, [
      [50, 70],
      [300, 340],
      [500, 512],
    ]);
    const scores = Array.from(labels, (l) => l + next() - 0.5);
    const v = vus(scores, labels, { maxBuffer: 9 });
    expect(v.rocByBuffer).toHaveLength(10);
    for (let b = 0; b <= 9; b++) {
      const r = rangeAuc(scores, labels, b);
      expect(v.rocByBuffer[b]).toBeCloseTo(r.roc, 12);
      expect(v.prByBuffer[b]).toBeCloseTo(r.pr, 12);
    }
    expect(v.roc).toBeCloseTo(v.rocByBuffer.reduce((a, b) => a + b, 0) / 10, 12);
    expect(vusRoc(scores, labels, { maxBuffer: 9 })).toBe(v.roc);
    expect(vusPr(scores, labels, { maxBuffer: 9 })).toBe(v.pr);
  });

  it('a score lagging a few rows keeps VUS-PR while point-wise AUC-PR drops', () => {
    // Five 30-row anomalies in 3000 rows; default maxBuffer = 2 × 30. Measured: lag 0 → AUC-PR 1.00,
    // VUS-PR 0.81; lag 6 → AUC-PR 0.70, VUS-PR 0.75.
    const n = 3000;
    const labels = labelsOf(
      n,
      [300, 900, 1500, 2100, 2700].map((s) => [s, s + 30] as const),
    );
    const next = uniform(1);
    const noise = Array.from({ length: n }, () => (next() - 0.5) * 0.2);
    const lagged = (lag: number): number[] => noise.map((e, i) => (i >= lag ? labels[i - lag]! : 0) + e);
    const [on, late] = [lagged(0), lagged(6)];
    const dropPr = aucPr(on, labels) - aucPr(late, labels);
    const dropVus = vusPr(on, labels) - vusPr(late, labels);
    expect(dropPr).toBeGreaterThan(0.25);
    expect(dropVus).toBeGreaterThan(0);
    expect(dropVus).toBeLessThan(0.1);
    expect(vusPr(late, labels)).toBeGreaterThan(aucPr(late, labels));
    expect(vusRoc(late, labels)).toBeGreaterThan(aucRoc(late, labels));
  });

  it('random scores: VUS-PR near the (buffered) prevalence, R-AUC-PR at buffer 0 near the prevalence', () => {
    // Buffers add weight around each range, so random VUS-PR sits above P/n (measured ≈ 1.7 × P/n here)
    // and random VUS-ROC above ½ (≈ 0.6): alarms in the buffer count as partly true.
    const n = 20_000;
    const next = uniform(77);
    const labels = new Uint8Array(n);
    for (let k = 0; k < 20; k++) {
      const s = Math.floor(next() * (n - 50));
      labels.fill(1, s, s + 10 + Math.floor(next() * 40));
    }
    const scores = Array.from({ length: n }, () => next());
    const prevalence = labels.reduce((a, b) => a + b, 0) / n;
    const v = vus(scores, labels);
    expect(v.pr).toBeGreaterThan(prevalence);
    expect(v.pr).toBeLessThan(2.5 * prevalence);
    expect(v.roc).toBeGreaterThan(0.5);
    expect(v.roc).toBeLessThan(0.7);
    const r0 = rangeAuc(scores, labels, 0);
    expect(r0.pr).toBeGreaterThan(0.7 * prevalence);
    expect(r0.pr).toBeLessThan(1.3 * prevalence);
    expect(Math.abs(r0.roc - 0.5)).toBeLessThan(0.06);
  });
});

describe('defaults and errors', () => {
  it('default maxBuffer: twice the median anomaly length (rounded down), the length capped at 100', () => {
    // lengths 3, 5, 10 → median 5 → 10
    expect(
      defaultMaxBuffer(
        labelsOf(100, [
          [0, 3],
          [20, 25],
          [60, 70],
        ]),
      ),
    ).toBe(10);
    // lengths 2, 5 → median 3.5 → 3 → 6
    expect(
      defaultMaxBuffer(
        labelsOf(100, [
          [10, 12],
          [50, 55],
        ]),
      ),
    ).toBe(6);
    // length 500 → capped at 100 → 200
    expect(defaultMaxBuffer(labelsOf(1000, [[100, 600]]))).toBe(200);
    expect(defaultMaxBuffer(new Uint8Array(10))).toBe(0);
    const labels = labelsOf(100, [
      [10, 12],
      [50, 55],
    ]);
    expect(vus(Array.from(labels), labels).maxBuffer).toBe(6);
    expect(vus(Array.from(labels), labels, { maxBuffer: 3 }).rocByBuffer).toHaveLength(4);
  });

  it('NaN scores throw; no labelled anomaly gives NaN; bad arguments throw', () => {
    const labels = [0, 1, 1, 0];
    expect(() => vusRoc([0.1, NaN, 0.3, 0.2], labels)).toThrow(/NaN/);
    expect(() => rangeAuc([0.1, NaN, 0.3, 0.2], labels, 2)).toThrow(/NaN/);
    expect(() => vusPr([0.1, 0.2], labels)).toThrow(/2 scores for 4 labels/);
    expect(vusRoc([0.1, 0.2, 0.3], [0, 0, 0])).toBeNaN();
    expect(vusPr([0.1, 0.2, 0.3], [0, 0, 0])).toBeNaN();
    expect(rangeAuc([0.1, 0.2, 0.3], [0, 0, 0], 4)).toEqual({ roc: NaN, pr: NaN });
    expect(vusRoc([], [])).toBeNaN();
    // every row anomalous: n − P' = 0, so no false-positive rate
    expect(vusRoc([0.1, 0.2], [1, 1])).toBeNaN();
    expect(() => vusRoc([1, 0, 0, 0], labels, { maxBuffer: -1 })).toThrow(/maxBuffer/);
    expect(() => vusRoc([1, 0, 0, 0], labels, { maxBuffer: 1.5 })).toThrow(/maxBuffer/);
    expect(() => vusRoc([1, 0, 0, 0], labels, { thresholds: 1 })).toThrow(/thresholds/);
    expect(() => rangeAuc([1, 0, 0, 0], labels, 0.5)).toThrow(/buffer/);
  });
});

interface FixtureCase {
  name: string;
  n: number;
  anomalies: [number, number][];
  scores: number[];
  thresholds: number;
  maxBuffer: number;
  vusRoc: number;
  vusPr: number;
  rocByBuffer: number[];
  prByBuffer: number[];
  rangeAuc: { buffer: number; roc: number; pr: number }[];
}

describe('agreement with the reference (NumPy transcription, tests/fixtures/vus/cases.json)', () => {
  const fixture = JSON.parse(readFileSync(new URL('../fixtures/vus/cases.json', import.meta.url), 'utf8')) as {
    cases: FixtureCase[];
  };
  // Only the order of summation differs from the reference (a histogram over thresholds here, np.dot
  // there): observed differences are ≤ 2e-15, so 1e-9 leaves room without hiding a real discrepancy.
  const TOL = 1e-9;

  it.each(fixture.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const labels = labelsOf(c.n, c.anomalies);
    const v = vus(c.scores, labels, { maxBuffer: c.maxBuffer, thresholds: c.thresholds });
    expect(Math.abs(v.roc - c.vusRoc)).toBeLessThan(TOL);
    expect(Math.abs(v.pr - c.vusPr)).toBeLessThan(TOL);
    for (let b = 0; b <= c.maxBuffer; b++) {
      expect(Math.abs(v.rocByBuffer[b]! - c.rocByBuffer[b]!)).toBeLessThan(TOL);
      expect(Math.abs(v.prByBuffer[b]! - c.prByBuffer[b]!)).toBeLessThan(TOL);
    }
    for (const r of c.rangeAuc) {
      const got = rangeAuc(c.scores, labels, r.buffer);
      expect(Math.abs(got.roc - r.roc)).toBeLessThan(TOL);
      expect(Math.abs(got.pr - r.pr)).toBeLessThan(TOL);
    }
  });

  it('where two buffered ranges touch, R-AUC (one range) and the VUS slice (two) differ, as in the reference', () => {
    const c = fixture.cases.find((x) => x.name === 'touching buffers')!;
    const at10 = c.rangeAuc.find((r) => r.buffer === 10)!;
    expect(at10.roc - c.rocByBuffer[10]!).toBeGreaterThan(0.01);
    const at9 = c.rangeAuc.find((r) => r.buffer === 9)!;
    expect(Math.abs(at9.roc - c.rocByBuffer[9]!)).toBeLessThan(TOL);
  });
});
