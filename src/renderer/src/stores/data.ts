/**
 * The imported data set: `data.import` for the sample or a path, then re-imports when the user
 * overrides a column role or the dialect. The latest request wins: an answer to an older one is
 * dropped, so quick changes cannot leave an outdated result on screen.
 */
import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { ColumnRole, DataSource, ImportInspection, ImportRequest, ImportResult } from '../../../shared/import';
import { useApi } from '../api';
import { useWizardStore } from './wizard';

/** How a file is read: the dialect, and the resampling and label values the Import step sets beside it. */
export type Dialect = Pick<
  ImportRequest,
  'delimiter' | 'decimal' | 'header' | 'resample' | 'labelMap' | 'layout' | 'sheet'
>;

export const useDataStore = defineStore('data', () => {
  const api = useApi();
  const wizard = useWizardStore();
  /** The latest successful import (kept when a later one fails). Shallow: the plot is large and read-only. */
  const result = shallowRef<ImportResult | null>(null);
  /** The request of the latest attempt, successful or not (the form shows its path again). */
  const request = shallowRef<ImportRequest | null>(null);
  const busy = ref(false);
  /** The engine's message for the latest failed attempt, verbatim (it names file, line and what to do). */
  const error = ref<string | null>(null);
  /** The failed source's columns, roles and first rows (engine's `data.inspect`), so a role that caused the failure can be changed. */
  const inspection = shallowRef<ImportInspection | null>(null);
  let ticket = 0;

  async function run(req: ImportRequest): Promise<void> {
    const mine = ++ticket;
    request.value = req;
    busy.value = true;
    error.value = null;
    try {
      const answer = await api.invoke('data.import', req);
      if (mine !== ticket) return;
      result.value = answer;
      inspection.value = null;
      wizard.datasetId = answer.datasetId;
    } catch (err) {
      if (mine !== ticket) return;
      error.value = err instanceof Error ? err.message : String(err);
      const seen = await api.invoke('data.inspect', req).catch(() => null);
      if (mine === ticket) inspection.value = seen;
    } finally {
      if (mine === ticket) busy.value = false;
    }
  }

  /**
   * What a role or dialect change builds on: the request of the result shown, or the one in
   * flight when it re-reads the same source. None while another source is being read: the
   * columns on screen are not that source's.
   */
  function base(): ImportRequest | null {
    // A failed import whose columns are shown: changes build on the request that failed.
    if (inspection.value && error.value && !busy.value) return request.value;
    const shown = result.value?.request ?? null;
    if (!busy.value) return shown;
    return shown && request.value?.source === shown.source ? request.value : null;
  }

  /** Imports a new source with the detected roles and dialect. */
  function importSource(source: DataSource): Promise<void> {
    return run({ source });
  }

  /** Re-imports the shown source with one column's role overridden (earlier overrides kept). */
  async function setRole(column: string, role: ColumnRole): Promise<void> {
    const from = base();
    if (!from) return;
    await run({ ...from, roles: { ...from.roles, [column]: role } });
  }

  /**
   * Re-imports the shown source with another delimiter or decimal mark. A new delimiter drops the
   * role overrides: the columns it splits into may have other names.
   */
  async function setDialect(dialect: Dialect): Promise<void> {
    const from = base();
    if (!from) return;
    const next: ImportRequest = { ...from, ...dialect };
    const shown = from.delimiter ?? result.value?.profile.files[0]?.delimiter;
    // Another separator, header line, layout or sheet changes the columns themselves: role choices start over.
    if (
      (dialect.delimiter !== undefined && dialect.delimiter !== shown) ||
      dialect.header !== undefined ||
      dialect.layout !== undefined ||
      dialect.sheet !== undefined
    ) {
      const { roles: _dropped, ...rest } = next;
      await run(rest);
    } else {
      await run(next);
    }
  }

  /** Reads a stored request again (a restored session): the same source, roles and dialect. */
  function reopen(req: ImportRequest): Promise<void> {
    return run(req);
  }

  return { result, request, busy, error, inspection, importSource, setRole, setDialect, reopen };
});
