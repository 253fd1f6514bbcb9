/**
 * Cleaning of one imported file (or one run of it): short gaps forward-filled, empty and constant
 * channels dropped, timestamps checked, an optional resample onto the median interval. Reported,
 * never silent: each change is a warning in the file's profile.
 */
import type { ChannelProfile, FileProfile } from '../../shared/profile';
import { capped, excerpt, ImportError } from './errors';
import type { RawSeries } from './raw';
import { LONG_LIMITS } from './long';
import { eventRows, eventsOf, labelRows } from './labels';

export interface CleanOptions {
  /** Forward-fill at most this many consecutive missing cells; longer gaps stay NaN (marked). */
  readonly fillLimit?: number;
  /** Resample irregular timestamps onto the median interval (previous value). Off by default. */
  readonly resample?: boolean;
}

export interface Series {
  readonly path: string;
  readonly rows: number;
  readonly timestamps: Float64Array | null;
  /** Kept channels, in data-set channel order. */
  readonly channels: readonly { readonly name: string; readonly values: Float32Array }[];
  /** 1 on rows labelled abnormal (any label column, or the windows file), null without labels. */
  readonly label: Uint8Array | null;
  readonly events: Uint8Array | null;
}

function isoOf(t: number): string {
  return new Date(t).toISOString().replace('.000Z', 'Z');
}

/** Forward-fill runs of NaN up to `limit` rows; returns [filled, unfilled] counts. */
function forwardFill(v: Float32Array, limit: number): [number, number] {
  let filled = 0;
  let unfilled = 0;
  let i = 0;
  while (i < v.length) {
    if (!Number.isNaN(v[i]!)) {
      i++;
      continue;
    }
    let j = i;
    while (j < v.length && Number.isNaN(v[j]!)) j++;
    const run = j - i;
    if (i > 0 && run <= limit) {
      v.fill(v[i - 1]!, i, j);
      filled += run;
    } else unfilled += run;
    i = j;
  }
  return [filled, unfilled];
}

function stats(v: Float32Array) {
  let n = 0;
  let sum = 0;
  let sq = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    if (Number.isNaN(x)) continue;
    n++;
    sum += x;
    sq += x * x;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  const mean = n ? sum / n : NaN;
  return {
    n,
    min: n ? min : NaN,
    max: n ? max : NaN,
    mean,
    std: n ? Math.sqrt(Math.max(0, sq / n - mean * mean)) : NaN,
  };
}

/** Timestamp checks: median interval, duplicates, out-of-order, gaps, irregularity. */
function timeChecks(t: Float64Array, warnings: string[]): number | null {
  if (t.length < 2) return null;
  const diffs = new Float64Array(t.length - 1);
  let dup = 0;
  let back = 0;
  for (let i = 1; i < t.length; i++) {
    const d = t[i]! - t[i - 1]!;
    diffs[i - 1] = d;
    if (d === 0) dup++;
    else if (d < 0) back++;
  }
  // The median of at most 100,001 evenly spaced intervals (sorting 10 million would take seconds).
  const step = Math.max(1, Math.floor(diffs.length / 100_000));
  const sample = new Float64Array(Math.ceil(diffs.length / step));
  for (let i = 0, k = 0; i < diffs.length; i += step) sample[k++] = diffs[i]!;
  const median = sample.sort()[Math.floor(sample.length / 2)]!;
  if (dup) warnings.push(`${dup} duplicate timestamp${dup > 1 ? 's' : ''}`);
  if (back) warnings.push(`${back} timestamp${back > 1 ? 's go' : ' goes'} backwards (rows out of order)`);
  if (median > 0) {
    let gaps = 0;
    let irregular = 0;
    for (const d of diffs) {
      if (d > 1.5 * median) gaps++;
      if (d > 0 && Math.abs(d - median) > 0.01 * median) irregular++;
    }
    if (gaps)
      warnings.push(`${gaps} gap${gaps > 1 ? 's' : ''} longer than 1.5× the sampling interval (${median / 1000} s)`);
    if (irregular > 0.05 * diffs.length)
      warnings.push(
        `irregular sampling: ${((100 * irregular) / diffs.length).toFixed(1)}% of intervals differ from the median ${median / 1000} s (resample with --resample)`,
      );
  }
  return median / 1000;
}

/** Rows a resample may make: beyond, it is refused (a 30-year jump at 60 s would be 16 M rows a year). */
export const MAX_RESAMPLED_ROWS = 50_000_000;

