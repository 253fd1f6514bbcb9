/**
 * The comparison as text: one table with a column per variant and per classical baseline and a
 * row per quantity (mean ± half-width of the 95% interval over seeds), then the verdict. Fitted to a
 * terminal's width: a table too wide for it goes in blocks of columns with short row labels (the full
 * ones under it), sentences wrap at spaces; no cell is cut, nor a label of the table.
 */
import {
  METRICS,
  PER_SERIES_METRICS,
  perSeriesLabel,
  PROBE_LABELS,
  protocolLine,
  type Comparison,
  type SeedInterval,
} from '../../shared/compare';
import { delayUnit, formatChance, formatFlops, formatInterval, formatRatio } from '../../shared/format';
import { variantLabel } from '../../shared/growth';
import { count, wrap } from './text';

/** The plain-text table's cells: ASCII "-" for a missing value. */
const NONE = '-';
const interval = (x: SeedInterval | null | undefined, digits: number) => formatInterval(x, digits, { none: NONE });

/** A row of the table: its label, the shorter one a narrow terminal shows (the legend gives the label), a cell per column. */
interface Row {
  readonly label: string;
  readonly short: string;
  readonly cells: readonly string[];
}

/** Shorter labels of the rows whose label is longer than "speed-up vs baseline" (their probes' too). */
const SHORT: Readonly<Record<string, string>> = {
  'final validation loss': 'final val. loss',
  'point-adjusted F1 (inflated)': 'point-adj. F1',
  'VUS-PR, series mean': 'VUS-PR, series',
  'AUC-ROC, series mean': 'AUC-ROC, series',
  'AUC-PR, series mean': 'AUC-PR, series',
  'false-alarm rate, series mean ↓': 'false al., series ↓',
};

