/**
 * The Compare and Export steps' data: a job's comparison (`compare.get`), which variants the
 * charts show, how the table is sorted, one run's score timeline, and the exports.
 */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { Comparison, VariantSummary } from '../../../shared/compare';
import type { ExportFile } from '../../../shared/jobs';
import type { ScoreTimeline } from '../../../shared/timeline';
import { useApi } from '../api';
import { defaultSortDir, sortRows, type SortDir, type SortKey } from '../model/compare-columns';
import { downloadExport } from '../download';

export type ExportKind = 'report' | 'csv' | 'onnx';

/** One run of the comparison: a variant's seed and its folder. */
export interface RunChoice {
  readonly variant: string;
  readonly seed: number;
  readonly dir: string;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Whether the comparison has detection metrics (the data had labelled anomalies). */
export function isLabelled(c: Comparison): boolean {
  return c.variants.some((v) => Object.keys(v.metrics).length > 0);
}

/** The variant with the best headline metric (VUS-PR), else the first non-reference one. */
function bestVariant(c: Comparison): VariantSummary | undefined {
  const scored = c.variants.filter((v) => Number.isFinite(v.metrics.vusPr?.mean));
  if (scored.length) return scored.reduce((a, b) => (b.metrics.vusPr!.mean > a.metrics.vusPr!.mean ? b : a));
  return c.variants.find((v) => v.variant !== c.reference) ?? c.variants[0];
}

export const useCompareStore = defineStore('compare', () => {
  const api = useApi();

  /** The job folder the comparison belongs to. */
  const dir = ref<string | null>(null);
  const comparison = shallowRef<Comparison | null>(null);
  const busy = ref(false);
  const error = ref<string | null>(null);

  /** Variants the charts show (all after a load). */
  const selected = ref<string[]>([]);
  /** The table's order: null keeps the comparison's (baseline first). */
  const sortKey = ref<SortKey | null>(null);
  const sortDir = ref<SortDir>('asc');

  const timelineVariant = ref<string | null>(null);
  const timeline = shallowRef<ScoreTimeline | null>(null);
  const timelineBusy = ref(false);
  const timelineError = ref<string | null>(null);

  /** The run whose model the ONNX export writes. */
  const modelRun = ref<string | null>(null);
  const exporting = ref<ExportKind | null>(null);
  const exportError = ref<string | null>(null);
  /** Where the engine wrote a copy of each export (inside the job or run folder). */
  const savedTo = ref<Partial<Record<ExportKind, string>>>({});

  let loadToken = 0;
  let timelineToken = 0;

  const rows = computed<VariantSummary[]>(() => {
    const vs = comparison.value?.variants ?? [];
    return sortKey.value ? sortRows(vs, sortKey.value, sortDir.value) : [...vs];
  });

  /** The selected variants, in the comparison's order (so colours and legends stay put). */
  const selectedVariants = computed(() =>
    (comparison.value?.variants ?? []).filter((v) => selected.value.includes(v.variant)),
  );

  /** Every run of the comparison (for choosing a model to export). */
  const runs = computed<RunChoice[]>(() =>
    (comparison.value?.variants ?? []).flatMap((v) =>
      v.dirs.map((d, i) => ({ variant: v.variant, seed: v.seeds[i]!, dir: d })),
    ),
  );

  /** The run the timeline shows: the chosen variant's first seed. */
  const timelineRun = computed<RunChoice | null>(() => {
    const v = comparison.value?.variants.find((x) => x.variant === timelineVariant.value);
    return v && v.dirs[0] ? { variant: v.variant, seed: v.seeds[0]!, dir: v.dirs[0] } : null;
  });

  /** Loads the comparison of a job folder (and, for labelled data, the timeline of its best variant). */
  async function load(jobDir: string): Promise<void> {
    const token = ++loadToken;
    if (jobDir !== dir.value) {
      comparison.value = null;
      timeline.value = null;
      savedTo.value = {};
    }
    dir.value = jobDir;
    busy.value = true;
    error.value = null;
    let c: Comparison;
    try {
      c = await api.invoke('compare.get', { dir: jobDir });
      if (token !== loadToken) return;
      comparison.value = c;
      const names = c.variants.map((v) => v.variant);
      selected.value = names;
      const best = bestVariant(c);
      if (!timelineVariant.value || !names.includes(timelineVariant.value))
        timelineVariant.value = best?.variant ?? null;
      if (!modelRun.value || !c.variants.some((v) => v.dirs.includes(modelRun.value!)))
        modelRun.value = best?.dirs[0] ?? null;
    } catch (err) {
      if (token === loadToken) error.value = `Could not compare the runs in ${jobDir}: ${message(err)}`;
      return;
    } finally {
      if (token === loadToken) busy.value = false;
    }
    if (isLabelled(c)) await loadTimeline();
  }

  /** Loads the job unless it is already loaded or loading. */
  async function ensure(jobDir: string): Promise<void> {
    if (jobDir === dir.value && (comparison.value || busy.value)) return;
    await load(jobDir);
  }

  /** Sorts by a column: a new column sorts best first, the same column again reverses. */
  function sortBy(key: SortKey): void {
    if (sortKey.value === key) sortDir.value = sortDir.value === 'asc' ? 'desc' : 'asc';
    else {
      sortKey.value = key;
      sortDir.value = defaultSortDir(key);
    }
  }

  function toggle(variant: string): void {
    selected.value = selected.value.includes(variant)
      ? selected.value.filter((v) => v !== variant)
      : [...selected.value, variant];
  }

  async function loadTimeline(): Promise<void> {
    const run = timelineRun.value;
    const token = ++timelineToken;
    timelineError.value = null;
    if (!run) {
      timeline.value = null;
      return;
    }
    timelineBusy.value = true;
    try {
      const t = await api.invoke('compare.timeline', { runDir: run.dir });
      if (token === timelineToken) timeline.value = t;
    } catch (err) {
      if (token === timelineToken) {
        timeline.value = null;
        timelineError.value = message(err);
      }
    } finally {
      if (token === timelineToken) timelineBusy.value = false;
    }
  }

  /** Shows the score timeline of a variant (its first seed's run). */
  async function chooseTimeline(variant: string): Promise<void> {
    timelineVariant.value = variant;
    await loadTimeline();
  }

  /**
   * Exports the report or the CSV of the job, or the ONNX model of `modelRun`; offers the file as
   * a download and remembers where the engine saved its copy. Resolves to the file, or null on failure.
   */
  async function exportFile(kind: ExportKind): Promise<ExportFile | null> {
    const target = kind === 'onnx' ? modelRun.value : dir.value;
    exportError.value = null;
    if (!target) {
      exportError.value =
        kind === 'onnx' ? 'Choose a run whose model to export.' : 'Open a job first: nothing to export.';
      return null;
    }
    exporting.value = kind;
    try {
      const file = await api.invoke('export.file', { kind, dir: target });
      downloadExport(file);
      savedTo.value = { ...savedTo.value, [kind]: file.savedTo };
      return file;
    } catch (err) {
      exportError.value = `Could not export the ${kind === 'report' ? 'report' : kind === 'csv' ? 'table' : 'model'}: ${message(err)}`;
      return null;
    } finally {
      exporting.value = null;
    }
  }

  return {
    dir,
    comparison,
    busy,
    error,
    selected,
    selectedVariants,
    sortKey,
    sortDir,
    rows,
    runs,
    timelineVariant,
    timelineRun,
    timeline,
    timelineBusy,
    timelineError,
    modelRun,
    exporting,
    exportError,
    savedTo,
    load,
    ensure,
    sortBy,
    toggle,
    chooseTimeline,
    loadTimeline,
    exportFile,
  };
});
