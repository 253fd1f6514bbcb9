/**
 * The columns of the Compare step's table: what each shows, how it sorts, which way is better.
 * The store sorts with `sortRows` (by each column's `value`); the table renders `text`.
 */
import {
  GLOSSARY,
  METRICS,
  PROBE_HELP,
  type Comparison,
  type MetricKey,
  type SeedInterval,
  type VariantSummary,
} from '../../../shared/compare';
import { formatInterval, formatRatio, intervalDigits } from '../../../shared/format';
import { variantLabel } from '../../../shared/growth';

/** The detection metrics the table shows (the others are in the CSV and the report). */
export const TABLE_METRICS: readonly MetricKey[] = [
  'vusPr',
  'vusRoc',
  'aucPr',
  'f1',
  'rangeF1',
  'eventF1',
  'falseAlarmRate',
];

/** The per-run protocol's columns: a metric's mean over the series (data of several series). */
export type SeriesKey = `series:${'vusPr' | 'aucRoc'}`;

export type SortKey =
  | 'variant'
  | 'seeds'
  | 'speedup'
  | 'flopRatio'
  | 'wallMs'
  | 'trainMs'
  | 'finalValLoss'
  | MetricKey
  | SeriesKey
  | 'probes';
export type SortDir = 'asc' | 'desc';

export interface Column {
  readonly key: SortKey;
  readonly label: string;
  /** What the column means (the header's tooltip). */
  readonly title: string;
  /** Which way is better; null where neither is (the name, the number of seeds). */
  readonly higherIsBetter: boolean | null;
  /** Only for data with labelled anomalies. */
  readonly needsLabels?: boolean;
  /** Only where the variants have per-series metrics (data of several series). */
  readonly needsSeries?: boolean;
  /** The value rows sort by (null or NaN: no value, sorted last either way). */
  readonly value: (v: VariantSummary) => number | string | null;
  readonly text: (v: VariantSummary) => string;
  /** A column of intervals: `visibleColumns` writes them with the digits that tell its rows apart. */
  readonly interval?: {
    readonly of: (v: VariantSummary) => SeedInterval | null | undefined;
    readonly digits: number;
    readonly scale?: number;
  };
}

/** A column of intervals, written with `digits` (or more, in `visibleColumns`). */
function intervalColumn(
  c: Omit<Column, 'text' | 'interval'>,
  of: (v: VariantSummary) => SeedInterval | null | undefined,
  digits: number,
  scale = 1,
): Column {
  return { ...c, interval: { of, digits, scale }, text: (v) => formatInterval(of(v), digits, { scale }) };
}

/** The mean accuracy over the probes a variant was scored on. */
export function meanProbeAccuracy(v: VariantSummary): number | null {
  const xs = Object.values(v.probes)
    .map((p) => p.mean)
    .filter(Number.isFinite);
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
}

const metricColumns: Column[] = TABLE_METRICS.map((key) => {
  const m = METRICS.find((x) => x.key === key)!;
  return intervalColumn(
    {
      key,
      label: m.label,
      title: `${m.help} (mean ±95% interval over seeds)`,
      higherIsBetter: m.higherIsBetter,
      needsLabels: true,
      value: (v) => v.metrics[key]?.mean ?? null,
    },
    (v) => v.metrics[key],
    m.digits,
  );
});

/** The per-run protocol in compact form: the series mean of VUS-PR and AUC-ROC, after the pooled metrics. */
const seriesColumns: Column[] = (['vusPr', 'aucRoc'] as const).map((key) => {
  const m = METRICS.find((x) => x.key === key)!;
  return intervalColumn(
    {
      key: `series:${key}`,
      label: `${m.label} (series mean)`,
      title: `${m.help} Computed on each series' own test rows, then averaged over the series that have labelled anomalies and normal rows there: the per-run protocol of multi-run data (mean ±95% interval over seeds).`,
      higherIsBetter: m.higherIsBetter,
      needsLabels: true,
      needsSeries: true,
      value: (v) => v.perSeries?.metrics[key]?.mean ?? null,
    },
    (v) => v.perSeries?.metrics[key],
    m.digits,
  );
});

