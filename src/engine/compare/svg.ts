/**
 * Small SVG charts for the self-contained report: lines (with shaded x ranges, dashed lines and
 * vertical markers) and intervals (mean with a 95% bar). Pure strings: no DOM, no scripts. The
 * legend is HTML beside the plot, never over it; ticks are round numbers ("0.05, 0.1, 0.2",
 * "200 M", "1 G").
 */
import { fixed, formatSi } from '../../shared/format';

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
  /** Left out of the legend (a fitted line beside its points, say). */
  readonly unlisted?: boolean;
}

export interface ChartOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly logX?: boolean;
  readonly logY?: boolean;
  /** x ranges shaded behind the lines (labelled anomalies), with their legend entry. */
  readonly bands?: {
    readonly name: string;
    readonly color: string;
    readonly ranges: readonly (readonly [number, number])[];
  };
  readonly width?: number;
  readonly height?: number;
}

const W = 560;
const H = 300;
const M = { l: 62, r: 14, t: 14, b: 44 };

/** Round numbers (1, 2, 2.5 or 5 times a power of ten) over [lo, hi], about `n` of them. */
function niceTicks(lo: number, hi: number, n = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * mag).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step)
    out.push(Number(v.toPrecision(12)));
  return out;
}

/**
 * Ticks of a logarithmic axis over [lo, hi] (in data units): round numbers on a linear grid when
 * the range is under a decade (0.45 to 0.65: 0.45, 0.5, 0.55, 0.6, 0.65), else 1, 2 and 5 of each
 * decade, thinned to about six.
 */
function logTicks(lo: number, hi: number): number[] {
  if (hi / lo < 10) {
    const t = niceTicks(lo, hi).filter((v) => v > 0);
    return t.length >= 2 ? t : [lo, hi];
  }
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++)
    for (const f of [1, 2, 5]) out.push(Number((f * 10 ** e).toPrecision(12)));
  const inside = out.filter((v) => v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9));
  const every = Math.ceil(inside.length / 6);
  return inside.filter((_, i) => i % every === 0);
}

/** A tick's label: the decimals its step needs ("0.05", "0.10"), an SI prefix from ten thousand ("250 M", "1 G"). */
function tickLabels(ticks: readonly number[]): string[] {
  const largest = Math.max(...ticks.map(Math.abs));
  if (largest >= 1e4) return ticks.map(formatSi);
  const steps = ticks.slice(1).map((v, i) => v - ticks[i]!);
  const uniform = steps.every((s) => Math.abs(s - steps[0]!) <= 1e-9 * Math.abs(steps[0]!));
  if (!uniform || steps.length === 0) return ticks.map((v) => String(Number(v.toPrecision(3))));
  const decimals = Math.max(
    0,
    Math.ceil(-Math.log10(steps[0]!) - 1e-9) +
      (Number((steps[0]! / 10 ** Math.floor(Math.log10(steps[0]!))).toPrecision(3)) === 2.5 ? 1 : 0),
  );
  return ticks.map((v) => fixed(v, decimals));
}

/** The legend under a chart's title, as HTML: one swatch per name (a dashed one for dashed lines). */
function legend(items: readonly { name: string; color: string; dashed?: boolean; band?: boolean }[]): string {
  if (items.length === 0) return '';
  return `<ul class="legend">${items
    .map(
      (i) =>
        `<li><span class="swatch${i.dashed ? ' dashed' : ''}${i.band ? ' band' : ''}" style="${i.dashed ? `border-color:${i.color}` : `background:${i.color}`}"></span>${escapeHtml(i.name)}</li>`,
    )
    .join('')}</ul>`;
}

function figure(title: string, body: string, legendHtml = ''): string {
  return `<figure class="chart"><figcaption>${escapeHtml(title)}</figcaption>${legendHtml}${body}</figure>`;
}

/** The runs of finite points of a line (a gap where a point is missing: a chart does not join across it). */
function pieces(
  points: readonly (readonly [number, number])[],
  ok: (p: readonly [number, number]) => boolean,
): (readonly [number, number])[][] {
  const out: (readonly [number, number])[][] = [[]];
  for (const p of points) {
    if (ok(p)) out.at(-1)!.push(p);
    else if (out.at(-1)!.length) out.push([]);
  }
  return out.filter((s) => s.length);
}

