/**
 * From the user's choices (variants, preset, depth, steps, seeds…) and a data set to the run
 * configurations of one training job: shared by `stacklab train` and the app's jobs.
 */
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { DeviceChoice, ExecutionProviderName } from '../../shared/system';
import { APP_VERSION } from '../app-meta';
import { corpusPrepared } from '../data/corpus';
import type { Dataset } from '../data/dataset';
import { flopMatchedName, stagesOf, type GrowthConfig, type Variant } from '../../shared/growth';
import {
  fieldProblem,
  PLAN_FIELDS,
  PLAN_KEYS,
  planDefault,
  resolveGrowth,
  type NormalizeMode,
  type PlanInput,
  type PlanKey,
  type ScoreCombine,
  type ThresholdScope,
} from '../../shared/plan';
import { LAB_PRESETS, PRESETS, windowLength, type PatchTransformerConfig } from '../models/patch-transformer';
import type { PresetName } from '../../shared/presets';
import { DEFAULT_ADAMW } from '../train/adamw';
import { normalizationRecord, prepareRunData, type PreparedData } from '../data/prepared';
import { UnfitDataError } from '../data/fitness';
import { SplitError, type SplitOptions } from '../data/split';
import type { ScoringConfig } from '../eval/evaluate';
import { DEFAULT_THRESHOLD } from '../eval/scores';
import { defined } from '../../shared/ipc';
import { stepFlops, trainingFlops } from './schedule';
import type { RunConfig, TimedRunData } from './types';
import { precisionProblem, type Precision } from '../../shared/precision';

/** A choice that cannot be trained (a usage error for the CLI, a message for the app). */
export class PlanError extends Error {
  override readonly name = 'PlanError';
}

/** How the data are split and scored, every choice made (null: the data decide, as each field says). */
export interface ResolvedDataPlan {
  /** The first N rows of every series train and validate; null: the split's default rule. */
  readonly trainRows: number | null;
  /** The leading share of every series trains and validates; null: the split's default rule. */
  readonly trainFraction: number | null;
  /** null: per-series for several series that each have normal training rows of their own, else pooled. */
  readonly normalize: NormalizeMode | null;
  /** null: as the normalisation. */
  readonly threshold: ThresholdScope | null;
  readonly combine: ScoreCombine;
  /** Rows every detector's scores are averaged over (1: none). */
  readonly smooth: number;
}

/** A plan with every default filled in: nothing below `resolvePlan` defaults a field. */
export interface ResolvedPlan {
  readonly preset: PresetName;
  readonly variants: readonly Variant[];
  /** Also train a baseline given the FLOPs of this variant. */
  readonly flopMatched: Variant | null;
  readonly growth: GrowthConfig;
  readonly seeds: number;
  readonly lr: number;
  readonly resetMoments: boolean;
  readonly rewarmup: number;
  readonly precision: Precision;
  /** null: the default device of the app's Settings (the command line's is auto). */
  readonly device: DeviceChoice | null;
  readonly data: ResolvedDataPlan;
  /** The reasoning lab's scoring (used where the data are a corpus). */
  readonly labItems: number;
  readonly shots: number;
}

/**
 * Checks every field of a plan against its row in PLAN_FIELDS and fills in the defaults (no data
 * needed). A plan from the command line arrives here unchecked; one from a request or job.json
 * was checked at that boundary by the same rows.
 */
export function resolvePlan(plan: PlanInput): ResolvedPlan {
  const asked = plan as Readonly<Record<PlanKey, unknown>>;
  for (const key of PLAN_KEYS) {
    const v = asked[key];
    if (v === undefined && PLAN_FIELDS[key].required) throw new PlanError(`${PLAN_FIELDS[key].noun}: none given`);
    const problem = v === undefined ? null : fieldProblem(key, v);
    if (problem) throw new PlanError(`${PLAN_FIELDS[key].noun} ${problem}, got ${showValue(v)}`);
  }
  const { preset } = plan;
  const growth: GrowthConfig = resolveGrowth(plan);
  // A default depth may not suit the block the user chose (and the other way round).
  for (const key of ['layers', 'block'] as const) {
    const problem = fieldProblem(key, growth[key]);
    if (problem) throw new PlanError(`${PLAN_FIELDS[key].noun} ${problem}, got ${growth[key]}`);
  }
  for (const v of new Set([...plan.variants, ...(plan.flopMatched ? [plan.flopMatched] : [])])) {
    try {
      stagesOf(v, growth);
    } catch (err) {
      throw new PlanError((err as Error).message);
    }
  }
  if (plan.trainRows !== undefined && plan.trainFraction !== undefined)
    throw new PlanError('give either the training rows per series or the training fraction, not both');
  return {
    preset,
    variants: plan.variants,
    flopMatched: plan.flopMatched ?? null,
    growth,
    seeds: plan.seeds,
    lr: plan.lr ?? planDefault('lr')!,
    resetMoments: plan.resetMoments ?? planDefault('resetMoments')!,
    rewarmup: plan.rewarmup ?? planDefault('rewarmup')!,
    precision: plan.precision ?? planDefault('precision')!,
    device: plan.device ?? null,
    labItems: plan.labItems ?? planDefault('labItems')!,
    shots: plan.shots ?? planDefault('shots')!,
    data: {
      trainRows: plan.trainRows ?? null,
      trainFraction: plan.trainFraction ?? null,
      normalize: plan.normalize ?? null,
      threshold: plan.threshold ?? null,
      combine: plan.combine ?? planDefault('combine')!,
      // The model predicts a patch at a time: every detector's scores are averaged over one patch.
      smooth: plan.smooth ?? PRESETS[preset].patchLen,
    },
  };
}

/** A value as an error message shows it: numbers as typed, words in quotes. */
function showValue(v: unknown): string {
  return typeof v === 'string' ? `"${v}"` : typeof v === 'number' ? String(v) : JSON.stringify(v);
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
  // A corpus trains a token model (the reasoning lab); sensor data a forecaster of patches.
  const lab = ds.corpus;
  const model: PatchTransformerConfig = lab
    ? { ...LAB_PRESETS[preset], layers: growth.layers, channels: 1 }
    : { ...PRESETS[preset], layers: growth.layers, channels: ds.channels.length };
  const split = defined({
    trainRows: plan.data.trainRows ?? undefined,
    trainFraction: plan.data.trainFraction ?? undefined,
  });
  const splitOptions = defined({ ...split, normalize: plan.data.normalize ?? undefined });
  let data: PreparedData;
  try {
    data = lab ? corpusPrepared(lab, windowLength(model)) : prepare(ds, windowLength(model), splitOptions);
  } catch (err) {
    // Unfit data keep their findings (the command line prints them all); a split the data cannot give is the plan's.
    if (err instanceof SplitError && !(err instanceof UnfitDataError)) throw new PlanError(err.message);
    throw err;
  }
  const normalization = data.splits.normalization;
  // Thresholds fitted as the data were normalised unless the plan says otherwise (the data decided that).
  const scoring: ScoringConfig = {
    combine: plan.data.combine,
    threshold: plan.data.threshold ?? normalization.mode,
    rule: DEFAULT_THRESHOLD,
    smooth: plan.data.smooth,
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
      ...(Object.keys(split).length ? { splitOptions: split } : {}),
      normalization: normalizationRecord(ds, data.splits),
    },
    scoring,
    ...(lab
      ? {
          lab: {
            items: plan.labItems,
            shots: plan.shots,
            itemsSeed: lab.itemsSeed,
            ...(lab.userItems ? { userItems: lab.userItems } : {}),
          },
        }
      : {}),
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
