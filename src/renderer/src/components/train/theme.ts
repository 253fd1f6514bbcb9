/**
 * Colours for the training charts and cards. A canvas cannot read CSS variables, so the axis
 * colours are read from the app's variables (--text, --muted, --line) and read again when the
 * theme changes: the app's choice (data-theme="light" | "dark" on <html>) or else the system's. Variant colours come from the Okabe–Ito palette
 * (distinguishable with colour-blindness), a lighter shade of each on dark backgrounds.
 */
import { onBeforeUnmount, onMounted, ref, type Ref } from 'vue';
import type { VariantName } from '../../../../shared/jobs';

export interface ChartTheme {
  readonly dark: boolean;
  readonly text: string;
  readonly muted: string;
  readonly line: string;
}

const VARIANT_COLORS: Readonly<Record<VariantName, { readonly light: string; readonly dark: string }>> = {
  baseline: { light: '#0072b2', dark: '#56b4e9' },
  gradstack: { light: '#c77c00', dark: '#e69f00' },
  midas: { light: '#009e73', dark: '#2fd3a3' },
  gstack: { light: '#b4589a', dark: '#cc79a7' },
  progressive: { light: '#d55e00', dark: '#f5854a' },
};

const FALLBACK = { light: { text: '#1b2430', muted: '#5b6675', line: '#d8dde4' }, dark: { text: '#e6edf3', muted: '#9aa6b2', line: '#2d3642' } };

/** A run name's colour: its variant's; a FLOP-matched baseline ("baseline≈midas") takes the baseline's. */
export function variantColor(name: string, theme: Pick<ChartTheme, 'dark'>): string {
  const variant = (name.split('≈')[0] ?? name) as VariantName;
  const c = VARIANT_COLORS[variant] ?? VARIANT_COLORS.baseline;
  return theme.dark ? c.dark : c.light;
}

const darkQuery = () => (typeof window !== 'undefined' && typeof window.matchMedia === 'function' ? window.matchMedia('(prefers-color-scheme: dark)') : null);

/** Dark when the app says so, or when it leaves the choice to the system and the system is dark. */
function isDark(): boolean {
  const chosen = typeof document !== 'undefined' ? document.documentElement.dataset.theme : undefined;
  if (chosen === 'dark' || chosen === 'light') return chosen === 'dark';
  return darkQuery()?.matches ?? false;
}

/** The current theme from the document's CSS variables. */
export function readTheme(): ChartTheme {
  const dark = isDark();
  const fb = dark ? FALLBACK.dark : FALLBACK.light;
  const css = typeof document !== 'undefined' ? getComputedStyle(document.documentElement) : null;
  const v = (name: string, fallback: string) => css?.getPropertyValue(name).trim() || fallback;
  return { dark, text: v('--text', fb.text), muted: v('--muted', fb.muted), line: v('--line', fb.line) };
}

/** The theme, kept current while the component is mounted. */
export function useChartTheme(): Ref<ChartTheme> {
  const theme = ref<ChartTheme>(readTheme());
  const media = darkQuery();
  const update = () => (theme.value = readTheme());
  let observer: MutationObserver | null = null;
  onMounted(() => {
    update();
    media?.addEventListener?.('change', update);
    if (typeof MutationObserver !== 'undefined') {
      observer = new MutationObserver(update);
      observer.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme', 'class', 'style'] });
    }
  });
  onBeforeUnmount(() => {
    media?.removeEventListener?.('change', update);
    observer?.disconnect();
  });
  return theme;
}
