/**
 * The theme's colours for canvas drawing, which cannot read CSS variables: resolved from
 * styles.css's variables (--text, --muted, --line, --bad), and read again when the theme changes:
 * the app's choice (data-theme="light" | "dark" on <html>) or else the system's light/dark switch.
 * Used by every chart of the renderer (Import's channel plot, Train's loss charts).
 */
import { onBeforeUnmount, onMounted, ref, type Ref } from 'vue';

export interface ThemeColors {
  /** Whether the theme in effect is dark (the app's choice, else the system's). */
  readonly dark: boolean;
  readonly text: string;
  readonly muted: string;
  readonly line: string;
  readonly bad: string;
}

/** Values used where styles.css is not loaded (component tests). */
const FALLBACK: Readonly<Record<'light' | 'dark', Omit<ThemeColors, 'dark'>>> = {
  light: { text: '#1b2430', muted: '#5b6675', line: '#d8dde4', bad: '#c62828' },
  dark: { text: '#e6edf3', muted: '#9aa6b2', line: '#2d3642', bad: '#f85149' },
};

const darkQuery = () =>
  typeof window !== 'undefined' && typeof window.matchMedia === 'function'
    ? window.matchMedia('(prefers-color-scheme: dark)')
    : null;

/** Dark when the app says so, or when it leaves the choice to the system and the system is dark. */
export function isDarkTheme(): boolean {
  const chosen = typeof document !== 'undefined' ? document.documentElement.dataset.theme : undefined;
  if (chosen === 'dark' || chosen === 'light') return chosen === 'dark';
  return darkQuery()?.matches ?? false;
}

/** The current theme colours from the document's CSS variables. */
export function readThemeColors(): ThemeColors {
  const dark = isDarkTheme();
  const fb = FALLBACK[dark ? 'dark' : 'light'];
  const css = typeof document !== 'undefined' ? getComputedStyle(document.documentElement) : null;
  const v = (name: string, fallback: string) => css?.getPropertyValue(name).trim() || fallback;
  return {
    dark,
    text: v('--text', fb.text),
    muted: v('--muted', fb.muted),
    line: v('--line', fb.line),
    bad: v('--bad', fb.bad),
  };
}

/** The theme colours, kept current while the component is mounted (call inside setup). */
export function useThemeColors(): Ref<ThemeColors> {
  const colors = ref<ThemeColors>(readThemeColors());
  const update = () => {
    colors.value = readThemeColors();
  };
  const media = darkQuery();
  media?.addEventListener?.('change', update);
  const observer =
    typeof MutationObserver === 'function' && typeof document !== 'undefined' ? new MutationObserver(update) : null;
  observer?.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme', 'class', 'style'] });
  // The stylesheet may only apply once the component is in the document.
  onMounted(update);
  onBeforeUnmount(() => {
    media?.removeEventListener?.('change', update);
    observer?.disconnect();
  });
  return colors;
}
