/**
 * From the user's choices (variants, preset, depth, steps, seeds…) and a data set to the run
 * configurations of one training job: shared by `stacklab train` and the app's jobs.
 */
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { ExecutionProviderName } from '../../shared/system';
import { APP_VERSION } from '../app-meta';
import type { Dataset } from '../data/dataset';
import { stagesOf, VARIANTS, type GrowthConfig, type Variant } from '../growth/growth';
import { defaultBlock, flopMatchedName } from '../../shared/growth';
import { PLAN_DEFAULTS } from '../../shared/defaults';
import { inRange, LIMITS, rangeText, type Range } from '../../shared/limits';
import { PRESET_DEFAULTS, PRESET_NAMES } from '../../shared/presets';
import { PRESETS, windowLength, type PatchTransformerConfig, type PresetName } from '../models/patch-transformer';
import { DEFAULT_ADAMW } from '../train/adamw';
import { normalizationRecord, prepareRunData, type PreparedData } from '../data/prepared';
import { SplitError, type SplitOptions } from '../data/split';
import type { ScoringConfig } from '../eval/evaluate';
import { DEFAULT_THRESHOLD } from '../eval/scores';
import { defined } from '../../shared/ipc';
import type { DataPlan, TrainPlan } from '../../shared/jobs';
import { stepFlops, trainingFlops } from './schedule';
import type { RunConfig, TimedRunData } from './types';
import { DEFAULT_PRECISION, isPrecision, precisionProblem, PRECISIONS, type Precision } from '../../shared/precision';

/** A choice that cannot be trained (a usage error for the CLI, a message for the app). */
export class PlanError extends Error {
  override readonly name = 'PlanError';
}

export interface PlanOptions {
  readonly variants: readonly string[];
  readonly preset: string;
  readonly layers?: number;
  readonly block?: number;
  readonly alpha?: number;
  readonly steps?: number;
  readonly seeds: number;
  /** Also train a baseline given the FLOPs of this variant. */
  readonly flopMatched?: string;
  readonly lr?: number;
  readonly resetMoments?: boolean;
  readonly rewarmup?: number;
  /** Numeric precision (default fp32). */
  readonly precision?: string;
  /** The split, normalisation and scoring (defaults: the engine's rules). */
  readonly data?: DataPlan;
}

export interface ResolvedPlan {
  readonly preset: PresetName;
  readonly variants: Variant[];
  readonly flopMatched?: Variant;
  readonly growth: GrowthConfig;
  readonly seeds: number;
  readonly lr: number;
  readonly resetMoments: boolean;
  readonly rewarmup: number;
  readonly precision: Precision;
  readonly data: DataPlan;
}

/** A stored plan (job.json's, the app's TrainPlan) as plan options. */
export function planOptionsOf(plan: Omit<TrainPlan, 'datasetId'>): PlanOptions {
  return {
    variants: plan.variants,
    preset: plan.preset,
    seeds: plan.seeds,
    ...defined({
      layers: plan.layers,
      block: plan.block,
      alpha: plan.alpha,
      steps: plan.steps,
      flopMatched: plan.flopMatched,
      lr: plan.lr,
      resetMoments: plan.resetMoments,
      rewarmup: plan.rewarmup,
      precision: plan.precision,
    }),
    data: defined({
      trainRows: plan.trainRows,
      trainFraction: plan.trainFraction,
      normalize: plan.normalize,
      threshold: plan.threshold,
      combine: plan.combine,
      smooth: plan.smooth,
    }),
  };
}

/** Checks the choices and fills in the defaults (no data needed). */
/** The largest learning rate a plan may ask for (anything near it diverges; beyond, it is a typo). */
export const MAX_LR = 1000;

