/**
 * The comparison as CSV for a spreadsheet: one row per variant and per detector, every number in
 * a column of its own (the mean, and the low and high ends of its 95% interval over seeds), in
 * plain ASCII so that any spreadsheet reads it. A cell is empty where there is no value, and an
 * interval's ends are empty for one seed.
 */
import { METRICS, PROBE_LABELS, type Comparison, type PerSeriesSummary, type SeedInterval } from '../../shared/compare';
import { delayUnit } from '../../shared/format';
import { variantLabel } from '../../shared/growth';

type Cell = string | number | null | undefined;

/** One CSV field: a number as JavaScript writes it (ten significant digits), text quoted when it holds a separator, a quote or a line break. */
export function csvField(x: Cell): string {
  if (x === null || x === undefined) return '';
  if (typeof x === 'number') return Number.isFinite(x) ? String(Number(x.toPrecision(10))) : '';
  return /[",\n\r]/.test(x) ? `"${x.replace(/"/g, '""')}"` : x;
}

/** A quantity with an interval: three columns, "<name> mean", "<name> low", "<name> high". */
interface Triple {
  readonly name: string;
  readonly of: (row: Row) => SeedInterval | null | undefined;
  readonly scale?: number;
}

/** What every line of the CSV is built from: a variant's or a detector's values. */
interface Row {
  readonly label: string;
  readonly kind: 'variant' | 'detector' | 'trivial';
  readonly metrics: Comparison['variants'][number]['metrics'];
  /** The per-run protocol's macro means (data of several series). */
  readonly perSeries?: PerSeriesSummary | undefined;
  readonly variant?: Comparison['variants'][number];
  readonly pointAdjustedF1: SeedInterval | null;
  readonly usable: boolean | null;
  readonly alarmsUsable: boolean | null;
  readonly seeds: number;
}

const triple = (x: SeedInterval | null | undefined, scale = 1): Cell[] => {
  if (!x || !Number.isFinite(x.mean)) return [null, null, null];
  const ends = x.n > 1 && Number.isFinite(x.lo) && Number.isFinite(x.hi);
  return [x.mean * scale, ends ? x.lo * scale : null, ends ? x.hi * scale : null];
};

const yesNo = (u: boolean | null) => (u === null ? null : u ? 'yes' : 'no');

/** The CSV text (CRLF line ends, a header line first). */
export function comparisonCsv(c: Comparison): string {
  const rows: Row[] = [
    ...c.variants.map((v) => ({
      label: variantLabel(v.variant),
      kind: 'variant' as const,
      metrics: v.metrics,
      perSeries: v.perSeries,
      variant: v,
      pointAdjustedF1: v.pointAdjustedF1,
      usable: v.usable,
      alarmsUsable: v.alarmsUsable,
      seeds: v.runs,
    })),
    ...c.baselines.map((b) => ({
      label: b.label,
      kind: b.kind,
      metrics: b.metrics,
      perSeries: b.perSeries,
      pointAdjustedF1: b.pointAdjustedF1,
      usable: b.usable,
      alarmsUsable: b.alarmsUsable,
      seeds: Math.max(0, ...Object.values(b.metrics).map((m) => m?.n ?? 0)),
    })),
  ];
  const labelled = c.variants.some((v) => v.metrics.vusPr);
  const triples: Triple[] = [
    { name: 'wall-clock (s)', of: (r) => r.variant?.wallMs, scale: 1 / 1000 },
    { name: 'training time (s)', of: (r) => r.variant?.trainMs, scale: 1 / 1000 },
    { name: 'speed-up', of: (r) => r.variant?.speedup },
    { name: 'final validation loss', of: (r) => r.variant?.finalValLoss },
  ];
  if (labelled) {
    for (const m of METRICS) triples.push({ name: m.label, of: (r) => r.metrics[m.key] });
    // The delay in time too, where the data have timestamps.
    const delays = rows.map((r) => r.metrics.meanDetectionDelay?.mean ?? NaN);
    const time = delayUnit(c.data.samplingSeconds, delays);
    if (time.unit !== 'rows')
      triples.push({ name: time.label, of: (r) => r.metrics.meanDetectionDelay, scale: time.scale });
    triples.push({ name: 'point-adjusted F1 (inflated)', of: (r) => r.pointAdjustedF1 });
    // The per-run protocol of multi-run data: each metric's mean over the series.
    if (rows.some((r) => r.perSeries)) {
      for (const m of METRICS) triples.push({ name: `${m.label} series mean`, of: (r) => r.perSeries?.metrics[m.key] });
      // In the same time unit as the pooled delay's column.
      if (time.unit !== 'rows')
        triples.push({
          name: `${time.label} series mean`,
          of: (r) => r.perSeries?.metrics.meanDetectionDelay,
          scale: time.scale,
        });
    }
  }
  for (const p of Object.keys(c.probeChance))
    triples.push({ name: `probe ${PROBE_LABELS[p] ?? p} accuracy`, of: (r) => r.variant?.probes[p] });

  const header = [
    'detector',
    'kind',
    'seeds',
    ...(labelled ? ['usable here', 'alarms usable'] : []),
    'depth by stage',
    'steps',
    'training FLOPs',
    'FLOPs ratio',
    ...triples.flatMap((t) => [`${t.name} mean`, `${t.name} low`, `${t.name} high`]),
  ];
  const lines: Cell[][] = rows.map((r) => [
    r.label,
    r.kind,
    r.seeds,
    ...(labelled ? [yesNo(r.usable), yesNo(r.alarmsUsable)] : []),
    r.variant?.depths.join(' '),
    r.variant?.steps,
    r.variant?.flops,
    r.variant?.flopRatio,
    ...triples.flatMap((t) => triple(t.of(r), t.scale)),
  ]);
  return [header, ...lines].map((l) => l.map(csvField).join(',')).join('\r\n') + '\r\n';
}
