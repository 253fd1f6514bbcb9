/**
 * The desktop wizard's data over IPC: settings, imports, training plans, jobs (a job = the runs
 * of one "train" press: variants × seeds, in one job folder), their progress, and exports.
 */
import type { Precision } from './precision';
import type { Variant } from './growth';
import type { PresetName } from './presets';
import type { DatasetProfile } from './profile';
import type { DeviceChoice } from './system';

export const COLUMN_ROLES = ['timestamp', 'channel', 'label', 'event', 'series', 'ignored'] as const;
export type ColumnRole = (typeof COLUMN_ROLES)[number];

export interface Settings {
  /** Where job folders are written (absolute path). */
  readonly runsDir: string;
  readonly defaultDevice: DeviceChoice;
  /** CPU threads for training and scoring (0: let ONNX Runtime decide). */
  readonly threads: number;
  /** Train on workers through this job queue (redis://…), in the runs folder they share; null: on this machine. */
  readonly queue: string | null;
}

/** A worker connected to the job queue, as the Settings page lists them. */
export interface QueueWorker {
  readonly name: string;
  /** The device it trains on (cuda:1 for the second GPU), and its machine. */
  readonly device?: string;
  readonly host?: string;
  /** Runs it trains now. */
  readonly busy: number;
}

/** What `data.inspect` makes of a file whose import failed: its columns, their roles, its first rows. */
export interface ImportInspection {
  readonly file: string;
  readonly columns: readonly ImportColumn[];
  readonly preview: { readonly header: readonly string[]; readonly rows: readonly (readonly string[])[] };
}

/** The wizard's steps, in order (the renderer's step list uses these ids). */
export const WIZARD_STEPS = ['import', 'variants', 'train', 'compare', 'export'] as const;
export type WizardStep = (typeof WIZARD_STEPS)[number];

/**
 * Where the user is in the wizard, kept by the engine (session.json in the configuration folder)
 * so that a reload, a second browser tab or a restarted app opens the same step, data and form.
 */
export interface SessionState {
  readonly step: WizardStep;
  /** The import shown on the Import step (re-read on restore), or none yet. */
  readonly importRequest: ImportRequest | null;
  /** The Variants step's form: only the fields the user set. */
  readonly plan: Omit<TrainPlan, 'datasetId'> | null;
  /** The job the Train, Compare and Export steps show. */
  readonly jobDir: string | null;
}

/** The built-in samples: the plant as one long series, or a test rig's runs (one file each, each its own operating point). */
export const SAMPLE_KINDS = ['plant', 'multi-run'] as const;
export type SampleKind = (typeof SAMPLE_KINDS)[number];

/** What to import: a built-in sample (the plant unless said), or a file/folder on the machine running the engine. */
export type DataSource =
  | { readonly kind: 'sample'; readonly sample?: SampleKind }
  | { readonly kind: 'path'; readonly path: string; readonly labels?: string };

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
}

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
}

/** How series are standardised: each by its own normal training rows, or all by the pooled statistics. */
export const NORMALIZE_MODES = ['per-series', 'pooled'] as const;
export type NormalizeMode = (typeof NORMALIZE_MODES)[number];
/** Where alarm thresholds are fitted: on each series' own normal validation rows, or on all of them. */
export const THRESHOLD_SCOPES = ['per-series', 'pooled'] as const;
export type ThresholdScope = (typeof THRESHOLD_SCOPES)[number];
/** How the per-channel (robustly scaled) residuals become one score per time step. */
export const SCORE_COMBINES = ['mean', 'max'] as const;
export type ScoreCombine = (typeof SCORE_COMBINES)[number];

/** How the data are split and scored; every field optional (the engine's defaults). */
export interface DataPlan {
  /** The first N rows of every series train and validate, the rest is test. */
  readonly trainRows?: number;
  /** The leading share of every series trains and validates, the rest is test. */
  readonly trainFraction?: number;
  /** Default: per-series for several series that each have normal training rows of their own. */
  readonly normalize?: NormalizeMode;
  /** Default: per-series when the normalisation is per-series. */
  readonly threshold?: ThresholdScope;
  /** Default: mean. */
  readonly combine?: ScoreCombine;
  /** Rows every detector's scores are averaged over (causal; 1: none). Default: the model's patch length. */
  readonly smooth?: number;
}

