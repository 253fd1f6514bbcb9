import { describe, expect, it } from 'vitest';
import {
  distinctDigits,
  fixed,
  formatBracket,
  formatDifference,
  formatDuration,
  formatFlopCount,
  formatFlops,
  formatInterval,
  formatLocalDateTime,
  formatRatio,
  formatSi,
  intervalDigits,
  signed,
  timeUnitOf,
} from '../../src/shared/format';

const iv = (mean: number, lo: number, hi: number, n = 3) => ({ mean, lo, hi, n });

describe('shared number formats', () => {
  it('formats intervals as mean ±half-width, the mean alone for one seed', () => {
    expect(formatInterval(iv(0.455, 0.437, 0.473))).toBe('0.455 ±0.018');
    expect(formatInterval(iv(1.38, 1.32, 1.44), 2, { unit: 'x' })).toBe('1.38x ±0.06');
    expect(formatInterval(iv(0.455, 0.455, 0.455, 1))).toBe('0.455');
    expect(formatInterval(iv(Number.NaN, Number.NaN, Number.NaN, 0))).toBe('–');
  });

  it('scales an interval and writes a missing one as the caller asks (the CLI table: "-")', () => {
    expect(formatInterval(iv(12_340, 11_340, 13_340), 1, { scale: 1 / 1000 })).toBe('12.3 ±1.0');
    expect(formatInterval(null, 3, { none: '-' })).toBe('-');
    expect(formatInterval(iv(0.5, Number.NaN, Number.NaN))).toBe('0.500');
    expect(formatRatio(null, '-')).toBe('-');
    expect(formatRatio(iv(1.29, 1.1, 1.52))).toBe('1.29x [1.10, 1.52]');
  });

  it('writes no interval of zero width: a deterministic detector shows its value alone', () => {
    expect(formatInterval(iv(0.38, 0.38, 0.38))).toBe('0.380');
    // Rounding noise of a mean of equal values is no spread either.
    const x = (0.1 + 0.1 + 0.1) / 3;
    expect(formatInterval(iv(x, x - 1e-17, x + 1e-17))).toBe('0.100');
    expect(formatBracket(iv(0.3, 0.3, 0.3))).toBe('0.300');
    // The baseline's speed-up against itself is 1, not "1.00x [1.00, 1.00]" nor "1.00 ±0.00x".
    expect(formatRatio(iv(1, 1, 1))).toBe('1.00x');
    expect(formatRatio(iv(1.38, 1.38, 1.38, 1))).toBe('1.38x');
  });

  it('adds digits until a small spread shows, instead of "±0.000"', () => {
    expect(formatInterval(iv(0.5543, 0.5539, 0.5547))).toBe('0.5543 ±0.0004');
    expect(formatRatio(iv(1.003, 0.998, 1.008))).toBe('1.003x [0.998, 1.008]');
    expect(formatBracket(iv(0.2461, 0.2459, 0.2463))).toBe('0.2461 [0.2459, 0.2463]');
    // At most three digits more: a spread below them is none.
    expect(formatInterval(iv(0.5, 0.5 - 1e-8, 0.5 + 1e-8))).toBe('0.500');
  });

  it('never writes −0.000, and signs differences', () => {
    expect(fixed(-0.0002, 3)).toBe('0.000');
    expect(fixed(-0.0006, 3)).toBe('-0.001');
    expect(signed(-0.0002, 3)).toBe('0.000');
    expect(signed(0.014, 3)).toBe('+0.014');
    expect(signed(-0.014, 3)).toBe('−0.014');
    expect(formatDifference({ mean: -0.0002, lo: -0.025, hi: 0.025, n: 3, significant: false })).toBe(
      '0.000 [−0.025, +0.025]',
    );
    expect(formatDifference({ mean: 0.014, lo: 0.005, hi: 0.022, n: 5, significant: true })).toBe(
      '+0.014 [+0.005, +0.022]',
    );
    expect(formatDifference({ mean: 0.031, lo: 0.031, hi: 0.031, n: 1, significant: false })).toBe('+0.031 (one seed)');
    expect(formatDifference({ mean: 0, lo: 0, hi: 0, n: 3, significant: false })).toBe('0.000 on every seed');
    expect(formatDifference({ mean: 0.00012, lo: 0.0001, hi: 0.00014, n: 3, significant: true }, 3)).toBe(
      '+0.00012 [+0.00010, +0.00014]',
    );
    expect(formatDifference(null)).toBe('–');
  });

  it('finds the digits at which different values of a row print apart', () => {
    expect(distinctDigits([0.5541, 0.5544, 0.61], 3)).toBe(4);
    expect(distinctDigits([0.554, 0.61, 0.554], 3)).toBe(3);
    expect(distinctDigits([0.1, (0.1 + 0.1 + 0.1) / 3], 3)).toBe(3);
    expect(distinctDigits([0.5, 0.5 + 1e-7], 3)).toBe(6);
    const vals = [0.24612, 0.24648, 0.2471];
    const d = distinctDigits(vals, 3);
    expect(new Set(vals.map((v) => fixed(v, d))).size).toBe(3);
  });

  it('adds no digits to tell apart means closer than a tenth of their intervals', () => {
    // 0.635270 and 0.635265 with intervals of ±0.016: the third digit is all they are worth.
    expect(intervalDigits([iv(0.63527, 0.61927, 0.65127), iv(0.635265, 0.619265, 0.651265)], 3)).toBe(3);
    // A deterministic detector has no interval: its value is told apart from a close one.
    expect(intervalDigits([iv(0.25463, 0.18, 0.33), iv(0.25448, 0.25448, 0.25448)], 3)).toBe(3);
    expect(intervalDigits([iv(0.2591, 0.2591, 0.2591), iv(0.2594, 0.2594, 0.2594)], 3)).toBe(4);
    expect(intervalDigits([iv(182.5, 180.4, 184.6), null, iv(182.3, 182.3, 182.3)], 1, 1 / 60)).toBe(3);
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
    expect(formatSi(1e9)).toBe('1 G');
    expect(formatSi(2.5e8)).toBe('250 M');
    expect(formatSi(0.06)).toBe('0.06');
  });

  it('writes durations in s, min, h or d', () => {
    expect(timeUnitOf(45).unit).toBe('s');
    expect(timeUnitOf(0.5).unit).toBe('s');
    expect(timeUnitOf(150).unit).toBe('min');
    expect(timeUnitOf(7200).unit).toBe('h');
    expect(formatDuration(45)).toBe('45 s');
    expect(formatDuration(150)).toBe('2.5 min');
    expect(formatDuration(65_520)).toBe('18.2 h');
    expect(formatDuration(Number.NaN)).toBe('–');
  });

  it('writes a moment as a local date and time with its offset from UTC', () => {
    const at = new Date(2026, 11, 1, 15, 50, 34);
    const off = -at.getTimezoneOffset();
    const zone = `UTC${off < 0 ? '−' : '+'}${String(Math.floor(Math.abs(off) / 60)).padStart(2, '0')}:${String(Math.abs(off) % 60).padStart(2, '0')}`;
    expect(formatLocalDateTime(at)).toBe(`2026-12-01 15:50 (${zone})`);
    expect(formatLocalDateTime(at.toISOString())).toBe(`2026-12-01 15:50 (${zone})`);
    expect(formatLocalDateTime('not a date')).toBe('not a date');
  });
});
