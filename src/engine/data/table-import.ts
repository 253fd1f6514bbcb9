/**
 * Import of a table that is not CSV text (an Excel sheet, a Parquet file, a long table pivoted to
 * channels): its reader gives the column names and batches of typed cells, and this module plans
 * the roles as the CSV path does (the same rules, on the first rows as text) and fills the same
 * typed columns, batch by batch. Memory is the kept columns plus one batch.
 */
import { Column } from './column';
import { capped, columnList, excerpt, ImportError, unknownLabelError } from './errors';
import type { ImportOptions, RawSeries } from './raw';
import { isMissingToken, parseNumberRange } from './numbers';
import { DEFAULT_LABEL_WORDS, labelClass, planRoles } from './roles';
import { describeFormat, parseTimestampRange } from './timestamps';

/** A cell as a reader gives it: a number, text, or nothing. A time column's numbers are epoch milliseconds. */
export type Cell = number | string | null;

/** What a format reader hands over. */
export interface TableSource {
  /** The format in words, shown in the profile ("Excel workbook, sheet "Data" (1 of 2)"). */
  readonly format: string;
  readonly kind: 'xlsx' | 'parquet' | 'long';
  readonly bytes: number;
  readonly names: readonly string[];
  /** Columns whose numbers are times by the file's own types (epoch milliseconds). */
  readonly timeColumns: ReadonlySet<number>;
  /**
   * Whether those times are wall-clock times without a zone (Excel's dates, Parquet's
   * timestamps not adjusted to UTC): `utcOffsetMinutes` then says their zone, as for CSV text.
   */
  readonly localTimes: boolean;
  /** How many rows the file holds, when it says (a Parquet footer does; a sheet does not). */
  readonly rows?: number;
  /** The first rows (at least the sample asked for, when the file has them), for planning roles. */
  readonly head: readonly (readonly Cell[])[];
  /**
   * Every row, in batches, from the first. `line` is the first batch row's row number in the file
   * (1-based). `keep`: the columns the import uses (a reader may leave the others null).
   */
  batches(
    keep: ReadonlySet<number>,
  ): AsyncIterable<{ readonly line: number; readonly rows: readonly (readonly Cell[])[] }>;
  /** What the reader changed or found (a unit row read into the names, say). */
  readonly notes?: readonly string[];
  /** Lets go of what the reader holds open (called however the import ends). */
  close?(): void | Promise<void>;
}

const FLOAT32_MAX = 3.4028234663852886e38;

/** A cell as the CSV path would have read its text (a time as ISO 8601, UTC). */
export function cellText(c: Cell, time = false): string {
  if (c === null) return '';
  if (typeof c === 'string') return c;
  if (time)
    return Number.isFinite(c)
      ? new Date(c)
          .toISOString()
          .replace('T', ' ')
          .replace(/\.000Z$/, 'Z')
      : '';
  return String(c);
}

