/**
 * The Settings page's data: the engine's settings (`settings.get` / `settings.set`: runs folder,
 * default device, threads) and the colour theme, a preference of this window kept in localStorage.
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { Settings } from '../../../shared/settings';
import { useApi } from '../api';

export const THEMES = ['system', 'light', 'dark'] as const;
export type ThemePreference = (typeof THEMES)[number];

/** The localStorage key of the theme preference. */
export const THEME_KEY = 'stacklab.theme';

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

function storedTheme(): ThemePreference {
  try {
    const t = localStorage.getItem(THEME_KEY);
    return (THEMES as readonly (string | null)[]).includes(t) ? (t as ThemePreference) : 'system';
  } catch {
    return 'system';
  }
}

export const useSettingsStore = defineStore('settings', () => {
  const api = useApi();
  const settings = ref<Settings | null>(null);
  const loading = ref(false);
  const saving = ref(false);
  const error = ref<string | null>(null);
  /** Set after a successful save, cleared by the next change. */
  const saved = ref(false);

  const theme = ref<ThemePreference>(storedTheme());
  const query = typeof window.matchMedia === 'function' ? window.matchMedia('(prefers-color-scheme: dark)') : null;
  const systemDark = ref(query?.matches ?? false);
  query?.addEventListener?.('change', (e) => (systemDark.value = e.matches));
  /** The theme in effect ('system' resolved), for what CSS cannot reach (chart colours). */
  const effectiveTheme = computed<'light' | 'dark'>(() =>
    theme.value === 'system' ? (systemDark.value ? 'dark' : 'light') : theme.value,
  );

  /** `data-theme` on <html>: the stylesheet applies [data-theme=light|dark], 'system' follows the OS. */
  function applyTheme(): void {
    document.documentElement.dataset.theme = theme.value;
  }

  function setTheme(t: ThemePreference): void {
    theme.value = t;
    try {
      localStorage.setItem(THEME_KEY, t);
    } catch {
      // Storage can be disabled; the choice then lasts until the window closes.
    }
    applyTheme();
  }

  /** Cycles system → light → dark (the header's toggle). */
  function cycleTheme(): void {
    setTheme(THEMES[(THEMES.indexOf(theme.value) + 1) % THEMES.length]!);
  }

  async function load(): Promise<void> {
    loading.value = true;
    error.value = null;
    try {
      settings.value = await api.invoke('settings.get', {});
    } catch (err) {
      error.value = `Could not read the settings: ${message(err)}`;
    } finally {
      loading.value = false;
    }
  }

  /** Saves a change; resolves to whether the engine accepted it (else `error` says why). */
  async function save(change: Partial<Settings>): Promise<boolean> {
    saving.value = true;
    saved.value = false;
    error.value = null;
    try {
      settings.value = await api.invoke('settings.set', change);
      saved.value = true;
      return true;
    } catch (err) {
      error.value = `Could not save the settings: ${message(err)}`;
      return false;
    } finally {
      saving.value = false;
    }
  }

  applyTheme();
  return { settings, loading, saving, error, saved, theme, effectiveTheme, setTheme, cycleTheme, load, save };
});
