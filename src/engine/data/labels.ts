/**
 * Labels of a file: abnormal rows from its label columns and from a NAB-style windows file,
 * event rows from its event columns, and the profile of the labelled events.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { rangesOf } from '../eval/metrics';
import type { EventsProfile, FileProfile } from '../../shared/profile';
import { excerpt, ImportError } from './errors';
import type { RawSeries } from './import';

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

/** The windows of `file` in a windows file, by its path or, failing that, its file name. */
export function windowsFor(windows: LabelWindows, file: string): [string, string][] | undefined {
  const base = path.basename(file);
  for (const [k, v] of Object.entries(windows)) if (k === file || path.basename(k) === base) return v;
  return undefined;
}

/**
 * 1 on rows that any label column calls abnormal or that fall inside one of `windows` (bounds
 * included), null when the file has neither; and where the labels came from.
 */
export function labelRows(raw: RawSeries, windows: [string, string][] | undefined): { label: Uint8Array | null; labelSource: FileProfile['labelSource'] } {
  let label: Uint8Array | null = null;
  for (const l of raw.labels) {
    label ??= new Uint8Array(raw.rows);
    for (let i = 0; i < raw.rows; i++) label[i] = label[i]! | l.values[i]!;
  }
  let labelSource: FileProfile['labelSource'] = raw.labels.length ? 'column' : null;
  if (windows) {
    const timestamps = raw.timestamps;
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
  return { count: lengths.length, lengths: lengths.slice(0, 1000), minLength: lengths.length ? lengths.reduce((a, b) => Math.min(a, b)) : null, maxLength: lengths.length ? lengths.reduce((a, b) => Math.max(a, b)) : null };
}