/** Imports a table read by one of the format readers into the raw columns the CSV path makes. */
export async function importTable(display: string, src: TableSource, options: ImportOptions = {}): Promise<RawSeries> {
  const names = src.names;
  if (names.length === 0)
    throw new ImportError({ file: display }, 'has no columns', 'Export the data again with a header row of names.');
  const head = src.head.slice(0, options.sampleRows ?? 500);
  if (head.length === 0)
    throw new ImportError({ file: display }, 'has a header but no data rows', 'Export the data again with its rows.');
  const samples = names.map((_, c) => head.map((r) => cellText(r[c] ?? null, src.timeColumns.has(c))));
  const labelWords = { ...DEFAULT_LABEL_WORDS, ...options.labelWords };
  // A typed time column is the timestamp unless the user named another (or none).
  const typed = [...src.timeColumns][0];
  const roles =
    typed !== undefined && options.roles?.timestamp === undefined
      ? { ...options.roles, timestamp: names[typed]! }
      : options.roles;
  let plan;
  try {
    plan = planRoles(names, samples, '.', roles, labelWords);
  } catch (err) {
    throw new ImportError({ file: display }, (err as Error).message, 'Use a column name exactly as the file has it.');
  }
  const { columns } = plan;
  if (!columns.some((c) => c.role === 'channel'))
    throw new ImportError(
      { file: display },
      `has no numeric sensor column (columns: ${columnList([...names])})`,
      'Name the channels with --channels, or check that the sheet or file holds the measurements.',
    );
  const tsCol = columns.find((c) => c.role === 'timestamp');
  const tsTyped = tsCol !== undefined && src.timeColumns.has(tsCol.index);
  const tsFormat = tsTyped ? null : plan.timestampFormat;
  if (tsCol && !tsTyped && !tsFormat)
    throw new ImportError(
      { file: display, column: tsCol.name },
      `the timestamp format of "${excerpt(samples[tsCol.index]?.[0] ?? '')}" is not recognised`,
      'Store the times as dates, or as ISO 8601 text (2024-03-04 06:00:00), or choose no timestamp column.',
    );
  const channelCols = columns.filter((c) => c.role === 'channel');
  const labelCols = columns.filter((c) => c.role === 'label');
  const eventCols = columns.filter((c) => c.role === 'event');
  const seriesCol = columns.find((c) => c.role === 'series');
  // Preallocated for the rows the file says it has (Parquet), else grown as rows come.
  const capacity = Math.max(1024, src.rows ?? head.length);
  const ts = tsCol ? new Column((n) => new Float64Array(n), capacity) : null;
  const chans = channelCols.map(() => new Column((n) => new Float32Array(n), capacity));
  const bad = channelCols.map(() => 0);
  let badCellExample: RawSeries['badCellExample'];
  let outOfRange = 0;
  const labels = labelCols.map(() => new Column((n) => new Uint8Array(n), capacity));
  const seen = labelCols.map(() => new Map<string, 0 | 1>());
  const events = eventCols.map(() => new Column((n) => new Uint8Array(n), capacity));
  const seriesIds = seriesCol ? new Column((n) => new Int32Array(n), capacity) : null;
  const seriesNames = new Map<string, number>();
  const offset = options.utcOffsetMinutes ?? 0;
  let rows = 0;

  const keep = new Set(columns.filter((c) => c.role !== 'ignored').map((c) => c.index));
  for await (const batch of src.batches(keep)) {
    for (let r = 0; r < batch.rows.length; r++) {
      const row = batch.rows[r]!;
      const line = batch.line + r;
      if (ts && tsCol) {
        const c = row[tsCol.index] ?? null;
        const t =
          typeof c === 'number' && tsTyped
            ? c - (src.localTimes ? offset * 60_000 : 0)
            : tsFormat
              ? parseTimestampRange(cellText(c), 0, cellText(c).length, tsFormat, offset)
              : NaN;
        if (!Number.isFinite(t))
          throw new ImportError(
            { file: display, line, column: tsCol.name },
            `the timestamp "${excerpt(cellText(c, tsTyped))}" ${tsFormat ? `does not parse as ${describeFormat(tsFormat)}` : 'is not a time'}`,
            'Fix or remove that row, or choose another timestamp column.',
          );
        ts.push(t);
      }
      for (let k = 0; k < channelCols.length; k++) {
        const c = row[channelCols[k]!.index] ?? null;
        let v: number;
        if (typeof c === 'number') v = c;
        else if (c === null) v = NaN;
        else {
          const s = c.trim();
          const n = isMissingToken(s) ? NaN : parseNumberRange(s, 0, s.length, 46);
          if (n === undefined) {
            bad[k]!++;
            badCellExample ??= { line, column: channelCols[k]!.name, value: s };
            v = NaN;
          } else v = n;
        }
        if (Math.abs(v) > FLOAT32_MAX) {
          outOfRange++;
          v = NaN;
        }
        chans[k]!.push(v);
      }
      for (let k = 0; k < labelCols.length; k++) {
        const raw = cellText(row[labelCols[k]!.index] ?? null).trim();
        let cls = seen[k]!.get(raw);
        if (cls === undefined) {
          cls = isMissingToken(raw) ? 0 : labelClass(raw, labelWords);
          if (cls === undefined) throw unknownLabelError(display, line, labelCols[k]!.name, raw);
          seen[k]!.set(raw, cls);
        }
        labels[k]!.push(cls);
      }
      for (let k = 0; k < eventCols.length; k++) {
        const c = row[eventCols[k]!.index] ?? null;
        const n = typeof c === 'number' ? c : c === null ? 0 : Number(c.trim() || 0);
        events[k]!.push(n !== 0 && !Number.isNaN(n) ? 1 : 0);
      }
      if (seriesIds && seriesCol) {
        const raw = cellText(row[seriesCol.index] ?? null).trim();
        let id = seriesNames.get(raw);
        if (id === undefined) seriesNames.set(raw, (id = seriesNames.size));
        seriesIds.push(id);
      }
      rows++;
    }
  }
  if (rows === 0)
    throw new ImportError({ file: display }, 'has a header but no data rows', 'Export the data again with its rows.');
  const notes = [...(src.notes ?? [])];
  const badNotes = channelCols.flatMap((c, k) =>
    bad[k] ? [`${bad[k]} text cell${bad[k] === 1 ? '' : 's'} in ${c.name} read as missing`] : [],
  );
  notes.push(...capped(badNotes, 'channels have text cells read as missing'));
  if (outOfRange) notes.push(`${outOfRange} cells beyond float32's range read as missing`);
  return {
    path: display,
    bytes: src.bytes,
    rows,
    // Not CSV text: the profile shows the format instead of a dialect.
    dialect: {
      delimiter: ',',
      decimal: '.',
      quote: '"',
      header: true,
      lineEnding: 'LF',
      encoding: 'utf-8',
      bom: false,
    },
    format: { kind: src.kind, description: src.format },
    plan: columns,
    timestampColumn: tsCol?.name ?? null,
    timestampFormat: tsCol ? (tsTyped ? 'stored as times' : describeFormat(tsFormat!)) : null,
    timestamps: ts?.finish() ?? null,
    channels: channelCols.map((c, k) => ({ name: c.name, values: chans[k]!.finish(), badCells: bad[k]! })),
    labels: labelCols.map((c, k) => ({
      name: c.name,
      values: labels[k]!.finish(),
      mapping: Object.fromEntries(seen[k]!),
    })),
    events: eventCols.map((c, k) => ({ name: c.name, values: events[k]!.finish() })),
    ...(seriesCol && seriesIds
      ? { series: { name: seriesCol.name, ids: seriesIds.finish(), values: [...seriesNames.keys()] } }
      : {}),
    ignored: columns.filter((c) => c.role === 'ignored').map((c) => ({ name: c.name, reason: c.note ?? 'ignored' })),
    notes,
    ...(badCellExample ? { badCellExample } : {}),
    // The first rows as text, for the Import step's preview (a binary file has no text head to show).
    preview: {
      header: [...names],
      rows: src.head.slice(0, 12).map((r) => names.map((_, c) => cellText(r[c] ?? null, src.timeColumns.has(c)))),
    },
  };
}