export function resolvePlan(o: PlanOptions): ResolvedPlan {
  if (!(PRESET_NAMES as readonly string[]).includes(o.preset) || !(o.preset in PRESETS))
    throw new PlanError(`the preset must be ${PRESET_NAMES.join(', ')}, got "${o.preset}"`);
  const preset = o.preset as PresetName;
  if (o.variants.length === 0) throw new PlanError('choose at least one variant');
  for (const v of o.variants)
    if (!(VARIANTS as readonly string[]).includes(v))
      throw new PlanError(`unknown variant "${v}" (known: ${VARIANTS.join(', ')})`);
  if (o.flopMatched !== undefined && !(VARIANTS as readonly string[]).includes(o.flopMatched))
    throw new PlanError(`the FLOP-matched baseline must name a variant, got "${o.flopMatched}"`);
  // The same bounds as the app's fields (src/shared/limits.ts).
  const int = (name: string, v: number | undefined, fallback: number, range: Range) => {
    const n = v ?? fallback;
    if (!Number.isInteger(n) || n < 1) throw new PlanError(`${name} must be a positive integer, got ${v}`);
    if (!inRange(n, range)) throw new PlanError(`${name} must be ${rangeText(range)}, got ${n}`);
    return n;
  };
  const layers = int('the depth', o.layers, PRESET_DEFAULTS[preset].layers, LIMITS.layers);
  const block = int('the block size', o.block, defaultBlock(layers), LIMITS.block);
  const steps = int('the step budget', o.steps, PRESET_DEFAULTS[preset].steps, LIMITS.steps);
  const seeds = int('the number of seeds', o.seeds, PLAN_DEFAULTS.seeds, LIMITS.seeds);
  // The app's bounds (LIMITS) for the CLI too: a plan one side accepts, the other reads back (job.json, queue tasks).
  const alpha = o.alpha ?? PLAN_DEFAULTS.alpha;
  if (!inRange(alpha, LIMITS.alpha)) throw new PlanError(`Prop-α must be ${rangeText(LIMITS.alpha)}, got ${o.alpha}`);
  const lr = o.lr ?? PLAN_DEFAULTS.lr;
  if (!(lr > 0 && lr <= MAX_LR))
    throw new PlanError(`the learning rate must be a positive number up to ${MAX_LR}, got ${o.lr}`);
  const rewarmup = o.rewarmup ?? PLAN_DEFAULTS.rewarmup;
  if (!(Number.isInteger(rewarmup) && rewarmup >= 0 && rewarmup <= LIMITS.steps.max))
    throw new PlanError(
      `the re-warmup must be a whole number of steps from 0 to ${LIMITS.steps.max}, got ${o.rewarmup}`,
    );
  const precision = o.precision ?? DEFAULT_PRECISION;
  if (!isPrecision(precision))
    throw new PlanError(`the precision must be ${PRECISIONS.join(', ')}, got "${o.precision}"`);
  const growth: GrowthConfig = { layers, block, alpha, steps };
  const variants = o.variants as Variant[];
  for (const v of new Set([...variants, ...(o.flopMatched ? [o.flopMatched as Variant] : [])])) {
    try {
      stagesOf(v, growth);
    } catch (err) {
      throw new PlanError((err as Error).message);
    }
  }
  const data = o.data ?? {};
  if (data.trainRows !== undefined && !inRange(data.trainRows, LIMITS.trainRows))
    throw new PlanError(`the training rows per series must be ${rangeText(LIMITS.trainRows)}, got ${data.trainRows}`);
  if (data.trainFraction !== undefined && !inRange(data.trainFraction, LIMITS.trainFraction))
    throw new PlanError(`the training fraction must be ${rangeText(LIMITS.trainFraction)}, got ${data.trainFraction}`);
  if (data.trainRows !== undefined && data.trainFraction !== undefined)
    throw new PlanError('give either the training rows per series or the training fraction, not both');
  if (data.smooth !== undefined && !inRange(data.smooth, LIMITS.smooth))
    throw new PlanError(`the smoothing must be ${rangeText(LIMITS.smooth)} rows (1: none), got ${data.smooth}`);
  return {
    preset,
    variants,
    ...(o.flopMatched ? { flopMatched: o.flopMatched as Variant } : {}),
    growth,
    seeds,
    lr,
    resetMoments: o.resetMoments ?? false,
    rewarmup,
    precision,
    data,
  };
}

export interface PlannedRun {
  /** The row name: the variant, or "baseline≈midas". */
  readonly name: string;
  readonly dir: string;
  readonly config: RunConfig;
}

export interface JobPlan {
  readonly plan: ResolvedPlan;
  readonly model: PatchTransformerConfig;
  readonly data: PreparedData & TimedRunData;
  readonly runs: PlannedRun[];
}

