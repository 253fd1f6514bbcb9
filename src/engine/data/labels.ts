/**
 * Labels of a file: abnormal rows from its label columns and from a NAB-style windows file,
 * event rows from its event columns, and the profile of the labelled events.
 */
import path from 'node:path';
import { rangesOf } from './ranges';
import type { EventsProfile, FileProfile } from '../../shared/profile';
import { excerpt, ImportError, unreadable } from './errors';
import { openDataFile, type DataFileGate } from './source-file';
import { formatBytes } from '../io/files';
import type { RawSeries } from './import';

/** NAB windows: `{ "<file>": [[start, end], …] }`, matched by path or file name. */
export type LabelWindows = Record<string, [string, string][]>;

/** The largest labels file read (NAB's windows file for one CSV is 403 bytes; 16 MiB holds some 350,000 windows). */
export const MAX_LABELS_BYTES = 16 * 2 ** 20;
/** The most windows a labels file may hold, over all its files. */
export const MAX_LABEL_WINDOWS = 500_000;

/** A NAB-style windows file, read through the data-file gate (a regular .json file, within --root, within the size limit). */
export async function readLabelWindows(file: string, gate: DataFileGate = {}): Promise<LabelWindows> {
  const tooLarge = (bytes: number) =>
    new ImportError(
      { file },
      `is ${formatBytes(bytes)}, more than the ${formatBytes(MAX_LABELS_BYTES)} a labels file may be`,
      'A labels file lists a few [start, end] windows per CSV file: check that --labels names the labels file, and keep only the windows of the files you import.',
    );
  const { handle, stats } = await openDataFile(file, 'labels', gate);
  let text: string;
  try {
    // The size first: a huge file is refused before a byte of it is read.
    if (stats.size > MAX_LABELS_BYTES) throw tooLarge(stats.size);
    const bytes = Buffer.alloc(stats.size);
    const { bytesRead } = await handle.read(bytes, 0, bytes.length, 0);
    text = bytes.subarray(0, bytesRead).toString('utf8');
  } catch (err) {
    if (err instanceof ImportError) throw err;
    throw new ImportError({ file }, unreadable(err), 'Check the path of --labels.');
  } finally {
    await handle.close().catch(() => undefined);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    // JSON.parse's own message quotes the text: only the position goes into ours.
    const at = /position (\d+)/.exec((err as Error).message)?.[1];
    throw new ImportError(
      { file },
      `is not valid JSON${at ? ` (at character ${at})` : ''}`,
      'A labels file looks like { "data.csv": [["2014-01-01 00:00:00", "2014-01-02 00:00:00"]] }.',
    );
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ImportError(
      { file },
      'is not an object of file names to windows',
      'A labels file looks like { "data.csv": [["start", "end"], …] }.',
    );
  }
  let count = 0;
  for (const [k, v] of Object.entries(json)) {
    if (
      !Array.isArray(v) ||
      v.some((w) => !Array.isArray(w) || w.length !== 2 || w.some((x) => typeof x !== 'string'))
    ) {
      throw new ImportError(
        { file, column: excerpt(k, 40) },
        'has windows that are not [start, end] pairs of strings',
        'Each window is ["2014-01-01 00:00:00", "2014-01-02 00:00:00"].',
      );
    }
    count += v.length;
  }
  if (count > MAX_LABEL_WINDOWS) {
    throw new ImportError(
      { file },
      `holds ${count.toLocaleString('en')} windows, more than the ${MAX_LABEL_WINDOWS.toLocaleString('en')} a labels file may hold`,
      'Merge overlapping windows into one, and keep only the windows of the files you import.',
    );
  }
  return json as LabelWindows;
}

/** The windows of `file` in a windows file, by its path or, failing that, its file name. */
export function windowsFor(windows: LabelWindows, file: string): [string, string][] | undefined {
  const base = path.basename(file);
  for (const [k, v] of Object.entries(windows)) if (k === file || path.basename(k) === base) return v;
  return undefined;
}

/** Epoch milliseconds of a window bound: "YYYY-MM-DD hh:mm:ss[.fff…]", UTC unless it names a zone (NaN: not a time). */
function boundTime(s: string): number {
  return Date.parse(s.replace(' ', 'T').replace(/(\.\d{3})\d+/, '$1') + (/[zZ]|[+-]\d\d:?\d\d$/.test(s) ? '' : 'Z'));
}