export interface TrainPlan extends DataPlan {
  readonly datasetId: string;
  readonly variants: readonly Variant[];
  readonly preset: PresetName;
  /** Target depth (default: the preset's). */
  readonly layers?: number;
  readonly block?: number;
  /** Prop-α (default 1). */
  readonly alpha?: number;
  /** Steps per run (default by preset). */
  readonly steps?: number;
  readonly seeds: number;
  readonly device?: DeviceChoice;
  /** Numeric precision of training (default fp32; see shared/precision.ts). */
  readonly precision?: Precision;
  /** Also train a baseline given the FLOPs of this variant. */
  readonly flopMatched?: Variant;
  /** Peak learning rate (default 1e-3: warmup 5%, cosine to 10%). */
  readonly lr?: number;
  /** Reset Adam's moments at each growth (default: copy the source block's). */
  readonly resetMoments?: boolean;
  /** Re-warm the learning rate over this many steps after each growth (default 0). */
  readonly rewarmup?: number;
  /** A name for the job folder. */
  readonly name?: string;
}

export interface VariantEstimate {
  readonly variant: string;
  /** Depth of each stage and its steps. */
  readonly stages: readonly { readonly layers: number; readonly steps: number }[];
  readonly flops: number;
  /** Relative to the baseline's FLOPs (1 for the baseline). */
  readonly relative: number;
  /** Estimated seconds per run on the chosen device (from a short timing probe). */
  readonly seconds: number;
}

export interface PlanEstimate {
  readonly device: string;
  readonly layers: number;
  readonly block: number;
  readonly steps: number;
  readonly variants: readonly VariantEstimate[];
  /** All runs (variants × seeds), in seconds. */
  readonly totalSeconds: number;
  /** The job may take up to this factor more or less (measured over real data sets). */
  readonly errorFactor: number;
  /** Measured training throughput the estimate rests on. */
  readonly flopsPerSecond: number;
  /** Measured seconds of one validation point (validation loss, detection, probes), ~10+ per run. */
  readonly evaluationSeconds: number;
}

export type RunStatus = 'queued' | 'running' | 'finished' | 'cancelled' | 'interrupted' | 'failed';

export interface RunInfo {
  /** The row name: the variant, or "baseline≈midas" for a FLOP-matched baseline. */
  readonly name: string;
  readonly variant: string;
  readonly seed: number;
  readonly dir: string;
  readonly status: RunStatus;
  readonly step: number;
  readonly totalSteps: number;
  readonly wallMs: number | null;
  readonly finalValLoss: number | null;
}

export type JobStatus = 'running' | 'finished' | 'cancelled' | 'interrupted' | 'failed';

export interface JobInfo {
  readonly id: string;
  /** The job folder (holds job.json and one folder per run). */
  readonly dir: string;
  readonly name: string;
  readonly createdAt: string;
  readonly status: JobStatus;
  readonly plan: Omit<TrainPlan, 'datasetId'>;
  readonly source: string;
  readonly device: string;
  readonly runs: readonly RunInfo[];
  /** Why a job failed (with what to do). */
  readonly error?: string;
  /** What its runs reported on the way (a damaged checkpoint skipped, a torn metrics line cut, a stale lock taken over). */
  readonly notes?: readonly string[];
}

/** A throttled progress update of one run of a running job (about 10 per second at most). */
export interface JobProgress {
  readonly jobId: string;
  readonly run: number;
  readonly name: string;
  readonly seed: number;
  readonly step: number;
  readonly totalSteps: number;
  readonly stage: number;
  readonly stages: number;
  readonly layers: number;
  readonly loss: number | null;
  readonly valLoss: number | null;
  readonly flops: number;
  readonly elapsedMs: number;
  readonly etaMs: number;
  /** Set on the update that follows a growth (a new stage began at this step). */
  readonly grew?: boolean;
}

export interface ExportFile {
  readonly name: string;
  readonly mime: string;
  /** Text content, or base64 for binary files. */
  readonly content: string;
  readonly encoding: 'utf8' | 'base64';
  /** Where a copy was written (inside the job folder), for the user to find. */
  readonly savedTo: string;
}

/** A job's training curves read back from its runs' metrics.jsonl (after a reload or for a job opened from the library). */
export interface JobHistory {
  readonly runs: readonly {
    /** Index of the run in `JobInfo.runs`. */
    readonly run: number;
    readonly name: string;
    readonly seed: number;
    /** Training loss readings (thinned to at most ~500 per run). */
    readonly points: readonly {
      readonly step: number;
      readonly loss: number;
      readonly flops: number;
      readonly elapsedMs: number;
    }[];
    readonly valPoints: readonly { readonly step: number; readonly valLoss: number; readonly flops: number }[];
    /** Steps at which the model grew. */
    readonly growthSteps: readonly number[];
  }[];
}