/** A line chart (or scatter) with axes, ticks, shaded ranges, markers and a legend beside it. */
export function lineChart(series: readonly LineSeries[], o: ChartOptions): string {
  const width = o.width ?? W;
  const height = o.height ?? H;
  const tx = (x: number) => (o.logX ? Math.log10(x) : x);
  const ty = (y: number) => (o.logY ? Math.log10(y) : y);
  const ok = ([x, y]: readonly [number, number]) => Number.isFinite(tx(x)) && Number.isFinite(ty(y));
  const pts = series.flatMap((s) => s.points).filter(ok);
  if (pts.length === 0) return figure(o.title, '<p class="muted">no data</p>');
  let [x0, x1] = [Math.min(...pts.map((p) => tx(p[0]))), Math.max(...pts.map((p) => tx(p[0])))];
  let [y0, y1] = [Math.min(...pts.map((p) => ty(p[1]))), Math.max(...pts.map((p) => ty(p[1])))];
  if (x1 === x0) [x0, x1] = [x0 - 1, x1 + 1];
  if (y1 === y0) [y0, y1] = [y0 - 0.5, y1 + 0.5];
  const pad = (y1 - y0) * 0.05;
  [y0, y1] = [y0 - pad, y1 + pad];
  const px = (x: number) => M.l + ((tx(x) - x0) / (x1 - x0)) * (width - M.l - M.r);
  const py = (y: number) => height - M.b - ((ty(y) - y0) / (y1 - y0)) * (height - M.t - M.b);
  const parts: string[] = [];
  for (const [a, b] of o.bands?.ranges ?? []) {
    const [l, r] = [Math.max(px(a), M.l), Math.min(px(b), width - M.r)];
    if (r > l)
      parts.push(
        `<rect x="${l.toFixed(1)}" y="${M.t}" width="${Math.max(1, r - l).toFixed(1)}" height="${height - M.t - M.b}" fill="${o.bands!.color}"/>`,
      );
  }
  const xt = o.logX ? logTicks(10 ** x0, 10 ** x1) : niceTicks(x0, x1);
  const yt = o.logY ? logTicks(10 ** y0, 10 ** y1) : niceTicks(y0, y1);
  const xl = tickLabels(xt);
  const yl = tickLabels(yt);
  xt.forEach((v, i) =>
    parts.push(
      `<line class="grid" x1="${px(v).toFixed(1)}" x2="${px(v).toFixed(1)}" y1="${M.t}" y2="${height - M.b}"/><text x="${px(v).toFixed(1)}" y="${height - M.b + 16}" text-anchor="middle">${xl[i]}</text>`,
    ),
  );
  yt.forEach((v, i) =>
    parts.push(
      `<line class="grid" x1="${M.l}" x2="${width - M.r}" y1="${py(v).toFixed(1)}" y2="${py(v).toFixed(1)}"/><text x="${M.l - 6}" y="${(py(v) + 4).toFixed(1)}" text-anchor="end">${yl[i]}</text>`,
    ),
  );
  parts.push(`<rect class="frame" x="${M.l}" y="${M.t}" width="${width - M.l - M.r}" height="${height - M.t - M.b}"/>`);
  parts.push(
    `<text x="${(M.l + width - M.r) / 2}" y="${height - 8}" text-anchor="middle" class="axis">${escapeHtml(o.xLabel)}</text>`,
  );
  parts.push(
    `<text transform="translate(14 ${(M.t + height - M.b) / 2}) rotate(-90)" text-anchor="middle" class="axis">${escapeHtml(o.yLabel)}</text>`,
  );
  for (const s of series) {
    for (const m of s.markers ?? [])
      if (Number.isFinite(tx(m)))
        parts.push(
          `<line x1="${px(m).toFixed(1)}" x2="${px(m).toFixed(1)}" y1="${M.t}" y2="${height - M.b}" stroke="${s.color}" stroke-dasharray="2 3" opacity="0.6"/>`,
        );
    if (s.dots)
      for (const [x, y] of s.points.filter(ok))
        parts.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3" fill="${s.color}" opacity="0.8"/>`);
    else
      for (const piece of pieces(s.points, ok))
        parts.push(
          `<polyline fill="none" stroke="${s.color}" stroke-width="1.8"${s.dashed ? ' stroke-dasharray="6 4"' : ''} points="${piece.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ')}"/>`,
        );
  }
  const names = new Map<string, { name: string; color: string; dashed?: boolean }>();
  for (const s of series)
    if (!s.unlisted && !names.has(s.name))
      names.set(s.name, { name: s.name, color: s.color, ...(s.dashed ? { dashed: true } : {}) });
  const items = [
    ...names.values(),
    ...(o.bands?.ranges.length ? [{ name: o.bands.name, color: o.bands.color, band: true }] : []),
  ];
  return figure(
    o.title,
    `<svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(o.title)}">${parts.join('')}</svg>`,
    legend(items),
  );
}

