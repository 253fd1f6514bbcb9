/**
 * The side-by-side comparison of variants (`stacklab compare`, the Compare step, the HTML
 * report): plain data, computed in the engine, read by every front end.
 */
import type { ScoreTimeline } from './timeline';

/** A mean over seeds with its 95% Student-t interval (lo = hi = mean for one seed). */
export interface SeedInterval {
  readonly mean: number;
  readonly lo: number;
  readonly hi: number;
  /** Seeds that gave a finite value. */
  readonly n: number;
}

/**
 * A paired difference (variant − baseline, seed by seed). `significant`: its interval excludes 0
 * at the precision it is printed with, and, for a secondary metric (every one but the primary
 * VUS-PR), it stays significant after Holm's correction over the variant's family of comparisons.
 */
export interface SeedDifference extends SeedInterval {
  readonly significant: boolean;
  /** The two-sided p-value of the paired t-test (NaN for one seed; absent in older comparisons). */
  readonly p?: number;
}

export interface MetricInfo {
  readonly key: MetricKey;
  readonly label: string;
  /** Whether higher is better. */
  readonly higherIsBetter: boolean;
  readonly digits: number;
  /** One plain sentence: what it measures and which way is better (tooltips, the report's glossary). */
  readonly help: string;
  /** What a variant does when this metric is better or worse than the baseline's ("detects anomalies {}better": {} takes "slightly " or "much "). */
  readonly better: string;
  readonly worse: string;
  /** Measured at the alarm threshold (the trivial detectors have a value), not threshold-free. */
  readonly atThreshold: boolean;
}

export type MetricKey =
  | 'vusPr'
  | 'vusRoc'
  | 'aucPr'
  | 'aucRoc'
  | 'f1'
  | 'precision'
  | 'recall'
  | 'rangeF1'
  | 'eventF1'
  | 'falseAlarmRate'
  | 'missedAlarmRate'
  | 'meanDetectionDelay';

/** Every downstream metric of the comparison, headline first. */
export const METRICS: readonly MetricInfo[] = [
  {
    key: 'vusPr',
    label: 'VUS-PR',
    higherIsBetter: true,
    digits: 3,
    atThreshold: false,
    better: 'detects anomalies {}better',
    worse: 'detects anomalies {}worse',
    help: "Volume under the surface of range-based precision and recall: how well the scores rank the labelled anomalies (and the rows near them) above normal rows, over every threshold and buffer; higher is better. Read it beside the random scores' (the chance level): scores with many ties, a constant above all, get a high value without detecting anything.",
  },
  {
    key: 'vusRoc',
    label: 'VUS-ROC',
    higherIsBetter: true,
    digits: 3,
    atThreshold: false,
    better: 'separates anomalies from normal rows {}better',
    worse: 'separates anomalies from normal rows {}worse',
    help: 'The ROC counterpart of VUS-PR: how often an anomaly (or a row near one) outscores a normal row; higher is better, 0.5 is chance.',
  },
  {
    key: 'aucPr',
    label: 'AUC-PR',
    higherIsBetter: true,
    digits: 3,
    atThreshold: false,
    better: 'ranks anomalous rows {}higher',
    worse: 'ranks anomalous rows {}lower',
    help: 'Average precision: how precise the alarms are, averaged over every recall level, row by row; higher is better, random scores get the share of anomalous rows.',
  },
  {
    key: 'aucRoc',
    label: 'AUC-ROC',
    higherIsBetter: true,
    digits: 3,
    atThreshold: false,
    better: 'ranks anomalous rows above normal ones {}more often',
    worse: 'ranks anomalous rows above normal ones {}less often',
    help: 'The chance that a random anomalous row scores above a random normal row; higher is better, 0.5 is chance.',
  },
  {
    key: 'f1',
    label: 'F1',
    higherIsBetter: true,
    digits: 3,
    atThreshold: true,
    better: 'alarms {}more accurately',
    worse: 'alarms {}less accurately',
    help: 'Row by row at the alarm threshold: the balance of precision and recall; higher is better, but alarming on every row already scores 2p / (1 + p) at prevalence p.',
  },
  {
    key: 'precision',
    label: 'precision',
    higherIsBetter: true,
    digits: 3,
    atThreshold: true,
    better: 'raises alarms that are right {}more often',
    worse: 'raises alarms that are right {}less often',
    help: 'The share of alarmed rows that are labelled anomalies; higher is better.',
  },
  {
    key: 'recall',
    label: 'recall',
    higherIsBetter: true,
    digits: 3,
    atThreshold: true,
    better: 'catches {}more anomalous rows',
    worse: 'catches {}fewer anomalous rows',
    help: 'The share of anomalous rows that raise an alarm; higher is better (alarming on every row gets 1).',
  },
  {
    key: 'rangeF1',
    label: 'range F1',
    higherIsBetter: true,
    digits: 3,
    atThreshold: true,
    better: 'covers the labelled events {}better',
    worse: 'covers the labelled events {}worse',
    help: 'F1 over stretches instead of rows (Tatbul et al.): how well alarm stretches cover the labelled events; higher is better.',
  },
  {
    key: 'eventF1',
    label: 'event F1',
    higherIsBetter: true,
    digits: 3,
    atThreshold: true,
    better: 'finds the fault events {}more reliably',
    worse: 'finds the fault events {}less reliably',
    help: 'F1 over whole events: an event counts as found when any of its rows alarms, an alarm stretch as right when it touches one; higher is better.',
  },
  {
    key: 'falseAlarmRate',
    label: 'false-alarm rate',
    higherIsBetter: false,
    digits: 4,
    atThreshold: true,
    better: 'raises {}fewer false alarms',
    worse: 'raises {}more false alarms',
    help: 'The share of normal test rows that raise an alarm; lower is better.',
  },
  {
    key: 'missedAlarmRate',
    label: 'missed-alarm rate',
    higherIsBetter: false,
    digits: 3,
    atThreshold: true,
    better: 'misses {}fewer fault events',
    worse: 'misses {}more fault events',
    help: 'The share of labelled events with no alarm at all; lower is better.',
  },
  {
    key: 'meanDetectionDelay',
    label: 'detection delay (rows)',
    higherIsBetter: false,
    digits: 1,
    atThreshold: true,
    better: 'alarms {}sooner after a fault begins',
    worse: 'alarms {}later after a fault begins',
    help: 'How long after a found event begins its first alarm comes, on average: in time where the data have timestamps, else in rows; lower is better.',
  },
];

