/**
 * The per-run protocol of multi-run data: metrics per series and their macro mean beside the
 * pooled ones, the classical detectors fitted per series, the protocol in the comparison and its
 * display, and comparisons of reports written before it.
 */
import { describe, expect, it } from 'vitest';
import { baselineRowScores, evaluateBaselines, evaluateRowScores } from '../../src/engine/eval/evaluate';
import { aucRoc, thresholdMetrics } from '../../src/engine/eval/metrics';
import { pcaScores } from '../../src/engine/eval/baselines';
import { vus } from '../../src/engine/eval/vus';
import { Rng } from '../../src/engine/random';
import type { RunData } from '../../src/engine/data/prepared';
import { compareRuns } from '../../src/engine/compare/compare';
import { renderTable } from '../../src/engine/compare/table';
import { renderHtml } from '../../src/engine/compare/html';
import { comparisonCsv } from '../../src/engine/compare/csv';
import type { LoadedRun } from '../../src/engine/compare/load';
import type { Evaluation } from '../../src/engine/eval/evaluate';
import { metricsUnder } from '../../src/shared/compare';
import { comparisonSummary } from '../../src/engine/cli/compare';
import { handMadeJob } from '../helpers/runs';

type Role = 'train' | 'val' | 'test';
const seg = (series: number, start: number, end: number, role: Role) => ({ series, start, end, role });

/**
 * Three series of 10 rows and a fourth of training rows only: rows 0..4 of each train, 5..9 test.
 * Test labels and scores chosen so that each series' AUC-ROC is easy by hand.
 */
function crafted(): { data: RunData; scores: Float64Array } {
  const labels = new Uint8Array(40);
  const scores = new Float64Array(40).fill(0.5);
  // Series A (rows 5..9): anomalies score 2 and 4 against normals 1, 3, 0: 5 of 6 pairs won, AUC 5/6.
  labels.set([0, 0, 1, 0, 1], 5);
  scores.set([1, 3, 2, 0, 4], 5);
  // Series B (rows 15..19): anomalies 5 and 1 against 2, 3, 4: 3 of 6 pairs won, AUC 1/2.
  labels.set([1, 1, 0, 0, 0], 15);
  scores.set([5, 1, 2, 3, 4], 15);
  // Series C (rows 25..29): no anomaly in its test part, so no AUC: not scored.
  scores.set([9, 9, 9, 9, 9], 25);
  const data: RunData = {
    matrix: new Float32Array(40),
    trainStarts: new Int32Array(),
    valStarts: new Int32Array(),
    labels,
    segments: [
      seg(0, 0, 5, 'train'),
      seg(0, 5, 10, 'test'),
      seg(1, 10, 15, 'train'),
      seg(1, 15, 20, 'test'),
      seg(2, 20, 25, 'train'),
      seg(2, 25, 30, 'test'),
      seg(3, 30, 40, 'train'),
    ],
    series: [
      { name: 'a.csv', start: 0, end: 10 },
      { name: 'b.csv', start: 10, end: 20 },
      { name: 'c.csv', start: 20, end: 30 },
      { name: 'd.csv', start: 30, end: 40 },
    ],
  };
  return { data, scores };
}

