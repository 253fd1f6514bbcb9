/**
 * From raw imported files to a data set: cleaning (reported, never silent), labels from a
 * NAB-style windows file, and the profile of every file and of the whole set.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { rangesOf } from '../eval/metrics';
import type { SampleKind } from '../../shared/jobs';
import type { ChannelProfile, DatasetProfile, EventsProfile, FileProfile } from '../../shared/profile';
import { capped, columnList, excerpt, ImportError } from './errors';
import { csvFilesIn, importCsvFile, type ImportOptions, type RawSeries } from './import';

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

export type { ChannelProfile, DatasetProfile, EventsProfile, FileProfile } from '../../shared/profile';

export interface Dataset {
  readonly series: Series[];
  readonly channels: string[];
  readonly profile: DatasetProfile;
}

/** NAB windows: `{ "<file>": [[start, end], …] }`, matched by path or file name. */
export type LabelWindows = Record<string, [string, string][]>;

export async function readLabelWindows(file: string): Promise<LabelWindows> {
  if (!/\.json$/i.test(file)) throw new ImportError({ file }, 'is not a labels file (its name does not end in .json)', 'A labels file is JSON: { "data.csv": [["start", "end"], …] }.');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ImportError({ file }, `cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, 'Check the path of --labels.');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    // JSON.parse's own message quotes the text: only the position goes into ours.
    const at = /position (\d+)/.exec((err as Error).message)?.[1];
    throw new ImportError({ file }, `is not valid JSON${at ? ` (at character ${at})` : ''}`, 'A labels file looks like { "data.csv": [["2014-01-01 00:00:00", "2014-01-02 00:00:00"]] }.');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ImportError({ file }, 'is not an object of file names to windows', 'A labels file looks like { "data.csv": [["start", "end"], …] }.');
  }
  for (const [k, v] of Object.entries(json)) {
    if (!Array.isArray(v) || v.some((w) => !Array.isArray(w) || w.length !== 2 || w.some((x) => typeof x !== 'string'))) {
      throw new ImportError({ file, column: excerpt(k, 40) }, 'has windows that are not [start, end] pairs of strings', 'Each window is ["2014-01-01 00:00:00", "2014-01-02 00:00:00"].');
    }
  }
  return json as LabelWindows;
}

function windowsFor(windows: LabelWindows, file: string): [string, string][] | undefined {
  const base = path.basename(file);
  for (const [k, v] of Object.entries(windows)) if (k === file || path.basename(k) === base) return v;
  return undefined;
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
  return { n, min: n ? min : NaN, max: n ? max : NaN, mean, std: n ? Math.sqrt(Math.max(0, sq / n - mean * mean)) : NaN };
}

function eventsOf(label: Uint8Array | null): EventsProfile {
  const lengths = label ? rangesOf(label).map((r) => r.end - r.start) : [];
  // reduce, not Math.min(...lengths): a spread of 130,000 events overflows the stack.
  return { count: lengths.length, lengths: lengths.slice(0, 1000), minLength: lengths.length ? lengths.reduce((a, b) => Math.min(a, b)) : null, maxLength: lengths.length ? lengths.reduce((a, b) => Math.max(a, b)) : null };
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
    if (gaps) warnings.push(`${gaps} gap${gaps > 1 ? 's' : ''} longer than 1.5× the sampling interval (${median / 1000} s)`);
    if (irregular > 0.05 * diffs.length) warnings.push(`irregular sampling: ${((100 * irregular) / diffs.length).toFixed(1)}% of intervals differ from the median ${median / 1000} s (resample with --resample)`);
  }
  return median / 1000;
}

/** Rows a resample may make: beyond, it is refused (a 30-year jump at 60 s would be 16 M rows a year). */
export const MAX_RESAMPLED_ROWS = 50_000_000;

/** Refuses a resample that cannot work: timestamps that do not rise, a median interval of 0, too many rows. */
function checkResample(file: string, t: Float64Array, intervalSeconds: number): void {
  const span = t[t.length - 1]! - t[0]!;
  if (!(intervalSeconds > 0)) throw new ImportError({ file }, `cannot be resampled: the median interval between timestamps is ${intervalSeconds} s`, 'Resampling needs timestamps that rise: sort the rows by time, or drop duplicate timestamps.');
  if (!(span > 0)) throw new ImportError({ file }, 'cannot be resampled: its last timestamp is not after its first', 'Sort the rows by time before importing with --resample.');
  const n = Math.floor(span / (intervalSeconds * 1000)) + 1;
  if (n > MAX_RESAMPLED_ROWS) throw new ImportError({ file }, `resampling ${t.length} rows over ${(span / 86_400_000).toFixed(0)} days at ${intervalSeconds} s would make ${n.toLocaleString('en')} rows (more than ${MAX_RESAMPLED_ROWS.toLocaleString('en')})`, 'Look for a timestamp far from the others (a wrong year?), or import without --resample.');
}

/** Resamples onto a regular grid at the median interval, taking each grid point's latest earlier row. */
function resampleSeries(t: Float64Array, cols: Float32Array[], label: Uint8Array | null, events: Uint8Array | null, intervalMs: number) {
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

function cleanOne(raw: RawSeries, windows: [string, string][] | undefined, opts: CleanOptions): { series: Series; profile: FileProfile } {
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
    if (ch.badCells) textCells.push(`${ch.name}: ${ch.badCells} cell${ch.badCells > 1 ? 's' : ''} of text treated as missing`);
    if (unfilled) gaps.push(`${ch.name}: ${unfilled} missing cell${unfilled > 1 ? 's' : ''} in gaps longer than ${fillLimit} rows left as NaN (windows over them are skipped)`);
    kept.push({ name: ch.name, values: ch.values });
    channelProfiles.push({ name: ch.name, min: s.min, max: s.max, mean: s.mean, std: s.std, missing, filled, unfilled });
  }
  warnings.push(...capped(textCells, 'channels have text cells treated as missing'), ...capped(gaps, 'channels have gaps left as NaN'));
  warnings.push(...capped(dropped.map((d) => `dropped channel ${excerpt(d.name, 40)}: ${d.reason}`), 'channels dropped (constant or empty; the profile lists them all)'));
  warnings.push(...raw.notes);
  if (raw.badCellExample) warnings.push(`first text in a numeric column: "${excerpt(raw.badCellExample.value)}" at line ${raw.badCellExample.line}, column "${excerpt(raw.badCellExample.column, 40)}"`);

  let label: Uint8Array | null = null;
  for (const l of raw.labels) {
    label ??= new Uint8Array(raw.rows);
    for (let i = 0; i < raw.rows; i++) label[i] = label[i]! | l.values[i]!;
  }
  let labelSource: FileProfile['labelSource'] = raw.labels.length ? 'column' : null;
  if (windows) {
    if (!timestamps) {
      throw new ImportError({ file: raw.path }, 'has label windows but no timestamp column', 'Windows are matched by time: import a file with a timestamp column, or name it with --timestamp.');
    }
    label ??= new Uint8Array(raw.rows);
    labelSource = labelSource ? 'column+windows' : 'windows';
    for (const [a, b] of windows) {
      const start = Date.parse(a.replace(' ', 'T').replace(/(\.\d{3})\d+/, '$1') + (/[zZ]|[+-]\d\d:?\d\d$/.test(a) ? '' : 'Z'));
      const end = Date.parse(b.replace(' ', 'T').replace(/(\.\d{3})\d+/, '$1') + (/[zZ]|[+-]\d\d:?\d\d$/.test(b) ? '' : 'Z'));
      if (!Number.isFinite(start) || !Number.isFinite(end)) throw new ImportError({ file: raw.path }, `a label window ["${excerpt(a)}", "${excerpt(b)}"] does not parse as times`, 'Write window bounds as "YYYY-MM-DD hh:mm:ss".');
      for (let i = 0; i < raw.rows; i++) if (timestamps[i]! >= start && timestamps[i]! <= end) label[i] = 1;
    }
  }
  let events = null as Uint8Array | null;
  for (const e of raw.events) {
    events ??= new Uint8Array(raw.rows);
    for (let i = 0; i < raw.rows; i++) events[i] = events[i]! | e.values[i]!;
  }

  const interval = timestamps ? timeChecks(timestamps, warnings) : null;
  let rows = raw.rows;
  let channels = kept;
  if (opts.resample && timestamps && interval) {
    checkResample(raw.path, timestamps, interval);
    const r = resampleSeries(timestamps, kept.map((k) => k.values), label, events, interval * 1000);
    warnings.push(`resampled from ${rows} rows to ${r.t.length} at ${interval} s`);
    timestamps = r.t;
    rows = r.t.length;
    channels = kept.map((k, i) => ({ name: k.name, values: r.cols[i]! }));
    label = r.label;
    events = r.events;
  }
  const labelRatio = label ? label.reduce((n, x) => n + x, 0) / rows : null;

  const profile: FileProfile = {
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
    labelMapping: Object.fromEntries(raw.labels.map((l) => [l.name, Object.fromEntries(Object.entries(l.mapping).map(([k, v]) => [k, v ? 'abnormal' : 'normal']))])),
    labelSource,
    eventColumns: raw.events.map((e) => e.name),
    seriesColumn: raw.series ? { name: raw.series.name, value: raw.series.values[raw.series.ids[0] ?? 0] ?? '' } : null,
    ignoredColumns: raw.ignored,
    labelRatio,
    events: eventsOf(label),
    warnings,
  };
  return { series: { path: raw.path, rows, timestamps, channels, label, events }, profile };
}

export interface LoadOptions extends ImportOptions, CleanOptions {
  /** A NAB-style windows file. */
  readonly labels?: string;
  /** Called with each file before it is read (a folder's files included); throws to refuse one (server mode's --root). */
  readonly checkFile?: (file: string) => Promise<unknown>;
}

/**
 * Imports a CSV file or a folder of CSV files (one series per file, kept apart) as one data set.
 * All files must share their channels; a channel dropped in one file (constant) is dropped in all.
 */
export async function loadDataset(target: string, options: LoadOptions = {}): Promise<Dataset> {
  let files: string[];
  const brokenLinks: string[] = [];
  try {
    files = (await stat(target)).isDirectory() ? await csvFilesIn(target, brokenLinks) : [target];
  } catch (err) {
    throw new ImportError({ file: target }, `cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, 'Check the path: give a CSV file or a folder of CSV files.');
  }
  if (files.length === 0) {
    const links = brokenLinks.length ? ` (only links that lead to no file: ${columnList(brokenLinks)})` : '';
    throw new ImportError({ file: target }, `holds no .csv file${links}`, 'Put the CSV exports (one per experiment) in the folder.');
  }
  // A link in a folder may point anywhere: each file is checked where it really is.
  if (options.checkFile) for (const f of files) await options.checkFile(f);
  const windows = options.labels ? await readLabelWindows(options.labels) : undefined;
  if (windows && !files.some((f) => windowsFor(windows, f))) {
    throw new ImportError({ file: options.labels! }, `names none of the imported files (${files.map((f) => path.basename(f)).join(', ')})`, 'Its keys must be the CSV file names, e.g. "machine_temperature_system_failure.csv".');
  }
  const cleaned: ReturnType<typeof cleanOne>[] = [];
  for (const f of files) {
    // A run column splits a file into one series per run, each cleaned on its own (no fill across runs).
    for (const part of splitBySeries(await importCsvFile(f, options))) cleaned.push(cleanOne(part, windows ? windowsFor(windows, f) : undefined, options));
  }

  // One channel list for the set: every file must have the same sensor columns; the set keeps
  // those that no file dropped.
  const rawChannels = (c: (typeof cleaned)[number]) => [...c.profile.channels, ...c.profile.droppedChannels].map((x) => x.name);
  const first = rawChannels(cleaned[0]!);
  const firstSet = new Set(first);
  for (const c of cleaned.slice(1)) {
    const mine = rawChannels(c);
    if (mine.length !== first.length || mine.some((n) => !firstSet.has(n))) {
      // The names that differ, not the whole lists (a few characters of each file, and to the point).
      const mineSet = new Set(mine);
      const extra = mine.filter((n) => !firstSet.has(n));
      const missing = first.filter((n) => !mineSet.has(n));
      const other = path.basename(cleaned[0]!.series.path);
      throw new ImportError(
        { file: c.series.path },
        [extra.length ? `has sensor columns [${columnList(extra)}] that ${other} lacks` : '', missing.length ? `lacks [${columnList(missing)}] of ${other}` : ''].filter(Boolean).join(' and '),
        'All files of a data set must have the same sensor columns; import them separately or select channels with --channels.',
      );
    }
  }
  const names = cleaned[0]!.series.channels.map((c) => c.name);
  const setWarnings: string[] = [];
  setWarnings.push(...capped(brokenLinks.map((n) => `skipped ${excerpt(n, 40)}: a link to a file that does not exist`), 'links skipped: they lead to no file'));
  // Maps and sets, not nested searches: a file may have 100,000 columns.
  const byName = cleaned.map((c) => new Map(c.series.channels.map((x) => [x.name, x])));
  const common = names.filter((n) => byName.every((m) => m.has(n)));
  const commonSet = new Set(common);
  if (common.length === 0 && cleaned.every((c) => c.profile.rows <= 1)) {
    throw new ImportError({ file: target }, `has only ${cleaned[0]!.profile.rows} data row${cleaned.length > 1 ? ' per file' : ''}: nothing varies to train on`, 'Export more rows; if the file should have many, check that its line breaks survived (one row per line).');
  }
  if (common.length === 0) {
    const why = cleaned[0]!.profile.droppedChannels.slice(0, 4).map((d) => `${excerpt(d.name, 24)} ${d.reason}`).join(', ');
    throw new ImportError({ file: target }, `has no sensor channel left to train on${why ? ` (dropped: ${why})` : ''}`, 'Every numeric column was constant, empty or text: check the columns and their roles (--channels), or export more rows.');
  }
  setWarnings.push(...capped(names.filter((x) => !commonSet.has(x)).map((n) => `channel ${excerpt(n, 40)} dropped from the data set: constant in some file`), 'channels dropped from the data set: constant in some file'));
  const series = cleaned.map((c, i) => ({ ...c.series, channels: common.map((n) => byName[i]!.get(n)!) }));

  const totalRows = series.reduce((n, s) => n + s.rows, 0);
  const labelled = series.filter((s) => s.label);
  const labelRatio = labelled.length ? labelled.reduce((n, s) => n + s.label!.reduce((a, b) => a + b, 0), 0) / labelled.reduce((n, s) => n + s.rows, 0) : null;
  return {
    series,
    channels: common,
    profile: {
      files: cleaned.map((c) => c.profile),
      dataset: {
        files: files.length,
        series: series.length,
        rows: totalRows,
        channels: common,
        labelRatio,
        events: cleaned.reduce((n, c) => n + c.profile.events.count, 0),
        anomalyFreeFiles: cleaned.filter((c) => c.profile.labelRatio === 0).map((c) => c.series.path),
        warnings: setWarnings,
      },
    },
  };
}