/** The header (a label per column: variants, then baselines and the trivial detectors) and the rows. */
function table(c: Comparison): { header: string[]; rows: Row[] } {
  const header = [...c.variants.map((v) => variantLabel(v.variant)), ...c.baselines.map((b) => b.label)];
  const rows: Row[] = [];
  const row = (label: string, cells: string[], short = SHORT[label] ?? label) => rows.push({ label, short, cells });
  const pad = (cells: string[]) => [...cells, ...c.baselines.map(() => '')];
  const labelled = c.variants.some((v) => v.metrics.vusPr);
  const yesNo = (u: boolean | null) => (u === null ? '' : u ? 'yes' : 'NO');
  if (labelled) {
    row('usable here', [...c.variants.map((v) => yesNo(v.usable)), ...c.baselines.map((b) => yesNo(b.usable))]);
    row('alarms usable', [
      ...c.variants.map((v) => yesNo(v.alarmsUsable)),
      ...c.baselines.map((b) => yesNo(b.alarmsUsable)),
    ]);
  }
  row('seeds', pad(c.variants.map((v) => String(v.runs))));
  row('depth by stage', pad(c.variants.map((v) => v.depths.join('→'))));
  row('steps', pad(c.variants.map((v) => String(v.steps))));
  row(
    'wall-clock (s)',
    pad(
      c.variants.map((v) =>
        interval({ ...v.wallMs, mean: v.wallMs.mean / 1000, lo: v.wallMs.lo / 1000, hi: v.wallMs.hi / 1000 }, 1),
      ),
    ),
  );
  if (c.variants.every((v) => v.trainMs))
    row(
      'training time (s)',
      pad(
        c.variants.map((v) =>
          interval(
            { ...v.trainMs!, mean: v.trainMs!.mean / 1000, lo: v.trainMs!.lo / 1000, hi: v.trainMs!.hi / 1000 },
            1,
          ),
        ),
      ),
    );
  row('speed-up vs baseline', pad(c.variants.map((v) => formatRatio(v.speedup, NONE))));
  row(
    'training FLOPs',
    pad(
      c.variants.map(
        (v) => `${formatFlops(v.flops, NONE)}${v.flopRatio !== null ? ` (${v.flopRatio.toFixed(2)})` : ''}`,
      ),
    ),
  );
  row('final validation loss', pad(c.variants.map((v) => interval(v.finalValLoss, 4))));
  if (labelled) {
    for (const m of METRICS) {
      // The detection delay in time where the data have timestamps (as the report and the CSV give it), rows otherwise.
      const delays =
        m.key === 'meanDetectionDelay'
          ? [...c.variants.map((v) => v.metrics[m.key]), ...c.baselines.map((b) => b.metrics[m.key])]
          : [];
      const u =
        m.key === 'meanDetectionDelay'
          ? delayUnit(
              c.data.samplingSeconds,
              delays.map((d) => d?.mean ?? NaN),
            )
          : null;
      const k = u?.scale ?? 1;
      const cell = (x: SeedInterval | null | undefined) =>
        interval(x && k !== 1 ? { ...x, mean: x.mean * k, lo: x.lo * k, hi: x.hi * k } : x, m.digits);
      const label = `${u?.label ?? m.label}${m.higherIsBetter ? '' : ' ↓'}`;
      row(
        label,
        [
          ...c.variants.map((v) => cell(v.metrics[m.key])),
          ...c.baselines.map((b) => (b.kind === 'trivial' && !m.atThreshold ? '' : cell(b.metrics[m.key]))),
        ],
        u ? `delay (${u.unit}) ↓` : undefined,
      );
    }
  }
  // The per-run protocol: each metric's mean over the series, beside the pooled rows above.
  if (labelled && [...c.variants, ...c.baselines].some((d) => d.perSeries)) {
    for (const key of PER_SERIES_METRICS) {
      const m = METRICS.find((x) => x.key === key)!;
      row(`${perSeriesLabel(m)}${m.higherIsBetter ? '' : ' ↓'}`, [
        ...c.variants.map((v) => (v.perSeries ? interval(v.perSeries.metrics[key], m.digits) : '')),
        ...c.baselines.map((b) => (b.perSeries ? interval(b.perSeries.metrics[key], m.digits) : '')),
      ]);
    }
  }
  for (const p of Object.keys(c.probeChance)) {
    const persistence = Number.isFinite(c.probePersistence[p])
      ? `, persistence ${c.probePersistence[p]!.toFixed(2)}`
      : '';
    const silent = c.probeInformative[p] === false ? '*' : '';
    row(
      `probe: ${PROBE_LABELS[p] ?? p}${silent} (chance ${c.probeChance[p]}${persistence})`,
      pad(c.variants.map((v) => interval(v.probes[p], 3))),
      `probe: ${p}${silent}`,
    );
  }
  // The probes' ladders: harder as wrong candidates are added (* where the baseline does not clear the bar).
  for (const r of c.ladders ?? [])
    row(
      `${r.probe}, ${count(r.distractors, 'distractor')}${r.informative ? '' : '*'} (chance ${r.chance.toFixed(3)}, persistence ${r.persistence.toFixed(2)})`,
      pad(c.variants.map((v) => interval(r.variants[v.variant], 3))),
      `${r.probe} ${r.distractors}d${r.informative ? '' : '*'}`,
    );
  // The reasoning lab: each primitive's exact-match accuracy (* where the baseline is not above chance: not informative).
  for (const p of c.reasoning?.primitives ?? [])
    row(
      `${p.label}${p.informative ? '' : '*'} (chance ${formatChance(p.chance)})`,
      pad(c.variants.map((v) => interval(p.variants[v.variant], 3))),
      `${p.name}${p.informative ? '' : '*'}`,
    );
  // Where the instrument sees, the paper's reading: accuracy at the baseline's final validation loss.
  for (const p of c.reasoning?.primitives.filter((x) => x.informative) ?? [])
    row(
      `${p.label}, at the baseline's loss${Object.values(p.notReached).some((n) => n > 0) ? ' (†)' : ''}`,
      pad(c.variants.map((v) => interval(p.atLoss[v.variant], 3))),
      `${p.name} @ loss`,
    );
  if (labelled) {
    const random = c.baselines.find((b) => b.name === 'random');
    row('point-adjusted F1 (inflated)', [
      ...c.variants.map((v) => interval(v.pointAdjustedF1, 3)),
      ...c.baselines.map((b) => (b === random ? interval(b.pointAdjustedF1, 3) : '')),
    ]);
  }
  return { header, rows };
}

/** The rows of the table: a label and one cell per column (variants, then baselines and the trivial detectors). */
export function tableRows(c: Comparison): { header: string[]; rows: string[][] } {
  const { header, rows } = table(c);
  return { header: ['', ...header], rows: rows.map((r) => [r.label, ...r.cells]) };
}