describe('metrics per series', () => {
  it('computes every metric on each series’ own test rows and their macro mean over the scored series', () => {
    const { data, scores } = crafted();
    const ev = evaluateRowScores(scores, data)!;
    const ps = ev.perSeries!;
    // The series with test rows, in data-set order; d.csv has none.
    expect(ps.series.map((s) => [s.name, s.testRows, s.anomalies])).toEqual([
      ['a.csv', 5, 2],
      ['b.csv', 5, 2],
      ['c.csv', 5, 0],
    ]);
    expect(ps.series[0]!.metrics!.aucRoc).toBeCloseTo(5 / 6, 12);
    expect(ps.series[1]!.metrics!.aucRoc).toBeCloseTo(1 / 2, 12);
    expect(ps.series[2]!.metrics).toBeNull();
    expect(ps.scored).toBe(2);
    expect(ps.macro!.aucRoc).toBeCloseTo((5 / 6 + 1 / 2) / 2, 12);
    // Each series' other metrics are those of its own rows, at the run's one threshold.
    const a = { s: [1, 3, 2, 0, 4], l: [0, 0, 1, 0, 1] };
    expect(ps.series[0]!.metrics!.vusPr).toBe(vus(a.s, a.l).pr);
    expect(ps.series[0]!.metrics!.atThreshold).toEqual(thresholdMetrics(a.s, a.l, ev.threshold));
    expect(ps.macro!.vusPr).toBeCloseTo((ps.series[0]!.metrics!.vusPr + ps.series[1]!.metrics!.vusPr) / 2, 12);
    // The pooled AUC ranks all 15 test rows together: another number (c.csv's 9s outrank every anomaly).
    const rows = [...Array(5).keys()].flatMap((i) => [5 + i, 15 + i, 25 + i]);
    expect(ev.aucRoc).toBe(
      aucRoc(
        rows.map((r) => scores[r]!),
        rows.map((r) => data.labels![r]!),
      ),
    );
    expect(ev.aucRoc).not.toBeCloseTo(ps.macro!.aucRoc, 3);
  });

  it('leaves the macro mean null when no series can be scored, and adds nothing for one series', () => {
    const { data, scores } = crafted();
    const labels = Uint8Array.from(data.labels!);
    labels.set([0, 0, 0, 0, 0], 5);
    labels.set([1, 1, 1, 1, 1], 15);
    const ps = evaluateRowScores(scores, { ...data, labels })!.perSeries!;
    expect(ps.scored).toBe(0);
    expect(ps.macro).toBeNull();
    const one: RunData = {
      ...data,
      series: [{ name: 'a.csv', start: 0, end: 40 }],
      segments: data.segments!.map((g) => ({ ...g, series: 0 })),
    };
    expect(evaluateRowScores(scores, one)!.perSeries).toBeUndefined();
  });
});

/**
 * Two runs of 600 rows, two channels: in run A channel 2 follows channel 1, in run B it mirrors it.
 * Rows 0..299 of each train, 300..599 test; the relation breaks at test rows 400..419.
 */
function twoRuns(trainB = 300): RunData {
  const rng = new Rng(3, 'test');
  const rows = 1200;
  const matrix = new Float32Array(rows * 2);
  const labels = new Uint8Array(rows);
  for (let t = 0; t < rows; t++) {
    const local = t % 600;
    const sign = t < 600 ? 1 : -1;
    const a = Math.sin(local / 11) + 0.05 * rng.normal();
    const broken = local >= 400 && local < 420;
    matrix[t * 2] = a;
    matrix[t * 2 + 1] = (broken ? -sign : sign) * a + 0.05 * rng.normal();
    labels[t] = broken ? 1 : 0;
  }
  return {
    matrix,
    trainStarts: new Int32Array(),
    valStarts: new Int32Array(),
    labels,
    segments: [
      seg(0, 0, 300, 'train'),
      seg(0, 300, 600, 'test'),
      seg(1, 600, 600 + trainB, 'train'),
      seg(1, 600 + trainB, 1200, 'test'),
    ],
    series: [
      { name: 'run-a.csv', start: 0, end: 600 },
      { name: 'run-b.csv', start: 600, end: 1200 },
    ],
  };
}

const rowsOf = (data: RunData, from: number, to: number) => ({
  data: data.matrix.slice(from * 2, to * 2),
  rows: to - from,
  channels: 2,
});