/** Each matrix row's time (epoch ms), the series one after another as in the matrix; null unless every series has timestamps. */
function rowTimes(ds: Dataset): Float64Array | null {
  if (ds.series.some((s) => !s.timestamps)) return null;
  const out = new Float64Array(ds.series.reduce((a, s) => a + s.rows, 0));
  let at = 0;
  for (const s of ds.series) {
    out.set(s.timestamps!.subarray(0, s.rows), at);
    at += s.rows;
  }
  return out;
}

/**
 * The run configurations of a job, seed by seed (every variant of seed 1 first). `prepare`
 * turns the data set into windows of the model's length (default: prepareRunData; a caller that
 * plans often for one data set can cache it).
 */
export function planJob(
  plan: ResolvedPlan,
  ds: Dataset,
  source: string,
  device: ExecutionProviderName,
  out: string,
  prepare: (ds: Dataset, windowRows: number, split: SplitOptions) => PreparedData = prepareRunData,
): JobPlan {
  const { growth, preset } = plan;
  const unsupported = precisionProblem(plan.precision, device);
  if (unsupported) throw new PlanError(unsupported);
  const model: PatchTransformerConfig = { ...PRESETS[preset], layers: growth.layers, channels: ds.channels.length };
  const splitOptions = defined({
    trainRows: plan.data.trainRows,
    trainFraction: plan.data.trainFraction,
    normalize: plan.data.normalize,
  });
  let data: PreparedData;
  try {
    data = prepare(ds, windowLength(model), splitOptions);
  } catch (err) {
    if (err instanceof SplitError) throw new PlanError(err.message);
    throw err;
  }
  const normalization = data.splits.normalization;
  // Every detector's scores are averaged over one patch by default: the model predicts a patch at a time.
  const scoring: ScoringConfig = {
    combine: plan.data.combine ?? 'mean',
    threshold: plan.data.threshold ?? normalization.mode,
    rule: DEFAULT_THRESHOLD,
    smooth: plan.data.smooth ?? model.patchLen,
  };
  const steps = growth.steps;
  // Warmup 5%, cosine to 10% of the peak over the run's own steps (a FLOP-matched run's too).
  const schedule = (total: number): RunConfig['schedule'] => ({
    kind: 'cosine',
    lr: plan.lr,
    warmup: Math.max(1, Math.round(total * 0.05)),
    total,
    final: plan.lr * 0.1,
  });
  const base: Omit<RunConfig, 'variant' | 'seed' | 'growth' | 'schedule'> = {
    preset,
    model,
    optimizer: { ...DEFAULT_ADAMW, stateAtGrowth: plan.resetMoments ? 'reset' : 'copy', rewarmupSteps: plan.rewarmup },
    device,
    precision: plan.precision,
    readEvery: 10,
    valEvery: Math.max(10, Math.round(steps / 10)),
    checkpointEvery: Math.max(10, Math.round(steps / 5)),
    data: {
      source,
      fingerprint: data.fingerprint,
      channels: ds.channels,
      series: ds.series.length,
      trainWindows: data.trainStarts.length,
      valWindows: data.valStarts.length,
      split: data.splits.strategy,
      ...(plan.data.trainRows !== undefined || plan.data.trainFraction !== undefined
        ? { splitOptions: defined({ trainRows: plan.data.trainRows, trainFraction: plan.data.trainFraction }) }
        : {}),
      normalization: normalizationRecord(ds, data.splits),
    },
    scoring,
    versions: { stacklab: APP_VERSION, onnxruntime: ort.env.versions.common ?? 'unknown', node: process.versions.node },
  };
  const runs: PlannedRun[] = [];
  for (let seed = 1; seed <= plan.seeds; seed++) {
    for (const v of plan.variants)
      runs.push({
        name: v,
        dir: path.join(out, `${v}-s${seed}`),
        config: { ...base, schedule: schedule(steps), variant: v, seed, growth },
      });
    const fm = plan.flopMatched;
    if (fm) {
      const target = trainingFlops(model, stagesOf(fm, growth));
      const fmSteps = Math.max(1, Math.round(target / stepFlops(model, growth.layers)));
      runs.push({
        name: flopMatchedName(fm),
        dir: path.join(out, `baseline-flopmatched-${fm}-s${seed}`),
        config: {
          ...base,
          schedule: schedule(fmSteps),
          variant: 'baseline',
          flopMatchedTo: fm,
          seed,
          growth: { ...growth, steps: fmSteps },
        },
      });
    }
  }
  const times = rowTimes(ds);
  return { plan, model, data: times ? { ...data, times } : data, runs };
}
