import { describe, expect, it } from 'vitest';
import { meanInterval, pairedDifference } from '../../src/engine/eval/stats';

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
});
