import { describe, expect, it } from 'vitest';
import { holm, incompleteBeta, meanInterval, pairedDifference, pairedP } from '../../src/engine/eval/stats';

describe('uncertainty over seeds', () => {
  it('mean with a 95% t interval', () => {
    // 1, 2, 3: mean 2, sd 1, t(2) = 4.303 → half-width 4.303/√3
    const i = meanInterval([1, 2, 3]);
    expect(i.mean).toBe(2);
    expect(i.hi - i.mean).toBeCloseTo(4.303 / Math.sqrt(3), 10);
    expect(meanInterval([5])).toEqual({ mean: 5, lo: 5, hi: 5, n: 1 });
    expect(meanInterval([]).n).toBe(0);
  });

  it('paired differences against the baseline, seed by seed', () => {
    // differences 0.1, 0.12, 0.08: all positive, tight → significant
    const d = pairedDifference([0.6, 0.62, 0.58], [0.5, 0.5, 0.5]);
    expect(d.mean).toBeCloseTo(0.1, 12);
    expect(d.significant).toBe(true);
    expect([d.lo, d.hi].map((x) => x.toFixed(2))).toEqual(['0.05', '0.15']);
    const noisy = pairedDifference([0.6, 0.4, 0.55], [0.5, 0.5, 0.5]);
    expect(noisy.significant).toBe(false);
    expect(() => pairedDifference([1], [1, 2])).toThrow(/same seeds/);
    // Two seeds that differ by exactly the same step (one event of twelve): an interval of zero
    // width, but two seeds are too few to call anything significant.
    const two = pairedDifference([0.5 + 1 / 12, 0.4 + 1 / 12], [0.5, 0.4]);
    expect(two.hi - two.lo).toBeCloseTo(0, 12);
    expect(two.significant).toBe(false);
  });

  it("gives the paired t-test's two-sided p-value (checked against scipy.stats.ttest_1samp)", () => {
    // differences 0.1, 0.12, 0.08: t = 8.660 with 2 degrees of freedom, p = 0.013072
    expect(pairedP([0.1, 0.12, 0.08])).toBeCloseTo(0.013072, 5);
    // 1..5: t = 4.243 with 4 degrees of freedom, p = 0.013236
    expect(pairedP([1, 2, 3, 4, 5])).toBeCloseTo(0.013236, 5);
    expect(pairedP([0.1, -0.05, 0.08])).toBeCloseTo(0.454051, 4);
    expect(pairedP([0.2, 0.2, 0.2])).toBeLessThan(1e-12);
    expect(pairedP([0, 0, 0])).toBe(1);
    expect(pairedP([0.3])).toBeNaN();
    expect(pairedDifference([0.6, 0.62, 0.58], [0.5, 0.5, 0.5]).p).toBeCloseTo(0.013072, 5);
    // I_x(a, b) at a value known in closed form: I_0.5(2, 3) = 11/16.
    expect(incompleteBeta(0.5, 2, 3)).toBeCloseTo(11 / 16, 12);
  });

  it("keeps a family's tests significant by Holm's step-down rule", () => {
    // m = 3: 0.01 ≤ 0.05/3 passes, then 0.03 > 0.05/2 stops it and every larger one.
    expect(holm([0.01, 0.04, 0.03])).toEqual([true, false, false]);
    expect(holm([0.01, 0.02, 0.03])).toEqual([true, true, true]);
    // A test without a p-value never passes and does not count in m.
    expect(holm([NaN, 0.02, 0.04])).toEqual([false, true, true]);
    expect(holm([])).toEqual([]);
  });
});
