/**
 * The training plan: every choice a user makes for one job (variants × seeds), as one table of
 * fields. The IPC and job.json validator, the command line's options and usage, the engine's
 * defaults and range checks, and the plan store's fields, defaults and range messages all derive
 * from `PLAN_FIELDS`: adding an option is one row here plus its use (the engine's `resolvePlan`,
 * and a control in the Variants step).
 *
 * A plan as it is asked for and stored (requests, job.json, session.json) holds only the fields
 * the user set; the engine's `resolvePlan` (src/engine/runs/plan.ts) fills in every default, so no
 * layer below it defaults anything.
 */
import { defaultBlock, VARIANTS, type GrowthConfig } from './growth';
import { inRange, LIMITS, rangeText, type Range } from './limits';
import { PRECISIONS } from './precision';
import { PRESET_DEFAULTS, PRESET_NAMES } from './presets';
import type { DataFitness } from './profile';
import { DEVICE_CHOICES } from './system';

/** How series are standardised: each by its own normal training rows, or all by the pooled statistics. */
export const NORMALIZE_MODES = ['per-series', 'pooled'] as const;
export type NormalizeMode = (typeof NORMALIZE_MODES)[number];
/** Where alarm thresholds are fitted: on each series' own normal validation rows, or on all of them. */
export const THRESHOLD_SCOPES = ['per-series', 'pooled'] as const;
export type ThresholdScope = (typeof THRESHOLD_SCOPES)[number];
/** How the per-channel (robustly scaled) residuals become one score per time step. */
export const SCORE_COMBINES = ['mean', 'max'] as const;
export type ScoreCombine = (typeof SCORE_COMBINES)[number];

/** What every field says about itself: where the user meets it and how it is described. */
interface FieldText {
  /** The command-line option (`--train-rows`) and the name of its value in the usage (`N`; none for a switch). */
  readonly flag: string;
  readonly arg?: string;
  /** One line for `stacklab train --help`. */
  readonly help: string;
  /** The field in a sentence of the engine ("the number of seeds must be …"). */
  readonly noun: string;
  /** The field's label in the wizard ("Seeds must be …."). */
  readonly title: string;
  /** The default in words where it is not one value ("the preset's"); else the value's own text. */
  readonly defaultText?: string;
}

/** One row of the table; `T` is the field's value and `R` whether a plan must carry it. */
export type PlanField<T = unknown, R extends boolean = boolean> = FieldText & {
  readonly required: R;
  /** The value a plan gets when the field is left out (none where the data or other fields decide). */
  readonly default?: T;
  /** Only the type uses it. */
  readonly __value?: T;
} & (
    | { readonly kind: 'choice'; readonly values: readonly string[] }
    | { readonly kind: 'list'; readonly values: readonly string[]; readonly item: string }
    | { readonly kind: 'number'; readonly range: Range }
    | { readonly kind: 'switch' }
    | { readonly kind: 'text' }
  );

type Options<T, R extends boolean> = FieldText & { readonly default?: T; readonly required?: R };
const row = <T, R extends boolean>(o: Options<T, R>, shape: object) =>
  ({ required: false, ...o, ...shape }) as PlanField<T, R>;
const choice = <T extends string, R extends boolean = false>(values: readonly T[], o: Options<T, R>) =>
  row<T, R>(o, { kind: 'choice', values });
const list = <T extends string, R extends boolean = false>(
  values: readonly T[],
  item: string,
  o: Options<readonly T[], R>,
) => row<readonly T[], R>(o, { kind: 'list', values, item });
const num = <R extends boolean = false>(range: Range, o: Options<number, R>) =>
  row<number, R>(o, { kind: 'number', range });