describe('classical detectors fitted per series', () => {
  it('fits PCA on each series’ own training rows and scores that series’ rows with it', () => {
    const data = twoRuns();
    const s = baselineRowScores(data, 2, 1);
    expect(s.ownFits).toEqual({ series: 2, own: 2 });
    const own = pcaScores(rowsOf(data, 600, 900), rowsOf(data, 900, 1200), undefined, 1);
    expect([...s['pca-per-series']!.subarray(900, 1200)]).toEqual([...own]);
    // The pooled fit is the one fitted on both runs' training rows, as before.
    const train = {
      data: Float32Array.from([...data.matrix.slice(0, 600), ...data.matrix.slice(1200, 1800)]),
      rows: 600,
      channels: 2,
    };
    const pooled = pcaScores(train, rowsOf(data, 900, 1200), undefined, 1);
    expect([...s.pca!.subarray(900, 1200)]).toEqual([...pooled]);
    // Two opposite relations: one pooled component cannot hold both; one per run can.
    const evs = evaluateBaselines(data, 2, 1);
    expect(evs['pca-per-series']!.ownFits).toEqual({ series: 2, own: 2 });
    expect(evs['pca-per-series']!.perSeries!.macro!.aucRoc).toBeGreaterThan(0.95);
    expect(evs['pca-per-series']!.perSeries!.macro!.aucRoc).toBeGreaterThan(evs.pca!.perSeries!.macro!.aucRoc);
    expect(evs['isolation-forest-per-series']).toBeDefined();
  });

  it('keeps the pooled fit for a series with too few normal training rows, and fits none per series for one series', () => {
    const data = twoRuns(60);
    const s = baselineRowScores(data, 2, 1);
    expect(s.ownFits).toEqual({ series: 2, own: 1 });
    expect([...s['pca-per-series']!.subarray(660, 1200)]).toEqual([...s.pca!.subarray(660, 1200)]);
    expect([...s['isolation-forest-per-series']!.subarray(660, 1200)]).toEqual([
      ...s['isolation-forest']!.subarray(660, 1200),
    ]);
    const one = { ...data, series: [{ name: 'all.csv', start: 0, end: 1200 }] };
    expect(Object.keys(evaluateBaselines(one, 2, 1))).toEqual(['random', 'rolling-z', 'pca', 'isolation-forest']);
  });
});

/** An evaluation with per-series macro means: the pooled one's numbers, VUS-PR replaced. */
function withSeries(ev: Evaluation | null | undefined, vusPr: number): Evaluation | null {
  if (!ev) return null;
  const macro = { vusPr, vusRoc: 0.7, aucRoc: 0.8, aucPr: vusPr, atThreshold: ev.atThreshold };
  return { ...ev, perSeries: { series: [], scored: 11, macro } };
}

/** handMadeJob as multi-run data of 12 series whose reports carry per-series metrics and per-series fits. */
function multiRunJob(): LoadedRun[] {
  return handMadeJob().map((r) => {
    const b = r.report.baselines!;
    const shift = r.config.variant === 'midas' ? 0.1 : 0;
    return {
      ...r,
      config: { ...r.config, data: { ...r.config.data, series: 12 } },
      report: {
        ...r.report,
        evaluation: withSeries(r.report.evaluation, 0.4 + shift + r.config.seed / 100),
        baselines: {
          random: withSeries(b.random, 0.1)!,
          'rolling-z': withSeries(b['rolling-z'], 0.2)!,
          pca: withSeries(b.pca, 0.45)!,
          'isolation-forest': withSeries(b['isolation-forest'], 0.3)!,
          'pca-per-series': { ...withSeries(b.pca, 0.6 + r.config.seed / 100)!, ownFits: { series: 12, own: 12 } },
        },
      },
    };
  });
}

