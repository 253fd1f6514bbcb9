/**
 * Training: the plan the Variants step edits, its estimate, the job being trained with each run's
 * live progress (the Train step's charts), cancel, and the run library (resume, open).
 *
 * A job opened from the library, resumed, or found in the library when the store is first used
 * (a running job, else the job this window showed last: the window was closed or reloaded) gets
 * its curves so far from `jobs.history`; its live progress then continues them.
 */
import { defineStore } from 'pinia';
import { computed, onScopeDispose, ref, watch } from 'vue';
import { PLAN_DEFAULTS, resolveGrowth } from '../../../shared/defaults';
import { sameSchedules, VARIANTS, type Variant } from '../../../shared/growth';
import type { JobHistory, JobInfo, JobProgress, NormalizeMode, PlanEstimate, RunInfo, ScoreCombine, ThresholdScope, TrainPlan } from '../../../shared/jobs';
import { inRange, LIMITS, rangeText } from '../../../shared/limits';
import type { PresetName } from '../../../shared/presets';
import { DEVICE_CHOICES, type DeviceChoice } from '../../../shared/system';
import { useApi } from '../api';
import { stagesFor } from '../components/train/stages';
import { useWizardStore } from './wizard';

/** One point of a run's loss curve, with every x the charts can use. */
export interface LossPoint {
  readonly step: number;
  readonly flops: number;
  /** Wall-clock since the run started (across resumes in this session), in milliseconds. */
  readonly wallMs: number;
  readonly loss: number;
}

/** A run's latest progress and its curve so far. A new object per update; the arrays grow in place. */
export interface RunLive extends Omit<JobProgress, 'jobId' | 'grew'> {
  /** At most `MAX_POINTS`, older ones thinned. */
  readonly points: LossPoint[];
  /** The first point of each stage after the first (never thinned). */
  readonly growth: LossPoint[];
  /** Added to the engine's elapsed time, which restarts at 0 when a run resumes. */
  readonly wallOffsetMs: number;
}

/** The localStorage key of the job folder this window shows (found again after a reload). */
export const SHOWN_JOB_KEY = 'stacklab.shownJob';

/** Points kept per run; past it, the older part of the curve is thinned to every other point. */
export const MAX_POINTS = 2000;
/** The newest points, always kept at full resolution. */
const RECENT_POINTS = 500;
/** Quiet time after the last plan change before an estimate is asked for. */
export const ESTIMATE_DELAY_MS = 400;

/** Drops every other point of the older part when `points` is over `max` (the first point stays). */
export function thinPoints<T>(points: T[], max = MAX_POINTS, recent = RECENT_POINTS): void {
  if (points.length <= max) return;
  const cut = Math.max(1, points.length - Math.min(recent, Math.floor(max / 2)));
  const older = points.slice(0, cut).filter((_, i) => i % 2 === 0);
  points.splice(0, cut, ...older);
}

/** How the Variants step splits every series: the engine's rule, the first N rows, or a leading share. */
export type SplitMode = 'default' | 'rows' | 'fraction';

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * The steps at which a run really grew. The engine also writes a stage line where a run resumed
 * inside a stage; where the run's schedule is known here (and matches its step count), only the
 * steps where a stage begins are kept.
 */
function realGrowthSteps(steps: readonly number[], run: RunInfo | undefined, plan: JobInfo['plan']): number[] {
  const unique = [...new Set(steps)].sort((a, b) => a - b);
  const variant = run?.variant as Variant | undefined;
  if (!run || !variant || !VARIANTS.includes(variant)) return unique;
  const schedule = stagesFor(variant, { ...resolveGrowth(plan), steps: run.totalSteps }).stages;
  if (!schedule || schedule.reduce((a, st) => a + st.steps, 0) !== run.totalSteps) return unique;
  const starts = new Set(schedule.slice(1).map((_, i) => schedule.slice(0, i + 1).reduce((a, st) => a + st.steps, 0)));
  return unique.filter((st) => starts.has(st));
}

