/** The comparison from hand-made runs: grouping, intervals, pairing by seed, verdict, table, JSON, HTML. */
import { describe, expect, it } from 'vitest';
import { compareRuns, fitIsoplot } from '../../src/engine/compare/compare';
import { renderHtml } from '../../src/engine/compare/html';
import { variantColor } from '../../src/shared/colors';
import { formatLocalDateTime } from '../../src/shared/format';
import type { LoadedRun } from '../../src/engine/compare/load';
import { probeCheck } from '../../src/engine/compare/probe-check';
import type { MetricRecord } from '../../src/engine/runs/types';
import { renderTable } from '../../src/engine/compare/table';
import { comparisonSummary } from '../../src/engine/cli/compare';
import type { Evaluation } from '../../src/engine/eval/evaluate';
import type { ThresholdMetrics } from '../../src/engine/eval/metrics';
import type { RunConfig, RunReport } from '../../src/engine/runs/types';

function evaluation(vusPr: number, extra: Partial<ThresholdMetrics> = {}): Evaluation {
  const at: ThresholdMetrics = {
    precision: 0.5,
    recall: 0.5,
    f1: 0.5,
    rangePrecision: 0.4,
    rangeRecall: 0.4,
    rangeF1: 0.4,
    eventPrecision: 0.6,
    eventRecall: 0.6,
    eventF1: 0.6,
    falseAlarmRate: 0.01,
    missedAlarmRate: 0.4,
    meanDetectionDelay: 3,
    pointAdjustedF1: 0.8,
    ...extra,
  };
  return {
    threshold: 1,
    thresholdRule: { kind: 'quantile', q: 0.99 },
    thresholdRows: 100,
    testRows: 50,
    vusPr,
    vusRoc: 0.7,
    aucPr: vusPr - 0.05,
    aucRoc: 0.7,
    atThreshold: at,
    prCurve: { recall: [0, 1], precision: [1, 0.2] },
  };
}

function run(
  variant: RunConfig['variant'],
  seed: number,
  o: {
    wallMs: number;
    evalMs?: number;
    flops: number;
    vusPr: number;
    valLoss: number;
    copy?: number;
    flopMatchedTo?: RunConfig['variant'];
    labelled?: boolean;
    fingerprint?: string;
  },
): LoadedRun {
  const labelled = o.labelled ?? true;
  const config = {
    variant,
    ...(o.flopMatchedTo ? { flopMatchedTo: o.flopMatchedTo } : {}),
    seed,
    preset: 'tiny',
    growth: { layers: 4, block: 1, alpha: 1, steps: 100 },
    device: 'cpu',
    precision: 'fp32',
    data: {
      source: 'sample',
      fingerprint: o.fingerprint ?? 'f00d',
      channels: ['a', 'b', 'c'],
      split: 'time',
      trainWindows: 1,
      valWindows: 1,
      normalization: { mean: [], std: [] },
    },
  } as unknown as RunConfig;
  const report: RunReport = {
    variant,
    seed,
    dir: `/runs/${variant}-s${seed}`,
    status: 'finished',
    stages:
      variant === 'baseline'
        ? [{ layers: 4, steps: 100, flops: o.flops, wallMs: o.wallMs }]
        : [1, 2, 3, 4].map((l) => ({ layers: l, steps: 25, flops: o.flops / 4, wallMs: o.wallMs / 4 })),
    totalFlops: o.flops,
    wallMs: o.wallMs,
    ...(o.evalMs !== undefined ? { evalMs: o.evalMs } : {}),
    finalValLoss: o.valLoss,
    finalTrainLoss: o.valLoss,
    evaluation: labelled ? evaluation(o.vusPr) : null,
    baselines: labelled
      ? { random: evaluation(0.1 + seed * 0.001, { pointAdjustedF1: 0.7, eventF1: 0.2 }), pca: evaluation(0.3) }
      : {},
    probes: {
      copy: { accuracy: o.copy ?? 0.5, chance: 0.25, items: 64, persistence: 0.25 },
      lookup: { accuracy: 0.3, chance: 0.25, items: 64, persistence: 0.25 },
      contextual: null,
    },
  };
  const metrics: MetricRecord[] = [
    { type: 'stage', stage: 1, steps: 25, step: 0, layers: 1 },
    { type: 'train', step: 10, loss: 1, gradNorm: 1, lr: 1e-3, flops: 10, elapsedMs: 5 },
    { type: 'stage', stage: 2, steps: 25, step: 25, layers: 2 },
    { type: 'train', step: 50, loss: 0.5, gradNorm: 1, lr: 1e-3, flops: 50, elapsedMs: 20 },
    ...[1.0, 0.8, 0.6].map((l, i) => ({
      type: 'isoplot' as const,
      step: (i + 1) * 30,
      layers: 2,
      valLoss: o.valLoss + l,
      vusPr: o.vusPr - l / 10,
      probes: {},
    })),
  ];
  return { dir: report.dir, config, report, metrics };
}

// Three seeds; MIDAS is 1.5x faster in every seed and better on VUS-PR by 0.05, 0.06, 0.07.
const runs = [1, 2, 3].flatMap((s) => [
  run('baseline', s, { wallMs: 3000 + s * 100, flops: 1000, vusPr: 0.4 + s * 0.01, valLoss: 0.2 }),
  run('midas', s, {
    wallMs: (3000 + s * 100) / 1.5,
    flops: 640,
    vusPr: 0.45 + s * 0.02,
    valLoss: 0.21,
    copy: 0.6 + s * 0.01,
  }),
  run('baseline', s, { wallMs: 2000, flops: 640, vusPr: 0.38, valLoss: 0.25, flopMatchedTo: 'midas' }),
]);

