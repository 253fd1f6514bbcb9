/**
 * The comparison as one self-contained HTML file: no script, no external file (charts are inline
 * SVG, styles inline), readable on screen and on paper.
 */
import { GLOSSARY, METRICS, PROBE_HELP, PROBE_LABELS, type Comparison } from '../../shared/compare';
import { variantLabel } from '../../shared/growth';
import { describeDifference } from '../eval/stats';
import { escapeHtml, intervalChart, lineChart, PALETTE, type LineSeries } from './svg';
import { tableRows } from './table';

const CSS = `
:root { color-scheme: light; --fg: #1f2328; --muted: #57606a; --line: #d0d7de; --accent: #1f6feb; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); margin: 24px auto; max-width: 1180px; padding: 0 16px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.muted { color: var(--muted); }
.verdict { background: #f6f8fa; border-left: 4px solid var(--accent); padding: 8px 14px; }
.verdict li { margin: 3px 0; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; font-size: 12.5px; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
tr.sig td { font-weight: 600; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(540px, 1fr)); gap: 12px; }
figure.chart { margin: 0; break-inside: avoid; }
figure.chart figcaption { font-weight: 600; margin-bottom: 2px; }
svg { max-width: 100%; height: auto; font-size: 11px; }
svg text { fill: var(--fg); } svg .axis { fill: var(--muted); }
svg .grid { stroke: #eaeef2; }
code { font-size: 12px; }
dl.glossary { display: grid; grid-template-columns: max-content 1fr; gap: 4px 14px; } dl.glossary dt { font-weight: 600; } dl.glossary dd { margin: 0; }
@media print { body { margin: 0; max-width: none; font-size: 11px; } h2 { break-after: avoid; } .charts { grid-template-columns: 1fr 1fr; } table { font-size: 9.5px; } }
`;

/** The color of each variant, stable across charts. */
function colors(c: Comparison): Map<string, string> {
  return new Map(c.variants.map((v, i) => [v.variant, PALETTE[i % PALETTE.length]!]));
}

/** The comparison table in two parts that fit a page: the variants, then the classical and trivial detectors. */
function tables(c: Comparison): { variants: string; detectors: string } {
  const { header, rows } = tableRows(c);
  const nv = c.variants.length;
  const html = (cols: number[], keep: (r: string[]) => boolean) =>
    `<table><thead><tr>${cols.map((i) => `<th>${escapeHtml(header[i]!)}</th>`).join('')}</tr></thead><tbody>${rows
      .filter(keep)
      .map((r) => `<tr>${cols.map((i) => `<td>${escapeHtml(r[i] ?? '')}</td>`).join('')}</tr>`)
      .join('')}</tbody></table>`;
  const variantCols = Array.from({ length: nv + 1 }, (_, i) => i);
  const detectorCols = [0, ...c.baselines.map((_, i) => nv + 1 + i)];
  return {
    variants: html(variantCols, (r) => r.slice(1, nv + 1).some((x) => x !== '')),
    detectors: c.baselines.length ? html(detectorCols, (r) => r.slice(nv + 1).some((x) => x !== '')) : '',
  };
}

function differences(c: Comparison): string {
  const others = c.variants.filter((v) => v.variant !== c.reference);
  if (!c.reference || others.length === 0) return '';
  const rows: string[] = [];
  const row = (label: string, cells: string[], sig: boolean) => rows.push(`<tr${sig ? ' class="sig"' : ''}><td>${escapeHtml(label)}</td>${cells.map((x) => `<td>${escapeHtml(x)}</td>`).join('')}</tr>`);
  const anyMetric = others.some((v) => Object.keys(v.differences).length);
  if (anyMetric) {
    for (const m of METRICS) {
      const ds = others.map((v) => v.differences[m.key]);
      row(`${m.label}${m.higherIsBetter ? '' : ' (lower is better)'}`, ds.map((d) => (d ? describeDifference(d, m.digits) : '-')), ds.some((d) => d?.significant));
    }
  }
  const vl = others.map((v) => v.valLossDifference);
  row('final validation loss', vl.map((d) => (d ? describeDifference(d, 4) : '-')), vl.some((d) => d?.significant));
  for (const p of Object.keys(c.probeChance)) {
    const ds = others.map((v) => v.probeDifferences[p]);
    row(`probe: ${PROBE_LABELS[p] ?? p}`, ds.map((d) => (d ? describeDifference(d, 3) : '-')), ds.some((d) => d?.significant));
  }
  return `<h2>Each variant against the baseline, paired by seed</h2><p class="muted">Difference variant − baseline, mean and 95% interval over seeds; significant when the interval excludes zero (bold rows hold at least one).</p><table><thead><tr><th></th>${others.map((v) => `<th>${escapeHtml(variantLabel(v.variant))}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** One plain sentence per metric, probe and term. */
function glossary(c: Comparison): string {
  const items = [
    ...METRICS.map((m) => [m.label, m.help] as const),
    ...Object.keys(c.probeChance).map((p) => [`${PROBE_LABELS[p] ?? p} probe`, PROBE_HELP[p] ?? ''] as const),
    ...GLOSSARY.map((g) => [g.term, g.help] as const),
  ];
  return `<h2>Glossary</h2><dl class="glossary">${items.map(([t, h]) => `<dt>${escapeHtml(t)}</dt><dd>${escapeHtml(h)}</dd>`).join('')}</dl>`;
}

function lossCharts(c: Comparison, col: Map<string, string>): string {
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
          color: col.get(v.variant)!,
          points: r.train.map((p) => [p[a.key] * a.scale, p.loss] as const),
          ...(a.key === 'step' ? { markers: r.growthSteps } : {}),
        })),
      );
      return lineChart(series, { title: `Training loss against ${a.label}`, xLabel: a.label, yLabel: 'training loss (MSE)', logY: true });
    })
    .join('');
}

