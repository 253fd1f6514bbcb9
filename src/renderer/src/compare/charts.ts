/**
 * Chart.js configurations of the Compare step, built from the comparison as plain data (so the
 * tests can check what is drawn without a canvas): precision-recall, isoplot, probe accuracies
 * and one run's anomaly-score timeline.
 */
import { variantLabel } from '../../../shared/growth';
import type { Chart, ChartConfiguration, ChartType, Plugin } from 'chart.js';
import { PROBE_LABELS, type Comparison, type PrimitiveReading, type VariantSummary } from '../../../shared/compare';
import { formatChance, timelineAxis } from '../../../shared/format';
import type { ScoreTimeline } from '../../../shared/timeline';
import { translucent, variantColor, variantDash } from '../theme/variants';

export type ChartTheme = 'light' | 'dark';

const INK: Record<
  ChartTheme,
  { panel: string; text: string; muted: string; grid: string; warn: string; anomaly: string }
> = {
  light: {
    panel: '#ffffff',
    text: '#1b2430',
    muted: '#5b6675',
    grid: 'rgba(27, 36, 48, 0.1)',
    warn: '#9a6700',
    anomaly: 'rgba(198, 40, 40, 0.16)',
  },
  dark: {
    panel: '#171d25',
    text: '#e6edf3',
    muted: '#9aa6b2',
    grid: 'rgba(230, 237, 243, 0.12)',
    warn: '#d29922',
    anomaly: 'rgba(248, 81, 73, 0.22)',
  },
};

declare module 'chart.js' {
  // Merging with Chart.js's interface needs its exact type parameter, used or not.
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  interface PluginOptionsByType<TType extends ChartType> {
    /** The colour the canvas is filled with before drawing (so a saved PNG has the panel's background). */
    canvasBackground?: { color: string };
  }
}

/** Fills the canvas with `options.plugins.canvasBackground.color` (read on every draw: follows the theme). */
const canvasBackground: Plugin = {
  id: 'canvasBackground',
  beforeDraw(chart: Chart, _args, opts: { color?: string }) {
    if (!opts.color) return;
    const { ctx, width, height } = chart;
    ctx.save();
    ctx.fillStyle = opts.color;
    ctx.fillRect(0, 0, width, height);
    ctx.restore();
  },
};

/**
 * One colour per variant, the same as in the Train step (../theme/variants): fixed by the
 * variant's name, not by its place or by what is selected.
 */
export function variantColors(c: Comparison, theme: ChartTheme): Map<string, string> {
  return new Map(c.variants.map((v) => [v.variant, variantColor(v.variant, theme === 'dark')]));
}

function axis(theme: ChartTheme, title: string) {
  const ink = INK[theme];
  return {
    title: { display: true, text: title, color: ink.muted },
    ticks: { color: ink.muted },
    grid: { color: ink.grid },
  };
}

/**
 * Labels about six ticks of a logarithmic axis, evenly spread in log space (Chart.js labels every
 * minor tick of a narrow range, and they overlap); the others keep their grid line only.
 */
function sparseLogLabel(value: number | string, index: number, ticks: readonly { value: number }[]): string {
  const first = ticks[0]?.value ?? 1;
  const step = Math.log((ticks[ticks.length - 1]?.value ?? first) / first) / 6;
  let last = Number.NEGATIVE_INFINITY;
  let keep = false;
  for (let i = 0; i <= index; i++) {
    const l = Math.log(ticks[i]!.value);
    keep = l - last >= step;
    if (keep) last = l;
  }
  return keep ? Number(value).toPrecision(2) : '';
}

function plugins(theme: ChartTheme, title: string) {
  const ink = INK[theme];
  return {
    canvasBackground: { color: ink.panel },
    title: { display: true, text: title, color: ink.text },
    legend: { labels: { color: ink.text, boxWidth: 14 } },
  };
}

/** Precision against recall on the test part, one line per variant (its first seed's model). */
export function prChartConfig(
  variants: readonly VariantSummary[],
  colors: Map<string, string>,
  theme: ChartTheme,
): ChartConfiguration<'scatter'> {
  return {
    type: 'scatter',
    plugins: [canvasBackground],
    data: {
      datasets: variants
        .filter((v) => v.prCurve)
        .map((v) => ({
          label: variantLabel(v.variant),
          data: v.prCurve!.recall.map((r, i) => ({ x: r, y: v.prCurve!.precision[i] ?? Number.NaN })),
          showLine: true,
          pointRadius: 0,
          borderWidth: 2,
          borderColor: colors.get(v.variant),
          backgroundColor: colors.get(v.variant),
          ...(variantDash(v.variant) ? { borderDash: variantDash(v.variant) } : {}),
        })),
    },
    options: {
      plugins: plugins(theme, 'Precision-recall on the test part (first seed)'),
      scales: { x: { ...axis(theme, 'recall'), min: 0, max: 1 }, y: { ...axis(theme, 'precision'), min: 0, max: 1 } },
    },
  };
}

