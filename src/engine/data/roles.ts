/**
 * Column roles, inferred from header names and sample values, overridable by the user:
 * a timestamp, numeric sensor channels, label columns, event columns, and ignored text/id columns.
 * Also the mapping of label values to normal (0) / abnormal (1).
 */
import { columnList, excerpt } from './errors';
import { isMissingToken } from './numbers';
import { detectTimestampFormat, type TimestampFormat } from './timestamps';

export type Role = 'timestamp' | 'channel' | 'label' | 'event' | 'series' | 'ignored';

export interface ColumnPlan {
  readonly index: number;
  readonly name: string;
  readonly role: Role;
  /** Why a column is ignored, or how its role was decided. */
  readonly note?: string;
  /** Ignored because the sampled rows held no value in it (the file's later rows may). */
  readonly emptyHead?: boolean;
}

export interface RoleOverrides {
  readonly timestamp?: string | null;
  readonly channels?: readonly string[];
  readonly labels?: readonly string[];
  readonly events?: readonly string[];
  /** A column naming the run (experiment, batch) each row belongs to: the file is split into one series per run. */
  readonly series?: string | null;
  readonly ignore?: readonly string[];
}

const LABEL_NAMES =
  /^(anomaly|anomalies|label|labels|fault|faults|attack|att_flag|is_anomaly|is_anomalous|anomaly_label|status|machine_status|outlier|is_outlier)$/i;
const EVENT_NAMES = /^(changepoint|change_point|changepoints|event|events|is_changepoint)$/i;
/** Column names of timestamps (the Excel and long-table readers use them too). */
export const TIME_NAMES = /^(timestamp|time|date|datetime|date_time|ts|time_stamp|zeit|datum|zeitstempel)$/i;
const ID_NAMES = /^(id|index|idx|row|row_id|sample|sample_id|record|unnamed: ?0|)$/i;
/** Columns named like a run identifier split a file into one series per run (when not overridden). */
const SERIES_NAMES = /^(run_id|runid|run|experiment|experiment_id|batch|batch_id|series|series_id|test_id|cycle_id)$/i;

/** Words of label columns and the class they mean; numbers are handled separately (0 normal, else abnormal). */
export const DEFAULT_LABEL_WORDS: Readonly<Record<string, 0 | 1>> = {
  normal: 0,
  ok: 0,
  good: 0,
  healthy: 0,
  false: 0,
  no: 0,
  n: 0,
  nominal: 0,
  benign: 0,
  abnormal: 1,
  anomaly: 1,
  anomalous: 1,
  fault: 1,
  faulty: 1,
  broken: 1,
  recovering: 1,
  attack: 1,
  failure: 1,
  fail: 1,
  error: 1,
  alarm: 1,
  true: 1,
  yes: 1,
  y: 1,
  bad: 1,
  outlier: 1,
};

/** The class of one label value, or undefined when it is not understood. */
export function labelClass(raw: string, words: Readonly<Record<string, 0 | 1>>): 0 | 1 | undefined {
  const v = raw.trim().toLowerCase();
  if (v in words) return words[v];
  const n = Number(v);
  if (v !== '' && Number.isFinite(n)) return n === 0 ? 0 : 1;
  return undefined;
}

function isNumberLike(v: string, decimal: '.' | ','): boolean {
  const t = v.trim();
  if (isMissingToken(t)) return true;
  const s = decimal === ',' ? t.replace(',', '.') : t;
  return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s) || /^[+-]?inf(inity)?$/i.test(s);
}

export interface RolePlan {
  readonly columns: readonly ColumnPlan[];
  readonly timestampFormat: TimestampFormat | null;
}

/**
 * Decides each column's role from its name and its sample values (`samples[c]` = values of
 * column c in the first rows). Overrides win; a named column that does not exist is an error.
 */
/** A column is numeric when most of its filled cells are numbers (a few ERR, #VALUE! or 5% become missing). */
function mostlyNumbers(
  vals: readonly string[],
  decimal: '.' | ',',
): { numeric: boolean; filled: number; numbers: number } {
  const filled = vals.filter((v) => !isMissingToken(v));
  const numbers = filled.filter((v) => isNumberLike(v, decimal)).length;
  return { numeric: filled.length > 0 && numbers > filled.length / 2, filled: filled.length, numbers };
}

