/**
 * Long tables, as historians (PI, Ignition, WinCC, Aveva) export them: one row per reading,
 * `timestamp, tag, value[, quality]`, each tag sampled at its own rate. Detected from the header
 * and the first rows (or asked for), then pivoted to one channel per tag on a common time grid in
 * two streaming passes: the first counts each tag's readings and sampling interval, the second
 * places each good reading on the grid. Memory is the grid (rows × tags float32), never the rows
 * of the file.
 *
 * The grid's step is the median of the tags' own median intervals; a tag holds its last good
 * reading until its next one, for at most twice its own interval (a longer gap stays missing).
 * Readings whose quality is bad are missing: a quality word other than good/ok/valid, or an OPC
 * quality code below 192.
 */
import { isAscii } from 'node:buffer';
import type { FileHandle } from 'node:fs/promises';
import { asImportError, CsvTokenizer, fieldText, type Dialect } from './csv';
import { columnList, excerpt, ImportError } from './errors';
import type { ImportOptions, RawSeries } from './raw';
import { isMissingToken, parseNumberRange } from './numbers';
import { TIME_NAMES, type ColumnPlan } from './roles';
import { describeFormat, detectTimestampFormat, parseTimestampRange, type TimestampFormat } from './timestamps';

const TAG_NAMES =
  /^(tag|tags|tag_?name|tagname|tag_?id|tag_?path|name|var_?name|point|point_?name|signal|sensor|sensor_?id|variable|item|item_?id|attribute|measurement|channel|parameter)$/i;
const VALUE_NAMES = /^(value|val|v|var_?value|reading|pv|measured_?value|numeric_?value|y)$/i;
/** Quality columns whose codes read one way: OPC codes (192 and up good), or 0 good (Wonderware), or words. */
const QUALITY_NAMES =
  /^(quality|q|qual|quality_?code|quality_?detail|validity|is_?valid|opc_?quality|status|qualit(ä|ae)t|g(ü|ue)ltigkeit)$/i;
/** Quality columns that say whether a reading is valid: 1 (or true) is good (WinCC's Validity). */
const VALIDITY_NAMES = /^(validity|is_?valid)$/i;
/** Time columns: the importer's names, and historians' own (Ignition's t_stamp, WinCC's TimeString). */
const LONG_TIME_NAMES = { test: (name: string) => TIME_NAMES.test(name) || /^(t_stamp|time_?string)$/i.test(name) };
/** Rows an archive writes about itself (WinCC's $RT_COUNT$, $RT_OFF$): skipped, counted. */
const SYSTEM_ROWS = /^\$RT_[A-Z_]*\$?$/;
/** Numeric columns a historian adds beside the time (WinCC's Time_ms): not values. */
const TIME_PARTS = /^(time_?ms|ms|millis|milliseconds|msec)$/i;
/** Text columns of wide tables that repeat few values but are no tag column. */
const NOT_TAGS =
  /^(anomaly|label|labels|fault|fault_kind|status|run|run_id|batch|batch_id|experiment|series|event|comment|note|notes|unit|units)$/i;
