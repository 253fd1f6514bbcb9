/**
 * The theme's colours for canvas drawing, which cannot read CSS variables: resolved from
 * styles.css's variables, and again when the theme changes (the system's light/dark switch, or
 * an attribute such as data-theme set on <html> by the app).
 */
import { onBeforeUnmount, ref, type Ref } from 'vue';

export interface ThemeColors {
  readonly text: string;
  readonly muted: string;
  readonly line: string;
  readonly bad: string;
}

/** Light-theme values, used where styles.css is not loaded (component tests). */
const FALLBACK: ThemeColors = { text: '#1b2430', muted: '#5b6675', line: '#d8dde4', bad: '#c62828' };

function read(): ThemeColors {
  const style = getComputedStyle(document.documentElement);
  const get = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  return { text: get('--text', FALLBACK.text), muted: get('--muted', FALLBACK.muted), line: get('--line', FALLBACK.line), bad: get('--bad', FALLBACK.bad) };
}

/** The current theme colours, kept current while the component is mounted (call inside setup). */
export function useThemeColors(): Ref<ThemeColors> {
  const colors = ref<ThemeColors>(read());
  const media = typeof window.matchMedia === 'function' ? window.matchMedia('(prefers-color-scheme: dark)') : null;
  const update = () => {
    colors.value = read();
  };
  media?.addEventListener?.('change', update);
  const observer = typeof MutationObserver === 'function' ? new MutationObserver(update) : null;
  observer?.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme', 'class', 'style'] });
  onBeforeUnmount(() => {
    media?.removeEventListener?.('change', update);
    observer?.disconnect();
  });
  return colors;
}

/**
 * Line colours for channels: Tableau 10 without its red (red is the anomaly shading), readable
 * on both themes. Past nine channels the colours repeat with a dash pattern.
 */
export const CHANNEL_COLORS = ['#4e79a7', '#f28e2b', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'] as const;

export function channelStyle(i: number): { color: string; dash: number[] } {
  const cycle = Math.floor(i / CHANNEL_COLORS.length);
  const dashes = [[], [6, 3], [2, 2], [8, 3, 2, 3]];
  return { color: CHANNEL_COLORS[i % CHANNEL_COLORS.length]!, dash: dashes[cycle % dashes.length]! };
}
