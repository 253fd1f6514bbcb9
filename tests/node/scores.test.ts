import { describe, expect, it } from 'vitest';
import { fitThreshold, smoothScores } from '../../src/engine/eval/scores';

describe('scores to alarms', () => {
  it('smooths with a trailing (causal) moving average that skips missing scores', () => {
    expect([...smoothScores([1, 2, 3, 4], 2)]).toEqual([1, 1.5, 2.5, 3.5]);
    const s = smoothScores([NaN, 2, 4, NaN], 2);
    expect(Number.isNaN(s[0]!)).toBe(true);
    expect([...s.subarray(1)]).toEqual([2, 3, 4]);
    expect(() => smoothScores([1], 0)).toThrow(/positive integer/);
  });

  it('fits the threshold on normal scores: a quantile, or a target false-alarm rate', () => {
    const normal = Array.from({ length: 100 }, (_, i) => i); // 0..99
    expect(fitThreshold(normal)).toBeCloseTo(98.01, 10);
    const t = fitThreshold(normal, { kind: 'false-alarm-rate', rate: 0.05 });
    // 5 of the 100 normal rows may alarm: 95..99 → threshold 95
    expect(t).toBe(95);
    expect(normal.filter((x) => x >= t)).toHaveLength(5);
    // ties at the cut do not all alarm
    const tied = [...new Array(90).fill(0), ...new Array(10).fill(1)];
    const tt = fitThreshold(tied, { kind: 'false-alarm-rate', rate: 0.05 });
    expect(tied.filter((x) => x >= tt).length).toBeLessThanOrEqual(5);
    expect(() => fitThreshold(normal, { kind: 'false-alarm-rate', rate: 1.5 })).toThrow(/false-alarm rate/);
  });
});