/** Good quality in words: Good, OK, Valid and their qualified forms (Good [Non-Specific], Good_LocalOverride, Good (192)). */
const GOOD_WORDS = /^((good|ok|valid|gut)([\s_([-].*)?|g|true|yes|ja)$/i;

/** The most tags pivoted to channels, and the most grid cells (rows × tags) held. */
export const LONG_LIMITS = { tags: 5000, cells: 400_000_000 } as const;

export interface LongLayout {
  readonly time: number;
  readonly tag: number;
  readonly value: number;
  readonly quality: number | null;
  readonly timeFormat: TimestampFormat;
}

/**
 * The long layout of a header and its first rows, or null when it is not one: a time column, a
 * tag column (named like one, or text repeating few values), a numeric value column, and perhaps
 * a quality column; no more than six columns in all.
 */
export function detectLong(
  names: readonly string[],
  samples: readonly string[][],
  decimal: '.' | ',' = '.',
  forced = false,
): LongLayout | null {
  if (names.length < 3 || names.length > 6) return null;
  const col = (re: { test(name: string): boolean }) => names.findIndex((n) => re.test(n.trim()));
  const mark = (decimal === ',' ? 44 : 46) as 44 | 46;
  const numeric = (i: number) => {
    const v = (samples[i] ?? []).map((x) => x.trim()).filter((x) => x !== '' && !isMissingToken(x));
    return (
      v.length > 0 && v.filter((x) => parseNumberRange(x, 0, x.length, mark) !== undefined).length >= 0.9 * v.length
    );
  };
  let time = col(LONG_TIME_NAMES);
  if (time < 0) time = names.findIndex((_, i) => !numeric(i) && detectTimestampFormat(samples[i] ?? []) !== null);
  if (time < 0) return null;
  const timeFormat = detectTimestampFormat(samples[time] ?? []);
  if (!timeFormat) return null;
  // Detected only where a column is named like a tag: a wide table's text column (a label in
  // words, a machine's mode) repeats few values too. Asked for, a repeating text column will do.
  let tag = col(TAG_NAMES);
  if (tag === time || (tag >= 0 && numeric(tag))) tag = -1;
  if (tag < 0 && !forced) return null;
  if (tag < 0)
    tag = names.findIndex((_, i) => {
      if (i === time || numeric(i) || NOT_TAGS.test(names[i]!.trim())) return false;
      const v = (samples[i] ?? []).filter((x) => x.trim() !== '');
      return v.length >= 4 && new Set(v).size <= Math.max(2, v.length / 3);
    });
  if (tag < 0) return null;
  const quality = col(QUALITY_NAMES);
  const skip = (i: number) => TIME_PARTS.test(names[i]!.trim());
  let value = col(VALUE_NAMES);
  if (value < 0 || !numeric(value))
    value = names.findIndex((_, i) => i !== time && i !== tag && i !== quality && !skip(i) && numeric(i));
  if (value < 0 || value === quality) return null;
  // Another numeric column: a wide table with a text column, not a long one.
  if (names.some((_, i) => ![time, tag, value, quality].includes(i) && !skip(i) && numeric(i))) return null;
  return {
    time,
    tag,
    value,
    quality: quality >= 0 && quality !== tag && quality !== time ? quality : null,
    timeFormat,
  };
}

/**
 * How a quality column's cells read: words (good, ok, valid), OPC codes (192 and up good: a
 * column whose codes reach 64 or more), 1 for valid (a column named Validity, as WinCC's), or
 * else 0 for good and anything else bad (Wonderware's Quality). Decided from the column's name
 * and its codes over the whole file (the first pass).
 */
type QualityRule = 'opc' | 'zero-good' | 'one-good' | 'words';

const RULE_TEXT: Record<QualityRule, string> = {
  opc: 'OPC codes: 192 and up good',
  'zero-good': 'codes: 0 good, others bad',
  'one-good': 'validity: 1 good, 0 bad',
  words: 'words: good, ok, valid are good',
};

function goodQuality(raw: string, rule: QualityRule): boolean {
  const s = raw.trim();
  if (s === '') return true;
  if (/^-?\d+$/.test(s))
    return rule === 'opc' ? Number(s) >= 192 : rule === 'one-good' ? Number(s) === 1 : Number(s) === 0;
  return GOOD_WORDS.test(s);
}

function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Streams the file's records (after the header) through the tokenizer. */
async function stream(
  display: string,
  fh: FileHandle,
  dialect: Dialect,
  skip: number,
  onRecord: ConstructorParameters<typeof CsvTokenizer>[1],
): Promise<void> {
  let header = dialect.header;
  const tokenizer = new CsvTokenizer(
    dialect.delimiter,
    (...args) => {
      if (header) {
        header = false;
        return;
      }
      onRecord(...args);
    },
    dialect.decimal,
  );
  const decoder = new TextDecoder(dialect.encoding);
  // Lines ended by CR alone (a classic Mac export) are read as line breaks, as the wide path does.
  const push = (text: string) => tokenizer.push(dialect.lineEnding === 'CR' ? text.replace(/\r/g, '\n') : text);
  try {
    for await (const chunk of fh.createReadStream({ start: skip, highWaterMark: 1 << 20, autoClose: false })) {
      const buf = chunk as Buffer;
      push(
        dialect.encoding === 'utf-8' && isAscii(buf) ? buf.toString('latin1') : decoder.decode(buf, { stream: true }),
      );
    }
    push(decoder.decode());
    tokenizer.finish();
  } catch (err) {
    throw asImportError(err, display);
  }
}

/** Pivots a long table (detected by `detectLong`) to one channel per tag on a common grid. */
export async function importLong(
  display: string,
  fh: FileHandle,
  bytes: number,
  bomLength: number,
  dialect: Dialect,
  names: readonly string[],
  layout: LongLayout,
  options: ImportOptions,
): Promise<RawSeries> {
  const offset = options.utcOffsetMinutes ?? 0;
  const decimal = (dialect.decimal === ',' ? 44 : 46) as 44 | 46;
  const time = (text: string, off: Int32Array, quoted: Uint8Array) =>
    quoted[layout.time]
      ? (() => {
          const t = fieldText(text, off, layout.time, quoted);
          return parseTimestampRange(t, 0, t.length, layout.timeFormat, offset);
        })()
      : parseTimestampRange(text, off[2 * layout.time]!, off[2 * layout.time + 1]!, layout.timeFormat, offset);
  const need = Math.max(layout.time, layout.tag, layout.value, layout.quality ?? 0) + 1;

  // Pass 1: the tags, each one's readings, time span and intervals (the first 1,000 of each);
  // how the quality column reads (its codes' largest value). A quality column the user ignores
  // (the Ignored role, --ignore) is not read.
  const qualityCol =
    layout.quality !== null && !options.roles?.ignore?.includes(names[layout.quality]!) ? layout.quality : null;
  let largestCode = -Infinity;
  interface TagStats {
    name: string;
    count: number;
    last: number;
    deltas: number[];
    first: number;
    end: number;
  }
  const tags = new Map<string, TagStats>();
  let bad = 0;
  let rows = 0;
  let unordered = 0;
  let system = 0;
  const qualities = new Map<string, number>();
  await stream(display, fh, dialect, bomLength, (text, off, count, quoted, line) => {
    if (count < need && SYSTEM_ROWS.test(fieldText(text, off, 0, quoted).trim())) {
      system++;
      return;
    }
    if (count < need)
      throw new ImportError(
        { file: display, line },
        `has ${count} fields where the header has ${names.length}`,
        'Rows must all have the same number of fields: check for an unquoted delimiter inside a value.',
      );
    rows++;
    const name = fieldText(text, off, layout.tag, quoted).trim();
    // WinCC's own rows ($RT_COUNT$, $RT_OFF$: the archive's counters and gaps) are not tags.
    if (name === '' || SYSTEM_ROWS.test(name)) {
      system += name === '' ? 0 : 1;
      return;
    }
    const t = time(text, off, quoted);
    if (!Number.isFinite(t))
      throw new ImportError(
        { file: display, line, column: names[layout.time]! },
        `the timestamp "${excerpt(fieldText(text, off, layout.time, quoted))}" does not parse as ${describeFormat(layout.timeFormat)}`,
        'Fix or remove that row.',
      );
    let s = tags.get(name);
    if (!s) {
      if (tags.size >= LONG_LIMITS.tags)
        throw new ImportError(
          { file: display, line, column: names[layout.tag]! },
          `names more than ${LONG_LIMITS.tags.toLocaleString('en')} tags`,
          'Export fewer tags (the ones of one unit or line), or choose the layout "wide" if this is not a long table.',
        );
      tags.set(name, (s = { name, count: 0, last: NaN, deltas: [], first: t, end: t }));
    }
    if (qualityCol !== null) {
      const q = fieldText(text, off, qualityCol, quoted).trim();
      if (/^-?\d+$/.test(q)) largestCode = Math.max(largestCode, Number(q));
      if (qualities.size < 20 || qualities.has(q)) qualities.set(q, (qualities.get(q) ?? 0) + 1);
    }
    if (t < s.last) unordered++;
    else if (Number.isFinite(s.last) && s.deltas.length < 1000 && t > s.last) s.deltas.push(t - s.last);
    s.last = t;
    s.count++;
    s.first = Math.min(s.first, t);
    s.end = Math.max(s.end, t);
  });
  if (tags.size === 0)
    throw new ImportError({ file: display }, 'has no readings', 'Export the data again with its rows.');

  // The grid: the median of the tags' own intervals, over the whole span.
  const own = new Map([...tags.values()].map((s) => [s.name, median(s.deltas)]));
  const intervals = [...own.values()].filter((x) => x > 0);
  const step = intervals.length ? median(intervals) : 1000;
  const start = Math.min(...[...tags.values()].map((s) => s.first));
  const end = Math.max(...[...tags.values()].map((s) => s.end));
  const gridRows = Math.floor((end - start) / step) + 1;
  const kept = [...tags.values()].filter((s) => !options.roles?.ignore?.includes(s.name));
  const wanted = options.roles?.channels;
  const chosen = wanted ? kept.filter((s) => wanted.includes(s.name)) : kept;
  if (chosen.length === 0)
    throw new ImportError(
      { file: display },
      `keeps no tag (tags: ${columnList([...tags.keys()])})`,
      'Choose at least one tag as a sensor channel.',
    );
  if (gridRows * chosen.length > LONG_LIMITS.cells)
    throw new ImportError(
      { file: display },
      `would make a grid of ${gridRows.toLocaleString('en')} rows × ${chosen.length} tags at one row every ${step / 1000} s, more than ${LONG_LIMITS.cells.toLocaleString('en')} values`,
      'Export a shorter span or fewer tags, or the tags at a common, coarser rate.',
    );
  const index = new Map(chosen.map((s, i) => [s.name, i]));
  const grid = chosen.map(() => new Float32Array(gridRows).fill(NaN));
  const rule: QualityRule =
    qualityCol !== null && VALIDITY_NAMES.test(names[qualityCol]!.trim())
      ? 'one-good'
      : largestCode === -Infinity
        ? 'words'
        : largestCode >= 64
          ? 'opc'
          : 'zero-good';
  let good = 0;

  // Pass 2: each good reading into the grid row at or after its time (the latest stays).
  let badCells = 0;
  await stream(display, fh, dialect, bomLength, (text, off, count, quoted) => {
    if (count < need) return;
    const k = index.get(fieldText(text, off, layout.tag, quoted).trim());
    if (k === undefined) return;
    if (qualityCol !== null && !goodQuality(fieldText(text, off, qualityCol, quoted), rule)) {
      bad++;
      return;
    }
    const t = time(text, off, quoted);
    const raw = fieldText(text, off, layout.value, quoted).trim();
    const v = isMissingToken(raw) ? NaN : parseNumberRange(raw, 0, raw.length, decimal);
    if (v === undefined) {
      badCells++;
      return;
    }
    good++;
    // Row r holds the latest reading at or before its time (a historian's "previous value").
    grid[k]![Math.min(gridRows - 1, Math.max(0, Math.ceil((t - start) / step - 1e-9)))] = v;
  });
  if (good === 0 && bad > 0)
    throw new ImportError(
      { file: display, column: names[qualityCol!]! },
      `every reading is of bad quality as ${names[qualityCol!]} reads (${RULE_TEXT[rule]})`,
      `If that column means otherwise, give it the Ignored role (--ignore "${excerpt(names[qualityCol!]!, 40)}") to keep every reading.`,
    );
  // Sample and hold: each tag's last reading until its next, for at most twice its own interval.
  for (let k = 0; k < chosen.length; k++) {
    const hold = Math.max(1, Math.round((2 * (own.get(chosen[k]!.name) || step)) / step));
    const g = grid[k]!;
    let last = NaN;
    let since = Infinity;
    for (let r = 0; r < gridRows; r++) {
      if (!Number.isNaN(g[r]!)) {
        last = g[r]!;
        since = 0;
      } else if (++since < hold) g[r] = last;
    }
  }
  const timestamps = new Float64Array(gridRows);
  for (let r = 0; r < gridRows; r++) timestamps[r] = start + r * step;
  const plan: ColumnPlan[] = chosen.map((s, i) => ({ index: i, name: s.name, role: 'channel' }));
  const leftOut = names.filter((_, i) => ![layout.time, layout.tag, layout.value, qualityCol].includes(i));
  const notes = [
    `a long table (${names[layout.time]}, ${names[layout.tag]}, ${names[layout.value]}${layout.quality !== null ? `, ${names[layout.quality]}` : ''}): ${rows.toLocaleString('en')} readings of ${tags.size} tags pivoted to one channel per tag, on a grid of one row every ${formatStep(step)} (the median of the tags' own intervals); each row holds a tag's latest good reading at or before its time, for at most twice the tag's own interval`,
    ...(leftOut.length ? [`columns not read by the pivot: ${leftOut.join(', ')}`] : []),
    ...(qualityCol !== null && qualities.size
      ? [
          `quality values (${names[qualityCol]}): ${[...qualities]
            .sort((a, b) => b[1] - a[1])
            .map(
              ([q, n]) =>
                `${q === '' ? '(empty)' : q} ${n.toLocaleString('en')} ${goodQuality(q, rule) ? 'good' : 'bad'}`,
            )
            .join(', ')}${qualities.size >= 20 ? ', …' : ''}`,
        ]
      : []),
    ...(system ? [`${system.toLocaleString('en')} rows of the archive's own ($RT_…) skipped`] : []),
    ...(qualityCol !== null && bad
      ? [
          `${bad.toLocaleString('en')} reading${bad === 1 ? '' : 's'} of bad quality (${names[qualityCol]}, ${RULE_TEXT[rule]}) read as missing`,
        ]
      : []),
    ...(unordered
      ? [
          `${unordered.toLocaleString('en')} readings earlier than the one before them of the same tag: a clock set back (the end of summer time, say) puts two readings on one grid row and the later one stays; export the times in UTC to keep that hour`,
        ]
      : []),
    ...(badCells ? [`${badCells.toLocaleString('en')} values that are not numbers read as missing`] : []),
  ];
  return {
    path: display,
    bytes,
    rows: gridRows,
    dialect,
    format: { kind: 'long', description: `long table (one row per reading), ${tags.size} tags at ${formatStep(step)}` },
    plan,
    timestampColumn: names[layout.time]!,
    timestampFormat: describeFormat(layout.timeFormat),
    timestamps,
    channels: chosen.map((s, k) => ({ name: s.name, values: grid[k]!, badCells: 0 })),
    labels: [],
    events: [],
    ignored: [...tags.values()].filter((s) => !index.has(s.name)).map((s) => ({ name: s.name, reason: 'not chosen' })),
    notes,
    long: {
      tags: [...tags.values()].map((s) => ({
        name: s.name,
        readings: s.count,
        intervalSeconds: (own.get(s.name) ?? NaN) / 1000,
      })),
      stepSeconds: step / 1000,
      badQuality: bad,
    },
  };
}

function formatStep(ms: number): string {
  const s = ms / 1000;
  return s < 1
    ? `${Math.round(ms)} ms`
    : s < 120
      ? `${Number(s.toPrecision(3))} s`
      : `${Number((s / 60).toPrecision(3))} min`;
}
