/**
 * The job the Train step shows: started from the plan, resumed, or opened from the library; each
 * run's live progress (the charts' curves), cancel and resume.
 *
 * A job opened from the library, resumed, or found in the library when the store is first used
 * (a running job, else the job this window showed last: the window was closed or reloaded) gets
 * its curves so far from `jobs.history`; its live progress then continues them.
 */
import { defineStore } from 'pinia';
import { computed, onScopeDispose, ref } from 'vue';
import type { JobHistory, JobInfo, JobProgress } from '../../../shared/jobs';
import { useApi } from '../api';
import { advanceRun, runFromHistory, type RunLive } from '../model/curves';
import { useLibraryStore } from './library';
import { usePlanStore } from './plan';
import { useWizardStore } from './wizard';

/** The localStorage key of the job folder this window shows (found again after a reload). */
export const SHOWN_JOB_KEY = 'stacklab.shownJob';

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

export const useJobStore = defineStore('job', () => {
  const api = useApi();
  const wizard = useWizardStore();
  const plan = usePlanStore();
  const library = useLibraryStore();
  /** The job the Train step shows (started, resumed or opened from the library). */
  const job = ref<JobInfo | null>(null);
  const starting = ref(false);
  const startError = ref<string | null>(null);
  const cancelling = ref(false);
  const jobError = ref<string | null>(null);
  /** The job folder being resumed, while jobs.resume is pending. */
  const resuming = ref<string | null>(null);

  const live = new Map<number, RunLive>();
  /** Bumped on every progress update: the one reactive signal for the runs' curves. */
  const revision = ref(0);
  const liveRuns = computed<RunLive[]>(() => {
    void revision.value;
    return [...live.values()].sort((a, b) => a.run - b.run);
  });

  /** Why Start is disabled, in words, or null when it is enabled. */
  const startBlocker = computed<string | null>(() => {
    if (!wizard.datasetId) return 'Import a data set first (step 1).';
    if (job.value?.status === 'running') return 'A job is already training: cancel it or wait for it to finish.';
    if (starting.value) return 'Starting…';
    if (plan.problem) return plan.problem;
    if (plan.engineRefused) return 'The engine cannot train these settings: see the cost table.';
    return null;
  });

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
    live.set(p.run, advanceRun(live.get(p.run), p));
    revision.value++;
  }

  function onChanged(info: JobInfo): void {
    if (heldEvents && info.id !== job.value?.id) heldEvents.push({ kind: 'changed', payload: info });
    if (info.id === job.value?.id) job.value = info;
    library.update(info, info.id === job.value?.id);
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
      const info = await api.invoke('jobs.start', { datasetId: wizard.datasetId, ...plan.fields });
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

  /** Continues an interrupted, cancelled or failed job from its checkpoints, shown in the Train step. */
  async function resume(dir: string): Promise<void> {
    if (resuming.value) return;
    resuming.value = dir;
    library.error = null;
    heldEvents = [];
    try {
      const info = await api.invoke('jobs.resume', { dir });
      adopt(info, { history: true });
      wizard.goTo('train');
    } catch (err) {
      library.error = `Could not resume ${dir}: ${message(err)}`;
    } finally {
      heldEvents = null;
      resuming.value = null;
    }
  }

  /** Gives the shown job another name (job.json); the library follows through jobs.changed. */
  async function rename(name: string): Promise<void> {
    const current = job.value;
    if (!current) return;
    jobError.value = null;
    try {
      onChanged(await api.invoke('jobs.rename', { dir: current.dir, name }));
    } catch (err) {
      jobError.value = `Rename failed: ${message(err)}`;
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
    // The job of the engine's session (any window, any tab), else the one this browser showed last.
    let remembered: string | null = await api.invoke('session.get', {}).then(
      (s) => s.jobDir,
      () => null,
    );
    try {
      remembered ??= localStorage.getItem(SHOWN_JOB_KEY);
    } catch {
      // No storage: only a running job is found again.
    }
    await library.refresh();
    if (chosen || starting.value || resuming.value || job.value) return;
    const found = library.jobs.find((j) => j.status === 'running') ?? library.jobs.find((j) => j.dir === remembered);
    if (!found) return;
    adopt(found, { history: true });
    if (found.status === 'running' && wizard.current.id === 'import' && !wizard.datasetId) wizard.goTo('train');
  }
  void restore();

  onScopeDispose(() => {
    for (const off of unsubscribe) off();
  });

  return {
    job,
    liveRuns,
    historyLoading,
    revision,
    starting,
    startError,
    startBlocker,
    start,
    cancelling,
    jobError,
    cancel,
    resuming,
    resume,
    rename,
    open,
  };
});
