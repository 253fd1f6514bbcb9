/** What the machine can run: `system.info`, with provider probes streamed in as they finish. */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { ProviderStatus, SystemInfo } from '../../../shared/system';
import { useApi, useConnection } from '../api';

export const useSystemStore = defineStore('system', () => {
  const api = useApi();
  const info = ref<SystemInfo | null>(null);
  const probed = ref<ProviderStatus[]>([]);
  const loading = ref(false);
  const error = ref<string | null>(null);
  const connection = useConnection();

  api.on('system.providerProbed', (status) => {
    probed.value = [...probed.value.filter((p) => p.name !== status.name), status];
  });

  /** The provider `auto` resolves to, once known (for a job of the default preset). */
  const device = computed(() => info.value?.defaultProvider ?? null);

  /**
   * What `auto` means here, for a label: "cpu", or for another preset than the one measured
   * "cpu for tiny; base is measured when the job starts" (auto takes the fastest for a job's preset).
   */
  function autoMeans(preset?: string): string | null {
    if (!info.value) return null;
    const { defaultProvider, autoPreset } = info.value;
    return preset && preset !== autoPreset
      ? `${defaultProvider} for ${autoPreset}; ${preset} is measured when the job starts`
      : defaultProvider;
  }

  async function load(refresh = false): Promise<void> {
    loading.value = true;
    error.value = null;
    if (refresh) probed.value = [];
    try {
      info.value = await api.invoke('system.info', refresh ? { refresh } : {});
      probed.value = [...info.value.providers];
    } catch (err) {
      error.value = err instanceof Error ? err.message : String(err);
    } finally {
      loading.value = false;
    }
  }

  return { info, probed, loading, error, connection, device, autoMeans, load };
});