/** A dotted vertical at the baseline's final validation loss, from `lo` to `hi`: where the isoplot is read. */
/** A thin muted guide line from one point to another (a reference loss, a chance level), labelled in the legend. */
function guideLine(
  label: string,
  from: { x: number; y: number },
  to: { x: number; y: number },
  dash: number[],
  theme: ChartTheme,
) {
  const ink = INK[theme];
  return {
    label,
    data: [from, to],
    showLine: true,
    pointRadius: 0,
    borderWidth: 1,
    borderDash: dash,
    borderColor: ink.muted,
    backgroundColor: ink.muted,
  };
}

function referenceLossLine(loss: number, lo: number, hi: number, theme: ChartTheme) {
  return guideLine("baseline's final loss", { x: loss, y: lo }, { x: loss, y: hi }, [2, 3], theme);
}

/**
 * The isoplot: the downstream metric against validation loss at every checkpoint, per variant,
 * with its fitted line (metric ≈ a + b·ln loss) and the baseline's final loss marked.
 */
export function isoplotConfig(
  c: Comparison,
  variants: readonly VariantSummary[],
  colors: Map<string, string>,
  theme: ChartTheme,
): ChartConfiguration<'scatter'> {
  const metric = c.variants[0]?.isoplot.metric ?? 'downstream';
  const datasets: ChartConfiguration<'scatter'>['data']['datasets'] = [];
  for (const v of variants) {
    const color = colors.get(v.variant)!;
    datasets.push({
      label: variantLabel(v.variant),
      data: v.isoplot.points.map((p) => ({ x: p.valLoss, y: p.value })),
      pointRadius: 3,
      borderColor: color,
      backgroundColor: translucent(color, 0.6),
    });
    const f = v.isoplot.fit;
    if (f && v.isoplot.points.length) {
      const xs = v.isoplot.points.map((p) => p.valLoss);
      const line = [Math.min(...xs), Math.max(...xs)].map((x) => ({ x, y: f.intercept + f.slope * Math.log(x) }));
      datasets.push({
        label: `${variantLabel(v.variant)} fit`,
        data: line,
        showLine: true,
        pointRadius: 0,
        borderWidth: 2,
        borderDash: [6, 4],
        borderColor: color,
        backgroundColor: color,
      });
    }
  }
  const ys = variants.flatMap((v) => v.isoplot.points.map((p) => p.value)).filter(Number.isFinite);
  if (c.referenceLoss !== null && Number.isFinite(c.referenceLoss) && ys.length)
    datasets.push(referenceLossLine(c.referenceLoss, Math.min(...ys), Math.max(...ys), theme));
  const base = plugins(theme, `Isoplot: ${metric} against validation loss at each checkpoint`);
  const x = axis(theme, 'validation loss (log scale)');
  return {
    type: 'scatter',
    plugins: [canvasBackground],
    data: { datasets },
    options: {
      // The fitted lines are dashed in their variant's colour: one legend entry per variant is enough.
      plugins: {
        ...base,
        legend: { labels: { ...base.legend.labels, filter: (item) => !item.text.endsWith(' fit') } },
      },
      scales: {
        x: {
          ...x,
          type: 'logarithmic',
          ticks: { ...x.ticks, maxRotation: 0, autoSkip: false, callback: sparseLogLabel },
        },
        y: axis(theme, metric),
      },
    },
  };
}

export interface ProbeChart {
  readonly probe: string;
  readonly title: string;
  readonly config: ChartConfiguration<'bar' | 'line', (number | [number, number] | null)[], string>;
}

/** One chart per probe: each variant's 95% interval (a floating bar), its mean, the chance level and the naive persistence predictor's accuracy. */
export function probeChartConfigs(
  c: Comparison,
  variants: readonly VariantSummary[],
  colors: Map<string, string>,
  theme: ChartTheme,
): ProbeChart[] {
  const ink = INK[theme];
  return Object.entries(c.probeChance).map(([probe, chance]) => {
    const title = `Probe: ${PROBE_LABELS[probe] ?? probe} accuracy`;
    const stat = variants.map((v) => v.probes[probe]);
    const finite = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? x : null);
    return {
      probe,
      title,
      config: {
        type: 'bar',
        plugins: [canvasBackground],
        data: {
          labels: variants.map((v) => variantLabel(v.variant)),
          datasets: [
            {
              type: 'bar',
              label: '95% interval over seeds',
              data: stat.map((s) =>
                s && Number.isFinite(s.lo) && Number.isFinite(s.hi) ? ([s.lo, s.hi] as [number, number]) : null,
              ),
              backgroundColor: variants.map((v) => translucent(colors.get(v.variant)!, 0.35)),
              borderColor: variants.map((v) => colors.get(v.variant)!),
              borderWidth: 1,
              barPercentage: 0.5,
            },
            {
              type: 'line',
              label: 'mean',
              data: stat.map((s) => finite(s?.mean)),
              showLine: false,
              pointRadius: 5,
              pointStyle: 'rectRot',
              borderColor: ink.text,
              backgroundColor: ink.text,
            },
            {
              type: 'line',
              label: `chance (${chance})`,
              data: variants.map(() => chance),
              pointRadius: 0,
              borderWidth: 1.5,
              borderDash: [6, 4],
              borderColor: ink.warn,
              backgroundColor: ink.warn,
            },
            // What smoothness alone scores on the same items: a model must clear this, not just chance.
            ...(Number.isFinite(c.probePersistence?.[probe])
              ? [
                  {
                    type: 'line' as const,
                    label: `naive persistence (${c.probePersistence[probe]!.toFixed(2)})`,
                    data: variants.map(() => c.probePersistence[probe]!),
                    pointRadius: 0,
                    borderWidth: 1.5,
                    borderDash: [2, 3],
                    borderColor: ink.text,
                    backgroundColor: ink.text,
                  },
                ]
              : []),
          ],
        },
        options: {
          plugins: plugins(theme, title),
          scales: { x: axis(theme, 'variant'), y: { ...axis(theme, 'accuracy'), min: 0, max: 1 } },
        },
      },
    };
  });
}

