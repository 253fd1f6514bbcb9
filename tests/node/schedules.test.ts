import { describe, expect, it } from 'vitest';
import { lrAt, validateSchedule } from '../../src/engine/train/schedules';

describe('learning-rate schedules', () => {
  it('constant, with warmup', () => {
    const s = { kind: 'constant', lr: 1e-3, warmup: 4 } as const;
    expect([0, 1, 3, 4, 100].map((t) => lrAt(s, t))).toEqual([2.5e-4, 5e-4, 1e-3, 1e-3, 1e-3]);
  });

  it('linear decay after warmup to the final rate', () => {
    const s = { kind: 'linear', lr: 1, warmup: 2, total: 12, final: 0 } as const;
    expect(lrAt(s, 0)).toBe(0.5);
    expect(lrAt(s, 2)).toBe(1);
    expect(lrAt(s, 7)).toBeCloseTo(0.5, 12);
    expect(lrAt(s, 12)).toBe(0);
    expect(lrAt(s, 50)).toBe(0);
  });

  it('cosine from the peak to the floor', () => {
    const s = { kind: 'cosine', lr: 1, total: 100, final: 0.1 } as const;
    expect(lrAt(s, 0)).toBe(1);
    expect(lrAt(s, 50)).toBeCloseTo(0.55, 12);
    expect(lrAt(s, 100)).toBeCloseTo(0.1, 12);
  });

  it('piecewise linear between points, flat outside', () => {
    const s = {
      kind: 'piecewise',
      points: [
        [10, 1],
        [20, 0.5],
        [30, 0.5],
      ],
    } as const;
    expect([0, 10, 15, 20, 25, 40].map((t) => lrAt(s, t))).toEqual([1, 1, 0.75, 0.5, 0.5, 0.5]);
  });

  it('rejects schedules that make no sense', () => {
    expect(() => validateSchedule({ kind: 'constant', lr: 0 })).toThrow(/lr must be > 0/);
    expect(() => validateSchedule({ kind: 'cosine', lr: 1, warmup: 10, total: 10 })).toThrow(
      /total must exceed warmup/,
    );
    expect(() =>
      validateSchedule({
        kind: 'piecewise',
        points: [
          [5, 1],
          [5, 2],
        ],
      }),
    ).toThrow(/increasing steps/);
    expect(() => validateSchedule({ kind: 'linear', lr: 1, total: 10 })).not.toThrow();
  });
});
