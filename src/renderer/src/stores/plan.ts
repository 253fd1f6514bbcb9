/**
 * The training plan the Variants step edits: the variants, the model and budget, the device, how
 * the data are split and scored, what is wrong with it, and the engine's estimate of its cost
 * (asked for once the settings stop changing).
 */
import { defineStore } from 'pinia';
import { computed, onScopeDispose, ref, watch } from 'vue';
import { PLAN_DEFAULTS, resolveGrowth } from '../../../shared/defaults';
import { sameSchedules, VARIANTS, type Variant } from '../../../shared/growth';
import type { NormalizeMode, PlanEstimate, ScoreCombine, ThresholdScope, TrainPlan } from '../../../shared/jobs';
import { inRange, LIMITS, rangeText } from '../../../shared/limits';
import type { PresetName } from '../../../shared/presets';
import { DEVICE_CHOICES, type DeviceChoice } from '../../../shared/system';
import type { Precision } from '../../../shared/precision';
import { useApi } from '../api';
import { stagesFor } from '../model/stages';
import { useWizardStore } from './wizard';

/** Quiet time after the last plan change before an estimate is asked for. */
export const ESTIMATE_DELAY_MS = 400;

/** How the Variants step splits every series: the engine's rule, the first N rows, or a leading share. */
export type SplitMode = 'default' | 'rows' | 'fraction';

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

