/**
 * The records of a run: its configuration (config.json), the events it streams, its report
 * (report.json) and the lines of its history (metrics.jsonl). Record types only; the run store
 * reads and writes the files.
 */
import type { ExecutionProviderName } from '../../shared/system';
import type { Precision } from '../../shared/precision';
import type { RunData, RunNormalization } from '../data/prepared';
import type { BaselineName, Evaluation, ScoringConfig, TrivialDetectors } from '../eval/evaluate';
import type { PrimitiveScore } from '../eval/primitives';
import type { UserItem } from '../../shared/lab';
import type { Ladders, ProbeName, ProbeScore } from '../eval/probes';
import type { GrowthConfig, Variant } from '../../shared/growth';
import type { PatchTransformerConfig } from '../models/patch-transformer';
import type { AdamWConfig } from '../train/adamw';
import type { LrSchedule } from '../train/schedules';

/** The data a run trains on, with each matrix row's time (epoch ms) where every series has timestamps. */
export type TimedRunData = RunData & { readonly times?: Float64Array | null };

/** Everything a run needs to be reproduced; written as config.json. */
export interface RunConfig {
  readonly variant: Variant;
  /** A baseline given the training FLOPs of this variant (its step count is set from them). */
  readonly flopMatchedTo?: Variant;
  readonly seed: number;
  readonly preset: string;
  /** The model at full depth (growth.layers). */
  readonly model: PatchTransformerConfig;
  readonly growth: GrowthConfig;
  readonly schedule: LrSchedule;
  readonly optimizer: AdamWConfig & {
    /** At growth, copy the source block's Adam moments (default) or start them at zero. */
    readonly stateAtGrowth: 'copy' | 'reset';
    /** Steps of linear re-warmup after each growth (0: one global schedule). */
    readonly rewarmupSteps: number;
  };
  /** The device it began on: recorded, not required (a resume on another device or a queue's other worker continues it). */
  readonly device: ExecutionProviderName;
  /** Numeric precision (config.json of older versions has none: it is read as fp32). */
  readonly precision: Precision;
  readonly readEvery: number;
  readonly valEvery: number;
  readonly checkpointEvery: number;
  /** Validation windows evaluated each time (evenly spaced over the validation part). */
  readonly valWindows?: number;
  /**
   * Also evaluate downstream at every validation point (isoplot data: validation loss against
   * VUS-PR, AUC-PR and the probes over training). Default true; costs one test pass each.
   */
  readonly isoplot?: boolean;
  readonly data: {
    readonly source: string;
    readonly fingerprint: string;
    readonly channels: readonly string[];
    /** Series (files) in the data set (absent in runs of older versions: 1). */
    readonly series?: number;
    readonly trainWindows: number;
    readonly valWindows: number;
    /** The split in words. */
    readonly split: string;
    /** The split as asked for (absent: the default rule). */
    readonly splitOptions?: { readonly trainRows?: number; readonly trainFraction?: number };
    readonly normalization: RunNormalization;
  };
  /** The reasoning lab (a token model on a corpus): how its primitives are scored; absent for sensor data. */
  readonly lab?: LabConfig;
  /** How residuals become scores and alarms (absent in runs of older versions: mean, pooled, 0.99 quantile). */
  readonly scoring?: ScoringConfig;
  readonly versions: Readonly<Record<string, string>>;
}

/** How a lab run scores the primitives at each validation point. */
export interface LabConfig {
  /** Items per primitive (the first of the seed's held-out pool). */
  readonly items: number;
  /** Solved examples before each item. */
  readonly shots: number;
  /** The seed the items are drawn from: the corpus's, the same for every run of a job. */
  readonly itemsSeed: number;
  /** A user's own items (--items), kept here so the run is reproducible from its config alone. */
  readonly userItems?: readonly UserItem[];
}

/** What a run streams while it trains (not written to disk: metrics.jsonl is the record). */
export type RunEvent =
  | {
      readonly type: 'stage';
      readonly stage: number;
      readonly stages: number;
      readonly layers: number;
      readonly steps: number;
      readonly step: number;
    }
  | {
      readonly type: 'step';
      readonly step: number;
      readonly totalSteps: number;
      readonly stage: number;
      readonly layers: number;
      readonly loss: number | null;
      readonly gradNorm: number | null;
      readonly lr: number;
      readonly tokensPerSec: number;
      readonly elapsedMs: number;
      readonly etaMs: number;
      readonly flops: number;
    }
  | { readonly type: 'val'; readonly step: number; readonly valLoss: number; readonly flops: number }
  | { readonly type: 'checkpoint'; readonly step: number; readonly file: string }
  /** Something the user should know that did not stop the run (a torn metrics line cut, a damaged checkpoint skipped). */
  | { readonly type: 'note'; readonly message: string };

