/** The run library: every job folder in the runs folder, newest first, kept current by the job store. */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { JobInfo } from '../../../shared/jobs';
import { useApi } from '../api';

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

export const useLibraryStore = defineStore('library', () => {
  const api = useApi();
  const jobs = ref<JobInfo[]>([]);
  const loading = ref(false);
  /** Why the library could not be read, or a job in it not resumed. */
  const error = ref<string | null>(null);

  async function refresh(): Promise<void> {
    loading.value = true;
    error.value = null;
    try {
      const list = await api.invoke('jobs.list', {});
      if (!Array.isArray(list)) throw new Error('the engine answered something other than a list of jobs');
      jobs.value = [...list].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    } catch (err) {
      error.value = `Could not read the run library: ${message(err)}`;
    } finally {
      loading.value = false;
    }
  }

  /** Replaces the entry of `info`'s job; a job not listed yet is put first when `add`. */
  function update(info: JobInfo, add: boolean): void {
    const i = jobs.value.findIndex((j) => j.id === info.id);
    if (i >= 0) jobs.value = jobs.value.map((j, k) => (k === i ? info : j));
    else if (add) jobs.value = [info, ...jobs.value];
  }

  return { jobs, loading, error, refresh, update };
});
