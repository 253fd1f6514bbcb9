/**
 * The Chart.js configuration of the channel plot: the chosen channels over time, each scaled to
 * its own range (or in its own units), with the labelled anomalies shaded behind the lines.
 */
import type { ChartConfiguration, ChartType, Plugin, TooltipItem } from 'chart.js';
import type { ImportResult } from '../../../../shared/import';
import { formatCount, formatTime, formatTimeSpan, formatValue } from '../../model/import-format';
import type { ThemeColors } from '../../theme/colors';
import { channelStyle } from '../../theme/channels';

export type Plot = ImportResult['plot'];

export interface AnomalyShadingOptions {
  /** Labelled anomalies, [start, end] in x units; one narrower than 2 px is drawn 2 px wide. */
  readonly ranges: readonly (readonly [number, number])[];
  readonly color: string;
  /** Where the next file begins (x units), drawn as dashed lines when the files are end to end. */
  readonly boundaries?: readonly number[];
  readonly boundaryColor?: string;
}

declare module 'chart.js' {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars -- the type parameter must match Chart.js's declaration
  interface PluginOptionsByType<TType extends ChartType> {
    anomalyShading?: AnomalyShadingOptions;
  }
}

/** Shades each labelled anomaly as a full-height band behind the lines, and marks where files meet. */
export const anomalyShading: Plugin<'line', AnomalyShadingOptions> = {
  id: 'anomalyShading',
  beforeDatasetsDraw(chart, _args, options) {
    const x = chart.scales.x;
    if (!x || (!options.ranges?.length && !options.boundaries?.length)) return;
    const { ctx, chartArea: area } = chart;
    ctx.save();
    ctx.fillStyle = options.color;
    ctx.globalAlpha = 0.2;
    for (const [from, to] of options.ranges ?? []) {
      const left = Math.max(area.left, x.getPixelForValue(from));
      const right = Math.min(area.right, x.getPixelForValue(to));
      if (right < area.left || left > area.right) continue;
      ctx.fillRect(left, area.top, Math.max(2, right - left), area.bottom - area.top);
    }
    if (options.boundaries?.length) {
      ctx.globalAlpha = 1;
      ctx.strokeStyle = options.boundaryColor ?? options.color;
      ctx.setLineDash([4, 4]);
      ctx.beginPath();
      for (const b of options.boundaries) {
        const px = x.getPixelForValue(b);
        ctx.moveTo(px, area.top);
        ctx.lineTo(px, area.bottom);
      }
      ctx.stroke();
    }
    ctx.restore();
  },
};

/** How x values read: on the axis, in tooltips and in the text summary. */
export interface XAxis {
  readonly title: string;
  /** An x value in full (tooltips, summary). */
  readonly format: (x: number) => string;
  /** An x value on the axis (shorter: a date when the ticks are days apart). */
  readonly tick: (x: number) => string;
  /** Round tick positions (whole hours, days, …), or undefined for Chart.js's own. */
  readonly ticks?: readonly number[];
}

const TIME_STEPS = [
  1,
  5,
  15,
  60,
  300,
  900,
  3_600,
  3 * 3_600,
  6 * 3_600,
  12 * 3_600,
  86_400,
  2 * 86_400,
  7 * 86_400,
  14 * 86_400,
  28 * 86_400,
  91 * 86_400,
  365 * 86_400,
];

/** Tick positions at most `count` and a round step apart, aligned to the clock when `t0` (seconds) is given. */
function roundTicks(first: number, last: number, t0: number, count = 7): { step: number; values: number[] } {
  const step = TIME_STEPS.find((s) => (last - first) / s <= count) ?? TIME_STEPS[TIME_STEPS.length - 1]!;
  const values: number[] = [];
  for (let v = Math.ceil((t0 + first) / step) * step - t0; v <= last; v += step) values.push(v);
  return { step, values };
}