export const usePlanStore = defineStore('plan', () => {
  const api = useApi();
  const wizard = useWizardStore();

  const variants = ref<Variant[]>([...PLAN_DEFAULTS.variants]);
  const preset = ref<PresetName>(PLAN_DEFAULTS.preset);
  const layers = ref<number | undefined>();
  const block = ref<number | undefined>();
  const alpha = ref<number | undefined>();
  const steps = ref<number | undefined>();
  const seeds = ref(PLAN_DEFAULTS.seeds);
  /** null: the default device from Settings (the engine applies it). */
  const device = ref<DeviceChoice | null>(null);
  /** The default device in Settings, for display. */
  const settingsDevice = ref<DeviceChoice | null>(null);
  /** undefined: fp32, the engine's default. */
  const precision = ref<Precision | undefined>();
  const flopMatched = ref<Variant | undefined>();
  const name = ref('');
  // ---- how the data are split and scored (undefined: the engine's default) ----
  const splitMode = ref<SplitMode>('default');
  const trainRows = ref<number | undefined>();
  const trainFraction = ref<number | undefined>();
  const normalize = ref<NormalizeMode | undefined>();
  const threshold = ref<ThresholdScope | undefined>();
  const combine = ref<ScoreCombine | undefined>();

  function toggleVariant(v: Variant): void {
    variants.value = variants.value.includes(v)
      ? variants.value.filter((x) => x !== v)
      : VARIANTS.filter((x) => x === v || variants.value.includes(x));
  }

  // A FLOP-matched baseline only makes sense against a growing variant that is trained.
  watch(variants, (vs) => {
    if (flopMatched.value && !vs.includes(flopMatched.value)) flopMatched.value = undefined;
  });

  /** The plan without the data set: only the fields the user set (the engine fills in the rest). */
  const fields = computed<Omit<TrainPlan, 'datasetId'>>(() => ({
    variants: [...variants.value],
    preset: preset.value,
    ...(layers.value !== undefined ? { layers: layers.value } : {}),
    ...(block.value !== undefined ? { block: block.value } : {}),
    ...(alpha.value !== undefined ? { alpha: alpha.value } : {}),
    ...(steps.value !== undefined ? { steps: steps.value } : {}),
    seeds: seeds.value,
    ...(device.value !== null ? { device: device.value } : {}),
    ...(precision.value !== undefined ? { precision: precision.value } : {}),
    ...(flopMatched.value !== undefined ? { flopMatched: flopMatched.value } : {}),
    ...(name.value.trim() ? { name: name.value.trim() } : {}),
    ...(splitMode.value === 'rows' && trainRows.value !== undefined ? { trainRows: trainRows.value } : {}),
    ...(splitMode.value === 'fraction' && trainFraction.value !== undefined
      ? { trainFraction: trainFraction.value }
      : {}),
    ...(normalize.value !== undefined ? { normalize: normalize.value } : {}),
    ...(threshold.value !== undefined ? { threshold: threshold.value } : {}),
    ...(combine.value !== undefined ? { combine: combine.value } : {}),
  }));

  /** Fills the form from stored fields (a restored session): what is absent goes back to its default. */
  function apply(f: Omit<TrainPlan, 'datasetId'>): void {
    variants.value = VARIANTS.filter((v) => f.variants.includes(v));
    preset.value = f.preset;
    layers.value = f.layers;
    block.value = f.block;
    alpha.value = f.alpha;
    steps.value = f.steps;
    seeds.value = f.seeds;
    device.value = f.device ?? null;
    precision.value = f.precision;
    flopMatched.value = f.flopMatched;
    name.value = f.name ?? '';
    splitMode.value = f.trainRows !== undefined ? 'rows' : f.trainFraction !== undefined ? 'fraction' : 'default';
    trainRows.value = f.trainRows;
    trainFraction.value = f.trainFraction;
    normalize.value = f.normalize;
    threshold.value = f.threshold;
    combine.value = f.combine;
  }

  /** Depth, block, α and steps with the blanks filled in as the engine will. */
  const growth = computed(() => resolveGrowth(fields.value));

  /** Why the current settings cannot train (first problem found), or null. */
  const problem = computed<string | null>(() => {
    if (variants.value.length === 0) return 'Choose at least one variant.';
    if (splitMode.value === 'rows' && trainRows.value === undefined)
      return 'Enter the training rows per series, or choose another split.';
    if (splitMode.value === 'fraction' && trainFraction.value === undefined)
      return 'Enter the training share of each series, or choose another split.';
    const split = [
      ['Training rows per series', splitMode.value === 'rows' ? trainRows.value : undefined, LIMITS.trainRows],
      ['Training share', splitMode.value === 'fraction' ? trainFraction.value : undefined, LIMITS.trainFraction],
    ] as const;
    for (const [label, v, r] of [
      ['Depth', layers.value, LIMITS.layers],
      ['Block size', block.value, LIMITS.block],
      ['Prop-α', alpha.value, LIMITS.alpha],
      ['Steps', steps.value, LIMITS.steps],
      ['Seeds', seeds.value, LIMITS.seeds],
      ...split,
    ] as const) {
      if (v !== undefined && !inRange(v, r)) return `${label} must be ${rangeText(r)}.`;
    }
    for (const v of new Set([...variants.value, ...(flopMatched.value ? [flopMatched.value] : [])])) {
      const r = stagesFor(v, growth.value);
      if (r.error) return `${v}: ${r.error}.`;
    }
    return null;
  });

  /** Pairs of chosen variants that would train the very same schedule at these settings. */
  const sameSchedule = computed(() => sameSchedules(variants.value, growth.value));

  // ---- the estimate ----
  const estimate = ref<PlanEstimate | null>(null);
  const estimateError = ref<string | null>(null);
  /** The plan the engine's estimate error belongs to (JSON). */
  const estimateErrorKey = ref<string | null>(null);
  const estimating = ref(false);
  /** The plan the estimate shown belongs to (JSON), to tell a fresh estimate from a stale one. */
  const estimateKey = ref<string | null>(null);
  const planKey = computed(() => {
    if (!wizard.datasetId) return null;
    const { name: _name, ...rest } = fields.value;
    return JSON.stringify({ datasetId: wizard.datasetId, ...rest });
  });
  const estimateFresh = computed(() => estimate.value !== null && estimateKey.value === planKey.value);
  /** The engine could not plan these very settings (a split the data cannot give, …): starting would fail the same way. */
  const engineRefused = computed(() => !!estimateError.value && estimateErrorKey.value === planKey.value);
  let estimateTimer: ReturnType<typeof setTimeout> | undefined;
  let estimateSeq = 0;

  async function runEstimate(key: string): Promise<void> {
    const seq = ++estimateSeq;
    estimating.value = true;
    try {
      const result = await api.invoke('train.estimate', JSON.parse(key) as TrainPlan);
      if (seq !== estimateSeq) return;
      estimate.value = result;
      estimateKey.value = key;
      estimateError.value = null;
    } catch (err) {
      if (seq !== estimateSeq) return;
      estimateError.value = message(err);
      estimateErrorKey.value = key;
    } finally {
      if (seq === estimateSeq) estimating.value = false;
    }
  }

  watch(
    [planKey, problem],
    ([key, why]) => {
      clearTimeout(estimateTimer);
      estimateSeq++;
      estimating.value = false;
      if (key === null) return;
      if (why) {
        estimateError.value = why;
        return;
      }
      estimateError.value = null;
      if (key === estimateKey.value) return;
      estimating.value = true;
      estimateTimer = setTimeout(() => void runEstimate(key), ESTIMATE_DELAY_MS);
    },
    { immediate: true },
  );

  /** Reads the default device from Settings (once; shown as the "Settings default" choice). */
  async function loadDefaults(): Promise<void> {
    if (settingsDevice.value) return;
    try {
      const d = (await api.invoke('settings.get', {})).defaultDevice;
      if (DEVICE_CHOICES.includes(d)) settingsDevice.value = d;
    } catch {
      // The device choice still works; the engine applies its own default.
    }
  }

  onScopeDispose(() => clearTimeout(estimateTimer));

  return {
    variants,
    preset,
    layers,
    block,
    alpha,
    steps,
    seeds,
    device,
    settingsDevice,
    precision,
    flopMatched,
    name,
    splitMode,
    trainRows,
    trainFraction,
    normalize,
    threshold,
    combine,
    toggleVariant,
    apply,
    fields,
    growth,
    problem,
    sameSchedule,
    estimate,
    estimateError,
    estimating,
    estimateFresh,
    engineRefused,
    loadDefaults,
  };
});