/**
 * One line of metrics.jsonl, the run's history, in the order things happened. `step` counts
 * optimizer steps taken (1-based at the end of a step; a stage line's step is where it begins);
 * `flops` are the training FLOPs spent so far; `elapsedMs` is the run's own clock (it continues
 * across a resume). This union is the one definition of the file's format.
 */
export type MetricRecord =
  /** A stage begins (a growth when `stage` > 1); `resumed`: a resume continued inside it (no growth). */
  | {
      readonly type: 'stage';
      readonly stage: number;
      readonly layers: number;
      readonly steps: number;
      readonly step: number;
      readonly resumed?: true;
    }
  /** A training loss read back (every `readEvery` steps and at each stage's end). */
  | {
      readonly type: 'train';
      readonly step: number;
      readonly loss: number;
      readonly gradNorm: number;
      readonly lr: number;
      readonly flops: number;
      readonly elapsedMs: number;
      readonly skipped?: true;
    }
  /** A validation point: the mean next-patch MSE over the validation windows. */
  | {
      readonly type: 'val';
      readonly step: number;
      readonly valLoss: number;
      readonly flops: number;
      readonly layers: number;
    }
  /** Downstream quality at that validation point (labelled data: detection; always: probe accuracies). */
  | {
      readonly type: 'isoplot';
      readonly step: number;
      readonly layers: number;
      readonly valLoss: number;
      readonly vusPr?: number;
      readonly vusRoc?: number;
      readonly aucPr?: number;
      readonly aucRoc?: number;
      readonly f1?: number;
      readonly probes: Partial<Record<ProbeName, number>>;
      /** The reasoning lab: each primitive's accuracy at this point. */
      readonly primitives?: Readonly<Record<string, number>>;
    };

export interface StageReport {
  readonly layers: number;
  readonly steps: number;
  readonly flops: number;
  readonly wallMs: number;
  /** The part of wallMs spent validating (validation loss, detection and probes at validation points); absent in older reports. */
  readonly evalMs?: number;
}

/** report.json: how a run ended and what it scored. */
export interface RunReport {
  readonly variant: Variant;
  readonly seed: number;
  readonly dir: string;
  readonly status: 'finished' | 'cancelled';
  readonly stages: StageReport[];
  readonly totalFlops: number;
  readonly wallMs: number;
  /** The part of wallMs spent validating (absent in older reports): wallMs less it is the training time speed-ups compare. */
  readonly evalMs?: number;
  readonly finalValLoss: number | null;
  readonly finalTrainLoss: number | null;
  /** Anomaly detection on the test part with the final model (labelled data only). */
  readonly evaluation?: Evaluation | null;
  /** The baselines on the same split, seeded with the run's seed (labelled data only). */
  readonly baselines?: Partial<Record<BaselineName, Evaluation>>;
  /** What alarming on every test row, or on none, scores (labelled data only). */
  readonly trivial?: TrivialDetectors;
  /** The reasoning probes with the final model (items from this seed; the same for every variant). */
  readonly probes?: Record<ProbeName, ProbeScore | null> | null;
  /** The copy and lookup probes at 1, 3 and 7 distractors with the final model (sensor data; absent in older reports). */
  readonly ladders?: Ladders;
  /** The reasoning lab: each primitive's exact-match accuracy with the final model (absent for sensor data). */
  readonly primitives?: Readonly<Record<string, PrimitiveScore>> | null;
  /** The median spacing of the test rows' timestamps in seconds (absent without timestamps): delays in time, not rows. */
  readonly samplingSeconds?: number;
  /**
   * Trained with up to this many runs at once in its process (`--parallel`, absent: alone): its
   * wall-clock is shared with theirs, so it times no speed-up.
   */
  readonly sharedWith?: number;
  /**
   * Seeds batched in one session (--seed-batch): the size of the run's group, whose members'
   * times are the group's; a speed-up compares runs batched alike.
   */
  readonly seedBatch?: number;
}