/**
 * One run's anomaly scores over the test part, the alarm threshold, and the labelled anomalies
 * shaded; against time since the test part began where the data have timestamps, rows otherwise.
 */
export function timelineConfig(
  t: ScoreTimeline,
  title: string,
  color: string,
  theme: ChartTheme,
): ChartConfiguration<'line'> {
  const ink = INK[theme];
  const axisOf = timelineAxis(t.row, t.time);
  const xy = (ys: readonly number[]) => axisOf.xs.map((x, i) => ({ x, y: ys[i] ?? Number.NaN }));
  const datasets: ChartConfiguration<'line'>['data']['datasets'] = [
    {
      label: 'anomaly score',
      data: xy(t.score),
      borderColor: color,
      backgroundColor: color,
      borderWidth: 1.5,
      pointRadius: 0,
      yAxisID: 'y',
    },
  ];
  if (t.threshold !== null && Number.isFinite(t.threshold)) {
    datasets.push({
      label: `alarm threshold (${t.threshold.toPrecision(3)})`,
      data: xy(t.row.map(() => t.threshold!)),
      borderColor: ink.warn,
      backgroundColor: ink.warn,
      borderWidth: 1.5,
      borderDash: [6, 4],
      pointRadius: 0,
      yAxisID: 'y',
    });
  }
  datasets.push({
    label: 'labelled anomaly',
    data: xy(t.label),
    stepped: true,
    fill: 'origin',
    borderWidth: 0,
    pointRadius: 0,
    borderColor: ink.anomaly,
    backgroundColor: ink.anomaly,
    yAxisID: 'labels',
  });
  return {
    type: 'line',
    plugins: [canvasBackground],
    data: { datasets },
    options: {
      parsing: false,
      normalized: true,
      interaction: { mode: 'nearest', axis: 'x', intersect: false },
      plugins: plugins(theme, title),
      scales: {
        x: {
          ...axis(theme, axisOf.label),
          type: 'linear',
          ...(axisOf.xs.length ? { min: axisOf.xs[0], max: axisOf.xs[axisOf.xs.length - 1] } : {}),
        },
        y: axis(theme, 'anomaly score'),
        labels: { type: 'linear', min: 0, max: 1, display: false },
      },
    },
  };
}

/**
 * The reasoning lab's isoplot of one primitive: each variant's accuracy against validation loss
 * at every validation point (every seed), the chance level, and the baseline's final loss, where
 * the variants are read (the paper's figure).
 */
export function primitiveIsoplotConfig(
  c: Comparison,
  primitive: PrimitiveReading,
  colors: Map<string, string>,
  theme: ChartTheme,
): ChartConfiguration<'scatter'> {
  const datasets: ChartConfiguration<'scatter'>['data']['datasets'] = c.variants.map((v) => {
    const color = colors.get(v.variant)!;
    return {
      label: variantLabel(v.variant),
      data: (primitive.points[v.variant] ?? []).map((p) => ({ x: p.valLoss, y: p.value })),
      pointRadius: 3,
      borderColor: color,
      backgroundColor: translucent(color, 0.6),
    };
  });
  const xs = Object.values(primitive.points).flatMap((ps) => ps.map((p) => p.valLoss));
  if (xs.length)
    datasets.push(
      guideLine(
        `chance (${formatChance(primitive.chance)})`,
        { x: Math.min(...xs), y: primitive.chance },
        { x: Math.max(...xs), y: primitive.chance },
        [6, 4],
        theme,
      ),
    );
  if (c.referenceLoss !== null && Number.isFinite(c.referenceLoss))
    datasets.push(referenceLossLine(c.referenceLoss, 0, 1, theme));
  const x = axis(theme, 'validation loss (log scale)');
  return {
    type: 'scatter',
    plugins: [canvasBackground],
    data: { datasets },
    options: {
      plugins: plugins(theme, `${primitive.label}: accuracy against validation loss`),
      scales: {
        x: {
          ...x,
          type: 'logarithmic',
          ticks: { ...x.ticks, maxRotation: 0, autoSkip: false, callback: sparseLogLabel },
        },
        y: { ...axis(theme, 'exact-match accuracy'), min: 0, max: 1 },
      },
    },
  };
}