export interface SampleOptions {
  readonly sample?: SampleKind;
  readonly seed?: number;
  /** Rows of the single plant, or of each run of the multi-run plant. */
  readonly rows?: number;
}

/**
 * A built-in sample data set (sample-plant.ts), written as CSV to a temporary folder and imported
 * through the same path as a user's files (then removed).
 */
export async function loadSampleDataset(options: LoadOptions & SampleOptions = {}): Promise<Dataset> {
  return withSampleFiles((target) => loadDataset(target, options).then(asSample), options);
}

/**
 * The sample's CSV in a temporary folder for the duration of `use` (then removed): the plant as
 * one file (`use` gets the file), the multi-run plant as one file per run (`use` gets the folder).
 */
export async function withSampleFiles<T>(use: (target: string) => Promise<T>, options: SampleOptions = {}): Promise<T> {
  const { mkdtemp, rm } = await import('node:fs/promises');
  const os = await import('node:os');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'stacklab-sample-'));
  try {
    return await use(await writeSampleFiles(dir, options));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Writes a built-in sample's CSV into `dir` (created when missing): sample-plant.csv, or
 * run-01.csv … run-12.csv for the multi-run plant. Returns what to import: the file, or the folder.
 */
export async function writeSampleFiles(dir: string, options: SampleOptions = {}): Promise<string> {
  const { mkdir, writeFile } = await import('node:fs/promises');
  const { generateMultiRunPlant, generateSamplePlant, samplePlantCsv } = await import('./sample-plant');
  const seed = options.seed !== undefined ? { seed: options.seed } : {};
  await mkdir(dir, { recursive: true });
  if (options.sample === 'multi-run') {
    for (const run of generateMultiRunPlant({ ...seed, ...(options.rows !== undefined ? { rowsPerRun: options.rows } : {}) })) await writeFile(path.join(dir, `${run.name}.csv`), samplePlantCsv(run));
    return dir;
  }
  const file = path.join(dir, 'sample-plant.csv');
  await writeFile(file, samplePlantCsv(generateSamplePlant({ ...seed, ...(options.rows !== undefined ? { rows: options.rows } : {}) })));
  return file;
}

/** How runs and reports name a built-in sample as a source. */
export function sampleSource(kind: SampleKind = 'plant'): string {
  return kind === 'multi-run' ? 'sample (built-in multi-run plant: 12 runs, each its own operating point and one fault)' : 'sample (built-in synthetic plant)';
}

/** A data set read from the sample's temporary files, with paths that say what they are (file names only). */
export function asSample(ds: Dataset): Dataset {
  const name = (p: string) => path.basename(p);
  return { ...ds, series: ds.series.map((s) => ({ ...s, path: name(s.path) })), profile: { ...ds.profile, files: ds.profile.files.map((f) => ({ ...f, path: `${name(f.path)} (built-in, generated)` })) } };
}