/** Every field of a training plan, in the order the usage lists them. */
export const PLAN_FIELDS = {
  variants: list(VARIANTS, 'variant', {
    required: true,
    default: ['baseline', 'gradstack', 'midas'],
    flag: '--variants',
    arg: 'a,b,…',
    help: `the depth schedules to compare, of ${VARIANTS.join(', ')}`,
    noun: 'the variants',
    title: 'Variants',
  }),
  preset: choice(PRESET_NAMES, {
    required: true,
    default: 'tiny',
    flag: '--preset',
    arg: 'P',
    help: `the model size: ${PRESET_NAMES.join(' | ')}`,
    noun: 'the preset',
    title: 'Model preset',
  }),
  layers: num(LIMITS.layers, {
    flag: '--layers',
    arg: 'L',
    help: 'the target depth every variant ends at',
    defaultText: `the preset's: ${PRESET_NAMES.map((p) => `${p} ${PRESET_DEFAULTS[p].layers}`).join(', ')} layers`,
    noun: 'the depth',
    title: 'Depth',
  }),
  block: num(LIMITS.block, {
    flag: '--block',
    arg: 'b',
    help: 'layers added per growth',
    defaultText: '2 from 6 layers, else 1 (at least 3 blocks, so GradStack and MIDAS differ)',
    noun: 'the block size',
    title: 'Block size',
  }),
  alpha: num(LIMITS.alpha, {
    default: 1,
    flag: '--alpha',
    arg: 'α',
    help: `Prop-α stage schedule: stage i gets steps ∝ iᵅ, ${LIMITS.alpha.min} to ${LIMITS.alpha.max} (0: every stage the same)`,
    noun: 'Prop-α',
    title: 'Prop-α',
  }),
  steps: num(LIMITS.steps, {
    flag: '--steps',
    arg: 'T',
    help: 'total steps per run, the same for every variant',
    defaultText: `the preset's: ${PRESET_NAMES.map((p) => `${PRESET_DEFAULTS[p].steps} for ${p}`).join(', ')}`,
    noun: 'the step budget',
    title: 'Steps',
  }),
  seeds: num(LIMITS.seeds, {
    required: true,
    default: 3,
    flag: '--seeds',
    arg: 'N',
    help: `seeds 1..N per variant, N ≤ ${LIMITS.seeds.max}: intervals need several`,
    noun: 'the number of seeds',
    title: 'Seeds',
  }),
  device: choice(DEVICE_CHOICES, {
    flag: '--device',
    arg: 'D',
    help: `where to train: ${DEVICE_CHOICES.join(' | ')}`,
    defaultText: 'auto; in the app, the device in Settings',
    noun: 'the device',
    title: 'Device',
  }),
  precision: choice(PRECISIONS, {
    default: 'fp32',
    flag: '--precision',
    arg: 'P',
    help: `${PRECISIONS.join(' | ')}: fp32 is strict (no TF32); tf32 and bf16 need cuda, fp16 cuda or cpu`,
    noun: 'the precision',
    title: 'Precision',
  }),
  flopMatched: choice(VARIANTS, {
    flag: '--flop-matched',
    arg: 'V',
    help: 'also train a baseline given the FLOPs of variant V',
    defaultText: 'none',
    noun: 'the FLOP-matched baseline',
    title: 'FLOP-matched baseline',
  }),
  lr: num(LIMITS.lr, {
    default: 1e-3,
    flag: '--lr',
    arg: 'R',
    help: 'peak learning rate: warmup over 5% of the steps, cosine to 10% of it',
    noun: 'the learning rate',
    title: 'Learning rate',
  }),
  resetMoments: row<boolean, false>(
    {
      default: false,
      flag: '--reset-moments',
      help: 'reset Adam moments at growth',
      defaultText: "off: the copied block's moments are copied too",
      noun: 'resetting the moments',
      title: 'Reset moments at growth',
    },
    { kind: 'switch' },
  ),
  rewarmup: num(LIMITS.rewarmup, {
    default: 0,
    flag: '--rewarmup',
    arg: 'N',
    help: 're-warm the learning rate over N steps after each growth',
    noun: 'the re-warmup',
    title: 'Re-warmup steps',
  }),
  labItems: num(LIMITS.labItems, {
    default: 128,
    flag: '--lab-items',
    arg: 'N',
    help: 'reasoning lab: items per primitive each validation point scores (more: narrower intervals, slower)',
    noun: 'the items per primitive',
    title: 'Items per primitive',
  }),
  shots: num(LIMITS.shots, {
    default: 5,
    flag: '--shots',
    arg: 'K',
    help: 'reasoning lab: solved examples before each item (fewer where the context is short)',
    noun: 'the shots',
    title: 'Shots (k)',
  }),
  name: row<string, false>(
    {
      flag: '--name',
      arg: 'TEXT',
      help: 'a name for the job, as the run library shows it',
      defaultText: 'data · variants · preset · start time',
      noun: 'the job name',
      title: 'Job name',
    },
    { kind: 'text' },
  ),
  trainRows: num(LIMITS.trainRows, {
    flag: '--train-rows',
    arg: 'N',
    help: 'the first N rows of every series train and validate, the rest is test',
    defaultText: 'anomaly-free files train if there are any, else the leading 0.6 of each series',
    noun: 'the training rows per series',
    title: 'Training rows per series',
  }),
  trainFraction: num(LIMITS.trainFraction, {
    flag: '--train-fraction',
    arg: 'F',
    help: `the leading share F of every series trains and validates, ${LIMITS.trainFraction.min} to ${LIMITS.trainFraction.max}`,
    defaultText: 'as --train-rows',
    noun: 'the training fraction',
    title: 'Training share',
  }),
  normalize: choice(NORMALIZE_MODES, {
    flag: '--normalize',
    arg: 'M',
    help: `${NORMALIZE_MODES.join(' | ')} standardisation of the series`,
    defaultText: 'per-series for several series that each have normal training rows of their own, else pooled',
    noun: 'the normalisation',
    title: 'Normalisation',
  }),
  threshold: choice(THRESHOLD_SCOPES, {
    flag: '--threshold',
    arg: 'S',
    help: `${THRESHOLD_SCOPES.join(' | ')} alarm thresholds`,
    defaultText: 'as the normalisation',
    noun: 'the alarm thresholds',
    title: 'Alarm thresholds',
  }),
  combine: choice(SCORE_COMBINES, {
    default: 'mean',
    flag: '--combine',
    arg: 'C',
    help: `${SCORE_COMBINES.join(' | ')} of the per-channel residual scores`,
    noun: 'the channel combination',
    title: 'Channels combined by',
  }),
  smooth: num(LIMITS.smooth, {
    flag: '--smooth',
    arg: 'N',
    help: "average every detector's scores over N rows, causally (1: none)",
    defaultText: 'one patch',
    noun: 'the smoothing',
    title: 'Smoothing',
  }),
};

