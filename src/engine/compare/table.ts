/**
 * The comparison as text: one table with a column per variant and per classical baseline and a
 * row per quantity (mean ± half-width of the 95% interval over seeds), then the verdict.
 */
import { METRICS, PROBE_LABELS, type Comparison, type SeedInterval } from '../../shared/compare';
import { formatFlops, formatInterval, formatRatio } from '../../shared/format';
import { variantLabel } from '../../shared/growth';

/** The plain-text table's cells: ASCII "-" for a missing value. */
const NONE = '-';
const interval = (x: SeedInterval | null | undefined, digits: number) => formatInterval(x, digits, { none: NONE });

/** The rows of the table: a label and one cell per column (variants, then baselines and the trivial detectors). */
export function tableRows(c: Comparison): { header: string[]; rows: string[][] } {
  const header = ['', ...c.variants.map((v) => variantLabel(v.variant)), ...c.baselines.map((b) => b.label)];
  const pad = (cells: string[]) => [...cells, ...c.baselines.map(() => '')];
  const rows: string[][] = [];
  const labelled = c.variants.some((v) => v.metrics.vusPr);
  const yesNo = (u: boolean | null) => (u === null ? '' : u ? 'yes' : 'NO');
  if (labelled) rows.push(['usable here', ...c.variants.map((v) => yesNo(v.usable)), ...c.baselines.map((b) => yesNo(b.usable))]);
  rows.push(pad(['seeds', ...c.variants.map((v) => String(v.runs))]));
  rows.push(pad(['depth by stage', ...c.variants.map((v) => v.depths.join('→'))]));
  rows.push(pad(['steps', ...c.variants.map((v) => String(v.steps))]));
  rows.push(pad(['wall-clock (s)', ...c.variants.map((v) => interval({ ...v.wallMs, mean: v.wallMs.mean / 1000, lo: v.wallMs.lo / 1000, hi: v.wallMs.hi / 1000 }, 1))]));
  rows.push(pad(['speed-up vs baseline', ...c.variants.map((v) => formatRatio(v.speedup, NONE))]));
  rows.push(pad(['training FLOPs', ...c.variants.map((v) => `${formatFlops(v.flops, NONE)}${v.flopRatio !== null ? ` (${v.flopRatio.toFixed(2)})` : ''}`)]));
  rows.push(pad(['final validation loss', ...c.variants.map((v) => interval(v.finalValLoss, 4))]));
  if (labelled) {
    for (const m of METRICS) {
      rows.push([`${m.label}${m.higherIsBetter ? '' : ' ↓'}`, ...c.variants.map((v) => interval(v.metrics[m.key], m.digits)), ...c.baselines.map((b) => (b.kind === 'trivial' && !m.atThreshold ? '' : interval(b.metrics[m.key], m.digits)))]);
    }
  }
  for (const p of Object.keys(c.probeChance)) {
    const persistence = Number.isFinite(c.probePersistence[p]) ? `, persistence ${c.probePersistence[p]!.toFixed(2)}` : '';
    const silent = c.probeInformative[p] === false ? '*' : '';
    rows.push(pad([`probe: ${PROBE_LABELS[p] ?? p}${silent} (chance ${c.probeChance[p]}${persistence})`, ...c.variants.map((v) => interval(v.probes[p], 3))]));
  }
  if (labelled) {
    const random = c.baselines.find((b) => b.name === 'random');
    rows.push(['point-adjusted F1 (inflated)', ...c.variants.map((v) => interval(v.pointAdjustedF1, 3)), ...c.baselines.map((b) => (b === random ? interval(b.pointAdjustedF1, 3) : ''))]);
  }
  return { header, rows };
}

/** The table, aligned in columns, then the verdict and the warnings. */
export function renderTable(c: Comparison): string {
  const { header, rows } = tableRows(c);
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const firstBaseline = 1 + c.variants.length;
  const line = (r: string[]) =>
    r
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .map((cell, i) => (i === firstBaseline ? `| ${cell}` : cell))
      .join('  ')
      .trimEnd();
  const out = [
    `Data: ${c.data.source} (${c.data.series} series, ${c.data.channels} channels; split: ${c.data.split})`,
    `Normalisation: ${c.data.normalization}; alarm thresholds: ${c.data.thresholds === 'per-series' ? 'per series' : 'pooled'}${c.prevalence !== null ? `; ${(100 * c.prevalence).toFixed(1)}% of the test rows are labelled anomalies` : ''}`,
    `Model: ${c.setup.preset} preset, ${c.setup.layers} layers, blocks of ${c.setup.block}, Prop-${c.setup.alpha}, on ${c.setup.device}`,
    '',
    line(header),
    ...rows.map(line),
    '',
    `(mean ±95% interval over seeds; ↓ lower is better; the columns after | are classical detectors on the same split,`,
    ` then the trivial ones: read every threshold metric beside them; usable: VUS-PR above the random scores', AUC-ROC > 0.55`,
    ` and alarms on fewer than half the normal test rows; point-adjusted F1 counts a whole event as found from one alarm:`,
    ` compare it only with random scores${Object.values(c.probeInformative).includes(false) ? '; * no variant is above chance on this probe (the lower end of its interval): not informative on this data' : ''})`,
    '',
    'Verdict:',
    ...c.verdict.map((v) => `  ${v}`),
  ];
  const iso = c.variants.filter((v) => v.isoplot.fit);
  if (iso.length > 1 && c.referenceLoss !== null) {
    out.push(`  At the same validation loss (${c.referenceLoss.toFixed(4)}), fitted ${iso[0]!.isoplot.metric}: ${iso.map((v) => `${variantLabel(v.variant)} ${v.isoplot.fit!.atReference.toFixed(3)}${v.isoplot.fit!.extrapolated ? ' (extrapolated)' : ''}`).join(', ')}`);
  }
  if (c.warnings.length) out.push('', 'Notes:', ...c.warnings.map((w) => `  ${w}`));
  return out.join('\n');
}