export const COLUMNS: readonly Column[] = [
  {
    key: 'variant',
    label: 'Variant',
    title:
      "The training schedule (Baseline (X's FLOPs): a baseline given the FLOPs of X); not usable: it does not detect the labelled anomalies better than random scores here",
    higherIsBetter: null,
    value: (v) => variantLabel(v.variant),
    text: (v) => variantLabel(v.variant),
  },
  {
    key: 'seeds',
    label: 'Seeds',
    title: 'Runs (one per seed) the intervals are computed over',
    higherIsBetter: null,
    value: (v) => v.runs,
    text: (v) => String(v.runs),
  },
  {
    key: 'speedup',
    label: 'Speed-up',
    title: GLOSSARY.find((g) => g.term === 'speed-up')!.help,
    higherIsBetter: true,
    value: (v) => v.speedup?.mean ?? null,
    text: (v) => formatRatio(v.speedup),
  },
  {
    key: 'flopRatio',
    label: 'FLOPs ratio',
    title: GLOSSARY.find((g) => g.term === 'FLOPs ratio')!.help,
    higherIsBetter: false,
    value: (v) => v.flopRatio,
    text: (v) => (v.flopRatio === null ? '–' : v.flopRatio.toFixed(2)),
  },
  intervalColumn(
    {
      key: 'wallMs',
      label: 'Wall-clock (s)',
      title: 'Time per run in seconds, validation points included (lower is faster)',
      higherIsBetter: false,
      value: (v) => v.wallMs.mean,
    },
    (v) => v.wallMs,
    1,
    1 / 1000,
  ),
  intervalColumn(
    {
      key: 'trainMs',
      label: 'Training (s)',
      title: GLOSSARY.find((g) => g.term === 'training time')!.help,
      higherIsBetter: false,
      value: (v) => v.trainMs?.mean ?? null,
    },
    (v) => v.trainMs,
    1,
    1 / 1000,
  ),
  intervalColumn(
    {
      key: 'finalValLoss',
      label: 'Val loss',
      title: GLOSSARY.find((g) => g.term === 'validation loss')!.help,
      higherIsBetter: false,
      value: (v) => v.finalValLoss.mean,
    },
    (v) => v.finalValLoss,
    4,
  ),
  ...metricColumns,
  ...seriesColumns,
  {
    key: 'probes',
    label: 'Probes',
    title: `Reasoning-probe accuracy per probe (sorts by the mean over probes; higher is better). ${Object.values(PROBE_HELP).join(' ')}`,
    higherIsBetter: true,
    value: meanProbeAccuracy,
    text: (v) =>
      Object.entries(v.probes)
        .map(([k, p]) => `${k} ${formatInterval(p, 2)}`)
        .join(' · ') || '–',
  },
];

/** A ladder rung's name in the probes column: "copy/7" for copying with 7 distractors. */
export const ladderKey = (probe: string, distractors: number) => `${probe}/${distractors}`;

/** Whether a probes-column entry ("lookup", "copy/7") is blind on this data (the instrument check). */
export function probeLineBlind(c: Comparison, key: string): boolean {
  const rung = c.ladders?.find((r) => ladderKey(r.probe, r.distractors) === key);
  return rung ? !rung.informative : c.probeInformative[key] === false;
}

/**
 * The columns worth showing for this comparison (no detection metrics without labels, no probes
 * without probes), each column of intervals with the digits that tell its values apart.
 */
export function visibleColumns(c: Comparison): Column[] {
  const labelled = c.variants.some((v) => Object.keys(v.metrics).length > 0);
  const probes = Object.keys(c.probeChance).length > 0;
  const series = c.variants.some((v) => v.perSeries);
  return COLUMNS.filter(
    (col) => (!col.needsLabels || labelled) && (!col.needsSeries || series) && (col.key !== 'probes' || probes),
  ).map((col) => {
    // The probes' ladders (1, 3, 7 distractors) after the probes, as "copy/7 0.34 ±0.04".
    if (col.key === 'probes' && c.ladders?.length) {
      const base = col.text;
      return {
        ...col,
        text: (v: VariantSummary) =>
          [
            base(v),
            ...c.ladders!.map(
              (r) => `${ladderKey(r.probe, r.distractors)} ${formatInterval(r.variants[v.variant], 2)}`,
            ),
          ].join(' · '),
      };
    }
    if (!col.interval) return col;
    const { of, digits, scale = 1 } = col.interval;
    const d = intervalDigits(c.variants.map(of), digits, scale);
    return { ...col, text: (v: VariantSummary) => formatInterval(of(v), d, { scale }) };
  });
}

/** The direction a first click sorts in: best first, names A to Z. */
export function defaultSortDir(key: SortKey): SortDir {
  const col = COLUMNS.find((c) => c.key === key);
  return col?.higherIsBetter === false || key === 'variant' ? 'asc' : 'desc';
}

/** Sorts rows by a column; rows without a value go last in either direction; ties keep their order. */
export function sortRows(rows: readonly VariantSummary[], key: SortKey, dir: SortDir): VariantSummary[] {
  const col = COLUMNS.find((c) => c.key === key);
  if (!col) return [...rows];
  const sign = dir === 'asc' ? 1 : -1;
  const missing = (x: number | string | null) => x === null || (typeof x === 'number' && !Number.isFinite(x));
  return rows
    .map((v, i) => ({ v, i, x: col.value(v) }))
    .sort((a, b) => {
      if (missing(a.x) || missing(b.x)) return Number(missing(a.x)) - Number(missing(b.x)) || a.i - b.i;
      const d =
        typeof a.x === 'string' || typeof b.x === 'string'
          ? String(a.x).localeCompare(String(b.x))
          : (a.x as number) - (b.x as number);
      return sign * d || a.i - b.i;
    })
    .map((r) => r.v);
}