/** The first index of `sorted` whose value is at least `x` (`after`: greater than `x`). */
function search(sorted: Float64Array, x: number, after: boolean): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < x || (after && sorted[mid] === x)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Sets `label` to 1 on every row whose timestamp lies in a window [starts[k], ends[k]] (bounds
 * included; rows without a time, NaN, in none). The rows are put in time order once (a file's
 * rows need not be), each window's rows are found by binary search, and how many windows cover
 * each row is summed in one pass: O((rows + windows) · log rows), however the windows overlap.
 */
export function markWindows(
  timestamps: Float64Array,
  starts: Float64Array,
  ends: Float64Array,
  label: Uint8Array,
): void {
  const order = Uint32Array.from({ length: timestamps.length }, (_, i) => i).filter(
    (i) => !Number.isNaN(timestamps[i]!),
  );
  let inOrder = true;
  for (let k = 1; k < order.length && inOrder; k++) inOrder = timestamps[order[k]!]! >= timestamps[order[k - 1]!]!;
  if (!inOrder) order.sort((a, b) => timestamps[a]! - timestamps[b]! || a - b);
  const sorted = Float64Array.from(order, (i) => timestamps[i]!);
  // cover[k]: windows that begin at sorted row k minus those that end just before it.
  const cover = new Int32Array(sorted.length + 1);
  for (let w = 0; w < starts.length; w++) {
    const from = search(sorted, starts[w]!, false);
    const to = search(sorted, ends[w]!, true);
    if (from < to) {
      cover[from]!++;
      cover[to]!--;
    }
  }
  let inside = 0;
  for (let k = 0; k < sorted.length; k++) {
    inside += cover[k]!;
    if (inside > 0) label[order[k]!] = 1;
  }
}

/**
 * 1 on rows that any label column calls abnormal or that fall inside one of `windows` (bounds
 * included), null when the file has neither; and where the labels came from.
 */
export function labelRows(
  raw: Pick<RawSeries, 'path' | 'rows' | 'timestamps' | 'labels'>,
  windows: [string, string][] | undefined,
): { label: Uint8Array | null; labelSource: FileProfile['labelSource'] } {
  let label: Uint8Array | null = null;
  for (const l of raw.labels) {
    label ??= new Uint8Array(raw.rows);
    for (let i = 0; i < raw.rows; i++) label[i] = label[i]! | l.values[i]!;
  }
  let labelSource: FileProfile['labelSource'] = raw.labels.length ? 'column' : null;
  if (windows) {
    const timestamps = raw.timestamps;
    if (!timestamps) {
      throw new ImportError(
        { file: raw.path },
        'has label windows but no timestamp column',
        'Windows are matched by time: import a file with a timestamp column, or name it with --timestamp.',
      );
    }
    label ??= new Uint8Array(raw.rows);
    labelSource = labelSource ? 'column+windows' : 'windows';
    const starts = new Float64Array(windows.length);
    const ends = new Float64Array(windows.length);
    windows.forEach(([a, b], w) => {
      starts[w] = boundTime(a);
      ends[w] = boundTime(b);
      if (!Number.isFinite(starts[w]) || !Number.isFinite(ends[w]))
        throw new ImportError(
          { file: raw.path },
          `a label window ["${excerpt(a)}", "${excerpt(b)}"] does not parse as times`,
          'Write window bounds as "YYYY-MM-DD hh:mm:ss".',
        );
    });
    markWindows(timestamps.subarray(0, raw.rows), starts, ends, label);
  }
  return { label, labelSource };
}

/** 1 on rows that any event column marks, null without event columns. */
export function eventRows(raw: RawSeries): Uint8Array | null {
  let events = null as Uint8Array | null;
  for (const e of raw.events) {
    events ??= new Uint8Array(raw.rows);
    for (let i = 0; i < raw.rows; i++) events[i] = events[i]! | e.values[i]!;
  }
  return events;
}

/** The labelled events (runs of abnormal rows) of a file: how many and how long. */
export function eventsOf(label: Uint8Array | null): EventsProfile {
  const lengths = label ? rangesOf(label).map((r) => r.end - r.start) : [];
  // reduce, not Math.min(...lengths): a spread of 130,000 events overflows the stack.
  return {
    count: lengths.length,
    lengths: lengths.slice(0, 1000),
    minLength: lengths.length ? lengths.reduce((a, b) => Math.min(a, b)) : null,
    maxLength: lengths.length ? lengths.reduce((a, b) => Math.max(a, b)) : null,
  };
}
