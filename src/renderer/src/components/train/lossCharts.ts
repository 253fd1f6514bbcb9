/**
 * The Train step's loss charts as Chart.js configurations (pure, so tests can read them): one
 * line per variant (the mean over its seeds), the seeds' min–max as a band, and a triangle at
 * every growth (the first point of a new stage).
 */
import { isFlopMatched, variantLabel } from '../../../../shared/growth';
import type { ChartConfiguration, ChartDataset } from 'chart.js';
import type { LossPoint, RunLive } from '../../model/curves';
import type { ThemeColors } from '../../theme/colors';
import { translucent, variantColor, variantDash } from '../../theme/variants';

export type LossAxis = 'step' | 'flops' | 'wall';

/** The theme colours a loss chart needs (see ../../theme/colors). */
export type ChartTheme = Pick<ThemeColors, 'dark' | 'text' | 'muted' | 'line'>;

export const AXIS_TITLES: Readonly<Record<LossAxis, string>> = {
  step: 'step',
  flops: 'FLOPs (training compute so far)',
  wall: 'wall-clock (s)',
};

/** Grid points of the mean line and the band when a variant has several seeds. */
export const BAND_POINTS = 200;
/** Suffix of the band datasets' labels (kept out of the legend and the tooltip). */
export const BAND_SUFFIX = ' (seed range)';
/** Suffix of the growth-marker datasets' labels. */
export const GROWTH_SUFFIX = ' growth';

interface XY {
  readonly x: number;
  readonly y: number;
}

export function xOf(p: LossPoint, axis: LossAxis): number {
  return axis === 'step' ? p.step : axis === 'flops' ? p.flops : p.wallMs / 1000;
}

/** Linear interpolation of a curve sorted by x; null outside its range. */
export function interpolate(curve: readonly XY[], x: number): number | null {
  const n = curve.length;
  if (n === 0 || x < curve[0]!.x || x > curve[n - 1]!.x) return null;
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (curve[mid]!.x <= x) lo = mid;
    else hi = mid;
  }
  const a = curve[lo]!;
  const b = curve[hi]!;
  return b.x === a.x ? a.y : a.y + ((b.y - a.y) * (x - a.x)) / (b.x - a.x);
}

/** The mean of several curves on a common grid, and their min and max where two or more overlap. */
export function meanAndBand(
  curves: readonly (readonly XY[])[],
  points = BAND_POINTS,
): { mean: XY[]; min: XY[]; max: XY[] } {
  const live = curves.filter((c) => c.length > 0);
  if (live.length === 1) return { mean: [...live[0]!], min: [], max: [] };
  const mean: XY[] = [];
  const min: XY[] = [];
  const max: XY[] = [];
  if (live.length === 0) return { mean, min, max };
  const x0 = Math.min(...live.map((c) => c[0]!.x));
  const x1 = Math.max(...live.map((c) => c.at(-1)!.x));
  for (let i = 0; i < points; i++) {
    const x = points === 1 || x1 === x0 ? x0 : x0 + ((x1 - x0) * i) / (points - 1);
    const ys = live.map((c) => interpolate(c, x)).filter((y): y is number => y !== null);
    if (ys.length === 0) continue;
    mean.push({ x, y: ys.reduce((a, b) => a + b, 0) / ys.length });
    if (ys.length >= 2) {
      min.push({ x, y: Math.min(...ys) });
      max.push({ x, y: Math.max(...ys) });
    }
  }
  return { mean, min, max };
}

/** Runs grouped by row name (the variant, or "baseline≈midas"), in run order. */
export function groupByName(runs: readonly RunLive[]): Map<string, RunLive[]> {
  const groups = new Map<string, RunLive[]>();
  for (const r of runs) groups.set(r.name, [...(groups.get(r.name) ?? []), r]);
  return groups;
}

type LineDataset = ChartDataset<'line', XY[]>;

/** The datasets of one chart: per variant, its band (max filled down to min), its mean line and its growth markers. */
export function lossDatasets(runs: readonly RunLive[], axis: LossAxis, theme: ChartTheme): LineDataset[] {
  const out: LineDataset[] = [];
  for (const [name, group] of groupByName(runs)) {
    const color = variantColor(name, theme.dark);
    const dash = variantDash(name);
    const label = variantLabel(name);
    const { mean, min, max } = meanAndBand(group.map((r) => r.points.map((p) => ({ x: xOf(p, axis), y: p.loss }))));
    if (min.length > 0) {
      const band = {
        borderWidth: 0,
        pointRadius: 0,
        backgroundColor: translucent(color, 0.18),
        borderColor: 'transparent',
      };
      out.push({ label: `${label} max${BAND_SUFFIX}`, data: max, fill: '+1', ...band });
      out.push({ label: `${label} min${BAND_SUFFIX}`, data: min, fill: false, ...band });
    }
    out.push({
      label,
      data: mean,
      borderColor: color,
      backgroundColor: color,
      borderWidth: 2,
      pointRadius: 0,
      fill: false,
      ...(dash ? { borderDash: dash } : {}),
    });
    const growth = group
      .flatMap((r) => r.growth.map((p) => ({ x: xOf(p, axis), y: p.loss })))
      .sort((a, b) => a.x - b.x);
    if (growth.length > 0) {
      out.push({
        label: `${label}${GROWTH_SUFFIX}`,
        data: growth,
        showLine: false,
        pointStyle: 'triangle',
        pointRadius: 6,
        pointHoverRadius: 8,
        borderColor: color,
        backgroundColor: color,
        fill: false,
      });
    }
  }
  return out;
}

/** A FLOP count for an axis tick: 2 G, 500 M. */
function flopsTick(value: number | string): string {
  const v = Number(value);
  if (v === 0) return '0';
  const e = Math.min(6, Math.max(0, Math.floor(Math.log10(Math.abs(v)) / 3)));
  return `${Number((v / 10 ** (3 * e)).toPrecision(3))} ${['', 'k', 'M', 'G', 'T', 'P', 'E'][e]}`.trim();
}

/** The variants drawn, for a legend shared by the three charts. */
export function legendOf(
  runs: readonly RunLive[],
  theme: Pick<ThemeColors, 'dark'>,
): { name: string; color: string; dashed: boolean }[] {
  return [...groupByName(runs).keys()].map((name) => ({
    name,
    color: variantColor(name, theme.dark),
    dashed: isFlopMatched(name),
  }));
}

/** One loss chart: loss against steps, FLOPs or wall-clock (the legend is shared, outside the charts). */
export function lossChartConfig(
  runs: readonly RunLive[],
  axis: LossAxis,
  theme: ChartTheme,
  logY = false,
): ChartConfiguration<'line', XY[]> {
  const tick = { color: theme.muted };
  const grid = { color: theme.line };
  return {
    type: 'line',
    data: { datasets: lossDatasets(runs, axis, theme) },
    options: {
      parsing: false,
      normalized: true,
      interaction: { mode: 'nearest', intersect: false },
      scales: {
        x: {
          type: 'linear',
          title: { display: true, text: AXIS_TITLES[axis], color: theme.text },
          ticks: axis === 'flops' ? { ...tick, callback: flopsTick } : tick,
          grid,
        },
        y: {
          type: logY ? 'logarithmic' : 'linear',
          title: { display: true, text: 'training loss', color: theme.text },
          ticks: tick,
          grid,
        },
      },
      plugins: {
        legend: { display: false },
        tooltip: { filter: (item) => !item.dataset.label?.endsWith(BAND_SUFFIX) },
      },
    },
  };
}