function metricCharts(c: Comparison, col: Map<string, string>): string {
  const out: string[] = [];
  const head = METRICS[0]!;
  if (c.variants.some((v) => v.metrics[head.key])) {
    const rows = [
      ...c.variants.map((v) => ({ label: variantLabel(v.variant), ...(v.metrics[head.key] ?? { mean: NaN, lo: NaN, hi: NaN }), color: col.get(v.variant)! })),
      ...c.baselines.filter((b) => b.kind === 'detector').map((b) => ({ label: b.label, ...(b.metrics[head.key] ?? { mean: NaN, lo: NaN, hi: NaN }), color: '#57606a' })),
    ];
    out.push(intervalChart(rows, { title: `${head.label} on the test part (95% interval over seeds)`, xLabel: head.label }));
  }
  for (const p of Object.keys(c.probeChance)) {
    const rows = c.variants.map((v) => ({ label: variantLabel(v.variant), ...(v.probes[p] ?? { mean: NaN, lo: NaN, hi: NaN }), color: col.get(v.variant)! }));
    out.push(intervalChart(rows, { title: `Probe: ${PROBE_LABELS[p] ?? p} accuracy (naive persistence: ${(c.probePersistence[p] ?? NaN).toFixed(2)})${c.probeInformative[p] === false ? ': not informative on this data' : ''}`, xLabel: 'accuracy', chance: c.probeChance[p]! }));
  }
  const iso: LineSeries[] = c.variants.flatMap((v) => {
    const s: LineSeries[] = [{ name: variantLabel(v.variant), color: col.get(v.variant)!, points: v.isoplot.points.map((p) => [p.valLoss, p.value] as const), dots: true }];
    const f = v.isoplot.fit;
    if (f) {
      const xs = v.isoplot.points.map((p) => p.valLoss);
      const lo = Math.min(...xs);
      const hi = Math.max(...xs);
      s.push({ name: variantLabel(v.variant), color: col.get(v.variant)!, points: [lo, hi].map((x) => [x, f.intercept + f.slope * Math.log(x)] as const) });
    }
    return s;
  });
  const metric = c.variants[0]?.isoplot.metric ?? 'downstream';
  out.push(lineChart(iso, { title: `Isoplot: ${metric} against validation loss at each checkpoint`, xLabel: 'validation loss (log scale)', yLabel: metric, logX: true }));
  const pr: LineSeries[] = c.variants.filter((v) => v.prCurve).map((v) => ({ name: variantLabel(v.variant), color: col.get(v.variant)!, points: v.prCurve!.recall.map((r, i) => [r, v.prCurve!.precision[i]!] as const) }));
  if (pr.length) out.push(lineChart(pr, { title: 'Precision-recall on the test part (first seed)', xLabel: 'recall', yLabel: 'precision' }));
  return out.join('');
}

export function renderHtml(c: Comparison): string {
  const col = colors(c);
  const tab = tables(c);
  const runs = c.variants.flatMap((v) => v.dirs.map((d, i) => `<li><b>${escapeHtml(variantLabel(v.variant))}</b> seed ${v.seeds[i]}: <code>${escapeHtml(d)}</code></li>`));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>StackLab comparison: ${escapeHtml(c.variants.map((v) => variantLabel(v.variant)).join(', '))}</title>
<style>${CSS}</style></head>
<body>
<h1>Which training schedule gives the better model?</h1>
<p class="muted">Data: ${escapeHtml(c.data.source)} (${c.data.series} series, ${c.data.channels} channels; split: ${escapeHtml(c.data.split)}; normalisation ${escapeHtml(c.data.normalization)}; alarm thresholds ${c.data.thresholds === 'per-series' ? 'per series' : 'pooled'}${c.prevalence !== null ? `; ${(100 * c.prevalence).toFixed(1)}% of the test rows are labelled anomalies` : ''}; fingerprint ${escapeHtml(c.data.fingerprint)}).
Model: ${escapeHtml(c.setup.preset)} preset, ${c.setup.layers} layers, blocks of ${c.setup.block}, Prop-${c.setup.alpha}, on ${escapeHtml(c.setup.device)} in ${escapeHtml(c.setup.precision ?? 'fp32')}. Made ${escapeHtml(c.createdAt)} by StackLab.</p>
<h2>Verdict</h2>
<ul class="verdict">${c.verdict.map((v) => `<li>${escapeHtml(v)}</li>`).join('')}</ul>
${c.warnings.length ? `<p class="muted">Notes: ${c.warnings.map(escapeHtml).join(' · ')}</p>` : ''}
<h2>All variants side by side</h2>
<p class="muted">Mean ±95% interval over seeds. Usable: VUS-PR above the random scores', AUC-ROC above 0.55 and alarms on fewer than half the normal test rows. Point-adjusted F1 counts a whole event as found from a single alarm and is inflated by construction: read it only beside the random scores'.</p>
${tab.variants}
${tab.detectors ? `<h2>Classical and trivial detectors on the same split</h2>
<p class="muted">No pretraining: the bar a pretrained model must clear. The last columns alarm on every row, or never: every threshold metric must beat them.</p>
${tab.detectors}` : ''}
${differences(c)}
<h2>Downstream quality</h2>
<div class="charts">${metricCharts(c, col)}</div>
<h2>Training</h2>
<p class="muted">One line per seed; dotted verticals mark where the model grew.</p>
<div class="charts">${lossCharts(c, col)}</div>
<h2>Runs</h2>
<ul>${runs.join('')}</ul>
${glossary(c)}
</body></html>
`;
}