describe('the protocol in the comparison', () => {
  it('names the per-series protocol for multi-run data and the strongest classical fit under it', () => {
    const c = compareRuns(multiRunJob());
    expect(c.protocol.verdictUses).toBe('per-series');
    expect(c.protocol.series).toBe(12);
    expect(c.protocol.scoredSeries).toBe(11);
    // By the per-series means PCA fitted per series wins (0.62), though pooled PCA's pooled VUS-PR is higher.
    expect(c.protocol.strongestClassical).toMatchObject({ name: 'pca-per-series', fit: 'per-series' });
    expect(c.protocol.strongestClassical!.vusPr.mean).toBeCloseTo(0.62, 12);
    expect(c.protocol.fits.pooled).toMatchObject({ name: 'pca', fit: 'pooled' });
    expect(c.protocol.perSeriesFitsWin).toBe(true);
    expect(c.warnings.join(' ')).toMatch(/fitted on each series' own training rows beat those fitted on all series/);
    const midas = c.variants.find((v) => v.variant === 'midas')!;
    expect(midas.perSeries!.metrics.vusPr!.mean).toBeCloseTo(0.52, 12);
    expect(midas.perSeries!.differences.vusPr!.mean).toBeCloseTo(0.1, 12);
    expect(metricsUnder(midas, 'per-series')).toBe(midas.perSeries!.metrics);
    expect(metricsUnder(midas, 'pooled')).toBe(midas.metrics);
    const ownPca = c.baselines.find((b) => b.name === 'pca-per-series')!;
    expect(ownPca).toMatchObject({ label: 'PCA reconstruction (per series)', fit: 'per-series' });
    expect(ownPca.ownFits).toEqual({ series: 12, own: 12 });
  });

  it('still compares reports written before per-series metrics: the pooled protocol, said so', () => {
    const old = handMadeJob();
    const c = compareRuns(old);
    expect(c.protocol).toMatchObject({ verdictUses: 'pooled', series: 1, scoredSeries: null, perSeriesFitsWin: null });
    expect(c.protocol.strongestClassical!.name).toBe('pca');
    expect(c.variants.every((v) => v.perSeries === undefined)).toBe(true);
    expect(renderTable(c)).not.toMatch(/series mean|Protocol:/);
    const multi = compareRuns(
      old.map((r) => ({ ...r, config: { ...r.config, data: { ...r.config.data, series: 12 } } })),
    );
    expect(multi.protocol.verdictUses).toBe('pooled');
    expect(multi.warnings.join(' ')).toMatch(/evaluated before per-series metrics existed/);
    // A job of old and new runs: not every run has per-series metrics, so the pooled protocol.
    const mixed = compareRuns([...multiRunJob().slice(0, 4), ...old.slice(4)]);
    expect(mixed.protocol.verdictUses).toBe('pooled');
  });

  it('shows the series means beside the pooled values in the table, the HTML report and the CSV', () => {
    const c = compareRuns(multiRunJob());
    const text = renderTable(c);
    expect(text).toMatch(/Protocol: per run: .* 11 of 12 series/);
    const row = text.split('\n').find((l) => l.startsWith('VUS-PR, series mean'))!;
    expect(row).toContain('0.520');
    expect(row).toContain('0.620');
    const html = renderHtml(c);
    expect(html).toContain('data-protocol="per-series"');
    expect(html).toContain('VUS-PR, series mean');
    expect(html).toContain('PCA reconstruction (per series)');
    const csv = comparisonCsv(c).split('\r\n');
    expect(csv[0]).toContain('VUS-PR series mean mean');
    expect(comparisonCsv(compareRuns(handMadeJob()))).not.toContain('series mean');
    // With timestamps the series' delay is in the pooled delay's time unit too, not in rows alone.
    const [head, first] = comparisonCsv({ ...c, data: { ...c.data, samplingSeconds: 60 } })
      .split('\r\n')
      .map((l) => l.split(','));
    const at = (name: string) => Number(first![head!.indexOf(name)]);
    const timed = head!.find((h) => /^detection delay \((s|min|h|d)\) series mean mean$/.test(h));
    expect(timed, head!.join(',')).toBeDefined();
    const pooledTimed = timed!.replace(' series mean mean', ' mean');
    const per = at(pooledTimed) / at('detection delay (rows) mean');
    expect(at('detection delay (rows) series mean mean')).toBeGreaterThan(0);
    expect(at(timed!)).toBeCloseTo(at('detection delay (rows) series mean mean') * per, 6);
    // `stacklab compare --json` carries the protocol and the series means too.
    const json = JSON.parse(JSON.stringify(comparisonSummary(c)));
    expect(json.protocol.verdictUses).toBe('per-series');
    expect(json.variants[0].perSeries.metrics.vusPr.mean).toBeCloseTo(0.42, 12);
    expect(json.baselines.find((b: { name: string }) => b.name === 'pca-per-series')).toMatchObject({
      fit: 'per-series',
      ownFits: { series: 12, own: 12 },
    });
  });
});