/** The table on one line per row: labels in full, every column side by side, | before the first baseline. */
function oneBlock(header: readonly string[], rows: readonly Row[], firstBaseline: number): string[] {
  const all = [{ label: '', cells: header }, ...rows];
  const labelWidth = Math.max(...all.map((r) => r.label.length));
  const widths = header.map((_, j) => Math.max(...all.map((r) => r.cells[j]!.length)));
  const line = (r: { label: string; cells: readonly string[] }) =>
    [
      r.label.padEnd(labelWidth),
      ...r.cells.map((cell, j) => `${j === firstBaseline ? '| ' : ''}${cell.padStart(widths[j]!)}`),
    ]
      .join('  ')
      .trimEnd();
  return all.map(line);
}

/**
 * The table in blocks of columns that fit `width`, each with the (short) row labels and the rows that have
 * a value in it; | stands before a block's first baseline. A column is as wide as its widest cell and as
 * its header on two lines; the room a block leaves keeps headers on one line, from the first column on.
 */
function blocks(header: readonly string[], rows: readonly Row[], firstBaseline: number, width: number): string[] {
  const labelWidth = Math.max(...rows.map((r) => r.short.length));
  const narrowest = header.map((h, j) => {
    let w = Math.max(...rows.map((r) => r.cells[j]!.length), ...h.split(' ').map((x) => x.length));
    while (wrap(h, w).length > 2) w++;
    return w;
  });
  // A column takes two spaces before it, and two more for the | before a block's first baseline.
  const space = (group: readonly number[], j: number) =>
    2 + (j >= firstBaseline && !group.some((k) => k >= firstBaseline) ? 2 : 0);
  const groups: number[][] = [];
  let used = Infinity;
  for (const j of header.keys()) {
    const group = groups.at(-1);
    if (group && used + space(group, j) + narrowest[j]! <= width) {
      used += space(group, j) + narrowest[j]!;
      group.push(j);
    } else {
      used = labelWidth + space([], j) + narrowest[j]!;
      groups.push([j]);
    }
  }
  return groups.flatMap((group, b) => {
    const marked = group.find((j) => j >= firstBaseline);
    let room = width - labelWidth - group.reduce((sum, j) => sum + 2 + (j === marked ? 2 : 0) + narrowest[j]!, 0);
    const widths = group.map((j) => {
      const more = header[j]!.length - narrowest[j]!;
      if (more <= 0 || more > room) return narrowest[j]!;
      room -= more;
      return header[j]!.length;
    });
    const line = (label: string, cells: readonly string[]) =>
      [label.padEnd(labelWidth), ...group.map((j, k) => `${j === marked ? '| ' : ''}${cells[k]!.padStart(widths[k]!)}`)]
        .join('  ')
        .trimEnd();
    const heads = group.map((j, k) => wrap(header[j]!, widths[k]!));
    const height = Math.max(...heads.map((h) => h.length));
    // A header on fewer lines sits on the lower one, next to the numbers.
    const head = Array.from({ length: height }, (_, i) =>
      line(
        '',
        heads.map((h) => h[i - (height - h.length)] ?? ''),
      ),
    );
    const body = rows
      .filter((r) => group.some((j) => r.cells[j] !== ''))
      .map((r) =>
        line(
          r.short,
          group.map((j) => r.cells[j]!),
        ),
      );
    return [...(b > 0 ? [''] : []), ...head, ...body];
  });
}

/** How the text is laid out. */
export interface TextLayout {
  /**
   * The terminal's width in characters: every line fits it (the table in blocks of columns with short
   * labels when it is too wide on one line; sentences wrapped at spaces). Without it: one line per row
   * and per sentence, however long.
   */
  readonly width?: number;
}