/** One plain sentence per probe: what it tests and which way is better. */
export const PROBE_HELP: Readonly<Record<string, string>> = {
  copy: 'Copy / induction: a stretch seen earlier in the window starts again; the model must continue it as it continued then. Higher is better; chance is 1/4.',
  lookup:
    "Assignment / lookup: codes on one channel are paired with the other channels' values; given a code again, the model must recall its values. Higher is better; chance is 1/4.",
  contextual:
    "Multi-cue contextual: one channel's last stretch is swapped for a plausible one that does not fit the other channels; the model must prefer the real one. Higher is better; chance is 1/2.",
};

/** The other terms of a comparison, in plain words (the report's glossary). */
export const GLOSSARY: readonly { readonly term: string; readonly help: string }[] = [
  {
    term: 'speed-up',
    help: "The baseline's training time over the variant's, seed by seed (geometric mean and 95% interval): wall-clock less the time spent validating, which the validation schedule sets, not the training schedule. Called faster or slower only when the interval excludes 1.",
  },
  {
    term: 'training time',
    help: "A run's wall-clock less the time spent at validation points (validation loss, detection and probes): the time its training schedule took, growth and checkpoints included.",
  },
  {
    term: 'FLOPs ratio',
    help: "The variant's training FLOPs over the baseline's: exact, computed from the model's shape at every stage; lower is cheaper.",
  },
  {
    term: 'validation loss',
    help: 'The next-patch prediction error on the validation rows; lower is better, but alone it cannot pick a schedule.',
  },
  {
    term: 'usable',
    help: "A detector ranks anomalies usably here when its VUS-PR interval lies above the random scores' interval and its AUC-ROC is above 0.55.",
  },
  {
    term: 'alarms usable',
    help: "A detector's alarms are usable here when they fire on at most 5% of the normal test rows (five times the 1% its threshold is fitted for on normal validation rows) and its event F1 lies above the random scores'.",
  },
  {
    term: 'primary metric',
    help: "VUS-PR decides the comparison, and every variant's difference in it is stated. The other metrics are secondary: a difference in one is called significant only after Holm's correction over all of that variant's comparisons.",
  },
  { term: 'random scores', help: 'Scores drawn at random: the chance level every detector must beat.' },
  {
    term: 'alarm on every row / never alarm',
    help: 'The trivial detectors: on a test part that is mostly fault, alarming on every row already scores a high F1, so read every threshold metric beside them.',
  },
  {
    term: 'point-adjusted F1',
    help: "F1 after counting a whole labelled event as found when any one of its rows alarms: inflated by construction (random scores reach 0.9 on long events), so read it only beside the random scores'.",
  },
  {
    term: 'persistence',
    help: 'A naive predictor that repeats the last value: a probe it passes tests smoothness, not reasoning.',
  },
  {
    term: 'isoplot',
    help: 'Downstream quality against validation loss at every checkpoint, fitted per variant: lines apart mean the same loss gives different detection.',
  },
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

/** What speed-ups compare (see Comparison.speedBasis). */
export type SpeedBasis = 'training time' | 'wall-clock';

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
  /** Wall-clock less the time spent validating: the time the schedule trained (null for reports from before it was recorded). */
  readonly trainMs: SeedInterval | null;
  readonly flops: number;
  /** This variant's FLOPs over the baseline's. */
  readonly flopRatio: number | null;
  /** Baseline's time over this variant's (Comparison.speedBasis), seed by seed: geometric mean and 95% interval. */
  readonly speedup: SeedInterval | null;
  /** 'faster' / 'slower' only when the speed-up's interval excludes 1. */
  readonly speed: 'faster' | 'slower' | 'no measurable difference' | null;
  /** Whether it ranks the labelled anomalies better than random scores here (null without labels). */
  readonly usable: boolean | null;
  /** Why it is not usable, in words (empty when it is). */
  readonly why: readonly string[];
  /** Whether its alarms are usable here: few false alarms on normal test rows, events found better than random (null without labels). */
  readonly alarmsUsable: boolean | null;
  /** Why its alarms are not usable, in words (empty when they are). */
  readonly alarmsWhy: readonly string[];
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
  readonly isoplot: {
    readonly metric: string;
    readonly points: readonly IsoplotPoint[];
    readonly fit: IsoplotFit | null;
  };
  /** Precision-recall curve of the first seed's model on the test part. */
  readonly prCurve: { readonly recall: readonly number[]; readonly precision: readonly number[] } | null;
  /** The per-run protocol (data of several series whose reports have it; else absent): macro means, and against the baseline paired by seed. */
  readonly perSeries?: PerSeriesSummary & { readonly differences: Partial<Record<MetricKey, SeedDifference>> };
}