export function planRoles(
  names: readonly string[],
  samples: readonly string[][],
  decimal: '.' | ',',
  overrides: RoleOverrides = {},
  labelWords = DEFAULT_LABEL_WORDS,
): RolePlan {
  const byName = (n: string) => {
    const i = names.findIndex((x) => x === n);
    if (i < 0) throw new Error(`no column named "${excerpt(n, 40)}" (columns: ${columnList(names)})`);
    return i;
  };
  const forced = new Map<number, Role>();
  for (const n of overrides.channels ?? []) forced.set(byName(n), 'channel');
  for (const n of overrides.labels ?? []) forced.set(byName(n), 'label');
  for (const n of overrides.events ?? []) forced.set(byName(n), 'event');
  for (const n of overrides.ignore ?? []) forced.set(byName(n), 'ignored');
  if (overrides.series) forced.set(byName(overrides.series), 'series');
  if (overrides.timestamp) forced.set(byName(overrides.timestamp), 'timestamp');

  let tsIndex = overrides.timestamp ? byName(overrides.timestamp) : -1;
  let tsFormat: TimestampFormat | null = null;
  if (tsIndex >= 0) {
    tsFormat = detectTimestampFormat(samples[tsIndex] ?? []);
  } else if (overrides.timestamp !== null) {
    // Prefer a column named like a time; else the first column whose values all parse as dates.
    const order = names
      .map((_, i) => i)
      .sort((a, b) => Number(TIME_NAMES.test(names[b]!.trim())) - Number(TIME_NAMES.test(names[a]!.trim())));
    for (const i of order) {
      if (forced.has(i)) continue;
      const vals = samples[i] ?? [];
      const numeric = mostlyNumbers(vals, decimal).numeric;
      // Plain numbers count as epoch times only in a column named like a time, or in the first
      // column when they rise strictly (a headerless export).
      const rising = vals.every((v, k) => k === 0 || Number(v) > Number(vals[k - 1]));
      if (numeric && !TIME_NAMES.test(names[i]!.trim()) && !(i === 0 && rising && vals.length > 1)) continue;
      const f = detectTimestampFormat(vals);
      if (f) {
        tsIndex = i;
        tsFormat = f;
        break;
      }
    }
  }

  const columns: ColumnPlan[] = names.map((name, index) => {
    const f = forced.get(index);
    if (index === tsIndex) return { index, name, role: 'timestamp' };
    if (f) return { index, name, role: f, note: 'set by the user' };
    const vals = samples[index] ?? [];
    const trimmed = name.trim();
    if (LABEL_NAMES.test(trimmed) || /anomal/i.test(trimmed)) {
      // Empty and missing cells (blank, NaN, n/a) are normal rows, not an unknown label value.
      const unknown = vals.find((v) => !isMissingToken(v) && labelClass(v, labelWords) === undefined);
      if (unknown === undefined) return { index, name, role: 'label' };
      if (!vals.every((v) => isNumberLike(v, decimal)))
        return { index, name, role: 'label', note: `unknown value "${unknown}"` };
    }
    if (EVENT_NAMES.test(trimmed)) return { index, name, role: 'event' };
    // A run identifier: only one, and not when the user said which column splits the series.
    if (
      SERIES_NAMES.test(trimmed) &&
      overrides.series === undefined &&
      !names.slice(0, index).some((n) => SERIES_NAMES.test(n.trim())) &&
      new Set(vals).size < vals.length
    )
      return { index, name, role: 'series', note: 'one series per value' };
    // Numeric when most of its filled cells are numbers: a few text cells (ERR, #VALUE!, 5%) become missing, counted.
    const { numeric, filled, numbers } = mostlyNumbers(vals, decimal);
    if (!numeric)
      return {
        index,
        name,
        role: 'ignored',
        note: filled
          ? `text column (${filled - numbers} of ${filled} sampled cells are not numbers)`
          : `no values in the first ${vals.length} rows`,
        // The import reads the rest of the file for what such a column holds.
        ...(filled ? {} : { emptyHead: true }),
      };
    if (ID_NAMES.test(trimmed)) {
      const nums = vals.map(Number);
      if (nums.every((x, i) => i === 0 || x > nums[i - 1]!))
        return { index, name, role: 'ignored', note: 'row id (increasing integers)' };
    }
    return { index, name, role: 'channel' };
  });
  return { columns, timestampFormat: tsFormat };
}
