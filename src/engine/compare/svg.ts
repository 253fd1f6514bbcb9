/**
 * Small SVG charts for the self-contained report: lines (with optional bands and vertical
 * markers) and intervals (mean with a 95% bar). Pure strings: no DOM, no scripts.
 */

export const PALETTE = ['#1f6feb', '#d1242f', '#1a7f37', '#9a6700', '#8250df', '#bf3989', '#0a7b83', '#57606a'];

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}

export interface LineSeries {
  readonly name: string;
  readonly color: string;
  readonly points: readonly (readonly [number, number])[];
  /** Draw points only (a scatter) instead of a line. */
  readonly dots?: boolean;
  readonly dashed?: boolean;
  /** Vertical markers (x values), e.g. growth steps. */
  readonly markers?: readonly number[];
}

export interface ChartOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly logX?: boolean;
  readonly logY?: boolean;
  readonly width?: number;
  readonly height?: number;
}

const W = 560;
const H = 300;
const M = { l: 62, r: 14, t: 28, b: 44 };

function ticks(lo: number, hi: number, n = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((f) => f * mag).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function fmt(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(1).replace('e+', 'e');
  return String(Number(v.toPrecision(4)));
}

/** A line chart (or scatter) with axes, ticks, a legend and optional markers. */
export function lineChart(series: readonly LineSeries[], o: ChartOptions): string {
  const width = o.width ?? W;
  const height = o.height ?? H;
  const tx = (x: number) => (o.logX ? Math.log10(x) : x);
  const ty = (y: number) => (o.logY ? Math.log10(y) : y);
  const pts = series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(tx(x)) && Number.isFinite(ty(y)));
  if (pts.length === 0) return `<figure class="chart"><figcaption>${escapeHtml(o.title)}</figcaption><p class="muted">no data</p></figure>`;
  let [x0, x1] = [Math.min(...pts.map((p) => tx(p[0]))), Math.max(...pts.map((p) => tx(p[0])))];
  let [y0, y1] = [Math.min(...pts.map((p) => ty(p[1]))), Math.max(...pts.map((p) => ty(p[1])))];
  if (x1 === x0) [x0, x1] = [x0 - 1, x1 + 1];
  if (y1 === y0) [y0, y1] = [y0 - 0.5, y1 + 0.5];
  const pad = (y1 - y0) * 0.05;
  [y0, y1] = [y0 - pad, y1 + pad];
  const px = (x: number) => M.l + ((tx(x) - x0) / (x1 - x0)) * (width - M.l - M.r);
  const py = (y: number) => height - M.b - ((ty(y) - y0) / (y1 - y0)) * (height - M.t - M.b);
  const parts: string[] = [];
  const xt = o.logX ? ticks(x0, x1).map((v) => 10 ** v) : ticks(x0, x1);
  const yt = o.logY ? ticks(y0, y1).map((v) => 10 ** v) : ticks(y0, y1);
  for (const v of xt) parts.push(`<line class="grid" x1="${px(v).toFixed(1)}" x2="${px(v).toFixed(1)}" y1="${M.t}" y2="${height - M.b}"/><text x="${px(v).toFixed(1)}" y="${height - M.b + 16}" text-anchor="middle">${fmt(v)}</text>`);
  for (const v of yt) parts.push(`<line class="grid" x1="${M.l}" x2="${width - M.r}" y1="${py(v).toFixed(1)}" y2="${py(v).toFixed(1)}"/><text x="${M.l - 6}" y="${(py(v) + 4).toFixed(1)}" text-anchor="end">${fmt(v)}</text>`);
  parts.push(`<text x="${(M.l + width - M.r) / 2}" y="${height - 8}" text-anchor="middle" class="axis">${escapeHtml(o.xLabel)}</text>`);
  parts.push(`<text transform="translate(14 ${(M.t + height - M.b) / 2}) rotate(-90)" text-anchor="middle" class="axis">${escapeHtml(o.yLabel)}</text>`);
  series.forEach((s) => {
    const ok = s.points.filter(([x, y]) => Number.isFinite(tx(x)) && Number.isFinite(ty(y)));
    for (const m of s.markers ?? []) if (Number.isFinite(tx(m))) parts.push(`<line x1="${px(m).toFixed(1)}" x2="${px(m).toFixed(1)}" y1="${M.t}" y2="${height - M.b}" stroke="${s.color}" stroke-dasharray="2 3" opacity="0.6"/>`);
    if (s.dots) for (const [x, y] of ok) parts.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3" fill="${s.color}" opacity="0.8"/>`);
    else if (ok.length) parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="1.8"${s.dashed ? ' stroke-dasharray="6 4"' : ''} points="${ok.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ')}"/>`);
  });
  const names = [...new Map(series.map((s) => [s.name, s.color])).entries()];
  const legend = names.map(([n, c], i) => `<g transform="translate(${M.l + 8 + (i % 4) * 130} ${M.t + 6 + Math.floor(i / 4) * 14})"><rect width="10" height="10" fill="${c}"/><text x="14" y="9">${escapeHtml(n)}</text></g>`);
  return `<figure class="chart"><figcaption>${escapeHtml(o.title)}</figcaption><svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(o.title)}">${parts.join('')}${legend.join('')}</svg></figure>`;
}

export interface IntervalRow {
  readonly label: string;
  readonly mean: number;
  readonly lo: number;
  readonly hi: number;
  readonly color: string;
}

/** One row per entry: a dot at the mean and a bar over the 95% interval, on a shared axis. */
export function intervalChart(rows: readonly IntervalRow[], o: { title: string; xLabel: string; chance?: number }): string {
  const ok = rows.filter((r) => Number.isFinite(r.mean));
  if (ok.length === 0) return `<figure class="chart"><figcaption>${escapeHtml(o.title)}</figcaption><p class="muted">no data</p></figure>`;
  const left = 170;
  const width = W;
  const height = M.t + ok.length * 24 + 34;
  const vals = ok.flatMap((r) => [r.lo, r.hi, r.mean]).filter(Number.isFinite);
  if (o.chance !== undefined) vals.push(o.chance);
  let [x0, x1] = [Math.min(...vals), Math.max(...vals)];
  if (x1 - x0 < 1e-9) [x0, x1] = [x0 - 0.05, x1 + 0.05];
  const pad = (x1 - x0) * 0.08;
  [x0, x1] = [x0 - pad, x1 + pad];
  const px = (x: number) => left + ((x - x0) / (x1 - x0)) * (width - left - M.r);
  const parts: string[] = [];
  for (const v of ticks(x0, x1)) parts.push(`<line class="grid" x1="${px(v).toFixed(1)}" x2="${px(v).toFixed(1)}" y1="${M.t - 6}" y2="${height - 30}"/><text x="${px(v).toFixed(1)}" y="${height - 16}" text-anchor="middle">${fmt(v)}</text>`);
  if (o.chance !== undefined) parts.push(`<line x1="${px(o.chance).toFixed(1)}" x2="${px(o.chance).toFixed(1)}" y1="${M.t - 6}" y2="${height - 30}" stroke="#57606a" stroke-dasharray="4 3"/><text x="${px(o.chance).toFixed(1)}" y="${M.t - 10}" text-anchor="middle">chance</text>`);
  ok.forEach((r, i) => {
    const y = M.t + i * 24 + 10;
    parts.push(`<text x="${left - 8}" y="${y + 4}" text-anchor="end">${escapeHtml(r.label)}</text>`);
    if (Number.isFinite(r.lo) && Number.isFinite(r.hi)) parts.push(`<line x1="${px(r.lo).toFixed(1)}" x2="${px(r.hi).toFixed(1)}" y1="${y}" y2="${y}" stroke="${r.color}" stroke-width="3" opacity="0.5"/>`);
    parts.push(`<circle cx="${px(r.mean).toFixed(1)}" cy="${y}" r="5" fill="${r.color}"/>`);
  });
  parts.push(`<text x="${(left + width - M.r) / 2}" y="${height - 2}" text-anchor="middle" class="axis">${escapeHtml(o.xLabel)}</text>`);
  return `<figure class="chart"><figcaption>${escapeHtml(o.title)}</figcaption><svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(o.title)}">${parts.join('')}</svg></figure>`;
}
