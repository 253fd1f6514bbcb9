import { describe, expect, it } from 'vitest';
import type { Dataset, Series } from '../../src/engine/data/dataset';
import { fitNormalization, normalizedMatrix, splitByTime, windowStarts } from '../../src/engine/data/split';

function series(rows: number, f: (i: number, c: number) => number, label: ((i: number) => number) | null, path = 's.csv'): Series {
  return {
    path,
    rows,
    timestamps: Float64Array.from({ length: rows }, (_, i) => i * 60_000),
    channels: ['a', 'b'].map((name, c) => ({ name, values: Float32Array.from({ length: rows }, (_, i) => f(i, c)) })),
    label: label ? Uint8Array.from({ length: rows }, (_, i) => label(i)) : null,
    events: null,
  };
}
const dataset = (s: Series[]): Dataset => ({ series: s, channels: ['a', 'b'], profile: { files: [], dataset: { files: s.length, rows: 0, channels: ['a', 'b'], labelRatio: null, events: 0, anomalyFreeFiles: [], warnings: [] } } });

describe('splits by time', () => {
  it('cuts each series before its first labelled anomaly; validation at the end of the training part', () => {
    const ds = dataset([series(100, (i) => i, (i) => (i >= 40 && i < 50 ? 1 : 0))]);
    const { segments, strategy } = splitByTime(ds, { trainFraction: 0.6, valFraction: 0.25 });
    expect(segments).toEqual([
      { series: 0, start: 0, end: 30, role: 'train' },
      { series: 0, start: 30, end: 40, role: 'val' },
      { series: 0, start: 40, end: 100, role: 'test' },
    ]);
    expect(strategy).toMatch(/leading 60%/);
  });

  it('uses anomaly-free files for training when the set has them', () => {
    const ds = dataset([series(50, (i) => i, () => 0, 'normal.csv'), series(80, (i) => i, (i) => (i > 60 ? 1 : 0), 'fault.csv')]);
    const { segments } = splitByTime(ds, { valFraction: 0.2 });
    expect(segments).toEqual([
      { series: 0, start: 0, end: 40, role: 'train' },
      { series: 0, start: 40, end: 50, role: 'val' },
      { series: 1, start: 0, end: 80, role: 'test' },
    ]);
  });

  it('never lets a test statistic into training: changing the test part changes nothing learned', () => {
    const base = (i: number, c: number) => Math.sin(i / 5 + c);
    const calm = dataset([series(200, base, (i) => (i >= 150 ? 1 : 0))]);
    const wild = dataset([series(200, (i, c) => (i >= 120 ? 1e6 * (c + 1) + i : base(i, c)), (i) => (i >= 150 ? 1 : 0))]);
    const a = splitByTime(calm);
    const b = splitByTime(wild);
    expect(b.segments).toEqual(a.segments);
    expect([...b.normalization.pooled.mean]).toEqual([...a.normalization.pooled.mean]);
    expect([...b.normalization.pooled.std]).toEqual([...a.normalization.pooled.std]);
    const train = a.segments.filter((g) => g.role === 'train');
    for (const g of train) {
      const starts = windowStarts(calm, g, 16);
      expect(Math.max(...starts) + 16).toBeLessThanOrEqual(g.end);
      const ma = normalizedMatrix(calm, 0, a.normalization.series[0]!);
      const mb = normalizedMatrix(wild, 0, b.normalization.series[0]!);
      for (const s of starts) for (let r = s; r < s + 16; r++) for (let c = 0; c < 2; c++) expect(mb[r * 2 + c]).toBe(ma[r * 2 + c]);
    }
  });

  it('normalises with the training statistics and skips windows over missing cells', () => {
    const ds = dataset([series(40, (i, c) => (i === 10 && c === 1 ? NaN : c === 0 ? 5 : i), null)]);
    const norm = fitNormalization(ds, [{ series: 0, start: 0, end: 20, role: 'train' }]);
    expect(norm.mean[0]).toBe(5);
    expect(norm.std[0]).toBe(1); // constant channel: no division by zero
    expect(norm.mean[1]).toBeCloseTo((190 - 10) / 19, 10);
    const starts = windowStarts(ds, { series: 0, start: 0, end: 40, role: 'train' }, 5);
    expect([...starts].some((s) => s <= 10 && s + 5 > 10)).toBe(false);
    expect(starts.length).toBe(36 - 5);
  });
});
