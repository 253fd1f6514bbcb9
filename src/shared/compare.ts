/**
 * The side-by-side comparison of variants (`stacklab compare`, the Compare step, the HTML
 * report): plain data, computed in the engine, read by every front end.
 */

/** A mean over seeds with its 95% Student-t interval (lo = hi = mean for one seed). */
export interface SeedInterval {
  readonly mean: number;
  readonly lo: number;
  readonly hi: number;
  /** Seeds that gave a finite value. */
  readonly n: number;
}

/** A paired difference (variant − baseline, seed by seed) and whether its interval excludes 0. */
export interface SeedDifference extends SeedInterval {
  readonly significant: boolean;
}

export interface MetricInfo {
  readonly key: MetricKey;
  readonly label: string;
  /** Whether higher is better. */
  readonly higherIsBetter: boolean;
  readonly digits: number;
}

export type MetricKey = 'vusPr' | 'vusRoc' | 'aucPr' | 'aucRoc' | 'f1' | 'precision' | 'recall' | 'rangeF1' | 'eventF1' | 'falseAlarmRate' | 'missedAlarmRate' | 'meanDetectionDelay';

/** Every downstream metric of the comparison, headline first. */
export const METRICS: readonly MetricInfo[] = [
  { key: 'vusPr', label: 'VUS-PR', higherIsBetter: true, digits: 3 },
  { key: 'vusRoc', label: 'VUS-ROC', higherIsBetter: true, digits: 3 },
  { key: 'aucPr', label: 'AUC-PR', higherIsBetter: true, digits: 3 },
  { key: 'aucRoc', label: 'AUC-ROC', higherIsBetter: true, digits: 3 },
  { key: 'f1', label: 'F1', higherIsBetter: true, digits: 3 },
  { key: 'precision', label: 'precision', higherIsBetter: true, digits: 3 },
  { key: 'recall', label: 'recall', higherIsBetter: true, digits: 3 },
  { key: 'rangeF1', label: 'range F1', higherIsBetter: true, digits: 3 },
  { key: 'eventF1', label: 'event F1', higherIsBetter: true, digits: 3 },
  { key: 'falseAlarmRate', label: 'false-alarm rate', higherIsBetter: false, digits: 4 },
  { key: 'missedAlarmRate', label: 'missed-alarm rate', higherIsBetter: false, digits: 3 },
  { key: 'meanDetectionDelay', label: 'detection delay (rows)', higherIsBetter: false, digits: 1 },
];

export const PROBE_LABELS: Readonly<Record<string, string>> = {
  copy: 'copy / induction',
  lookup: 'assignment / lookup',
  contextual: 'multi-cue contextual',
};

export interface CurvePoint {
  readonly step: number;
  readonly flops: number;
  /** Wall-clock since the run began (ms). */
  readonly ms: number;
  readonly loss: number;
}

/** One run's training history, thinned for charts. */
export interface RunCurve {
  readonly seed: number;
  readonly train: readonly CurvePoint[];
  readonly val: readonly CurvePoint[];
  /** Steps at which the model grew. */
  readonly growthSteps: readonly number[];
}

export interface IsoplotPoint {
  readonly seed: number;
  readonly step: number;
  readonly valLoss: number;
  /** The downstream value (the isoplot's metric). */
  readonly value: number;
}

/** Downstream metric ≈ intercept + slope · ln(validation loss), least squares over all checkpoints. */
export interface IsoplotFit {
  readonly slope: number;
  readonly intercept: number;
  readonly points: number;
  /** The fit's value at the comparison's reference loss (the baseline's final validation loss). */
  readonly atReference: number;
  /** Whether the reference loss lies outside the losses this variant reached (extrapolated). */
  readonly extrapolated: boolean;
}

export interface VariantSummary {
  /** The row's name: the variant, or "baseline≈midas" for a FLOP-matched baseline. */
  readonly variant: string;
  readonly kind: string;
  readonly flopMatchedTo?: string;
  readonly runs: number;
  readonly seeds: readonly number[];
  readonly dirs: readonly string[];
  /** Depth of each stage. */
  readonly depths: readonly number[];
  readonly steps: number;
  readonly wallMs: SeedInterval;
  readonly flops: number;
  /** This variant's FLOPs over the baseline's. */
  readonly flopRatio: number | null;
  /** Baseline wall-clock over this variant's, seed by seed. */
  readonly speedup: SeedInterval | null;
  readonly finalValLoss: SeedInterval;
  readonly metrics: Partial<Record<MetricKey, SeedInterval>>;
  /** Against the baseline, paired by seed (absent for the baseline itself). */
  readonly differences: Partial<Record<MetricKey, SeedDifference>>;
  readonly valLossDifference: SeedDifference | null;
  /** Inflated by construction: shown only beside the random baseline's. */
  readonly pointAdjustedF1: SeedInterval | null;
  readonly probes: Readonly<Record<string, SeedInterval>>;
  readonly probeDifferences: Readonly<Record<string, SeedDifference>>;
  readonly curves: readonly RunCurve[];
  readonly isoplot: { readonly metric: string; readonly points: readonly IsoplotPoint[]; readonly fit: IsoplotFit | null };
  /** Precision-recall curve of the first seed's model on the test part. */
  readonly prCurve: { readonly recall: readonly number[]; readonly precision: readonly number[] } | null;
}

export interface BaselineSummary {
  readonly name: string;
  readonly label: string;
  readonly metrics: Partial<Record<MetricKey, SeedInterval>>;
  readonly pointAdjustedF1: SeedInterval | null;
}

export interface Comparison {
  readonly createdAt: string;
  readonly data: { readonly source: string; readonly fingerprint: string; readonly channels: number; readonly split: string };
  readonly setup: { readonly preset: string; readonly layers: number; readonly block: number; readonly alpha: number; readonly device: string };
  /** The row the others are compared with (null when no baseline run was given). */
  readonly reference: string | null;
  readonly variants: readonly VariantSummary[];
  readonly baselines: readonly BaselineSummary[];
  /** Chance level of each probe. */
  readonly probeChance: Readonly<Record<string, number>>;
  /** Accuracy of a naive persistence predictor on the same items (mean over seeds): smoothness alone. */
  readonly probePersistence: Readonly<Record<string, number>>;
  /** The isoplot's reference validation loss (the baseline's mean final loss). */
  readonly referenceLoss: number | null;
  /** One sentence per variant, in plain words. */
  readonly verdict: readonly string[];
  /** What limits the comparison (one seed, missing labels, interrupted runs skipped, …). */
  readonly warnings: readonly string[];
}