/**
 * A detector under the per-run protocol of multi-run data: each metric computed on each series'
 * own test rows, averaged over the series with equal weight (the macro mean), then the mean ±95%
 * interval of that macro mean over seeds. `metrics` has the shape of the pooled `metrics` beside it.
 */
export interface PerSeriesSummary {
  readonly metrics: Partial<Record<MetricKey, SeedInterval>>;
  /** Series that could be scored (labelled anomalies and normal rows among their test rows): the macro mean is over these. */
  readonly scored: number;
  /** Series with test rows. */
  readonly series: number;
}

/** How a classical detector was fitted: on the training rows of every series at once, or on each series' own. */
export type DetectorFit = 'pooled' | 'per-series';

/** The evaluation protocol a verdict reads its detection metrics under. */
export type Protocol = 'pooled' | 'per-series';

/** A classical detector named with its VUS-PR under the protocol (`Comparison.protocol`). */
export interface StrongestDetector {
  /** Its `BaselineSummary.name`. */
  readonly name: string;
  readonly label: string;
  /** Null for a detector that fits nothing (rolling z-score). */
  readonly fit: DetectorFit | null;
  readonly vusPr: SeedInterval;
  /** Whether it is usable under the pooled metrics (`BaselineSummary.usable`). */
  readonly usable: boolean | null;
}

/**
 * Which protocol a comparison's verdict should use, and which classical detector is strongest
 * under it. Multi-run data (test rigs: one file per run) are evaluated per run in the field: one
 * detector fitted per run, metrics per run, then averaged; pooling all runs' test rows into one
 * ranking mixes the runs' score levels.
 */