describe('speed-ups on training time', () => {
  // The same validation cost (2000 ms) in every run: the wall-clock ratio is 5000/4000 = 1.25,
  // the training-time ratio 3000/2000 = 1.5.
  const timed = (evalMs: number | undefined) =>
    [1, 2, 3].flatMap((s) => [
      run('baseline', s, { wallMs: 5000, evalMs, flops: 1000, vusPr: 0.4, valLoss: 0.2 }),
      run('midas', s, { wallMs: 4000, evalMs, flops: 640, vusPr: 0.4, valLoss: 0.2 }),
    ]);

  it('compares wall-clock less validation when every report records it', () => {
    const c = compareRuns(timed(2000));
    const midas = c.variants.find((v) => v.variant === 'midas')!;
    expect(c.speedBasis).toBe('training time');
    expect(midas.speedup!.mean).toBeCloseTo(1.5, 12);
    expect(midas.trainMs!.mean).toBe(2000);
    expect(midas.wallMs.mean).toBe(4000);
    expect(renderTable(c)).toMatch(/training time \(s\)\s+3\.0/);
  });

  it('falls back to the wall-clock for every variant when one report lacks it', () => {
    const mixed = timed(2000);
    const older = mixed[1]!;
    const { evalMs: _dropped, ...report } = older.report;
    mixed[1] = { ...older, report };
    const c = compareRuns(mixed);
    expect(c.speedBasis).toBe('wall-clock');
    expect(c.variants.find((v) => v.variant === 'midas')!.speedup!.mean).toBeCloseTo(1.25, 12);
    expect(renderTable(c)).not.toMatch(/training time \(s\)/);
    expect(renderTable(c)).toMatch(/speed-up: the baseline's wall-clock over the variant's/);
  });
});

