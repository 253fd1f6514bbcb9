import { describe, expect, it } from 'vitest';
import type { Dataset, Series } from '../../src/engine/data/dataset';
import { fitNormalization, normalizedMatrix, splitByTime, SplitError, windowStarts } from '../../src/engine/data/split';

function series(
  rows: number,
  f: (i: number, c: number) => number,
  label: ((i: number) => number) | null,
  path = 's.csv',
): Series {
  return {
    path,
    rows,
    timestamps: Float64Array.from({ length: rows }, (_, i) => i * 60_000),
    channels: ['a', 'b'].map((name, c) => ({ name, values: Float32Array.from({ length: rows }, (_, i) => f(i, c)) })),
    label: label ? Uint8Array.from({ length: rows }, (_, i) => label(i)) : null,
    events: null,
  };
}
const dataset = (s: Series[]): Dataset => ({
  series: s,
  channels: ['a', 'b'],
  profile: {
    files: [],
    dataset: {
      files: s.length,
      series: s.length,
      rows: 0,
      channels: ['a', 'b'],
      labelRatio: null,
      events: 0,
      anomalyFreeFiles: [],
      warnings: [],
    },
  },
});

describe('splits by time', () => {
  it('cuts each series before its first labelled anomaly; validation at the end of the training part', () => {
    const ds = dataset([
      series(
        100,
        (i) => i,
        (i) => (i >= 40 && i < 50 ? 1 : 0),
      ),
    ]);
    const { segments, strategy } = splitByTime(ds, { trainFraction: 0.6, valFraction: 0.25 });
    expect(segments).toEqual([
      { series: 0, start: 0, end: 30, role: 'train' },
      { series: 0, start: 30, end: 40, role: 'val' },
      { series: 0, start: 40, end: 100, role: 'test' },
    ]);
    expect(strategy).toMatch(/leading 60%/);
  });

  it('uses anomaly-free files for training when the set has them', () => {
    const ds = dataset([
      series(
        50,
        (i) => i,
        () => 0,
        'normal.csv',
      ),
      series(
        80,
        (i) => i,
        (i) => (i > 60 ? 1 : 0),
        'fault.csv',
      ),
    ]);
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
    const wild = dataset([
      series(
        200,
        (i, c) => (i >= 120 ? 1e6 * (c + 1) + i : base(i, c)),
        (i) => (i >= 150 ? 1 : 0),
      ),
    ]);
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
      for (const s of starts)
        for (let r = s; r < s + 16; r++) for (let c = 0; c < 2; c++) expect(mb[r * 2 + c]).toBe(ma[r * 2 + c]);
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

describe('per-series normalisation and splits', () => {
  // Two runs of one rig at different operating points: offsets 100 and 500, spreads 1 and 10.
  const run = (offset: number, scale: number, faultAt: number, path: string) =>
    series(
      200,
      (i, c) => offset + scale * Math.sin(i / 7 + c),
      (i) => (i >= faultAt ? 1 : 0),
      path,
    );
  const ds = dataset([run(100, 1, 150, 'run-a.csv'), run(500, 10, 160, 'run-b.csv')]);

  it('standardises each series by its own normal training rows (the default for several series)', () => {
    const s = splitByTime(ds);
    expect(s.normalization.mode).toBe('per-series');
    expect(s.normalization.description).toMatch(/^per series/);
    for (const [i, n] of s.normalization.series.entries()) {
      expect(n.own).toBe(true);
      const train = s.segments.filter((g) => g.series === i && g.role === 'train');
      expect(n.rows).toBe(train.reduce((a, g) => a + g.end - g.start, 0));
      // On its own training rows every channel has mean 0 and standard deviation 1.
      const m = normalizedMatrix(ds, i, n);
      for (let c = 0; c < 2; c++) {
        const xs = train.flatMap((g) => Array.from({ length: g.end - g.start }, (_, k) => m[(g.start + k) * 2 + c]!));
        const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
        const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
        expect(mean).toBeCloseTo(0, 5);
        expect(sd).toBeCloseTo(1, 4);
      }
    }
    // Pooled: one set of statistics for both, so the two runs sit far apart.
    const p = splitByTime(ds, { normalize: 'pooled' });
    expect(p.normalization.mode).toBe('pooled');
    expect([...p.normalization.series[0]!.mean]).toEqual([...p.normalization.pooled.mean]);
    expect(p.normalization.pooled.mean[0]).toBeGreaterThan(100);
    expect(p.normalization.pooled.mean[0]).toBeLessThan(500);
    // A single series stays pooled by default.
    expect(splitByTime(dataset([run(100, 1, 150, 'one.csv')])).normalization.mode).toBe('pooled');
  });

  it('borrows the pooled statistics for a series without enough training rows of its own, and says so', () => {
    const early = dataset([run(100, 1, 150, 'run-a.csv'), run(500, 10, 5, 'run-c.csv')]);
    const s = splitByTime(early, { normalize: 'per-series' });
    expect(s.normalization.series[1]!.own).toBe(false);
    expect([...s.normalization.series[1]!.mean]).toEqual([...s.normalization.pooled.mean]);
    expect(s.warnings.join('\n')).toMatch(/1 series \(run-c\.csv\) have fewer than 20 normal training rows/);
    // By default such a set is normalised pooled (per series needs every tested series' own rows).
    expect(splitByTime(early).normalization.mode).toBe('pooled');
  });

  it('keeps the pooled spread for a channel that does not move in one series', () => {
    const flat = dataset([
      run(100, 1, 150, 'run-a.csv'),
      series(
        200,
        (i, c) => (c === 0 ? 7 : Math.sin(i)),
        (i) => (i >= 150 ? 1 : 0),
        'run-f.csv',
      ),
    ]);
    const s = splitByTime(flat);
    expect(s.normalization.series[1]!.mean[0]).toBe(7);
    expect(s.normalization.series[1]!.std[0]).toBe(s.normalization.pooled.std[0]);
  });

  it('--train-rows: the first N rows of every series train and validate, the rest is test', () => {
    const s = splitByTime(ds, { trainRows: 100, valFraction: 0.2 });
    expect(s.segments).toEqual([
      { series: 0, start: 0, end: 80, role: 'train' },
      { series: 0, start: 80, end: 100, role: 'val' },
      { series: 0, start: 100, end: 200, role: 'test' },
      { series: 1, start: 0, end: 80, role: 'train' },
      { series: 1, start: 80, end: 100, role: 'val' },
      { series: 1, start: 100, end: 200, role: 'test' },
    ]);
    expect(s.strategy).toMatch(/^the first 100 rows of each series/);
    // A labelled anomaly inside the first N rows ends that series' training part before it.
    const cut = splitByTime(ds, { trainRows: 155, valFraction: 0 });
    expect(cut.segments.filter((g) => g.role === 'train').map((g) => g.end)).toEqual([150, 155]);
    expect(cut.warnings.join('\n')).toMatch(/1 of 2 series have a labelled anomaly within their first 155 rows/);
    // A series too short for N training rows and a test part is an error naming it.
    const short = dataset([run(100, 1, 150, 'run-a.csv'), series(120, (i) => i, null, 'run-short.csv')]);
    expect(() => splitByTime(short, { trainRows: 120 })).toThrow(SplitError);
    expect(() => splitByTime(short, { trainRows: 120 })).toThrow(
      /run-short\.csv \(120 rows\): 120 training rows per series leave no test part \(a series needs at least 121 rows\)/,
    );
    expect(() => splitByTime(ds, { trainRows: 1 })).toThrow(/at least 2/);
    expect(() => splitByTime(ds, { trainRows: 50, trainFraction: 0.5 })).toThrow(/not both/);
  });

  it('--train-fraction splits every series, even when some files are anomaly-free', () => {
    const withFree = dataset([
      series(
        100,
        (i) => i,
        () => 0,
        'normal.csv',
      ),
      run(100, 1, 150, 'run-a.csv'),
    ]);
    expect(splitByTime(withFree).strategy).toMatch(/anomaly-free files train/);
    const s = splitByTime(withFree, { trainFraction: 0.5, valFraction: 0 });
    expect(s.strategy).toMatch(/^the leading 50% of each series/);
    expect(s.segments).toEqual([
      { series: 0, start: 0, end: 50, role: 'train' },
      { series: 0, start: 50, end: 100, role: 'test' },
      { series: 1, start: 0, end: 100, role: 'train' },
      { series: 1, start: 100, end: 200, role: 'test' },
    ]);
    expect(() => splitByTime(withFree, { trainFraction: 1 })).toThrow(/between 0 and 1/);
  });
});