/** A run's curve, growths and latest state from its history (elapsed times restart at 0 where it resumed). */
export function runFromHistory(h: JobHistory['runs'][number], info: JobInfo): RunLive | null {
  const runInfo = info.runs[h.run];
  const points: LossPoint[] = [];
  let offset = 0;
  let lastElapsed = Number.NEGATIVE_INFINITY;
  let lastFlops = 0;
  for (const q of h.points) {
    if (!Number.isFinite(q.loss)) continue;
    const elapsed = Number.isFinite(q.elapsedMs) ? q.elapsedMs : null;
    const lastWall = points.at(-1)?.wallMs ?? 0;
    // The clock restarts when a run resumes: continue from the last time read before.
    if (elapsed !== null && elapsed < lastElapsed) offset = lastWall;
    if (elapsed !== null) lastElapsed = elapsed;
    // Steps going back: the run resumed from an earlier checkpoint and trained them again.
    const again = points.findIndex((p) => p.step >= q.step);
    if (again >= 0) points.splice(again);
    const flops = Number.isFinite(q.flops) ? q.flops : lastFlops;
    lastFlops = flops;
    points.push({ step: q.step, flops, wallMs: elapsed !== null ? elapsed + offset : lastWall, loss: q.loss });
  }
  if (points.length === 0) return null;
  const last = points.at(-1)!;
  const growthSteps = realGrowthSteps(h.growthSteps, runInfo, info.plan).filter((st) => st <= last.step);
  const growth: LossPoint[] = [];
  for (const st of growthSteps) {
    const at = points.find((p) => p.step >= st);
    if (at && growth.at(-1)?.step !== at.step) growth.push(at);
  }
  thinPoints(points);
  const variant = runInfo?.variant as Variant | undefined;
  const total = runInfo?.totalSteps ?? last.step;
  const schedule = variant && VARIANTS.includes(variant) ? stagesFor(variant, { ...resolveGrowth(info.plan), steps: total }).stages : undefined;
  const stage = growthSteps.length + 1;
  const val = h.valPoints.at(-1);
  return {
    run: h.run,
    name: h.name,
    seed: h.seed,
    step: Math.max(last.step, val?.step ?? 0),
    totalSteps: total,
    stage,
    stages: schedule?.length ?? stage,
    layers: schedule?.[stage - 1]?.layers ?? Number.NaN,
    loss: last.loss,
    valLoss: val?.valLoss ?? null,
    flops: last.flops,
    elapsedMs: last.wallMs - offset,
    etaMs: 0,
    points,
    growth,
    wallOffsetMs: offset,
  };
}

