/**
 * The comparison as one self-contained HTML file: no script, no external file (charts are inline
 * SVG, styles inline). It fits its page: a 1280 px window and an A4 sheet in portrait alike
 * (tables wrap their cells, split into parts of at most six columns, and scroll on a screen
 * narrower still), in the app's variant colours, with every number written by shared/format.
 */
import {
  GLOSSARY,
  METRICS,
  PER_SERIES_METRICS,
  perSeriesLabel,
  PROBE_HELP,
  PROBE_LABELS,
  protocolLine,
  type BaselineSummary,
  type Comparison,
  type MetricInfo,
  type SeedDifference,
  type SeedInterval,
  type VariantSummary,
} from '../../shared/compare';
import {
  delayHelp,
  delayUnit,
  formatChance,
  formatDifference,
  formatFlops,
  formatInterval,
  formatLocalDateTime,
  formatRatio,
  intervalDigits,
} from '../../shared/format';
import { variantLabel } from '../../shared/growth';
import { colorOf, lossCharts, metricCharts, timelineChart } from './report-charts';
import { escapeHtml, lineChart } from './svg';

const CSS = `
:root { color-scheme: light; --fg: #1f2328; --muted: #57606a; --line: #d0d7de; --accent: #0072b2; --good: #1a7f37; --bad: #cf222e; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); margin: 24px auto; max-width: 1180px; padding: 0 16px; overflow-wrap: break-word; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.muted { color: var(--muted); }
p.bottom-line { font-size: 1.05em; font-weight: 600; margin: 0 0 8px; }
ul.verdict { background: #f6f8fa; border-left: 4px solid var(--accent); margin: 0; padding: 8px 14px 8px 34px; }
ul.verdict li { margin: 3px 0; }
.table-wrap { overflow-x: auto; margin: 0 0 12px; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; font-size: 12.5px; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: right; vertical-align: top; overflow-wrap: normal; }
thead th { vertical-align: bottom; }
th[scope="row"] { text-align: left; font-weight: 400; min-width: 11em; }
th[scope="row"] .note { display: block; color: var(--muted); font-size: 0.85em; }
td .v, td .sub { white-space: nowrap; }
td .sub { color: var(--muted); }
td.better, td.worse { font-weight: 600; }
td.better .call { color: var(--good); } td.worse .call { color: var(--bad); }
td .call { display: block; font-weight: 400; font-size: 0.85em; }
td.no { color: var(--bad); font-weight: 600; }
.swatch { display: inline-block; width: 14px; height: 10px; border-radius: 2px; margin-right: 5px; vertical-align: baseline; }
.swatch.dashed { height: 0; border-top: 3px dashed; border-radius: 0; vertical-align: middle; }
.swatch.band { border: 1px solid rgba(198, 40, 40, 0.35); }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 460px), 1fr)); gap: 16px; }
figure.chart { margin: 0; min-width: 0; break-inside: avoid; }
figure.chart.wide { grid-column: 1 / -1; }
figure.chart figcaption { font-weight: 600; margin-bottom: 2px; }
ul.legend { list-style: none; margin: 2px 0 4px; padding: 0; display: flex; flex-wrap: wrap; gap: 2px 14px; font-size: 12px; }
ul.legend li { display: inline-flex; align-items: center; }
svg { display: block; max-width: 100%; height: auto; font-size: 11px; }
svg text { fill: var(--fg); } svg .axis { fill: var(--muted); }
svg .grid { stroke: #eaeef2; } svg .frame { fill: none; stroke: var(--line); }
code { font-size: 12px; }
dl.glossary { display: grid; grid-template-columns: minmax(7em, max-content) 1fr; gap: 4px 14px; } dl.glossary dt { font-weight: 600; } dl.glossary dd { margin: 0; }
@page { size: A4; margin: 12mm; }
@media print {
  body { margin: 0; max-width: none; padding: 0; font-size: 10.5px; }
  h1 { font-size: 17px; } h2 { font-size: 13px; margin-top: 16px; break-after: avoid; break-inside: avoid; }
  /* A heading keeps its note and the start of what follows: the note does not break from it, and a
     heading with less than 12em left on its page moves to the next (the reserved space overlaps
     what follows, so nothing moves down). */
  h2 + p.muted { break-after: avoid; break-inside: avoid; }
  h2::after { content: ''; display: block; height: 12em; margin-bottom: -12em; }
  ul.verdict { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .table-wrap { overflow: visible; }
  table { font-size: 9px; }
  thead { display: table-header-group; }
  tr { break-inside: avoid; }
  th, td { padding: 2px 3px; }
  th[scope="row"] { min-width: 6.5em; }
  .charts { display: block; }
  figure.chart { max-width: 560px; margin: 0 auto 12px; }
  ul.legend { font-size: 9px; }
  code { font-size: 9px; }
}
`;