/** The table, aligned in columns, then the verdict and the warnings; within `width` when given. */
export function renderTable(c: Comparison, { width = Infinity }: TextLayout = {}): string {
  const { header, rows } = table(c);
  const firstBaseline = c.variants.length;
  const wide = oneBlock(header, rows, firstBaseline);
  const fits = wide.every((l) => l.length <= width);
  const para = (text: string, first = '', rest = `${first}  `) =>
    Number.isFinite(width) ? wrap(text, width, first, rest) : [first + text];
  const silent =
    Object.values(c.probeInformative).includes(false) || (c.ladders ?? []).some((r) => !r.informative)
      ? '; * not informative on this data: the baseline is not above chance and persistence with its interval (why: below)'
      : '';
  const legend = c.reasoning
    ? [
        `(mean ±95% interval over seeds; ↓ lower is better; a primitive's row: the share of its items answered exactly,`,
        ` up to ${Math.max(0, ...c.reasoning.primitives.map((p) => p.shots))}-shot (fewer where the context is short), by greedy decoding; * the baseline is not above`,
        ` chance with its interval there: not informative at this scale; "at the baseline's loss": each seed read where its`,
        ` validation loss equals the baseline's final loss, the paper's comparison (†: some seed never got that low and is read at`,
        ` its last point, which favours the baseline); training time is the wall-clock less validation)`,
      ]
    : [
        `(mean ±95% interval over seeds; ↓ lower is better; the columns after | are classical detectors on the same split,`,
        ` then the trivial ones: read every threshold metric beside them; usable: VUS-PR above the random scores', AUC-ROC > 0.55;`,
        ` alarms usable: alarms on at most 5% of the normal test rows and event F1 above the random scores'; VUS-PR is the`,
        ` primary metric, the others secondary (Holm-corrected); point-adjusted F1 counts a whole event as found from one alarm:`,
        ` compare it only with random scores; speed-up: the baseline's ${c.speedBasis ?? 'wall-clock'} over the variant's, seed by seed${c.speedBasis === 'training time' ? ',' : `${silent})`}`,
        ...(c.speedBasis === 'training time' ? [` training time being the wall-clock less validation${silent})`] : []),
      ];

  const shortened = fits ? [] : rows.filter((r) => r.short !== r.label);
  const shortWidth = Math.max(0, ...shortened.map((r) => r.short.length));
  const out = [
    ...(c.bottomLine.length ? ['Bottom line:', ...c.bottomLine.flatMap((v) => para(v, '  ')), ''] : []),
    ...para(
      `Data: ${c.data.source} (${c.data.series} series, ${count(c.data.channels, 'channel')}; split: ${c.data.split})`,
    ),
    ...para(
      `Normalisation: ${c.data.normalization}; alarm thresholds: ${c.data.thresholds === 'per-series' ? 'per series' : 'pooled'}${c.prevalence !== null ? `; ${(100 * c.prevalence).toFixed(1)}% of the test rows are labelled anomalies` : ''}`,
    ),
    ...(protocolLine(c.protocol) ? para(`Protocol: ${protocolLine(c.protocol)}`) : []),
    ...para(
      `Model: ${c.setup.preset} preset, ${count(c.setup.layers, 'layer')}, blocks of ${c.setup.block}, Prop-${c.setup.alpha}, on ${c.setup.device}`,
    ),
    '',
    ...(fits ? wide : blocks(header, rows, firstBaseline, width)),
    '',
    ...(legend.every((l) => l.length <= width) ? legend : wrap(legend.map((l) => l.trim()).join(' '), width, '', ' ')),
    ...(shortened.length
      ? [
          '',
          'Rows in full:',
          ...shortened.flatMap((r) => para(r.label, `  ${r.short.padEnd(shortWidth)}  `, ' '.repeat(shortWidth + 6))),
        ]
      : []),
    '',
    'Verdict:',
    ...c.verdict.flatMap((v) => para(v, '  ')),
  ];
  // A probe no variant passes above chance cannot show a difference at equal loss either.
  const blind = c.variants.some((v) => v.isoplot.metric === 'copy probe accuracy') && c.probeInformative.copy === false;
  const iso = blind ? [] : c.variants.filter((v) => v.isoplot.fit);
  if (iso.length > 1 && c.referenceLoss !== null) {
    out.push(
      ...para(
        `At the same validation loss (${c.referenceLoss.toFixed(4)}), fitted ${iso[0]!.isoplot.metric}: ${iso.map((v) => `${variantLabel(v.variant)} ${v.isoplot.fit!.atReference.toFixed(3)}${v.isoplot.fit!.extrapolated ? ' (extrapolated)' : ''}`).join(', ')}.${iso.some((v) => v.isoplot.fit!.extrapolated) ? ' Extrapolated: that variant never reached this loss, so the fit is read beyond its points.' : ''}`,
        '  ',
      ),
    );
  }
  if (c.warnings.length) out.push('', 'Notes:', ...c.warnings.flatMap((w) => para(w, '  ')));
  return out.join('\n');
}