export const useTrainingStore = defineStore('training', () => {
  const api = useApi();
  const wizard = useWizardStore();
  /** The job the Train step shows (started, resumed or opened from the library). */
  const job = ref<JobInfo | null>(null);
  const starting = ref(false);
  /** The run library: every job folder in the runs folder, newest first. */
  const library = ref<JobInfo[]>([]);

  // ---- the plan (Variants step) ----
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
    variants.value = variants.value.includes(v) ? variants.value.filter((x) => x !== v) : VARIANTS.filter((x) => x === v || variants.value.includes(x));
  }

  // A FLOP-matched baseline only makes sense against a growing variant that is trained.
  watch(variants, (vs) => {
    if (flopMatched.value && !vs.includes(flopMatched.value)) flopMatched.value = undefined;
  });

  /** The plan without the data set: only the fields the user set (the engine fills in the rest). */
  const planFields = computed<Omit<TrainPlan, 'datasetId'>>(() => ({
    variants: [...variants.value],
    preset: preset.value,
    ...(layers.value !== undefined ? { layers: layers.value } : {}),
    ...(block.value !== undefined ? { block: block.value } : {}),
    ...(alpha.value !== undefined ? { alpha: alpha.value } : {}),
    ...(steps.value !== undefined ? { steps: steps.value } : {}),
    seeds: seeds.value,
    ...(device.value !== null ? { device: device.value } : {}),
    ...(flopMatched.value !== undefined ? { flopMatched: flopMatched.value } : {}),
    ...(name.value.trim() ? { name: name.value.trim() } : {}),
    ...(splitMode.value === 'rows' && trainRows.value !== undefined ? { trainRows: trainRows.value } : {}),
    ...(splitMode.value === 'fraction' && trainFraction.value !== undefined ? { trainFraction: trainFraction.value } : {}),
    ...(normalize.value !== undefined ? { normalize: normalize.value } : {}),
    ...(threshold.value !== undefined ? { threshold: threshold.value } : {}),
    ...(combine.value !== undefined ? { combine: combine.value } : {}),
  }));

  /** Depth, block, α and steps with the blanks filled in as the engine will. */
  const growth = computed(() => resolveGrowth(planFields.value));

  /** Why the current settings cannot train (first problem found), or null. */
  const planProblem = computed<string | null>(() => {
    if (variants.value.length === 0) return 'Choose at least one variant.';
    if (splitMode.value === 'rows' && trainRows.value === undefined) return 'Enter the training rows per series, or choose another split.';
    if (splitMode.value === 'fraction' && trainFraction.value === undefined) return 'Enter the training share of each series, or choose another split.';
    const split = [['Training rows per series', splitMode.value === 'rows' ? trainRows.value : undefined, LIMITS.trainRows], ['Training share', splitMode.value === 'fraction' ? trainFraction.value : undefined, LIMITS.trainFraction]] as const;
    for (const [label, v, r] of [['Depth', layers.value, LIMITS.layers], ['Block size', block.value, LIMITS.block], ['Prop-α', alpha.value, LIMITS.alpha], ['Steps', steps.value, LIMITS.steps], ['Seeds', seeds.value, LIMITS.seeds], ...split] as const) {
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

  /** Why Start is disabled, in words, or null when it is enabled. */
  const startBlocker = computed<string | null>(() => {
    if (!wizard.datasetId) return 'Import a data set first (step 1).';
    if (job.value?.status === 'running') return 'A job is already training: cancel it or wait for it to finish.';
    if (starting.value) return 'Starting…';
    if (planProblem.value) return planProblem.value;
    // The engine could not plan these settings (a split the data cannot give, …): starting would fail the same way.
    if (estimateError.value && estimateErrorKey.value === planKey.value) return 'The engine cannot train these settings: see the cost table.';
    return null;
  });

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
    const { name: _name, ...fields } = planFields.value;
    return JSON.stringify({ datasetId: wizard.datasetId, ...fields });
  });
  const estimateFresh = computed(() => estimate.value !== null && estimateKey.value === planKey.value);
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
    [planKey, planProblem],
    ([key, problem]) => {
      clearTimeout(estimateTimer);
      estimateSeq++;
      estimating.value = false;
      if (key === null) return;
      if (problem) {
        estimateError.value = problem;
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
      if ((DEVICE_CHOICES as readonly string[]).includes(d)) settingsDevice.value = d;
    } catch {
      // The device choice still works; the engine applies its own default.
    }
  }

  // ---- the job and its live runs (Train step) ----
  const live = new Map<number, RunLive>();
  /** Bumped on every progress update: the one reactive signal for the runs' curves. */
  const revision = ref(0);
  const liveRuns = computed<RunLive[]>(() => {
    void revision.value;
    return [...live.values()].sort((a, b) => a.run - b.run);
  });
  const startError = ref<string | null>(null);
  const cancelling = ref(false);
  const jobError = ref<string | null>(null);
  /** Set once a job is started, resumed or opened: the library's first read then adopts nothing. */
  let chosen = false;
  /** Events that arrive while jobs.start / jobs.resume is pending (the job id is not known yet). */
  let heldEvents: ({ kind: 'progress'; payload: JobProgress } | { kind: 'changed'; payload: JobInfo })[] | null = null;

  /** Progress of the job shown that arrives while its history is read (applied after it). */
  let historyWait: { jobId: string; events: JobProgress[] } | null = null;
  let historySeq = 0;
  /** The job's curves so far are being read (jobs.history). */
  const historyLoading = ref(false);

  function onProgress(p: JobProgress): void {
    if (heldEvents && p.jobId !== job.value?.id) {
      heldEvents.push({ kind: 'progress', payload: p });
      return;
    }
    if (p.jobId !== job.value?.id) return;
    if (historyWait?.jobId === p.jobId) {
      historyWait.events.push(p);
      return;
    }
    applyProgress(p);
  }

  function applyProgress(p: JobProgress): void {
    const prev = live.get(p.run);
    const points = prev?.points ?? [];
    const growthPoints = prev?.growth ?? [];
    let wallOffsetMs = prev?.wallOffsetMs ?? 0;
    if (prev && p.step < prev.step) {
      // The run resumed from an earlier checkpoint: drop what it will train again.
      const keep = points.findIndex((q) => q.step >= p.step);
      if (keep >= 0) points.splice(keep);
      const g = growthPoints.findIndex((q) => q.step >= p.step);
      if (g >= 0) growthPoints.splice(g);
    }
    if (prev && p.elapsedMs + wallOffsetMs < (points.at(-1)?.wallMs ?? 0)) wallOffsetMs = points.at(-1)!.wallMs;
    // A resumed run reports its stage again (with the grew flag): a growth only where the stage number rises,
    // unless the curve was rewound (or is new) and the stage before is not known.
    const grew = prev === undefined || p.step < prev.step ? p.grew === true || (prev !== undefined && p.stage > prev.stage) : p.stage > prev.stage;
    if (p.loss !== null && Number.isFinite(p.loss)) {
      const point: LossPoint = { step: p.step, flops: p.flops, wallMs: p.elapsedMs + wallOffsetMs, loss: p.loss };
      if (grew && growthPoints.at(-1)?.step !== p.step) growthPoints.push(point);
      // An update repeats the latest loss read until the next read: keep only new reads (and the last step).
      const newRead = p.loss !== prev?.loss || p.step === p.totalSteps || points.length === 0;
      if (newRead && points.at(-1)?.step !== p.step) points.push(point);
      thinPoints(points);
    }
    live.set(p.run, {
      run: p.run,
      name: p.name,
      seed: p.seed,
      step: p.step,
      totalSteps: p.totalSteps,
      stage: p.stage,
      stages: p.stages,
      layers: p.layers,
      loss: p.loss,
      valLoss: p.valLoss,
      flops: p.flops,
      elapsedMs: p.elapsedMs,
      etaMs: p.etaMs,
      points,
      growth: growthPoints,
      wallOffsetMs,
    });
    revision.value++;
  }

  function onChanged(info: JobInfo): void {
    if (heldEvents && info.id !== job.value?.id) heldEvents.push({ kind: 'changed', payload: info });
    if (info.id === job.value?.id) job.value = info;
    const i = library.value.findIndex((j) => j.id === info.id);
    if (i >= 0) library.value = library.value.map((j, k) => (k === i ? info : j));
    else if (info.id === job.value?.id) library.value = [info, ...library.value];
  }

  const unsubscribe = [api.on('jobs.progress', onProgress), api.on('jobs.changed', onChanged)];

  /** Remembers the job shown, to show it again when the window reopens. */
  function remember(dir: string): void {
    try {
      localStorage.setItem(SHOWN_JOB_KEY, dir);
    } catch {
      // Storage may be unavailable: the job just isn't found again after a reload.
    }
  }

  /**
   * Makes `info` the job shown (another job's curves are dropped), then applies the events held
   * meanwhile. With `history`, the curves so far are read from the job's folder first (unless this
   * job's curves are already shown) and its progress waits for them.
   */
  function adopt(info: JobInfo, opts: { history?: boolean } = {}): void {
    chosen = true;
    if (job.value?.id !== info.id) {
      live.clear();
      revision.value++;
    }
    if (historyWait && historyWait.jobId !== info.id) {
      historySeq++;
      historyWait = null;
      historyLoading.value = false;
    }
    const loadHistory = opts.history === true && live.size === 0 && historyWait === null;
    if (loadHistory) historyWait = { jobId: info.id, events: [] };
    job.value = info;
    jobError.value = null;
    cancelling.value = false;
    wizard.jobDir = info.dir;
    remember(info.dir);
    onChanged(info);
    const events = heldEvents ?? [];
    heldEvents = null;
    for (const e of events) {
      if (e.kind === 'progress') onProgress(e.payload);
      else onChanged(e.payload);
    }
    if (loadHistory) void seedHistory(info);
  }

  /** Reads the job's curves so far, seeds the runs with them, then applies the progress that came meanwhile. */
  async function seedHistory(info: JobInfo): Promise<void> {
    const seq = ++historySeq;
    historyLoading.value = true;
    let history: JobHistory | null = null;
    try {
      history = await api.invoke('jobs.history', { dir: info.dir });
    } catch {
      // No curves from disk (an older engine, an unreadable folder): live progress still draws them.
    }
    if (seq !== historySeq) return;
    historyLoading.value = false;
    const waiting = historyWait?.jobId === info.id ? historyWait.events : [];
    historyWait = null;
    if (job.value?.id !== info.id) return;
    const seeded = new Map<number, number>();
    for (const h of Array.isArray(history?.runs) ? history.runs : []) {
      const run = runFromHistory(h, job.value ?? info);
      if (!run) continue;
      live.set(run.run, run);
      seeded.set(run.run, run.step);
    }
    // Updates read before the history was: what the history holds already is not drawn twice.
    for (const p of waiting) if (!(p.step <= (seeded.get(p.run) ?? Number.NEGATIVE_INFINITY))) applyProgress(p);
    revision.value++;
  }

  /** Starts training the plan on the imported data set and moves to the Train step. */
  async function start(): Promise<void> {
    if (startBlocker.value || !wizard.datasetId) return;
    starting.value = true;
    startError.value = null;
    heldEvents = [];
    try {
      const info = await api.invoke('jobs.start', { datasetId: wizard.datasetId, ...planFields.value });
      adopt(info);
      wizard.goTo('train');
    } catch (err) {
      startError.value = message(err);
    } finally {
      heldEvents = null;
      starting.value = false;
    }
  }

  /** Asks the engine to stop the job (its runs stop at a checkpoint and can be resumed). */
  async function cancel(): Promise<void> {
    const current = job.value;
    if (!current || current.status !== 'running' || cancelling.value) return;
    cancelling.value = true;
    jobError.value = null;
    try {
      const info = await api.invoke('jobs.cancel', { jobId: current.id });
      onChanged(info);
    } catch (err) {
      jobError.value = `Cancel failed: ${message(err)}`;
    } finally {
      cancelling.value = false;
    }
  }

  // ---- the run library ----
  const libraryLoading = ref(false);
  const libraryError = ref<string | null>(null);
  /** The job folder being resumed, while jobs.resume is pending. */
  const resuming = ref<string | null>(null);

  async function refreshLibrary(): Promise<void> {
    libraryLoading.value = true;
    libraryError.value = null;
    try {
      const list = await api.invoke('jobs.list', {});
      if (!Array.isArray(list)) throw new Error('the engine answered something other than a list of jobs');
      library.value = [...list].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    } catch (err) {
      libraryError.value = `Could not read the run library: ${message(err)}`;
    } finally {
      libraryLoading.value = false;
    }
  }

  /** Continues an interrupted, cancelled or failed job from its checkpoints, shown in the Train step. */
  async function resume(dir: string): Promise<void> {
    if (resuming.value) return;
    resuming.value = dir;
    libraryError.value = null;
    heldEvents = [];
    try {
      const info = await api.invoke('jobs.resume', { dir });
      adopt(info, { history: true });
      wizard.goTo('train');
    } catch (err) {
      libraryError.value = `Could not resume ${dir}: ${message(err)}`;
    } finally {
      heldEvents = null;
      resuming.value = null;
    }
  }

  /** Shows a job from the library (the Compare and Export steps read `wizard.jobDir`). */
  function open(info: JobInfo): void {
    adopt(info, { history: true });
  }

  /**
   * On first use: reads the library and shows the job that is training (the window was closed or
   * reloaded while it trained), else the job this window showed last, with their curves so far.
   */
  async function restore(): Promise<void> {
    let remembered: string | null = null;
    try {
      remembered = localStorage.getItem(SHOWN_JOB_KEY);
    } catch {
      // No storage: only a running job is found again.
    }
    await refreshLibrary();
    if (chosen || starting.value || resuming.value || job.value) return;
    const found = library.value.find((j) => j.status === 'running') ?? library.value.find((j) => j.dir === remembered);
    if (!found) return;
    adopt(found, { history: true });
    if (found.status === 'running' && wizard.current.id === 'import' && !wizard.datasetId) wizard.goTo('train');
  }
  void restore();

  onScopeDispose(() => {
    clearTimeout(estimateTimer);
    for (const off of unsubscribe) off();
  });

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
    flopMatched,
    name,
    splitMode,
    trainRows,
    trainFraction,
    normalize,
    threshold,
    combine,
    toggleVariant,
    planFields,
    growth,
    sameSchedule,
    planProblem,
    startBlocker,
    estimate,
    estimateError,
    estimating,
    estimateFresh,
    loadDefaults,
    job,
    liveRuns,
    historyLoading,
    revision,
    starting,
    startError,
    cancelling,
    jobError,
    start,
    cancel,
    library,
    libraryLoading,
    libraryError,
    resuming,
    refreshLibrary,
    resume,
    open,
  };
});