export interface IntervalRow {
  readonly label: string;
  readonly mean: number;
  readonly lo: number;
  readonly hi: number;
  readonly color: string;
}

/** One row per entry: a dot at the mean and a bar over the 95% interval, on a shared axis. */
export function intervalChart(
  rows: readonly IntervalRow[],
  o: { title: string; xLabel: string; chance?: number },
): string {
  const ok = rows.filter((r) => Number.isFinite(r.mean));
  if (ok.length === 0) return figure(o.title, '<p class="muted">no data</p>');
  const left = 170;
  const width = W;
  const top = 24;
  const height = top + ok.length * 24 + 34;
  const vals = ok.flatMap((r) => [r.lo, r.hi, r.mean]).filter(Number.isFinite);
  if (o.chance !== undefined) vals.push(o.chance);
  let [x0, x1] = [Math.min(...vals), Math.max(...vals)];
  if (x1 - x0 < 1e-9) [x0, x1] = [x0 - 0.05, x1 + 0.05];
  const pad = (x1 - x0) * 0.08;
  [x0, x1] = [x0 - pad, x1 + pad];
  const px = (x: number) => left + ((x - x0) / (x1 - x0)) * (width - left - M.r);
  const parts: string[] = [];
  const xt = niceTicks(x0, x1);
  const xl = tickLabels(xt);
  xt.forEach((v, i) =>
    parts.push(
      `<line class="grid" x1="${px(v).toFixed(1)}" x2="${px(v).toFixed(1)}" y1="${top - 6}" y2="${height - 30}"/><text x="${px(v).toFixed(1)}" y="${height - 16}" text-anchor="middle">${xl[i]}</text>`,
    ),
  );
  if (o.chance !== undefined)
    parts.push(
      `<line x1="${px(o.chance).toFixed(1)}" x2="${px(o.chance).toFixed(1)}" y1="${top - 6}" y2="${height - 30}" stroke="#57606a" stroke-dasharray="4 3"/><text x="${px(o.chance).toFixed(1)}" y="${top - 10}" text-anchor="middle">chance</text>`,
    );
  ok.forEach((r, i) => {
    const y = top + i * 24 + 10;
    parts.push(`<text x="${left - 8}" y="${y + 4}" text-anchor="end">${escapeHtml(r.label)}</text>`);
    if (Number.isFinite(r.lo) && Number.isFinite(r.hi))
      parts.push(
        `<line x1="${px(r.lo).toFixed(1)}" x2="${px(r.hi).toFixed(1)}" y1="${y}" y2="${y}" stroke="${r.color}" stroke-width="3" opacity="0.5"/>`,
      );
    parts.push(`<circle cx="${px(r.mean).toFixed(1)}" cy="${y}" r="5" fill="${r.color}"/>`);
  });
  parts.push(
    `<text x="${(left + width - M.r) / 2}" y="${height - 2}" text-anchor="middle" class="axis">${escapeHtml(o.xLabel)}</text>`,
  );
  return figure(
    o.title,
    `<svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(o.title)}">${parts.join('')}</svg>`,
  );
}
