import { describe, expect, it } from 'vitest';
import { formatFlopCount, formatFlops, formatInterval, formatRatio } from '../../src/shared/format';

describe('shared number formats', () => {
  it('formats intervals as mean ±half-width, the mean alone for one seed', () => {
    expect(formatInterval({ mean: 0.455, lo: 0.437, hi: 0.473, n: 3 })).toBe('0.455 ±0.018');
    expect(formatInterval({ mean: 1.38, lo: 1.32, hi: 1.44, n: 3 }, 2, { unit: 'x' })).toBe('1.38x ±0.06');
    expect(formatInterval({ mean: 0.455, lo: 0.455, hi: 0.455, n: 1 })).toBe('0.455');
    expect(formatInterval({ mean: Number.NaN, lo: Number.NaN, hi: Number.NaN, n: 0 })).toBe('–');
  });

  it('scales an interval and writes a missing one as the caller asks (the CLI table: "-")', () => {
    expect(formatInterval({ mean: 12_340, lo: 11_340, hi: 13_340, n: 3 }, 1, { scale: 1 / 1000 })).toBe('12.3 ±1.0');
    expect(formatInterval(null, 3, { none: '-' })).toBe('-');
    expect(formatInterval({ mean: 0.5, lo: Number.NaN, hi: Number.NaN, n: 3 })).toBe('0.500');
    expect(formatRatio(null, '-')).toBe('-');
    expect(formatRatio({ mean: 1.29, lo: 1.1, hi: 1.52, n: 3 })).toBe('1.29x [1.10, 1.52]');
  });

  it('writes FLOPs for a table (prefix only, from mega up) and for running text (with the unit)', () => {
    expect(formatFlops(3.6e9)).toBe('3.60 G');
    expect(formatFlops(1.5e15)).toBe('1.50 P');
    expect(formatFlops(12_345)).toBe('12345');
    expect(formatFlops(Number.NaN)).toBe('–');
    expect(formatFlops(Number.POSITIVE_INFINITY, '-')).toBe('-');
    expect(formatFlopCount(3.6e9)).toBe('3.60 GFLOP');
    expect(formatFlopCount(12_345)).toBe('12.3 kFLOP');
    expect(formatFlopCount(456e12)).toBe('456 TFLOP');
    expect(formatFlopCount(0)).toBe('0 FLOP');
  });
});