/** At most this many columns of values per table: wider ones are split into parts, each with the row labels. */
const MAX_COLUMNS = 6;

interface Column {
  readonly label: string;
  /** A variant's colour (a swatch before its name). */
  readonly color?: string;
}

interface Row {
  readonly label: string;
  /** Cells as HTML. */
  readonly cells: readonly string[];
  /** The label's tooltip. */
  readonly title?: string;
  /** A second line under the label, smaller. */
  readonly note?: string;
}

const EMPTY = '<td></td>';

/** A number's text as a cell: the value, then its interval or note on a line of its own where the column is narrow. */
function cell(text: string, cls = ''): string {
  if (text === '') return EMPTY;
  const m = /^(.*?)( ±| \[| \(| on every seed)(.*)$/.exec(text);
  const body = m
    ? `<span class="v">${escapeHtml(m[1]!)}</span> <span class="sub">${escapeHtml(`${m[2]!.trim()}${m[3]!}`)}</span>`
    : `<span class="v">${escapeHtml(text)}</span>`;
  return `<td${cls ? ` class="${cls}"` : ''}>${body}</td>`;
}

/** The table in parts of at most MAX_COLUMNS value columns; rows whose cells of a part are all empty are left out of it. */
function table(columns: readonly Column[], rows: readonly Row[]): string {
  const parts: string[] = [];
  for (let from = 0; from < columns.length; from += MAX_COLUMNS) {
    const cols = columns.slice(from, from + MAX_COLUMNS);
    const body = rows
      .filter((r) => r.cells.slice(from, from + MAX_COLUMNS).some((x) => x !== EMPTY))
      .map(
        (r) =>
          `<tr><th scope="row"${r.title ? ` title="${escapeHtml(r.title)}"` : ''}>${escapeHtml(r.label)}${r.note ? `<span class="note">${escapeHtml(r.note)}</span>` : ''}</th>${r.cells.slice(from, from + MAX_COLUMNS).join('')}</tr>`,
      )
      .join('');
    const head = cols
      .map(
        (c) =>
          `<th scope="col">${c.color ? `<span class="swatch" style="background:${c.color}"></span>` : ''}${escapeHtml(c.label)}</th>`,
      )
      .join('');
    parts.push(
      `<div class="table-wrap"><table><thead><tr><th></th>${head}</tr></thead><tbody>${body}</tbody></table></div>`,
    );
  }
  return parts.join('');
}

const scaled = <T extends SeedInterval>(x: T | null | undefined, s: number): T | null =>
  x ? { ...x, mean: x.mean * s, lo: x.lo * s, hi: x.hi * s } : null;

/** How a metric's row is written: its label (the delay's with its unit), the factor, and digits that tell every value of the row apart. */
function metricStyle(c: Comparison, m: MetricInfo): { label: string; scale: number; digits: number; help: string } {
  const all = [...c.variants.map((v) => v.metrics[m.key]), ...c.baselines.map((b) => b.metrics[m.key])];
  const u =
    m.key === 'meanDetectionDelay'
      ? delayUnit(
          c.data.samplingSeconds,
          all.map((x) => x?.mean ?? NaN),
        )
      : null;
  const scale = u?.scale ?? 1;
  return {
    label: `${u?.label ?? m.label}${m.higherIsBetter ? '' : ' ↓'}`,
    scale,
    digits: intervalDigits(all, m.digits, scale),
    help: u ? delayHelp(u) : m.help,
  };
}

const usableCell = (u: boolean | null, why: readonly string[]) =>
  u === null ? cell('') : u ? cell('yes') : `<td class="no" title="${escapeHtml(why.join('; '))}">not usable</td>`;

/** The 'usable here' and 'alarms usable' rows of a table of detectors. */
function usableRows(xs: readonly (VariantSummary | BaselineSummary)[]): Row[] {
  return [
    {
      label: 'usable here',
      title: GLOSSARY.find((g) => g.term === 'usable')!.help,
      cells: xs.map((x) => usableCell(x.usable, x.why)),
    },
    {
      label: 'alarms usable',
      title: GLOSSARY.find((g) => g.term === 'alarms usable')!.help,
      cells: xs.map((x) => usableCell(x.alarmsUsable, x.alarmsWhy)),
    },
  ];
}

function variantsTable(c: Comparison): string {
  const vs = c.variants;
  const labelled = vs.some((v) => v.metrics.vusPr);
  const ivRow = (
    label: string,
    xs: readonly (SeedInterval | null | undefined)[],
    digits: number,
    scale = 1,
    note?: string,
  ): Row => ({
    label,
    ...(note ? { note } : {}),
    cells: xs.map((x) => cell(formatInterval(scaled(x, scale), intervalDigits(xs, digits, scale)))),
  });
  const rows: Row[] = [];
  if (labelled) rows.push(...usableRows(vs));
  rows.push({ label: 'seeds', cells: vs.map((v) => cell(String(v.runs))) });
  rows.push({ label: 'depth by stage', cells: vs.map((v) => cell(v.depths.join('→'))) });
  rows.push({ label: 'steps', cells: vs.map((v) => cell(String(v.steps))) });
  rows.push(
    ivRow(
      'wall-clock (s)',
      vs.map((v) => v.wallMs),
      1,
      1 / 1000,
    ),
  );
  if (vs.every((v) => v.trainMs))
    rows.push(
      ivRow(
        'training time (s)',
        vs.map((v) => v.trainMs!),
        1,
        1 / 1000,
        'wall-clock less validation: what speed-ups compare',
      ),
    );
  rows.push({ label: 'speed-up vs baseline', cells: vs.map((v) => cell(formatRatio(v.speedup))) });
  rows.push({
    label: 'training FLOPs',
    note: "(ratio to the baseline's)",
    cells: vs.map((v) => cell(`${formatFlops(v.flops)}${v.flopRatio !== null ? ` (${v.flopRatio.toFixed(2)})` : ''}`)),
  });
  rows.push(
    ivRow(
      'final validation loss',
      vs.map((v) => v.finalValLoss),
      4,
    ),
  );
  if (labelled) {
    for (const m of METRICS) {
      const s = metricStyle(c, m);
      rows.push({
        label: s.label,
        title: s.help,
        cells: vs.map((v) => cell(formatInterval(scaled(v.metrics[m.key], s.scale), s.digits))),
      });
    }
  }
  if (labelled) rows.push(...perSeriesRows(vs));
  for (const p of Object.keys(c.probeChance)) {
    const persistence = Number.isFinite(c.probePersistence[p])
      ? `, persistence ${c.probePersistence[p]!.toFixed(2)}`
      : '';
    rows.push(
      ivRow(
        `probe: ${PROBE_LABELS[p] ?? p}`,
        vs.map((v) => v.probes[p]),
        3,
        1,
        `chance ${c.probeChance[p]}${persistence}${c.probeInformative[p] === false ? `; not informative here: ${c.probeWhy?.[p] ?? 'the baseline is not above chance'}` : ''}`,
      ),
    );
  }
  for (const r of c.ladders ?? [])
    rows.push(
      ivRow(
        `probe: ${r.probe}, ${r.distractors} distractor${r.distractors === 1 ? '' : 's'}`,
        vs.map((v) => r.variants[v.variant]),
        3,
        1,
        `chance ${r.chance.toFixed(3)}, persistence ${r.persistence.toFixed(2)}${r.informative ? '' : '; not informative: the baseline does not clear both'}`,
      ),
    );
  if (labelled)
    rows.push({
      ...ivRow(
        'point-adjusted F1 (inflated)',
        vs.map((v) => v.pointAdjustedF1),
        3,
      ),
    });
  return table(
    vs.map((v) => ({ label: variantLabel(v.variant), color: colorOf(v.variant) })),
    rows,
  );
}

/** The per-run protocol's rows (each metric's mean over the series), where some column has them. */
function perSeriesRows(ds: readonly Pick<BaselineSummary, 'perSeries'>[]): Row[] {
  if (!ds.some((d) => d.perSeries)) return [];
  return PER_SERIES_METRICS.map((key) => {
    const m = METRICS.find((x) => x.key === key)!;
    const xs = ds.map((d) => d.perSeries?.metrics[key]);
    const digits = intervalDigits(xs, m.digits);
    return {
      label: `${perSeriesLabel(m)}${m.higherIsBetter ? '' : ' ↓'}`,
      title: `${m.help} Computed on each series' own test rows, then averaged over the series that have labelled anomalies and normal rows there.`,
      cells: ds.map((d) => cell(d.perSeries ? formatInterval(d.perSeries.metrics[key], digits) : '')),
    };
  });
}

/**
 * The reasoning lab: each primitive's accuracy per variant at the end and at the baseline's final
 * validation loss, its chance, whether the instrument sees there, the positive control; then the
 * isoplot of every primitive some run rose above chance on (the paper's figure).
 */
function reasoningSection(c: Comparison): string {
  const r = c.reasoning;
  if (!r) return '';
  const vs = c.variants;
  const digits = 2;
  const rows: Row[] = r.primitives.flatMap((p) => [
    {
      label: p.label,
      title: p.tests,
      note: `${p.tests} Chance ${formatChance(p.chance)}; ${p.items} items, ${p.shots}-shot; ${p.informative ? 'informative' : 'not informative: the baseline is not above chance with its interval'}${p.control && p.control.n >= 2 ? `; control (final − first point) ${formatDifference(p.control, digits)}` : ''}.`,
      cells: vs.map((v) => cell(formatInterval(p.variants[v.variant], digits))),
    },
    ...(p.informative
      ? [
          {
            label: `${p.label}, at the baseline's loss`,
            note: Object.entries(p.differences)
              .map(
                ([v, d]) =>
                  `${variantLabel(v)} − baseline ${formatDifference(d, digits)}${d.significant ? ' (significant)' : ''}${p.notReached[v] ? `; ${p.notReached[v]} seed${p.notReached[v] === 1 ? '' : 's'} never reached the loss, read at the last point` : ''}`,
              )
              .join('; '),
            cells: vs.map((v) => cell(formatInterval(p.atLoss[v.variant], digits))),
          },
        ]
      : []),
  ]);
  const seen = r.primitives.filter((p) => Object.values(p.points).some((pts) => pts.some((x) => x.value > p.chance)));
  const charts = seen.map((p) =>
    lineChart(
      vs.map((v) => ({
        name: variantLabel(v.variant),
        color: colorOf(v.variant),
        points: [...(p.points[v.variant] ?? [])].map((x) => [x.valLoss, x.value] as const),
        dots: true,
        // A dotted vertical where the baseline ends: the loss the variants are read at.
        ...(v.variant === 'baseline' && c.referenceLoss !== null ? { markers: [c.referenceLoss] } : {}),
      })),
      {
        title: `${p.label}: accuracy against validation loss (chance ${formatChance(p.chance)})${c.referenceLoss !== null ? `; the baseline ends at ${c.referenceLoss.toFixed(3)}` : ''}`,
        xLabel: 'validation loss (log scale)',
        yLabel: 'exact-match accuracy',
        logX: true,
      },
    ),
  );
  return `<h2>Reasoning primitives</h2>
<p class="muted">The share of each primitive's held-out items the model answers exactly (greedy decoding, k solved examples before each), mean [95% interval] over seeds, at the end of training and, where the instrument can see, read at the baseline's final validation loss (each seed where its own curve crosses that loss: the paper's comparison). A primitive is informative only where the baseline at the full budget is above chance with its interval.</p>
${table(
  vs.map((v) => ({ label: variantLabel(v.variant), color: colorOf(v.variant) })),
  rows,
)}
${charts.length ? `<div class="charts">${charts.join('')}</div>` : '<p class="muted">No run rose above chance on any primitive at any validation point: there is no isoplot to draw at this scale.</p>'}`;
}

function detectorsTable(c: Comparison): string {
  const bs = c.baselines;
  if (bs.length === 0) return '';
  const random = bs.find((b) => b.name === 'random');
  const rows: Row[] = usableRows(bs);
  for (const m of METRICS) {
    const s = metricStyle(c, m);
    rows.push({
      label: s.label,
      title: s.help,
      cells: bs.map((b) =>
        cell(b.kind === 'trivial' && !m.atThreshold ? '' : formatInterval(scaled(b.metrics[m.key], s.scale), s.digits)),
      ),
    });
  }
  rows.push(...perSeriesRows(bs));
  if (random)
    rows.push({
      label: 'point-adjusted F1 (inflated)',
      cells: bs.map((b) => cell(b === random ? formatInterval(b.pointAdjustedF1, 3) : '')),
    });
  return table(
    bs.map((b) => ({ label: b.label })),
    rows,
  );
}

/** A difference's cell: bold and called better or worse where its interval excludes zero. */
function differenceCell(d: SeedDifference | null | undefined, digits: number, higherIsBetter: boolean): string {
  if (!d) return cell('–');
  const text = formatDifference(d, digits);
  if (!d.significant) return cell(text);
  const tone = d.mean > 0 === higherIsBetter ? 'better' : 'worse';
  return cell(text, tone).replace(/<\/td>$/, `<span class="call">significant, ${tone}</span></td>`);
}

function differences(c: Comparison): string {
  const others = c.variants.filter((v) => v.variant !== c.reference);
  if (!c.reference || others.length === 0) return '';
  const rows: Row[] = [];
  const row = (
    label: string,
    ds: readonly (SeedDifference | null | undefined)[],
    digits: number,
    higherIsBetter: boolean,
    title?: string,
  ) =>
    rows.push({
      label,
      ...(title ? { title } : {}),
      cells: ds.map((d) => differenceCell(d, intervalDigits(ds, digits), higherIsBetter)),
    });
  if (others.some((v) => Object.keys(v.differences).length)) {
    for (const m of METRICS) {
      const ds = others.map((v) => v.differences[m.key]);
      // The delay's differences in the unit they ask for (minutes, where the delays are hours, say).
      const u =
        m.key === 'meanDetectionDelay'
          ? delayUnit(
              c.data.samplingSeconds,
              ds.map((d) => d?.mean ?? NaN),
            )
          : null;
      row(
        `${u?.label ?? m.label}${m.higherIsBetter ? '' : ' ↓'}`,
        ds.map((d) => scaled(d, u?.scale ?? 1)),
        m.digits,
        m.higherIsBetter,
        m.help,
      );
    }
  }
  row(
    'final validation loss ↓',
    others.map((v) => v.valLossDifference),
    4,
    false,
  );
  for (const p of Object.keys(c.probeChance))
    row(
      `probe: ${PROBE_LABELS[p] ?? p}`,
      others.map((v) => v.probeDifferences[p]),
      3,
      true,
    );
  return `<h2>Each variant against the baseline, paired by seed</h2><p class="muted">Difference variant − baseline, mean [95% interval] over seeds; bold and called better or worse where the difference is significant: its interval excludes zero and, but for VUS-PR (the primary metric), it stays so after Holm's correction over the variant's comparisons; ↓ lower is better.</p>${table(
    others.map((v) => ({ label: variantLabel(v.variant), color: colorOf(v.variant) })),
    rows,
  )}`;
}

/** One plain sentence per metric, probe and term. */
function glossary(c: Comparison): string {
  const items = [
    // Each metric as its table row names it (the delay in the unit the table uses: hours, say).
    ...METRICS.map((m) => {
      const style = metricStyle(c, m);
      return [style.label.replace(/ ↓$/, ''), style.help] as const;
    }),
    ...Object.keys(c.probeChance).map((p) => [`${PROBE_LABELS[p] ?? p} probe`, PROBE_HELP[p] ?? ''] as const),
    ...GLOSSARY.map((g) => [g.term, g.help] as const),
  ];
  return `<h2>Glossary</h2><dl class="glossary">${items.map(([t, h]) => `<dt>${escapeHtml(t)}</dt><dd>${escapeHtml(h)}</dd>`).join('')}</dl>`;
}

export function renderHtml(c: Comparison): string {
  const runs = c.variants.flatMap((v) =>
    v.dirs.map(
      (d, i) =>
        `<li><b>${escapeHtml(variantLabel(v.variant))}</b> seed ${v.seeds[i]}: <code>${escapeHtml(d)}</code></li>`,
    ),
  );
  const timeline = timelineChart(c);
  const sampling = c.data.samplingSeconds ? `; rows ${c.data.samplingSeconds} s apart (median)` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>StackLab comparison: ${escapeHtml(c.variants.map((v) => variantLabel(v.variant)).join(', '))}</title>
<style>${CSS}</style></head>
<body>
<h1>Which training schedule gives the better model?</h1>
<p class="muted">Data: ${escapeHtml(c.data.source)} (${c.data.series} series, ${c.data.channels} channels${sampling}; split: ${escapeHtml(c.data.split)}; normalisation ${escapeHtml(c.data.normalization)}; alarm thresholds ${c.data.thresholds === 'per-series' ? 'per series' : 'pooled'}${c.prevalence !== null ? `; ${(100 * c.prevalence).toFixed(1)}% of the test rows are labelled anomalies` : ''}; fingerprint ${escapeHtml(c.data.fingerprint)}).
Model: ${escapeHtml(c.setup.preset)} preset, ${c.setup.layers} layers, blocks of ${c.setup.block}, Prop-${c.setup.alpha}, on ${escapeHtml(c.setup.device)} in ${escapeHtml(c.setup.precision)}. Made <time datetime="${escapeHtml(c.createdAt)}">${escapeHtml(formatLocalDateTime(c.createdAt))}</time> by StackLab.</p>
${c.bottomLine.length ? `<h2>Bottom line</h2>\n<p class="bottom-line">${c.bottomLine.map(escapeHtml).join(' ')}</p>\n` : ''}${protocolLine(c.protocol) ? `<p class="muted" data-protocol="${c.protocol.verdictUses}">Protocol: ${escapeHtml(protocolLine(c.protocol)!)}.</p>\n` : ''}<h2>Verdict</h2>
<ul class="verdict">${c.verdict.map((v) => `<li>${escapeHtml(v)}</li>`).join('')}</ul>
${c.warnings.length ? `<p class="muted">Notes: ${c.warnings.map(escapeHtml).join(' · ')}</p>` : ''}
<h2>All variants side by side</h2>
<p class="muted">Mean ±95% interval over seeds (the value alone for one seed, or where every seed gave the same); ↓ lower is better. Usable: VUS-PR above the random scores' and AUC-ROC above 0.55. Alarms usable: alarms on at most 5% of the normal test rows and event F1 above the random scores'. VUS-PR is the primary metric; a difference in another is significant only after Holm's correction over the variant's comparisons. Point-adjusted F1 counts a whole event as found from a single alarm and is inflated by construction: read it only beside the random scores'.</p>
${variantsTable(c)}
${
  c.baselines.length
    ? `<h2>Classical and trivial detectors on the same split</h2>
<p class="muted">No pretraining: the bar a pretrained model must clear. The last columns alarm on every row, or never: every threshold metric must beat them.</p>
${detectorsTable(c)}`
    : ''
}
${differences(c)}
${
  c.reasoning
    ? reasoningSection(c)
    : `<h2>Downstream quality</h2>
<div class="charts">${metricCharts(c)}</div>`
}
${
  timeline
    ? `<h2>Anomaly scores over the test part</h2>
<p class="muted">The alarm scores as the threshold saw them (smoothed, on its scale; the highest of each stretch of rows drawn); shaded where the rows are labelled anomalies.</p>
<div class="charts">${timeline.replace('<figure class="chart">', '<figure class="chart wide">')}</div>`
    : ''
}
<h2>Training</h2>
<p class="muted">One line per seed; dotted verticals mark where the model grew.</p>
<div class="charts">${lossCharts(c)}</div>
<h2>Runs</h2>
<ul>${runs.join('')}</ul>
${glossary(c)}
</body></html>
`;
}
