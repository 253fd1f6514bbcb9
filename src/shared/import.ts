/**
 * What the Import step asks for and gets back: the source (a file, a folder or a built-in sample),
 * the reader's choices (delimiter, decimal mark, header, column roles, label words), and the
 * imported data set's profile, preview and plot.
 */
import type { CorpusMix } from './lab';
import type { DataFitness, DatasetProfile } from './profile';

export const COLUMN_ROLES = ['timestamp', 'channel', 'label', 'event', 'series', 'ignored'] as const;
export type ColumnRole = (typeof COLUMN_ROLES)[number];

/** The built-in samples: the plant as one long series, or a test rig's runs (one file each, each its own operating point). */
export const SAMPLE_KINDS = ['plant', 'multi-run'] as const;
export type SampleKind = (typeof SAMPLE_KINDS)[number];

/** What to import: a built-in sample (the plant unless said), or a file/folder on the machine running the engine. */
export type DataSource =
  | { readonly kind: 'sample'; readonly sample?: SampleKind }
  | { readonly kind: 'path'; readonly path: string; readonly labels?: string }
  /** The reasoning lab's generated corpus: drawn from `seed`, about `bytes` long, documents in the proportions `mix`. */
  | {
      readonly kind: 'lab';
      readonly seed?: number;
      readonly bytes?: number;
      readonly mix?: CorpusMix;
      /** A user's own items (a JSONL file), scored beside the built-in primitives. */
      readonly items?: string;
    }
  /** A user's own UTF-8 text (a file, or a folder of text files) as the lab's corpus. */
  | { readonly kind: 'text'; readonly path: string; readonly items?: string };

/** The field delimiters the importer detects and accepts. */
export const DELIMITERS = [',', ';', '\t', '|'] as const;
export type Delimiter = (typeof DELIMITERS)[number];
/** The decimal marks of numbers the importer reads. */
export const DECIMAL_MARKS = ['.', ','] as const;
export type DecimalMark = (typeof DECIMAL_MARKS)[number];

export interface ImportRequest {
  readonly source: DataSource;
  /** Column roles chosen by the user (column name → role); others keep the detected role. */
  readonly roles?: Readonly<Record<string, ColumnRole>>;
  readonly delimiter?: Delimiter;
  readonly decimal?: DecimalMark;
  /** Whether the first line names the columns (default: detected). */
  readonly header?: boolean;
  /** Forward-fill gaps up to this many rows (default 5; 0 fills nothing). */
  readonly fillLimit?: number;
  /** Label values beyond the known words (lower case): "run" → 0 (normal), "trip" → 1 (abnormal). */
  readonly labelMap?: Readonly<Record<string, 0 | 1>>;
  /** Resample irregular timestamps onto the median interval. */
  readonly resample?: boolean;
  /** A CSV's shape: wide (a column per sensor), long (a row per reading: timestamp, tag, value), or detected. */
  readonly layout?: Layout;
  /** An Excel workbook's sheet (default: the first that holds data). */
  readonly sheet?: string;
}

/** How a CSV table is laid out: detected, one column per sensor, or one row per reading (pivoted). */
export const LAYOUTS = ['auto', 'wide', 'long'] as const;
export type Layout = (typeof LAYOUTS)[number];

export interface ImportColumn {
  readonly name: string;
  readonly role: ColumnRole;
  /** How the role was decided, or why the column is ignored. */
  readonly note?: string;
}

export interface ImportResult {
  /** Handle of the imported data set in the engine (valid until the engine restarts). */
  readonly datasetId: string;
  readonly request: ImportRequest;
  /** Human-readable source ("sample (built-in synthetic plant)" or the path). */
  readonly source: string;
  readonly profile: DatasetProfile;
  /** Whether the data suit a comparison with the default plan (the split's default rule, the default preset). */
  readonly fitness: DataFitness;
  /** Columns of the first file with their roles. */
  readonly columns: readonly ImportColumn[];
  /** The first rows of the first file, as text cells (header first when there is one). */
  readonly preview: { readonly header: readonly string[]; readonly rows: readonly (readonly string[])[] };
  /** Every channel over time, thinned to at most ~1,000 points (min/max kept), with the labelled anomalies. */
  readonly plot: {
    readonly x: readonly number[];
    /** "row" or "seconds since the start". */
    readonly xUnit: 'row' | 'seconds';
    readonly channels: readonly { readonly name: string; readonly values: readonly number[] }[];
    /** Labelled anomalies as [start, end) in x units. */
    readonly anomalies: readonly (readonly [number, number])[];
  };
  /** A reasoning-lab corpus (sources lab and text): what it holds, in place of the columns and the plot. */
  readonly lab?: LabPreview;
}

/** What the Import step shows of a reasoning-lab corpus. */
export interface LabPreview {
  readonly bytes: number;
  /** Its first documents (blank-line separated), each cut to a few hundred characters. */
  readonly documents: readonly string[];
  /** One evaluation item per primitive (the built-in ones, then the user's own), with what it tests. */
  readonly items: readonly {
    readonly primitive: string;
    readonly label: string;
    readonly tests: string;
    readonly prompt: string;
    readonly answer: string;
    readonly chance: number;
  }[];
}

/** What `data.inspect` makes of a file whose import failed: its columns, their roles, its first rows. */
export interface ImportInspection {
  readonly file: string;
  readonly columns: readonly ImportColumn[];
  readonly preview: { readonly header: readonly string[]; readonly rows: readonly (readonly string[])[] };
}
