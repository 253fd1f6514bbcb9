/** What an import found: per file and for the whole data set (shown by the CLI and the Import step). */

export interface ChannelProfile {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly std: number;
  /** Cells that were empty, NaN, null or text. */
  readonly missing: number;
  /** Missing cells filled from the previous value. */
  readonly filled: number;
  /** Missing cells left as NaN (gap longer than the fill limit, or at the start). */
  readonly unfilled: number;
  /** Of the missing cells, those that held text ("ERR", "n/a"), with the first such value (absent: none). */
  readonly textCells?: { readonly count: number; readonly example?: string };
}

export interface EventsProfile {
  readonly count: number;
  /** Lengths in rows of each labelled anomaly event, in order (the first 1,000). */
  readonly lengths: number[];
  readonly minLength: number | null;
  readonly maxLength: number | null;
}

export interface FileProfile {
  readonly path: string;
  readonly rows: number;
  readonly bytes: number;
  readonly encoding: string;
  readonly delimiter: string;
  readonly decimal: string;
  readonly header: boolean;
  readonly lineEnding: string;
  readonly timestampColumn: string | null;
  readonly timestampFormat: string | null;
  readonly start: string | null;
  readonly end: string | null;
  /** Median spacing of timestamps, in seconds. */
  readonly samplingIntervalSeconds: number | null;
  readonly channels: ChannelProfile[];
  readonly droppedChannels: { name: string; reason: string }[];
  readonly labelColumns: string[];
  readonly labelMapping: Record<string, Record<string, 'normal' | 'abnormal'>>;
  readonly labelSource: 'column' | 'windows' | 'column+windows' | null;
  readonly eventColumns: string[];
  /** The column whose values split the file into series (one per run), and its value here. */
  readonly seriesColumn?: { readonly name: string; readonly value: string } | null;
  readonly ignoredColumns: { name: string; reason: string }[];
  readonly labelRatio: number | null;
  readonly events: EventsProfile;
  readonly warnings: string[];
  /** What the file is when not a wide CSV table ("Excel workbook, sheet …", "Parquet, …", "long table …"). */
  readonly format?: { readonly kind: 'xlsx' | 'parquet' | 'long'; readonly description: string };
  /** An Excel workbook's sheets and the one read. */
  readonly sheets?: { readonly names: readonly string[]; readonly read: string };
  /** The first rows as text, for files without a text head to preview (Excel, Parquet). */
  readonly preview?: { readonly header: readonly string[]; readonly rows: readonly (readonly string[])[] };
  /** A long table: each tag's readings and own sampling interval, the grid's step, bad-quality readings. */
  readonly long?: {
    readonly tags: readonly { readonly name: string; readonly readings: number; readonly intervalSeconds: number }[];
    readonly stepSeconds: number;
    readonly badQuality: number;
  };
}

export interface DatasetProfile {
  readonly files: FileProfile[];
  readonly dataset: {
    readonly files: number;
    /** Series: one per file, or one per run where a run column splits a file. */
    readonly series: number;
    readonly rows: number;
    readonly channels: string[];
    readonly labelRatio: number | null;
    readonly events: number;
    readonly anomalyFreeFiles: string[];
    readonly warnings: string[];
  };
}

/** The checks of a data set's fitness for a comparison, one name each (tests and the UI key on them). */
export const DATA_CHECKS = [
  'short-series',
  'no-training-window',
  'test-no-normal',
  'test-no-anomaly',
  'test-mostly-anomalous',
  'no-labels',
  'unlabelled-series',
  'few-threshold-rows',
  'no-validation-window',
] as const;
export type DataCheck = (typeof DATA_CHECKS)[number];

/** One thing that makes a data set unfit (error: it cannot train) or a comparison on it weak (warning). */
export interface DataFinding {
  readonly level: 'error' | 'warning';
  readonly check: DataCheck;
  /** What is wrong, where (file or series, rows) and what to change, in the command line's words. */
  readonly message: string;
}

/** What the checks found for one split and window length, before anything trains. */
export interface DataFitness {
  /** The split checked, in words. */
  readonly split: string;
  /** Rows of one model window. */
  readonly windowRows: number;
  readonly testRows: number;
  /** Labelled-abnormal rows of the test part (null: the data have no labels). */
  readonly testAnomalies: number | null;
  /** Normal rows of the part the alarm threshold is fitted on (null: the data have no labels). */
  readonly thresholdRows: number | null;
  /** Errors first. */
  readonly findings: readonly DataFinding[];
}
