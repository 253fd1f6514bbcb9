/**
 * The HTML report's charts, in the app's variant colours: downstream quality (VUS-PR and the
 * probes with their intervals, the isoplot, precision-recall), the anomaly-score timeline, and the
 * training loss against steps, FLOPs and wall-clock.
 */
import { variantColor, variantDash } from '../../shared/colors';
import { METRICS, PROBE_LABELS, type Comparison } from '../../shared/compare';
import { timelineAxis } from '../../shared/format';
import { variantLabel } from '../../shared/growth';
import { intervalChart, lineChart, type LineSeries } from './svg';

/** Classical detectors and references: grey beside the variants' colours. */
const DETECTOR = '#57606a';
const THRESHOLD = '#9a6700';
const ANOMALY = 'rgba(198, 40, 40, 0.16)';

/** A variant's colour on paper (the app's light theme). */
export const colorOf = (variant: string) => variantColor(variant, false);
const dashed = (variant: string) => (variantDash(variant) ? { dashed: true } : {});

export function lossCharts(c: Comparison): string {
  const axes: { key: 'step' | 'flops' | 'ms'; label: string; scale: number }[] = [
    { key: 'step', label: 'step', scale: 1 },
    { key: 'flops', label: 'training FLOPs', scale: 1 },
    { key: 'ms', label: 'wall-clock (s)', scale: 1 / 1000 },
  ];
  return axes
    .map((a) => {
      const series: LineSeries[] = c.variants.flatMap((v) =>
        v.curves.map((r) => ({
          name: variantLabel(v.variant),
          color: colorOf(v.variant),
          ...dashed(v.variant),
          points: r.train.map((p) => [p[a.key] * a.scale, p.loss] as const),
          ...(a.key === 'step' ? { markers: r.growthSteps } : {}),
        })),
      );
      return lineChart(series, {
        title: `Training loss against ${a.label}`,
        xLabel: a.label,
        yLabel: 'training loss (MSE)',
        logY: true,
      });
    })
    .join('');
}

export function metricCharts(c: Comparison): string {
  const out: string[] = [];
  const head = METRICS[0]!;
  const none = { mean: NaN, lo: NaN, hi: NaN };
  if (c.variants.some((v) => v.metrics[head.key])) {
    const rows = [
      ...c.variants.map((v) => ({
        label: variantLabel(v.variant),
        ...(v.metrics[head.key] ?? none),
        color: colorOf(v.variant),
      })),
      ...c.baselines
        .filter((b) => b.kind === 'detector')
        .map((b) => ({ label: b.label, ...(b.metrics[head.key] ?? none), color: DETECTOR })),
    ];
    out.push(
      intervalChart(rows, { title: `${head.label} on the test part (95% interval over seeds)`, xLabel: head.label }),
    );
  }
  for (const p of Object.keys(c.probeChance)) {
    const rows = c.variants.map((v) => ({
      label: variantLabel(v.variant),
      ...(v.probes[p] ?? none),
      color: colorOf(v.variant),
    }));
    out.push(
      intervalChart(rows, {
        title: `Probe: ${PROBE_LABELS[p] ?? p} accuracy (naive persistence: ${(c.probePersistence[p] ?? NaN).toFixed(2)})${c.probeInformative[p] === false ? ': not informative on this data' : ''}`,
        xLabel: 'accuracy',
        chance: c.probeChance[p]!,
      }),
    );
  }
  const iso: LineSeries[] = c.variants.flatMap((v) => {
    const s: LineSeries[] = [
      {
        name: variantLabel(v.variant),
        color: colorOf(v.variant),
        points: v.isoplot.points.map((p) => [p.valLoss, p.value] as const),
        dots: true,
      },
    ];
    const f = v.isoplot.fit;
    if (f && v.isoplot.points.length) {
      const xs = v.isoplot.points.map((p) => p.valLoss);
      s.push({
        name: `${variantLabel(v.variant)} fit`,
        color: colorOf(v.variant),
        unlisted: true,
        points: [Math.min(...xs), Math.max(...xs)].map((x) => [x, f.intercept + f.slope * Math.log(x)] as const),
      });
    }
    return s;
  });
  const metric = c.variants[0]?.isoplot.metric ?? 'downstream';
  out.push(
    lineChart(iso, {
      title: `Isoplot: ${metric} against validation loss at each checkpoint`,
      xLabel: 'validation loss (log scale)',
      yLabel: metric,
      logX: true,
    }),
  );
  const pr: LineSeries[] = c.variants
    .filter((v) => v.prCurve)
    .map((v) => ({
      name: variantLabel(v.variant),
      color: colorOf(v.variant),
      ...dashed(v.variant),
      points: v.prCurve!.recall.map((r, i) => [r, v.prCurve!.precision[i]!] as const),
    }));
  if (pr.length)
    out.push(
      lineChart(pr, { title: 'Precision-recall on the test part (first seed)', xLabel: 'recall', yLabel: 'precision' }),
    );
  return out.join('');
}

/** The best variant's anomaly scores over the test part, its alarm threshold, the labelled anomalies shaded. */
export function timelineChart(c: Comparison): string {
  const t = c.timeline;
  if (!t || t.row.length === 0) return '';
  const { xs, label } = timelineAxis(t.row, t.time);
  const ranges: [number, number][] = [];
  t.label.forEach((l, i) => {
    if (!l) return;
    const end = xs[i + 1] ?? xs[i]!;
    const last = ranges.at(-1);
    if (last && last[1] === xs[i]) last[1] = end;
    else ranges.push([xs[i]!, end]);
  });
  const series: LineSeries[] = [
    { name: 'anomaly score', color: colorOf(t.variant), points: xs.map((x, i) => [x, t.score[i] ?? NaN] as const) },
  ];
  if (t.threshold !== null && Number.isFinite(t.threshold))
    series.push({
      name: `alarm threshold (${Number(t.threshold.toPrecision(3))})`,
      color: THRESHOLD,
      dashed: true,
      points: [
        [xs[0]!, t.threshold],
        [xs.at(-1)!, t.threshold],
      ],
    });
  return lineChart(series, {
    title: `Anomaly scores of ${variantLabel(t.variant)} (seed ${t.seed}, the best VUS-PR) on the test part`,
    xLabel: label,
    yLabel: 'anomaly score',
    bands: { name: 'labelled anomaly', color: ANOMALY, ranges },
    width: 800,
    height: 260,
  });
}