export interface ComparisonProtocol {
  /**
   * 'per-series' for data of several series whose reports carry per-series metrics (then read
   * `perSeries.metrics` of variants and classical detectors); 'pooled' for one series, or for
   * reports of versions before the per-run protocol (then read `metrics`).
   */
  readonly verdictUses: Protocol;
  /** Series in the data set. */
  readonly series: number;
  /** Series scored under the per-series protocol (null when the verdict uses the pooled metrics). */
  readonly scoredSeries: number | null;
  /** The classical detector (random scores and the trivial ones left out) with the best mean VUS-PR under `verdictUses`; null without labels. */
  readonly strongestClassical: StrongestDetector | null;
  /** The best pooled fit and the best per-series fit of PCA and Isolation Forest, under `verdictUses` (null where there is none). */
  readonly fits: { readonly pooled: StrongestDetector | null; readonly perSeries: StrongestDetector | null };
  /** Whether the best per-series fit has a higher mean VUS-PR than the best pooled fit under `verdictUses` (null without both). */
  readonly perSeriesFitsWin: boolean | null;
}

/** The per-series macro means the tables show beside the pooled values (the CSV has every metric's). */
export const PER_SERIES_METRICS: readonly MetricKey[] = ['vusPr', 'aucRoc', 'aucPr', 'f1', 'falseAlarmRate'];

/** A per-series row's label: "VUS-PR, series mean". */
export const perSeriesLabel = (m: Pick<MetricInfo, 'label'>): string => `${m.label}, series mean`;

/** The protocol in one sentence (the tables' header line); null for data of one series. */
export function protocolLine(p: ComparisonProtocol): string | null {
  if (p.series < 2) return null;
  const strongest = p.strongestClassical
    ? `; strongest classical detector under it: ${p.strongestClassical.label}`
    : '';
  return p.verdictUses === 'per-series'
    ? `per run: each metric on each series' own test rows, then the mean over the ${p.scoredSeries} of ${p.series} series that have labelled anomalies and normal rows there (the "series mean" rows), beside the pooled values over all test rows; judge detection by the series means${strongest}`
    : `pooled: every series' test rows ranked together (these runs have no per-series metrics)${strongest}`;
}

/** The detection metrics a detector has under a protocol: the macro means for 'per-series', the pooled ones otherwise. */
export function metricsUnder(
  d: { readonly metrics: Partial<Record<MetricKey, SeedInterval>>; readonly perSeries?: PerSeriesSummary },
  protocol: Protocol,
): Partial<Record<MetricKey, SeedInterval>> {
  return protocol === 'per-series' && d.perSeries ? d.perSeries.metrics : d.metrics;
}

export interface BaselineSummary {
  readonly name: string;
  readonly label: string;
  /** A classical detector, or a trivial reference (alarm on every row / never): these have threshold metrics only. */
  readonly kind: 'detector' | 'trivial';
  readonly metrics: Partial<Record<MetricKey, SeedInterval>>;
  readonly pointAdjustedF1: SeedInterval | null;
  /** As for variants; null for the trivial references. */
  readonly usable: boolean | null;
  readonly why: readonly string[];
  readonly alarmsUsable: boolean | null;
  readonly alarmsWhy: readonly string[];
  /** How a detector that fits was fitted (absent for random scores, rolling z-score and the trivial references). */
  readonly fit?: DetectorFit;
  /** A per-series fit: series fitted on their own training rows, of all series (the others took the pooled fit). */
  readonly ownFits?: { readonly series: number; readonly own: number };
  /** The per-run protocol, as for variants (absent for the trivial references and older reports). */
  readonly perSeries?: PerSeriesSummary;
}

/** One run's anomaly scores on the test part (the report's timeline chart). */
export interface ComparisonTimeline extends ScoreTimeline {
  readonly variant: string;
  readonly seed: number;
  readonly dir: string;
}

/** One reasoning primitive in a comparison of lab runs. */
export interface PrimitiveReading {
  readonly name: string;
  readonly label: string;
  /** What it tests, in one sentence. */
  readonly tests: string;
  /** What guessing scores (mean over the items). */
  readonly chance: number;
  readonly items: number;
  /** The fewest solved examples an item's context kept. */
  readonly shots: number;
  /** Final exact-match accuracy per variant: mean and 95% interval over seeds. */
  readonly variants: Readonly<Record<string, SeedInterval>>;
  /**
   * Accuracy per variant at the same validation loss: each seed's curve of accuracy against
   * validation loss read (linearly between its two validation points around it) at the final
   * loss of the baseline of the same seed. A seed that never got that low is read at its last point.
   */
  readonly atLoss: Readonly<Record<string, SeedInterval>>;
  /** Per variant, the seeds that never reached the baseline's final loss (read at their last point). */
  readonly notReached: Readonly<Record<string, number>>;
  /**
   * Each variant minus the baseline at the same validation loss, paired by seed (informative
   * primitives only; Holm over a variant's): the paper's comparison and the verdict's.
   */
  readonly differences: Readonly<Record<string, SeedDifference>>;
  /** The same at the same budget (final accuracies, same steps), Holm-corrected alike. */
  readonly budgetDifferences: Readonly<Record<string, SeedDifference>>;
  /** Every validation point (accuracy against validation loss) per variant: the isoplot. */
  readonly points: Readonly<Record<string, readonly IsoplotPoint[]>>;
  /** The baseline at the full budget lies above chance with its interval: the instrument can see here. */
  readonly informative: boolean;
  /** Positive control: the baseline's final accuracy minus its first validation point's, paired by seed. */
  readonly control: SeedDifference | null;
}