/** Refuses a resample that cannot work: timestamps that do not rise, a median interval of 0, too many rows. */
function checkResample(file: string, t: Float64Array, intervalSeconds: number): void {
  const span = t[t.length - 1]! - t[0]!;
  if (!(intervalSeconds > 0))
    throw new ImportError(
      { file },
      `cannot be resampled: the median interval between timestamps is ${intervalSeconds} s`,
      'Resampling needs timestamps that rise: sort the rows by time, or drop duplicate timestamps.',
    );
  if (!(span > 0))
    throw new ImportError(
      { file },
      'cannot be resampled: its last timestamp is not after its first',
      'Sort the rows by time before importing with --resample.',
    );
  const n = Math.floor(span / (intervalSeconds * 1000)) + 1;
  if (n > MAX_RESAMPLED_ROWS)
    throw new ImportError(
      { file },
      `resampling ${t.length} rows over ${(span / 86_400_000).toFixed(0)} days at ${intervalSeconds} s would make ${n.toLocaleString('en')} rows (more than ${MAX_RESAMPLED_ROWS.toLocaleString('en')})`,
      'Look for a timestamp far from the others (a wrong year?), or import without --resample.',
    );
}

/** Resamples onto a regular grid at the median interval, taking each grid point's latest earlier row. */
function resampleSeries(
  t: Float64Array,
  cols: Float32Array[],
  label: Uint8Array | null,
  events: Uint8Array | null,
  intervalMs: number,
) {
  const n = Math.floor((t[t.length - 1]! - t[0]!) / intervalMs) + 1;
  const nt = new Float64Array(n);
  const ncols = cols.map(() => new Float32Array(n));
  const nl = label ? new Uint8Array(n) : null;
  const ne = events ? new Uint8Array(n) : null;
  let j = 0;
  for (let i = 0; i < n; i++) {
    const ti = t[0]! + i * intervalMs;
    while (j + 1 < t.length && t[j + 1]! <= ti) j++;
    nt[i] = ti;
    cols.forEach((c, k) => (ncols[k]![i] = c[j]!));
    if (nl) nl[i] = label![j]!;
    if (ne) ne[i] = events![j]!;
  }
  return { t: nt, cols: ncols, label: nl, events: ne };
}

/**
 * A file with a run column as one raw series per run: each stretch of rows with the same run
 * value, named "<file>#<value>" (a value that comes back after another gets "#<value> (2)").
 */
export function splitBySeries(raw: RawSeries): RawSeries[] {
  const s = raw.series;
  if (!s || raw.rows === 0) return [raw];
  const parts: RawSeries[] = [];
  const seen = new Map<number, number>();
  let start = 0;
  for (let i = 1; i <= raw.rows; i++) {
    if (i < raw.rows && s.ids[i] === s.ids[start]) continue;
    const id = s.ids[start]!;
    const n = (seen.get(id) ?? 0) + 1;
    seen.set(id, n);
    const cut = <T extends { subarray(a: number, b: number): T }>(a: T) => a.subarray(start, i);
    const first = parts.length === 0;
    parts.push({
      ...raw,
      path: `${raw.path}#${s.values[id]}${n > 1 ? ` (${n})` : ''}`,
      rows: i - start,
      bytes: Math.round((raw.bytes * (i - start)) / raw.rows),
      timestamps: raw.timestamps ? cut(raw.timestamps) : null,
      // Cells of text were counted per file: the first run's profile reports them.
      channels: raw.channels.map((c) => ({ ...c, values: cut(c.values), badCells: first ? c.badCells : 0 })),
      labels: raw.labels.map((l) => ({ ...l, values: cut(l.values) })),
      events: raw.events.map((e) => ({ ...e, values: cut(e.values) })),
      series: { ...s, ids: cut(s.ids) },
      ...(first && raw.badCellExample ? { badCellExample: raw.badCellExample } : { badCellExample: undefined }),
    });
    start = i;
  }
  return parts;
}

/** A file (or one run of it) cleaned: its series and its profile, warnings included. */
export interface Cleaned {
  readonly series: Series;
  readonly profile: FileProfile;
}

/**
 * Cleans one raw series: forward-fills short gaps, drops empty and constant channels, labels
 * rows from label columns and `windows`, checks the timestamps and resamples when asked. Every
 * change it makes is a warning in the profile.
 */