/** The files of a data set in plot order: their paths and row counts. */
export type PlotFiles = readonly { readonly path: string; readonly rows: number }[];

/** Where each file after the first begins, in rows of the files end to end. */
export function fileBoundaries(files: PlotFiles): number[] {
  let at = 0;
  return files.slice(0, -1).map((f) => (at += f.rows));
}

const baseName = (p: string) => p.split(/[\\/]/).pop() ?? p;

/**
 * The x axis of a plot: wall-clock time when the file's start is known (UTC, as the engine reads
 * the file), time since the first row otherwise, or row numbers (several files end to end: the
 * tooltip names the file and its own row).
 */
export function xAxisOf(plot: Plot, start: string | null, files: PlotFiles): XAxis {
  const first = plot.x[0] ?? 0;
  const last = plot.x[plot.x.length - 1] ?? first;
  if (plot.xUnit === 'seconds') {
    const t0 = start ? Date.parse(start) : NaN;
    if (Number.isFinite(t0)) {
      const { step, values } = roundTicks(first, last, t0 / 1000);
      const at = (x: number) => formatTime(t0 + x * 1000);
      const sameDay = at(first).slice(0, 10) === at(last).slice(0, 10);
      const tick =
        step >= 86_400
          ? (x: number) => at(x).slice(0, 10)
          : step < 60
            ? (x: number) => at(x).slice(11)
            : sameDay
              ? (x: number) => at(x).slice(11, 16)
              : (x: number) => at(x).slice(5, 16);
      return { title: 'Time (as written in the file)', format: at, tick, ticks: values };
    }
    const { values } = roundTicks(first, last, 0);
    return { title: 'Time since the first row', format: formatTimeSpan, tick: formatTimeSpan, ticks: values };
  }
  const rows = (x: number) => formatCount(Math.round(x));
  if (files.length < 2) return { title: 'Row', format: rows, tick: rows };
  const starts = [0, ...fileBoundaries(files)];
  const inFile = (x: number) => {
    const k = starts.findLastIndex((s) => s <= x);
    return `${baseName(files[k]!.path)}, row ${formatCount(Math.round(x - starts[k]!) + 1)}`;
  };
  return { title: 'Row (the files end to end, dashed lines where one ends)', format: inFile, tick: rows };
}

/** One channel's values scaled to 0 (its minimum) … 1 (its maximum); a flat channel sits at 0.5. */
export function scaleToRange(values: readonly number[]): number[] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const width = hi - lo;
  return values.map((v) => (!Number.isFinite(v) ? NaN : width > 0 ? (v - lo) / width : 0.5));
}

/**
 * How the channels share the chart: one lane each (scaled to its range, stacked top to bottom
 * like a strip-chart recorder), overlaid and scaled, or overlaid in their own units.
 */
export type PlotLayout = 'lanes' | 'scaled' | 'raw';

export interface ChannelChartInput {
  readonly plot: Plot;
  /** Names of the channels to draw, in the plot's order. */
  readonly shown: readonly string[];
  readonly layout: PlotLayout;
  readonly axis: XAxis;
  readonly colors: ThemeColors;
  /** Where files meet on a row axis (none on a time axis). */
  readonly boundaries?: readonly number[];
}

/** Lanes: the share of a lane's height a trace uses (the rest keeps neighbours apart). */
const LANE_FILL = 0.84;

