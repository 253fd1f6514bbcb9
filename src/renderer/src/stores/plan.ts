/**
 * The training plan the Variants step edits: the variants, the model and budget, the device, how
 * the data are split and scored, what is wrong with it, and the engine's estimate of its cost
 * (asked for once the settings stop changing).
 */
import { defineStore } from 'pinia';
import { computed, onScopeDispose, ref, watch, type Ref, type WritableComputedRef } from 'vue';
import { sameSchedules, VARIANTS, type Variant } from '../../../shared/growth';
import { inRange, rangeText } from '../../../shared/limits';
import {
  PLAN_FIELDS,
  PLAN_KEYS,
  planDefault,
  resolveGrowth,
  type PlanEstimate,
  type PlanInput,
  type PlanKey,
  type TrainPlan,
} from '../../../shared/plan';
import { DEVICE_CHOICES, type DeviceChoice } from '../../../shared/system';
import { useApi } from '../api';
import { stagesFor } from '../model/stages';
import { useWizardStore } from './wizard';

/** Quiet time after the last plan change before an estimate is asked for. */
export const ESTIMATE_DELAY_MS = 400;

/** How the Variants step splits every series: the engine's rule, the first N rows, or a leading share. */
export type SplitMode = 'default' | 'rows' | 'fraction';

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** The form: one ref per plan field, undefined where the user left it blank (the engine's default then). */
type Form = { [K in PlanKey]: Ref<PlanInput[K]> };
type Required = { [K in PlanKey]-?: NonNullable<PlanInput[K]> };

/** The fields a choice control sets, and those a number field does. */
type ChoiceKey = { [K in PlanKey]: Required[K] extends string ? K : never }[PlanKey];
const NUMBER_KEYS = PLAN_KEYS.filter((k) => PLAN_FIELDS[k].kind === 'number');

export const usePlanStore = defineStore('plan', () => {
  const api = useApi();
  const wizard = useWizardStore();

  // The required fields begin at their defaults; the others blank.
  const form = Object.fromEntries(
    PLAN_KEYS.map((k) => [k, ref(PLAN_FIELDS[k].required ? copy(planDefault(k)) : undefined)]),
  ) as unknown as Form;
  /** The default device in Settings, for display. */
  const settingsDevice = ref<DeviceChoice | null>(null);
  const splitMode = ref<SplitMode>('default');

  function toggleVariant(v: Variant): void {
    const chosen = form.variants.value;
    form.variants.value = chosen.includes(v)
      ? chosen.filter((x) => x !== v)
      : VARIANTS.filter((x) => x === v || chosen.includes(x));
  }

  // A FLOP-matched baseline only makes sense against a growing variant that is trained.
  watch(form.variants, (vs) => {
    if (form.flopMatched.value && !vs.includes(form.flopMatched.value)) form.flopMatched.value = undefined;
  });

  /** The split's field the chosen mode keeps (the other is not sent, whatever it holds). */
  const splitDrops = (k: PlanKey) =>
    (k === 'trainRows' && splitMode.value !== 'rows') || (k === 'trainFraction' && splitMode.value !== 'fraction');

  /** The plan without the data set: only the fields the user set (the engine fills in the rest). */
  const fields = computed<PlanInput>(() => {
    const out: Record<string, unknown> = {};
    for (const k of PLAN_KEYS) {
      const v = k === 'name' ? form.name.value?.trim() || undefined : form[k].value;
      if (v !== undefined && !splitDrops(k)) out[k] = Array.isArray(v) ? [...v] : v;
    }
    return out as PlanInput;
  });

  /** Fills the form from stored fields (a restored session): what is absent goes back to its default. */
  function apply(f: PlanInput): void {
    for (const k of PLAN_KEYS)
      (form[k] as Ref<unknown>).value = f[k] ?? (PLAN_FIELDS[k].required ? copy(planDefault(k)) : undefined);
    form.variants.value = VARIANTS.filter((v) => f.variants.includes(v));
    splitMode.value = f.trainRows !== undefined ? 'rows' : f.trainFraction !== undefined ? 'fraction' : 'default';
  }

  /**
   * A choice control's model: '' (or the default) for a blank field, the value else; choosing the
   * default leaves the field blank, so the plan holds only what the user changed.
   */
  function choice<K extends ChoiceKey>(key: K): WritableComputedRef<string> {
    const fallback = (planDefault(key) as string | undefined) ?? '';
    return computed({
      get: () => (form[key].value as string | undefined) ?? fallback,
      set: (v: string) => ((form[key] as Ref<unknown>).value = v === '' || v === fallback ? undefined : v),
    });
  }

  /** Depth, block, α and steps with the blanks filled in as the engine will. */
  const growth = computed(() => resolveGrowth(fields.value));

  /** Why the current settings cannot train (first problem found), or null. */
  const problem = computed<string | null>(() => {
    if (form.variants.value.length === 0) return 'Choose at least one variant.';
    if (splitMode.value === 'rows' && form.trainRows.value === undefined)
      return 'Enter the training rows per series, or choose another split.';
    if (splitMode.value === 'fraction' && form.trainFraction.value === undefined)
      return 'Enter the training share of each series, or choose another split.';
    for (const k of NUMBER_KEYS) {
      const f = PLAN_FIELDS[k];
      const v = form[k].value;
      if (f.kind === 'number' && v !== undefined && !splitDrops(k) && !inRange(v, f.range))
        return `${f.title} must be ${rangeText(f.range)}.`;
    }
    for (const v of new Set([...form.variants.value, ...(form.flopMatched.value ? [form.flopMatched.value] : [])])) {
      const r = stagesFor(v, growth.value);
      if (r.error) return `${v}: ${r.error}.`;
    }
    return null;
  });

  /** Pairs of chosen variants that would train the very same schedule at these settings. */
  const sameSchedule = computed(() => sameSchedules(form.variants.value, growth.value));

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
    ...form,
    settingsDevice,
    splitMode,
    toggleVariant,
    apply,
    choice,
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

/** A fresh copy of a default (a list is the form's own to change). */
function copy<T>(v: T): T {
  return (Array.isArray(v) ? [...v] : v) as T;
}
