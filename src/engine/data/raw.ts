/**
 * What an import reads and gives back, apart from the readers (import.ts for CSV, long.ts,
 * table-import.ts): the options a user can set, and a file's raw columns before cleaning.
 */
import type { Dialect, DialectOverrides } from './csv';
import type { ColumnPlan, RoleOverrides } from './roles';
import type { DataFileGate } from './source-file';

export interface ImportOptions {
  readonly dialect?: DialectOverrides;
  readonly roles?: RoleOverrides;
  /** Extra label words → 0 (normal) / 1 (abnormal), on top of the defaults. */
  readonly labelWords?: Readonly<Record<string, 0 | 1>>;
  /** Minutes east of UTC for timestamps without a zone. */
  readonly utcOffsetMinutes?: number;
  /** Rows read to sniff the dialect and roles. */
  readonly sampleRows?: number;
  /** The host's part of the data-file gate (server mode's --root), for every file read. */
  readonly gate?: DataFileGate;
  /** A CSV's shape: wide (a column per sensor), long (a row per reading, pivoted), or detected (default). */
  readonly layout?: 'auto' | 'wide' | 'long';
  /** An Excel workbook's sheet (default: the first that holds data). */
  readonly sheet?: string;
}

/** A file's raw columns, before cleaning. */
export interface RawSeries {
  readonly path: string;
  readonly bytes: number;
  readonly rows: number;
  readonly dialect: Dialect;
  readonly plan: readonly ColumnPlan[];
  readonly timestampColumn: string | null;
  readonly timestampFormat: string | null;
  /** Epoch milliseconds per row, or null without a timestamp column. */
  readonly timestamps: Float64Array | null;
  readonly channels: { readonly name: string; readonly values: Float32Array; readonly badCells: number }[];
  /** Per label column: 0/1 per row. */
  readonly labels: { readonly name: string; readonly values: Uint8Array; readonly mapping: Record<string, 0 | 1> }[];
  readonly events: { readonly name: string; readonly values: Uint8Array }[];
  /** The column that names each row's run, with one id per row into `values` (the distinct names in order of appearance). */
  readonly series?: { readonly name: string; readonly ids: Int32Array; readonly values: readonly string[] };
  readonly ignored: { readonly name: string; readonly reason: string }[];
  /** What the import changed or found that a user should know (renamed columns, an encoding, cells dropped). */
  readonly notes: readonly string[];
  /** First text value seen in a numeric channel, for the warning. */
  readonly badCellExample?: { line: number; column: string; value: string };
  /** The format when it is not a wide CSV table: an Excel sheet, a Parquet file, a long table pivoted. */
  readonly format?: { readonly kind: 'xlsx' | 'parquet' | 'long'; readonly description: string };
  /** A long table's tags (each one's readings and own sampling interval) and the grid they were put on. */
  readonly long?: {
    readonly tags: readonly { readonly name: string; readonly readings: number; readonly intervalSeconds: number }[];
    readonly stepSeconds: number;
    readonly badQuality: number;
  };
  /** An Excel workbook's sheets, and the one read. */
  readonly sheets?: { readonly names: readonly string[]; readonly read: string };
  /** The first rows as text (Excel, Parquet: files without a text head to preview). */
  readonly preview?: { readonly header: readonly string[]; readonly rows: readonly (readonly string[])[] };
}