type Fields = typeof PLAN_FIELDS;
export type PlanKey = keyof Fields;
type ValueOf<F> = F extends PlanField<infer T> ? T : never;
type RequiredKey = { [K in PlanKey]: Fields[K] extends PlanField<unknown, true> ? K : never }[PlanKey];

/** A plan as asked for and stored: the required fields and those the user set. */
export type PlanInput = { readonly [K in RequiredKey]: ValueOf<Fields[K]> } & {
  readonly [K in Exclude<PlanKey, RequiredKey>]?: ValueOf<Fields[K]>;
};

/** A plan for a data set the engine holds (the Variants step's request). */
export interface TrainPlan extends PlanInput {
  readonly datasetId: string;
}

/** The plan's fields, in the table's order. */
export const PLAN_KEYS = Object.keys(PLAN_FIELDS) as PlanKey[];

/** The field's value when left out, where one value is the default. */
export function planDefault<K extends PlanKey>(key: K): ValueOf<Fields[K]> | undefined {
  return (PLAN_FIELDS[key] as PlanField).default as ValueOf<Fields[K]> | undefined;
}

/** The default in words, for usage lines and placeholders. */
export function defaultText(key: PlanKey): string | undefined {
  const f: PlanField = PLAN_FIELDS[key];
  if (f.defaultText !== undefined) return f.defaultText;
  if (f.default === undefined) return undefined;
  return Array.isArray(f.default) ? f.default.join(',') : String(f.default);
}

/**
 * What is wrong with a value of a field, as the rest of a sentence that begins with the field
 * ("must be one of tiny, small, base"); null when nothing is. Callers begin the sentence their own
 * way (a request's `"seeds" …`, the engine's `the number of seeds …`).
 */
export function fieldProblem(key: PlanKey, v: unknown): string | null {
  const f: PlanField = PLAN_FIELDS[key];
  switch (f.kind) {
    case 'choice':
      return f.values.includes(v as string) ? null : `must be one of ${f.values.join(', ')}`;
    case 'list':
      if (!Array.isArray(v) || v.length === 0 || v.some((x) => !f.values.includes(x)))
        return `must be a non-empty list of ${f.values.join(', ')}`;
      return new Set(v).size === v.length ? null : `lists a ${f.item} twice`;
    case 'number':
      return inRange(v, f.range) ? null : `must be ${rangeText(f.range)}`;
    case 'switch':
      return typeof v === 'boolean' ? null : 'must be true or false';
    case 'text':
      return typeof v === 'string' && v.length > 0 ? null : 'must be a non-empty string';
  }
}

/** What a required field takes, for "is required (…)". */
export function requiredText(key: PlanKey): string {
  const f: PlanField = PLAN_FIELDS[key];
  if (f.kind === 'number') return `${f.range.min} to ${f.range.max}`;
  return f.kind === 'choice' || f.kind === 'list' ? f.values.join(', ') : f.kind;
}

/** The growth fields of a plan: what the user set, the defaults of its preset for the rest. */
export type GrowthFields = Pick<PlanInput, 'preset' | 'layers' | 'block' | 'alpha' | 'steps'>;

export type GrowthSettings = Pick<GrowthConfig, 'layers' | 'block' | 'alpha' | 'steps'>;

/** Depth, block, α and steps with the blanks filled in: the preset's depth and steps, the default block for that depth. */
export function resolveGrowth(plan: GrowthFields): GrowthSettings {
  const layers = plan.layers ?? PRESET_DEFAULTS[plan.preset].layers;
  return {
    layers,
    block: plan.block ?? defaultBlock(layers),
    alpha: plan.alpha ?? PLAN_FIELDS.alpha.default!,
    steps: plan.steps ?? PRESET_DEFAULTS[plan.preset].steps,
  };
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
  /** The data checked for this split and window (warnings only: data with errors get no estimate). */
  readonly fitness: DataFitness;
}