describe('comparing variants', () => {
  const c = compareRuns(runs, { now: new Date('2026-11-29T00:00:00Z') });

  it('groups runs into variants (the FLOP-matched baseline apart) in a fixed order', () => {
    expect(c.variants.map((v) => [v.variant, v.runs, v.seeds])).toEqual([
      ['baseline', 3, [1, 2, 3]],
      ['baseline≈midas', 3, [1, 2, 3]],
      ['midas', 3, [1, 2, 3]],
    ]);
    expect(c.reference).toBe('baseline');
    expect(c.variants[2]!.depths).toEqual([1, 2, 3, 4]);
  });

  it('gives means with 95% t intervals and paired differences against the baseline', () => {
    const midas = c.variants.find((v) => v.variant === 'midas')!;
    // VUS-PR 0.47, 0.49, 0.51: mean 0.49, s = 0.02, half-width 4.303 · 0.02 / √3
    const half = (4.303 * 0.02) / Math.sqrt(3);
    expect(midas.metrics.vusPr!.mean).toBeCloseTo(0.49, 12);
    expect(midas.metrics.vusPr!.hi - midas.metrics.vusPr!.mean).toBeCloseTo(half, 9);
    // Differences seed by seed 0.06, 0.07, 0.08: mean 0.07, s = 0.01, interval excludes 0.
    const d = midas.differences.vusPr!;
    expect(d.mean).toBeCloseTo(0.07, 12);
    expect(d.lo).toBeCloseTo(0.07 - (4.303 * 0.01) / Math.sqrt(3), 9);
    expect(d.significant).toBe(true);
    // The same speed-up (1.5) in every seed: an interval of zero width.
    expect(midas.speedup!.mean).toBeCloseTo(1.5, 12);
    expect(midas.speedup!.hi - midas.speedup!.lo).toBeCloseTo(0, 9);
    expect(midas.flopRatio).toBeCloseTo(0.64, 12);
    // Reports without validation time (older ones): the speed-up is on the wall-clock.
    expect(c.speedBasis).toBe('wall-clock');
    expect(midas.trainMs).toBeNull();
    // Validation loss 0.21 vs 0.20 in every seed.
    expect(midas.valLossDifference!.mean).toBeCloseTo(0.01, 12);
    expect(c.variants[0]!.differences).toEqual({});
    expect(midas.probes.copy!.mean).toBeCloseTo(0.62, 12);
    expect(midas.probes.contextual).toBeUndefined();
  });

  it('pools the baselines over seeds, one value per seed', () => {
    expect(c.baselines.map((b) => b.name)).toEqual(['random', 'pca']);
    expect(c.baselines[0]!.metrics.vusPr!.mean).toBeCloseTo(0.102, 12);
    expect(c.baselines[0]!.metrics.vusPr!.n).toBe(3);
    expect(c.baselines[0]!.pointAdjustedF1!.mean).toBeCloseTo(0.7, 12);
  });

  it('fits the isoplot on ln(validation loss) and reads it at the baseline loss', () => {
    const fit = c.variants.find((v) => v.variant === 'midas')!.isoplot.fit!;
    expect(fit.points).toBe(9);
    expect(c.referenceLoss).toBeCloseTo(0.2, 12);
    expect(fit.extrapolated).toBe(true); // midas's checkpoints all sit at losses above 0.2 + 0.6
    // A line through exact points comes back exactly.
    const pts = [0.5, 1, 2].map((l, i) => ({ seed: 1, step: i, valLoss: l, value: 0.3 - 0.1 * Math.log(l) }));
    const f = fitIsoplot(pts, 1)!;
    expect(f.slope).toBeCloseTo(-0.1, 12);
    expect(f.intercept).toBeCloseTo(0.3, 12);
    expect(f.atReference).toBeCloseTo(0.3, 12);
    expect(f.extrapolated).toBe(false);
    expect(fitIsoplot(pts.slice(0, 2), 1)).toBeNull();
  });

  it('says the verdict in plain words: the bottom line first, the primary metric first for every variant', () => {
    expect(c.primaryMetric).toBe('vusPr');
    expect(c.bottomLine).toEqual([
      'MIDAS detects better than the baseline (VUS-PR +0.070 [+0.045, +0.095]); the pretrained models detect better than the classical detectors (best: PCA reconstruction).',
      'MIDAS trained 1.50x faster for 0.64 of the FLOPs: choose it for cost.',
    ]);
    expect(c.verdict[0]).toMatch(/^Detection is judged by VUS-PR, the primary metric; .*Holm's correction/);
    const midas = c.verdict.find((l) => l.startsWith('MIDAS '))!;
    expect(midas).toMatch(
      /^MIDAS detects anomalies better: VUS-PR \+0\.070 \[\+0\.045, \+0\.095\]; it trains 1\.50x faster \(speed-up 1\.50x; 0\.64 of the baseline's FLOPs\)/,
    );
    // +0.01 on a loss of 0.20 (just under 5%): slightly; a higher loss is worse. The same on every seed: it survives Holm.
    expect(midas).toMatch(/MIDAS reaches a slightly higher validation loss: validation loss \+0\.0100 on every seed/);
    expect(midas).toMatch(
      /MIDAS is better on the copy \/ induction probe: accuracy \+0\.120 \[\+0\.095, \+0\.145\]\.$/,
    );
    // AUC-PR moves with VUS-PR (+0.070 [+0.045, +0.095], p ≈ 0.007) but is one of 15 secondary comparisons: not worded.
    expect(c.variants.find((v) => v.variant === 'midas')!.differences.aucPr!.significant).toBe(false);
    expect(midas).not.toMatch(/AUC-PR/);
    expect(c.verdict.at(-1)).toMatch(
      /^Against the classical detectors: the variants' VUS-PR 0\.380 to 0\.490, the best classical detector \(PCA reconstruction\) 0\.300\.$/,
    );
    // Intervals that overlap, or a gap under 0.01, are not a win either way.
    const close = compareRuns(runs.map((r) => ({ ...r, report: { ...r.report, evaluation: evaluation(0.305) } })));
    expect(close.bottomLine[0]).toMatch(
      /the models and the best classical detector \(PCA reconstruction\) cannot be told apart on VUS-PR\.$/,
    );
    expect(c.verdict.join('\n')).not.toMatch(/not usable/);
  });

  it('prints one table with every variant and baseline', () => {
    const t = renderTable(c);
    const header = t.split('\n').find((l) => l.includes('MIDAS') && l.includes('PCA') && l.includes('|'))!;
    expect(header).toMatch(/Baseline\s+Baseline \(MIDAS's FLOPs\)\s+MIDAS\s+\|\s+random scores\s+PCA reconstruction/);
    expect(t).toMatch(/usable here\s+yes\s+yes\s+yes\s+\|\s+NO\s+yes/);
    expect(t).toMatch(/alarms usable\s+yes\s+yes\s+yes\s+\|\s+NO\s+yes/);
    expect(t.split('\n')[0]).toBe('Bottom line:');
    expect(t).toMatch(/VUS-PR\s+0\.420 ±0\.025\s+0\.380\s+0\.490 ±0\.050\s+\|\s+0\.102 ±0\.002\s+0\.300/);
    expect(t).toMatch(/speed-up vs baseline\s+1\.00x\s/);
    expect(t).toContain('probe: copy / induction (chance 0.25, persistence 0.25)');
    expect(t).toContain('point-adjusted F1 (inflated)');
    expect(t).toContain('Verdict:');
  });

  it('summarises as the JSON the issue names', () => {
    const j = JSON.parse(JSON.stringify(comparisonSummary(c)));
    expect(Object.keys(j)).toEqual(expect.arrayContaining(['variants', 'baselines', 'verdict']));
    const m = j.variants.find((v: { variant: string }) => v.variant === 'midas');
    expect(m.runs).toBe(3);
    expect(m.speedup).toBeCloseTo(1.5, 9);
    expect(Object.keys(m.metrics.vusPr)).toEqual(['mean', 'lo', 'hi']);
    expect(m.probes.copy.mean).toBeCloseTo(0.62, 9);
    expect(j.baselines[1]).toMatchObject({ name: 'pca' });
    expect(typeof j.verdict).toBe('string');
  });

  it('writes a self-contained HTML report', () => {
    const html = renderHtml(c);
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link|src=|https?:\/\/(?!www\.w3)/i);
    expect((html.match(/<svg /g) ?? []).length).toBeGreaterThanOrEqual(6);
    expect(html).toContain('@media print');
    expect(html).toContain('Baseline (MIDAS');
    expect(html).toContain('<h2>Glossary</h2>');
    expect(html).toContain('The share of normal test rows that raise an alarm; lower is better.');
    expect(html).toContain('Isoplot');
  });

  it("draws the report in the app's variant colours, with legends beside the plots and a local date", () => {
    const html = renderHtml(c);
    for (const v of ['baseline', 'midas', 'baseline≈midas']) expect(html).toContain(variantColor(v, false));
    expect(html).toContain(formatLocalDateTime(c.createdAt));
    const figures = html.match(/<figure class="chart[^"]*">.*?<\/figure>/g) ?? [];
    const withLegend = figures.filter((f) => f.includes('<ul class="legend">'));
    expect(withLegend.length).toBeGreaterThanOrEqual(3);
    for (const f of withLegend) {
      const names = [...f.matchAll(/<li><span[^>]*><\/span>([^<]+)<\/li>/g)].map((m) => m[1]!);
      const svg = f.slice(f.indexOf('<svg'));
      // The legend is HTML above the plot: none of its names is drawn inside the SVG.
      for (const n of names) expect(svg, n).not.toContain(`>${n}<`);
    }
    // Round ticks: no exponent, and no tick of a log axis such as 0.7943.
    const ticks = [...html.matchAll(/<text x="[\d.]+" y="[\d.]+" text-anchor="(?:middle|end)">([^<]+)<\/text>/g)].map(
      (m) => m[1]!,
    );
    expect(ticks.length).toBeGreaterThan(20);
    for (const t of ticks.filter((x) => /^[-\d.]+$/.test(x)))
      expect(t.replace(/^-?\d*\.?/, '').length, t).toBeLessThanOrEqual(3);
    expect(ticks.join(' ')).not.toMatch(/\de[-+]?\d/);
    // Numbers as shared/format writes them: no zero-width interval, no negative zero.
    expect(html).not.toMatch(/±0\.0+\b(?!\d)/);
    expect(html).not.toMatch(/−0\.0+(?![\d])/);
  });

  it("draws the best variant's anomaly scores against time where the data have timestamps, rows otherwise", () => {
    const t0 = Date.UTC(2026, 0, 12, 5, 33);
    const timeline = {
      variant: 'midas',
      seed: 1,
      dir: '/runs/midas-s1',
      row: [100, 101, 102, 103],
      time: [0, 1, 2, 3].map((i) => t0 + i * 3_600_000),
      score: [0.5, 3, 0.4, 0.2],
      label: [0, 1, 1, 0],
      threshold: 1.5,
    };
    const timed = renderHtml({ ...c, timeline });
    expect(timed).toContain('Anomaly scores of MIDAS (seed 1');
    expect(timed).toContain(`hours since ${formatLocalDateTime(t0)}`);
    expect(timed).toContain('alarm threshold (1.5)');
    const { time: _time, ...untimed } = timeline;
    expect(renderHtml({ ...c, timeline: untimed })).toContain('row of the test part');
    expect(renderHtml(c)).not.toContain('Anomaly scores of');
  });

  it('refuses runs of different data, and says what limits a comparison', () => {
    expect(() =>
      compareRuns([
        run('baseline', 1, { wallMs: 1, flops: 1, vusPr: 0.1, valLoss: 1 }),
        run('midas', 1, { wallMs: 1, flops: 1, vusPr: 0.1, valLoss: 1, fingerprint: 'beef' }),
      ]),
    ).toThrow(/different data.*compare runs of one data set/);
    const twice = { ...runs[1]!, dir: '/other/midas-s1' };
    expect(() => compareRuns([...runs, twice])).toThrow(
      /midas seed 1 appears twice \(\/runs\/midas-s1 and \/other\/midas-s1\): compare one job's runs/,
    );
    const one = compareRuns([run('midas', 1, { wallMs: 1, flops: 1, vusPr: 0.1, valLoss: 1, labelled: false })]);
    expect(one.warnings.join('\n')).toMatch(/no labelled anomalies/);
    expect(one.warnings.join('\n')).toMatch(/no baseline run/);
    expect(one.warnings.join('\n')).toMatch(/one seed per variant/);
    expect(one.variants[0]!.metrics).toEqual({});
    expect(one.variants[0]!.isoplot.metric).toBe('copy probe accuracy');
  });
});

describe('a comparison a plant can act on', () => {
  /** A run whose evaluation is given in full (VUS-PR, AUC-ROC, false-alarm rate), with random scores at 0.30. */
  function detector(
    variant: RunConfig['variant'],
    seed: number,
    o: { vusPr: number; aucRoc?: number; far?: number; wallMs?: number; copy?: number },
  ): LoadedRun {
    const r = run(variant, seed, {
      wallMs: o.wallMs ?? 1000,
      flops: variant === 'baseline' ? 1000 : 760,
      vusPr: o.vusPr,
      valLoss: 0.2,
      copy: o.copy ?? 0.26,
    });
    const ev = { ...evaluation(o.vusPr, { falseAlarmRate: o.far ?? 0.01 }), aucRoc: o.aucRoc ?? 0.8 };
    return {
      ...r,
      report: {
        ...r.report,
        evaluation: ev,
        baselines: {
          random: { ...evaluation(0.3 + seed * 0.002, { eventF1: 0.2 }), aucRoc: 0.5 },
          pca: { ...evaluation(0.31), aucRoc: 0.52 },
        },
      },
    };
  }

  it('marks a detector no better than random scores as not usable, and says why', () => {
    const c = compareRuns(
      [1, 2, 3].flatMap((s) => [
        detector('baseline', s, { vusPr: 0.5 + s * 0.01 }),
        detector('midas', s, { vusPr: 0.3 + s * 0.03, aucRoc: 0.53, far: 0.6 }),
      ]),
    );
    const [base, midas] = c.variants;
    expect(base!.usable).toBe(true);
    expect(base!.why).toEqual([]);
    expect(midas!.usable).toBe(false);
    expect(midas!.why.join('; ')).toMatch(
      /its VUS-PR 0\.360 \[0\.285, 0\.435\] does not lie above the random scores' 0\.304 \[0\.299, 0\.309\]/,
    );
    expect(midas!.why.join('; ')).toMatch(/its AUC-ROC 0\.530 is at most 0\.55/);
    // Alarms are judged apart from ranking: 60% of the normal rows is far over 5%.
    expect(base!.alarmsUsable).toBe(true);
    expect(midas!.alarmsUsable).toBe(false);
    expect(midas!.alarmsWhy.join('; ')).toMatch(/it alarms on 60% of the normal test rows, more than 5%/);
    const pca = c.baselines.find((b) => b.name === 'pca')!;
    expect(pca.usable).toBe(false);
    expect(c.baselines.find((b) => b.name === 'random')!.usable).toBe(false);
    expect(c.verdict[1]).toMatch(/^MIDAS does not rank anomalies usably here: its VUS-PR/);
    // No detection difference is worded for a variant that is not usable.
    expect(c.verdict.join('\n')).not.toMatch(/MIDAS detects/);
    const j = JSON.parse(JSON.stringify(comparisonSummary(c)));
    expect(j.variants[1]).toMatchObject({ variant: 'midas', usable: false });
    expect(j.variants[1].why).toHaveLength(2);
    expect(j.variants[1]).toMatchObject({ alarmsUsable: false });
    expect(j.baselines.find((b: { name: string }) => b.name === 'pca')).toMatchObject({ usable: false });
  });

  it('leads with it when no variant is usable, and calls none of them better', () => {
    const c = compareRuns(
      [1, 2, 3].flatMap((s) => [
        detector('baseline', s, { vusPr: 0.3, aucRoc: 0.5 }),
        detector('midas', s, { vusPr: 0.28 + s * 0.001, aucRoc: 0.5 }),
      ]),
    );
    expect(c.bottomLine[0]).toBe(
      'Neither the variants nor the classical detectors detect these anomalies better than random scores: this data cannot tell detectors apart (check the labels and the split).',
    );
    expect(c.verdict.join('\n')).not.toMatch(/detects anomalies (slightly |much )?(better|worse)|beat the classical/);
    expect(renderTable(c)).toMatch(/usable here\s+NO\s+NO\s+\|\s+NO\s+NO/);
  });

  it('calls a speed-up faster only when its paired interval excludes 1', () => {
    const steady = compareRuns(
      [1, 2, 3].flatMap((s) => [
        detector('baseline', s, { vusPr: 0.5, wallMs: 1000 + 10 * s }),
        detector('midas', s, { vusPr: 0.5, wallMs: (1000 + 10 * s) / 1.3 }),
      ]),
    );
    const m = steady.variants[1]!;
    expect(m.speed).toBe('faster');
    expect(m.speedup!.mean).toBeCloseTo(1.3, 9);
    expect(steady.verdict.find((l) => l.startsWith('MIDAS'))).toMatch(
      /^MIDAS and the baseline detect anomalies alike: VUS-PR 0\.000 on every seed, no significant difference; it trains 1\.30x faster \(speed-up 1\.30x; 0\.76 of the baseline's FLOPs\)/,
    );
    expect(steady.bottomLine).toContain('MIDAS trained 1.30x faster for 0.76 of the FLOPs: choose it for cost.');
    // 1.56x, 1.24x, 0.9x: the interval spans 1, so no word for it.
    const noisy = compareRuns(
      [1, 2, 3].flatMap((s) => [
        detector('baseline', s, { vusPr: 0.5, wallMs: 1000 }),
        detector('midas', s, { vusPr: 0.5, wallMs: 1000 / [1.56, 1.24, 0.9][s - 1]! }),
      ]),
    );
    const n = noisy.variants[1]!;
    expect(n.speed).toBe('no measurable difference');
    // The geometric mean of the per-seed ratios, and its interval on the log scale.
    expect(n.speedup!.mean).toBeCloseTo(Math.cbrt(1.56 * 1.24 * 0.9), 9);
    expect(n.speedup!.lo).toBeLessThan(1);
    expect(noisy.verdict.find((l) => l.startsWith('MIDAS'))).toMatch(
      /; no measurable difference in time \(speed-up 1\.20x \[\d\.\d\d, \d\.\d\d\]; 0\.76 of the baseline's FLOPs\)/,
    );
    expect(noisy.bottomLine).toContain(
      'No schedule trained measurably faster than the baseline with these seeds: none is worth choosing over it for cost here.',
    );
    expect(noisy.verdict.join('\n')).not.toMatch(/faster/);
    const slow = compareRuns(
      [1, 2, 3].flatMap((s) => [
        detector('baseline', s, { vusPr: 0.5, wallMs: 1000 }),
        detector('midas', s, { vusPr: 0.5, wallMs: 1250 + s }),
      ]),
    );
    expect(slow.variants[1]!.speed).toBe('slower');
    // With one seed there is no interval: never faster.
    const one = compareRuns([
      detector('baseline', 1, { vusPr: 0.5, wallMs: 1000 }),
      detector('midas', 1, { vusPr: 0.5, wallMs: 500 }),
    ]);
    expect(one.variants[1]!.speed).toBe('no measurable difference');
  });

  it('words a shorter detection delay in time where the data have timestamps, in rows otherwise', () => {
    // MIDAS alarms 64, 66 and 68 rows sooner than the baseline's 180 (t interval ±5.0 rows); the rows are 30 s apart.
    const withDelay = (r: LoadedRun, rows: number, samplingSeconds?: number): LoadedRun => ({
      ...r,
      report: {
        ...r.report,
        evaluation: {
          ...r.report.evaluation!,
          atThreshold: { ...r.report.evaluation!.atThreshold, meanDetectionDelay: rows },
        },
        ...(samplingSeconds ? { samplingSeconds } : {}),
      },
    });
    const pair = (s: number, seconds?: number) => [
      withDelay(detector('baseline', s, { vusPr: 0.5 + s * 0.01 }), 180, seconds),
      withDelay(detector('midas', s, { vusPr: 0.5 + s * 0.01 }), 118 - 2 * s, seconds),
    ];
    const timed = compareRuns([1, 2, 3].flatMap((s) => pair(s, 30)));
    expect(timed.verdict.find((l) => l.startsWith('MIDAS'))).toMatch(
      /MIDAS alarms much sooner after a fault begins: detection delay \(min\) −33\.0 \[−35\.5, −30\.5\]/,
    );
    const rows = compareRuns([1, 2, 3].flatMap((s) => pair(s)));
    expect(rows.verdict.find((l) => l.startsWith('MIDAS'))).toMatch(
      /MIDAS alarms much sooner after a fault begins: detection delay \(rows\) −66\.0 \[−71\.0, −61\.0\]/,
    );
  });

  it('calls no difference significant that is too small to show at its printed precision', () => {
    // VUS-PR better by 0.0002 in every seed: significant, but +0.000 at three digits.
    const c = compareRuns(
      [1, 2, 3].flatMap((s) => [
        detector('baseline', s, { vusPr: 0.9 + s * 0.01 }),
        detector('midas', s, { vusPr: 0.9002 + s * 0.01 }),
      ]),
    );
    // Its interval excludes 0 only beyond the printed digits: not significant as printed ([+0.000, +0.000]).
    expect(c.variants[1]!.differences.vusPr!.lo).toBeGreaterThan(0);
    expect(c.variants[1]!.differences.vusPr!.significant).toBe(false);
    const line = c.verdict.find((l) => l.startsWith('MIDAS'))!;
    expect(line).not.toMatch(/detects anomalies (slightly )?better/);
    expect(line).toMatch(/MIDAS and the baseline detect anomalies alike: VUS-PR 0\.000 on every seed/);
  });

  it('reports a probe the baseline does not pass above chance as not informative, never better, and says why', () => {
    const c = compareRuns(
      [1, 2, 3].flatMap((s) => [
        detector('baseline', s, { vusPr: 0.5, copy: 0.2 + s * 0.001 }),
        detector('midas', s, { vusPr: 0.5, copy: 0.24 + s * 0.001 }),
      ]),
    );
    expect(c.probeInformative.copy).toBe(false);
    expect(c.probeInformative.lookup).toBe(true);
    expect(c.probeWhy).toEqual({
      copy: 'copy / induction: the baseline scores 0.20 [0.20, 0.20], not above chance (0.25).',
    });
    // The instrument check is the baseline's, as in the reasoning lab: a variant above chance
    // while the baseline is not does not make a probe informative.
    const above = compareRuns(
      [1, 2, 3].flatMap((s) => [
        detector('baseline', s, { vusPr: 0.5, copy: 0.2 + s * 0.001 }),
        detector('midas', s, { vusPr: 0.5, copy: 0.4 + s * 0.001 }),
      ]),
    );
    expect(above.probeInformative.copy).toBe(false);
    // Apart on its own, but the instrument cannot see on this data: never significant.
    expect(c.variants[1]!.probeDifferences.copy!.lo).toBeGreaterThan(0);
    expect(c.variants[1]!.probeDifferences.copy!.significant).toBe(false);
    expect(c.verdict.join('\n')).not.toMatch(/copy \/ induction probe: accuracy/);
    expect(c.verdict.join('\n')).toContain(
      'Not informative on this data: copy / induction: the baseline scores 0.20 [0.20, 0.20], not above chance (0.25).',
    );
    expect(renderTable(c)).toMatch(/probe: copy \/ induction\* \(chance 0\.25/);
  });

  it('gives a blind probe a reason only where its interval stays at or below chance', () => {
    const why = (lo: number, hi: number) =>
      probeCheck(['lookup'], [], { lookup: { mean: (lo + hi) / 2, lo, hi, n: 3 } }, { lookup: 0.25 }, { lookup: 0.2 })
        .why.lookup;
    expect(why(0.1, 0.5)).toBe(
      'assignment / lookup: the baseline scores 0.30 [0.10, 0.50], not above chance (0.25): its interval reaches above chance, so more seeds could tell.',
    );
    expect(why(0.2, 0.24)).toMatch(
      /\[0\.20, 0\.24\], not above chance \(0\.25\): forecasting these data may never ask/,
    );
  });

  it('reads the probe ladders rung by rung, informative only where the baseline clears chance and persistence', () => {
    const ladder = (seed: number, acc: [number, number, number]) =>
      [1, 3, 7].map((d, i) => ({
        distractors: d,
        accuracy: acc[i]! + seed * 0.01,
        chance: 1 / (d + 1),
        persistence: 0.3,
        items: 64,
      }));
    const withLadder = (r: LoadedRun, acc: [number, number, number]) => ({
      ...r,
      report: { ...r.report, ladders: { copy: ladder(r.config.seed, acc) } },
    });
    const c = compareRuns(
      [1, 2, 3].flatMap((s) => [
        withLadder(detector('baseline', s, { vusPr: 0.5 }), [0.55, 0.4, 0.28]),
        withLadder(detector('midas', s, { vusPr: 0.5 }), [0.56, 0.45, 0.3]),
      ]),
    );
    expect(c.ladders!.map((r) => [r.probe, r.distractors, r.chance, r.informative])).toEqual([
      ['copy', 1, 0.5, true],
      ['copy', 3, 0.25, true],
      // 0.30 [0.28, 0.32] does not clear persistence (0.30), though it clears chance (0.125).
      ['copy', 7, 0.125, false],
    ]);
    expect(c.ladders![1]!.variants.midas!.mean).toBeCloseTo(0.47, 10);
    // The table's star is said in words below it, rung by rung.
    expect(c.verdict.join('\n')).toMatch(
      /Ladder rungs not informative \(.*\): copy \/ induction with 7 distractors \(baseline 0\.30 \[0\.28, 0\.32\]; chance 0\.125, persistence 0\.30\)\./,
    );
    const table = renderTable(c);
    expect(table).toMatch(/copy, 3 distractors \(chance 0\.250, persistence 0\.30\)/);
    expect(table).toMatch(/copy, 7 distractors\* \(chance 0\.125/);
    // Runs without a ladder (older reports, the reasoning lab) have none.
    expect(compareRuns([1, 2].map((s) => detector('baseline', s, { vusPr: 0.5 }))).ladders).toBeNull();
    // A crafted report.json with a ladder that is not one is left out, not trusted.
    const crafted = (r: LoadedRun) => ({
      ...r,
      report: { ...r.report, ladders: { copy: 'x', lookup: [{ distractors: 'a' }] } },
    });
    expect(
      compareRuns([1, 2].map((s) => crafted(detector('baseline', s, { vusPr: 0.5 })) as unknown as LoadedRun)).ladders,
    ).toBeNull();
  });

  it('keeps every interval inside the values its quantity can take', () => {
    // Missed-alarm rates 0, 0, 0.5 over three seeds: mean 1/6, a t-interval reaching below 0.
    const c = compareRuns(
      [1, 2, 3]
        .flatMap((s) => [detector('baseline', s, { vusPr: 0.5 }), detector('midas', s, { vusPr: 0.5 })])
        .map((r) =>
          r.config.variant === 'midas'
            ? {
                ...r,
                report: {
                  ...r.report,
                  evaluation: {
                    ...r.report.evaluation!,
                    atThreshold: {
                      ...r.report.evaluation!.atThreshold,
                      missedAlarmRate: r.config.seed === 3 ? 0.5 : 0,
                    },
                  },
                },
              }
            : r,
        ),
    );
    const missed = c.variants[1]!.metrics.missedAlarmRate!;
    expect(missed.mean).toBeCloseTo(1 / 6, 12);
    expect(missed.lo).toBe(0);
    expect(missed.hi).toBeLessThanOrEqual(1);
  });

  it('says when two variants train the same schedule', () => {
    const shallow = (r: LoadedRun): LoadedRun => ({
      ...r,
      config: { ...r.config, growth: { layers: 2, block: 1, alpha: 1, steps: 100 } },
    });
    const c = compareRuns(
      [1, 2]
        .flatMap((s) => [
          detector('baseline', s, { vusPr: 0.5 }),
          detector('gradstack', s, { vusPr: 0.5 }),
          detector('midas', s, { vusPr: 0.5 }),
        ])
        .map(shallow),
    );
    expect(c.sameSchedules).toEqual([['gradstack', 'midas']]);
    expect(c.verdict.join('\n')).toMatch(
      /GradStack and MIDAS are the same schedule at 2 layers in blocks of 1: their differences are seed noise/,
    );
    expect(compareRuns(runs).sameSchedules).toEqual([]);
  });

  it("keeps the best variant's first score timeline and the data's sampling interval", () => {
    const scores = (v: number) => ({ row: [0, 1], time: [0, 60_000], score: [v, v], label: [0, 1], threshold: 1 });
    const timed = runs.map((r) => ({
      ...r,
      report: { ...r.report, samplingSeconds: 60 },
      ...(r.config.seed > 1 ? { scores: scores(r.config.seed) } : {}),
    }));
    const t = compareRuns(timed);
    expect(t.data.samplingSeconds).toBe(60);
    // MIDAS has the best VUS-PR; its first seed with a scores.json is seed 2.
    expect(t.timeline).toMatchObject({
      variant: 'midas',
      seed: 2,
      dir: '/runs/midas-s2',
      score: [2, 2],
      time: [0, 60_000],
    });
    const plain = compareRuns(runs);
    expect(plain.data.samplingSeconds).toBeNull();
    expect(plain.timeline).toBeNull();
  });

  it('judges alarms apart from ranking, and says when the threshold does not carry over to the test part', () => {
    // MIDAS ranks as well as the baseline but alarms on 30% of the normal test rows, where a threshold
    // 4 times its own would have alarmed on 1%.
    const drifting = (r: LoadedRun): LoadedRun => ({
      ...r,
      report: {
        ...r.report,
        evaluation: {
          ...r.report.evaluation!,
          threshold: 0.5,
          testLevelFor1Pct: 2,
          atThreshold: { ...r.report.evaluation!.atThreshold, falseAlarmRate: 0.3 },
        },
      },
    });
    const c = compareRuns(
      [1, 2, 3].flatMap((s) => [
        detector('baseline', s, { vusPr: 0.5 + s * 0.01 }),
        drifting(detector('midas', s, { vusPr: 0.5 + s * 0.01 })),
      ]),
    );
    const midas = c.variants[1]!;
    expect(midas.usable).toBe(true);
    expect(midas.alarmsUsable).toBe(false);
    expect(midas.alarmsWhy[0]).toBe(
      'it alarms on 30% of the normal test rows, more than 5%: its threshold, fitted for 1% on normal validation rows, does not carry over to the test part (drift); a threshold 4.0 times as high would have alarmed on 1% of them',
    );
    expect(c.verdict).toContain(`MIDAS's alarms are not usable here: ${midas.alarmsWhy.join('; ')}.`);
    // A threshold only a little higher is said in per cent, never "1.0 times as high".
    const slight = compareRuns(
      [1, 2, 3].map((s) => {
        const r = drifting(detector('midas', s, { vusPr: 0.5 + s * 0.01 }));
        return { ...r, report: { ...r.report, evaluation: { ...r.report.evaluation!, testLevelFor1Pct: 0.52 } } };
      }),
    );
    expect(slight.variants[0]!.alarmsWhy[0]).toMatch(/a threshold 4% higher would have alarmed on 1% of them$/);
    // Ranking the anomalies is not "detecting" them while the alarms are not usable.
    const onlyMidas = compareRuns([1, 2, 3].map((s) => drifting(detector('midas', s, { vusPr: 0.6 + s * 0.01 }))));
    expect(onlyMidas.bottomLine[0]).toBe(
      'The pretrained models rank the anomalies, but their alarms are not usable here (nor does any classical detector rank them usably).',
    );
    expect(renderHtml(c)).toMatch(/<th[^>]*>alarms usable<\/th>/);
    expect(renderHtml(c)).toContain('<h2>Bottom line</h2>');
  });

  it('recommends a classical detector with its alarms said when they are not usable either', () => {
    // The variants rank at the random scores' level; PCA ranks well but alarms on 40% of the normal rows.
    const withPca = (r: LoadedRun): LoadedRun => ({
      ...r,
      report: {
        ...r.report,
        baselines: {
          ...r.report.baselines,
          pca: { ...evaluation(0.6, { falseAlarmRate: 0.4 }), aucRoc: 0.8 },
        },
      },
    });
    const c = compareRuns(
      [1, 2, 3].flatMap((s) => [
        withPca(detector('baseline', s, { vusPr: 0.3, aucRoc: 0.5 })),
        withPca(detector('midas', s, { vusPr: 0.3, aucRoc: 0.5 })),
      ]),
    );
    expect(c.baselines.find((b) => b.name === 'pca')).toMatchObject({ usable: true, alarmsUsable: false });
    expect(c.bottomLine[0]).toMatch(
      /: use PCA reconstruction \(VUS-PR 0\.600\), though its alarms are not usable here either \(it alarms on 40% of the normal test rows, more than 5%\): it ranks anomalies, its threshold needs setting anew\.$/,
    );
  });

  it('shows the trivial detectors beside every threshold metric', () => {
    const withTrivial = runs.map((r) => ({
      ...r,
      report: {
        ...r.report,
        trivial: {
          prevalence: 0.8,
          alwaysAlarm: { ...evaluation(0).atThreshold, f1: (2 * 0.8) / 1.8, recall: 1, falseAlarmRate: 1 },
          neverAlarm: { ...evaluation(0).atThreshold, f1: 0, recall: 0, falseAlarmRate: 0 },
        },
      },
    }));
    const c = compareRuns(withTrivial);
    expect(c.prevalence).toBe(0.8);
    expect(c.baselines.slice(-2).map((b) => [b.name, b.kind, b.usable])).toEqual([
      ['always-alarm', 'trivial', null],
      ['never-alarm', 'trivial', null],
    ]);
    const t = renderTable(c);
    expect(t).toMatch(/alarm on every row\s+never alarm/);
    expect(t).toMatch(/\nF1\s.*0\.889\s+0\.000\n/);
    // Threshold-free metrics have no trivial value.
    expect(t).toMatch(/\nVUS-PR\s[^\n]*0\.300\n/);
    expect(t).toMatch(/80\.0% of the test rows are labelled anomalies/);
    // The verdict says when alarming everywhere beats every variant on F1.
    expect(c.verdict.join('\n')).toMatch(
      /80% of the test rows are labelled anomalies: alarming on every row scores F1 0\.889, more than any variant \(0\.500\); judge detection by VUS-PR and AUC-ROC/,
    );
    expect(compareRuns(runs).verdict.join('\n')).not.toMatch(/alarming on every row/);
  });
});