export interface ReasoningReading {
  readonly primitives: readonly PrimitiveReading[];
  /** The reading in words (also in the verdict). */
  readonly sentences: readonly string[];
}

export interface Comparison {
  readonly createdAt: string;
  readonly data: {
    readonly source: string;
    readonly fingerprint: string;
    readonly channels: number;
    readonly series: number;
    readonly split: string;
    readonly normalization: string;
    readonly thresholds: string;
    /** The median spacing of the test rows' timestamps in seconds; null (or absent) without timestamps. */
    readonly samplingSeconds?: number | null;
  };
  readonly setup: {
    readonly preset: string;
    readonly layers: number;
    readonly block: number;
    readonly alpha: number;
    readonly device: string;
    readonly precision: string;
  };
  /** The row the others are compared with (null when no baseline run was given). */
  readonly reference: string | null;
  /**
   * What speed-ups compare: 'training time' (wall-clock less validation, whose cost the
   * validation schedule sets, not the training schedule), or 'wall-clock' where some report
   * predates recording validation time.
   */
  readonly speedBasis?: SpeedBasis;
  readonly variants: readonly VariantSummary[];
  readonly baselines: readonly BaselineSummary[];
  /** Chance level of each probe. */
  readonly probeChance: Readonly<Record<string, number>>;
  /** Accuracy of a naive persistence predictor on the same items (mean over seeds): smoothness alone. */
  readonly probePersistence: Readonly<Record<string, number>>;
  /**
   * Whether the probe informs on this data: the baseline at the full budget above chance and
   * above persistence with its interval (the reasoning lab's instrument check).
   */
  readonly probeInformative: Readonly<Record<string, boolean>>;
  /** Per probe that is not informative, one sentence saying why (absent in older comparisons). */
  readonly probeWhy?: Readonly<Record<string, string>>;
  /** Positive control per probe: the final baseline − its first validation point, paired by seed. */
  readonly probeControl?: Readonly<Record<string, SeedDifference | null>>;
  /** The reasoning lab's primitives (absent or null for sensor data). */
  readonly reasoning?: ReasoningReading | null;
  /**
   * The probes' difficulty ladders (copy and lookup at 1, 3, 7 distractors) with the final models:
   * per rung each variant's accuracy, chance, persistence and whether the baseline clears both
   * (absent or null: none).
   */
  readonly ladders?:
    | readonly {
        readonly probe: string;
        readonly distractors: number;
        readonly chance: number;
        readonly persistence: number;
        readonly variants: Readonly<Record<string, SeedInterval>>;
        readonly informative: boolean;
      }[]
    | null;
  /** Share of labelled-anomalous rows in the test part (null without labels). */
  readonly prevalence: number | null;
  /** Pairs of variants that trained the very same schedule (their differences are seed noise). */
  readonly sameSchedules: readonly (readonly [string, string])[];
  /** The isoplot's reference validation loss (the baseline's mean final loss). */
  readonly referenceLoss: number | null;
  /** The metric that decides detection (VUS-PR); the others are secondary (see `SeedDifference`). */
  readonly primaryMetric: MetricKey;
  /** One or two sentences that answer the user's question, before the details. */
  readonly bottomLine: readonly string[];
  /** The per-run protocol: which metrics the verdict should use, and the strongest classical detector under them. */
  readonly protocol: ComparisonProtocol;
  /** The details: one sentence per variant, then what limits the reading, in plain words. */
  readonly verdict: readonly string[];
  /** What limits the comparison (one seed, missing labels, interrupted runs skipped, …). */
  readonly warnings: readonly string[];
  /** The anomaly scores of the best variant's first seed (by VUS-PR); absent without labels or scores.json. */
  readonly timeline?: ComparisonTimeline | null;
}