export function cleanSeries(raw: RawSeries, windows: [string, string][] | undefined, opts: CleanOptions): Cleaned {
  const warnings: string[] = [];
  const fillLimit = opts.fillLimit ?? 5;
  let timestamps = raw.timestamps;
  const channelProfiles: ChannelProfile[] = [];
  const dropped: { name: string; reason: string }[] = [];
  const kept: { name: string; values: Float32Array }[] = [];
  const textCells: string[] = [];
  const gaps: string[] = [];

  for (const ch of raw.channels) {
    const missing = ch.values.reduce((n, x) => n + (Number.isNaN(x) ? 1 : 0), 0);
    const [filled, unfilled] = forwardFill(ch.values, fillLimit);
    const s = stats(ch.values);
    if (s.n === 0) {
      dropped.push({ name: ch.name, reason: 'no numeric value' });
      continue;
    }
    if (s.max === s.min) {
      dropped.push({ name: ch.name, reason: `constant (${Number(s.min.toPrecision(6))})` });
      continue;
    }
    if (ch.badCells)
      textCells.push(`${ch.name}: ${ch.badCells} cell${ch.badCells > 1 ? 's' : ''} of text treated as missing`);
    if (unfilled)
      gaps.push(
        `${ch.name}: ${unfilled} missing cell${unfilled > 1 ? 's' : ''} in gaps longer than ${fillLimit} rows left as NaN (windows over them are skipped)`,
      );
    kept.push({ name: ch.name, values: ch.values });
    const example = ch.badCells && raw.badCellExample?.column === ch.name ? raw.badCellExample.value : undefined;
    channelProfiles.push({
      name: ch.name,
      min: s.min,
      max: s.max,
      mean: s.mean,
      std: s.std,
      missing,
      filled,
      unfilled,
      ...(ch.badCells ? { textCells: { count: ch.badCells, ...(example !== undefined ? { example } : {}) } } : {}),
    });
  }
  warnings.push(
    ...capped(textCells, 'channels have text cells treated as missing'),
    ...capped(gaps, 'channels have gaps left as NaN'),
  );
  warnings.push(
    ...capped(
      dropped.map((d) => `dropped channel ${excerpt(d.name, 40)}: ${d.reason}`),
      'channels dropped (constant or empty; the profile lists them all)',
    ),
  );
  warnings.push(...raw.notes);
  if (raw.badCellExample)
    warnings.push(
      `first text in a numeric column: "${excerpt(raw.badCellExample.value)}" at line ${raw.badCellExample.line}, column "${excerpt(raw.badCellExample.column, 40)}"`,
    );

  // Windows are matched on the file's own timestamps; a resample below carries the labels over.
  const labels = labelRows(raw, windows);
  let label = labels.label;
  let events = eventRows(raw);

  const interval = timestamps ? timeChecks(timestamps, warnings) : null;
  let rows = raw.rows;
  let channels = kept;
  if (opts.resample && timestamps && interval) {
    checkResample(raw.path, timestamps, interval);
    const r = resampleSeries(
      timestamps,
      kept.map((k) => k.values),
      label,
      events,
      interval * 1000,
    );
    warnings.push(`resampled from ${rows} rows to ${r.t.length} at ${interval} s`);
    timestamps = r.t;
    rows = r.t.length;
    channels = kept.map((k, i) => ({ name: k.name, values: r.cols[i]! }));
    label = r.label;
    events = r.events;
  }
  const labelRatio = label ? label.reduce((n, x) => n + x, 0) / rows : null;

  const profile: FileProfile = {
    ...(raw.format ? { format: raw.format } : {}),
    ...(raw.sheets ? { sheets: raw.sheets } : {}),
    ...(raw.preview ? { preview: raw.preview } : {}),
    ...(raw.long ? { long: { ...raw.long, tags: raw.long.tags.slice(0, LONG_LIMITS.tags) } } : {}),
    path: raw.path,
    rows,
    bytes: raw.bytes,
    encoding: raw.dialect.encoding + (raw.dialect.bom ? ' (BOM)' : ''),
    delimiter: raw.dialect.delimiter,
    decimal: raw.dialect.decimal,
    header: raw.dialect.header,
    lineEnding: raw.dialect.lineEnding,
    timestampColumn: raw.timestampColumn,
    timestampFormat: raw.timestampFormat,
    start: timestamps && rows ? isoOf(timestamps[0]!) : null,
    end: timestamps && rows ? isoOf(timestamps[rows - 1]!) : null,
    samplingIntervalSeconds: interval,
    channels: channelProfiles,
    droppedChannels: dropped,
    labelColumns: raw.labels.map((l) => l.name),
    labelMapping: Object.fromEntries(
      raw.labels.map((l) => [
        l.name,
        Object.fromEntries(Object.entries(l.mapping).map(([k, v]) => [k, v ? 'abnormal' : 'normal'])),
      ]),
    ),
    labelSource: labels.labelSource,
    eventColumns: raw.events.map((e) => e.name),
    seriesColumn: raw.series ? { name: raw.series.name, value: raw.series.values[raw.series.ids[0] ?? 0] ?? '' } : null,
    ignoredColumns: raw.ignored,
    labelRatio,
    events: eventsOf(label),
    warnings,
  };
  return { series: { path: raw.path, rows, timestamps, channels, label, events }, profile };
}