/** The line chart: one dataset per shown channel, the anomalies as a shading plugin's ranges. */
export function channelChartConfig({
  plot,
  shown,
  layout,
  axis,
  colors,
  boundaries = [],
}: ChannelChartInput): ChartConfiguration<'line'> {
  const picked = plot.channels.map((c, i) => ({ ...c, i })).filter((c) => shown.includes(c.name));
  const lanes = picked.length;
  const first = plot.x[0] ?? 0;
  const last = plot.x[plot.x.length - 1] ?? 1;
  const datasets = picked.map((c, k) => {
    const base = lanes - 1 - k + (1 - LANE_FILL) / 2;
    const ys =
      layout === 'raw'
        ? c.values
        : layout === 'scaled'
          ? scaleToRange(c.values)
          : scaleToRange(c.values).map((v) => base + LANE_FILL * v);
    const { color, dash } = channelStyle(c.i);
    return {
      label: c.name,
      data: plot.x.map((x, j) => ({ x, y: ys[j] ?? NaN })),
      borderColor: color,
      backgroundColor: color,
      borderDash: dash,
      borderWidth: 1.25,
      pointRadius: 0,
      pointHoverRadius: 3,
      spanGaps: false,
    };
  });
  const ticks = { color: colors.muted };
  const grid = { color: colors.line };
  const title = (text: string) => ({ display: true, text, color: colors.muted });
  const laneNames = picked.map((c) => c.name);
  const y =
    layout === 'lanes'
      ? {
          min: 0,
          max: Math.max(1, lanes),
          grid,
          // One tick per lane, at its middle, named after its channel.
          afterBuildTicks: (scale: { ticks: { value: number }[] }) => {
            scale.ticks = laneNames.map((_, k) => ({ value: lanes - 1 - k + 0.5 }));
          },
          ticks: { ...ticks, callback: (v: string | number) => laneNames[lanes - 1 - Math.floor(Number(v))] ?? '' },
        }
      : layout === 'scaled'
        ? {
            min: -0.03,
            max: 1.03,
            grid,
            title: title('Each channel scaled to its own range'),
            ticks: {
              ...ticks,
              stepSize: 0.5,
              callback: (v: string | number) => ({ 0: 'min', 0.5: 'mid', 1: 'max' })[Number(v)] ?? '',
            },
          }
        : { grid, title: title('Value (each channel in its own unit)'), ticks };
  const xTicks = axis.ticks;
  return {
    type: 'line',
    data: { datasets },
    options: {
      parsing: false,
      normalized: true,
      interaction: { mode: 'index', intersect: false },
      scales: {
        x: {
          type: 'linear',
          min: first,
          max: last,
          grid,
          title: title(axis.title),
          ...(xTicks
            ? {
                afterBuildTicks: (scale: { ticks: { value: number }[] }) => {
                  scale.ticks = xTicks.map((value) => ({ value }));
                },
              }
            : {}),
          ticks: {
            ...ticks,
            maxRotation: 0,
            autoSkipPadding: 16,
            callback: (v: string | number) => axis.tick(Number(v)),
          },
        },
        y,
      },
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            title: (items: TooltipItem<'line'>[]) => axis.format(items[0]?.parsed.x ?? 0),
            label: (item: TooltipItem<'line'>) =>
              `${item.dataset.label ?? ''}: ${formatValue(picked[item.datasetIndex]?.values[item.dataIndex] ?? NaN)}`,
          },
        },
        anomalyShading: { ranges: plot.anomalies, color: colors.bad, boundaries, boundaryColor: colors.muted },
      },
    },
    plugins: [anomalyShading],
  };
}

/** The plot in words, for everyone and for screen readers. */
export function plotSummary(plot: Plot, shown: readonly string[], axis: XAxis): string {
  const span = plot.x.length
    ? `from ${axis.format(plot.x[0]!)} to ${axis.format(plot.x[plot.x.length - 1]!)}`
    : 'with no rows';
  const names = shown.length <= 12 ? ` (${shown.join(', ')})` : '';
  const channels = shown.length
    ? `${shown.length} of ${plot.channels.length} channels${names}`
    : `none of the ${plot.channels.length} channels`;
  const n = plot.anomalies.length;
  const anomalies = n === 0 ? 'No labelled anomalies.' : `${n} labelled anomal${n === 1 ? 'y' : 'ies'} shaded in red.`;
  return `Showing ${channels} ${span}. ${anomalies}`;
}
